/* test_lockfree.c - the Michael-Scott queue and Treiber's stack with quiescent
 * reclamation: against a model on one thread, linearizable under threads,
 * nothing lost or duplicated under load, each producer's order kept by the
 * queue, and every popped node retired, then freed by collect (memcheck
 * checks that nothing leaks). */
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "env.h"
#include "lincheck.h"
#include "msqueue.h"
#include "prop.h"
#include "reclaim.h"
#include "test.h"
#include "threads.h"
#include "treiber.h"

/* ---- one thread, against a model ---- */

static enum prop_result against_model(struct prop_source *s, void *env)
{
    bool stack = env != NULL;
    struct reclaim_domain d;
    reclaim_init(&d, RECLAIM_QUIESCENT);
    struct msqueue q;
    struct treiber t;
    if (stack)
        treiber_init(&t, &d);
    else if (msqueue_init(&q, &d) != 0)
        return PROP_DISCARD;
    uint64_t model[256];
    size_t head = 0, len = 0, pops = 0;
    enum prop_result result = PROP_PASS;
    for (uint64_t next = 1; result == PROP_PASS && len < 200 && prop_more(s, 40); next++) {
        if (prop_bool(s)) {
            prop_log(s, " push(%llu)", (unsigned long long)next);
            if ((stack ? treiber_push(&t, next) : msqueue_push(&q, next)) != 0)
                result = PROP_DISCARD;
            model[(head + len++) % 256] = next;
        } else {
            uint64_t got = 0;
            bool ok = stack ? treiber_try_pop(&t, &got) : msqueue_try_pop(&q, &got);
            uint64_t want = len == 0 ? 0 : stack ? model[(head + len - 1) % 256] : model[head];
            prop_log(s, " pop->%d:%llu", ok, (unsigned long long)got);
            if (ok != (len > 0) || (ok && got != want)) {
                prop_log(s, " but the model says %s%llu", len ? "" : "empty ",
                         (unsigned long long)want);
                result = PROP_FAIL;
            } else if (ok) {
                pops++;
                if (stack)
                    len--;
                else
                    head = (head + 1) % 256, len--;
            }
        }
    }
    if (result == PROP_PASS && reclaim_pending(&d) != pops) {
        prop_log(s, " %llu nodes retired, %zu pops", (unsigned long long)reclaim_pending(&d), pops);
        result = PROP_FAIL;
    }
    reclaim_collect(&d);
    if (stack)
        treiber_destroy(&t);
    else
        msqueue_destroy(&q);
    return result;
}

static int stack_flag;
PROPERTY(lockfree, msqueue_agrees_with_a_model, against_model, NULL)
PROPERTY(lockfree, treiber_agrees_with_a_model, against_model, &stack_flag)

/* ---- linearizability ---- */

struct lin_obj {
    struct reclaim_domain d;
    struct msqueue q;
    struct treiber t;
};

static void *lin_new(void)
{
    struct lin_obj *o = malloc(sizeof *o);
    if (o == NULL)
        return NULL;
    reclaim_init(&o->d, RECLAIM_QUIESCENT);
    treiber_init(&o->t, &o->d);
    if (msqueue_init(&o->q, &o->d) != 0) {
        free(o);
        return NULL;
    }
    return o;
}

static void lin_free(void *p)
{
    struct lin_obj *o = p;
    reclaim_collect(&o->d); /* the threads are joined: quiescent */
    msqueue_destroy(&o->q);
    treiber_destroy(&o->t);
    free(o);
}

static int64_t lin_queue_apply(void *p, int op, int64_t arg)
{
    struct lin_obj *o = p;
    if (op == LIN_Q_ENQ)
        return msqueue_push(&o->q, (uint64_t)arg);
    uint64_t v;
    return msqueue_try_pop(&o->q, &v) ? (int64_t)v : -1;
}

static int64_t lin_stack_apply(void *p, int op, int64_t arg)
{
    struct lin_obj *o = p;
    if (op == LIN_S_PUSH)
        return treiber_push(&o->t, (uint64_t)arg);
    uint64_t v;
    return treiber_try_pop(&o->t, &v) ? (int64_t)v : -1;
}

TEST(lockfree, msqueue_is_linearizable, .timeout = 120)
{
    static const unsigned mix[] = {1, 1};
    struct lin_target t = {&lin_queue, lin_new, lin_free, lin_queue_apply, 1, 99, mix, 2, NULL};
    struct lin_run_config c = {.threads = 3, .ops_per_thread = 8,
                               .runs = (unsigned)lab_scaled(300), .seed = 31, .yields = true};
    struct lin_run_report r;
    ASSERT_EQ(lin_run(&t, &c, &r), 0, "%s", r.history);
    ASSERT_EQ(r.runs, c.runs);
}

TEST(lockfree, treiber_is_linearizable, .timeout = 120)
{
    static const unsigned mix[] = {1, 1};
    struct lin_target t = {&lin_stack, lin_new, lin_free, lin_stack_apply, 1, 99, mix, 2, NULL};
    struct lin_run_config c = {.threads = 3, .ops_per_thread = 8,
                               .runs = (unsigned)lab_scaled(300), .seed = 37, .yields = true};
    struct lin_run_report r;
    ASSERT_EQ(lin_run(&t, &c, &r), 0, "%s", r.history);
    ASSERT_EQ(r.runs, c.runs);
}

/* ---- under load ---- */

enum { PRODUCERS = 2, CONSUMERS = 2 };

struct load {
    struct reclaim_domain d;
    struct msqueue q;
    struct treiber t;
    bool stack;
    uint64_t per_producer;
    _Atomic uint64_t consumed, sum;
    _Atomic int out_of_order;
};

static void *load_side(size_t id, void *arg)
{
    struct load *l = arg;
    if (id < PRODUCERS) {
        for (uint64_t n = 1; n <= l->per_producer; n++)
            if ((l->stack ? treiber_push(&l->t, (uint64_t)id << 32 | n)
                         : msqueue_push(&l->q, (uint64_t)id << 32 | n)) != 0)
                return "out of memory";
        return NULL;
    }
    uint64_t last[PRODUCERS] = {0};
    while (atomic_load(&l->consumed) < PRODUCERS * l->per_producer) {
        uint64_t v;
        if (!(l->stack ? treiber_try_pop(&l->t, &v) : msqueue_try_pop(&l->q, &v))) {
            sched_yield();
            continue;
        }
        uint64_t from = v >> 32, n = v & 0xffffffff;
        /* the queue keeps each producer's order; the stack does not */
        if (from >= PRODUCERS || (!l->stack && n <= last[from]))
            atomic_fetch_add(&l->out_of_order, 1);
        else
            last[from] = n;
        atomic_fetch_add(&l->sum, n);
        atomic_fetch_add(&l->consumed, 1);
    }
    return NULL;
}

static void under_load(bool stack)
{
    static struct load l;
    l = (struct load){.stack = stack, .per_producer = lab_scaled(100000)};
    reclaim_init(&l.d, RECLAIM_QUIESCENT);
    treiber_init(&l.t, &l.d);
    ASSERT_EQ(msqueue_init(&l.q, &l.d), 0);
    struct lab_threads ts;
    ASSERT_EQ(lab_threads_start(&ts, PRODUCERS + CONSUMERS, load_side, &l, 0), 0);
    const char *err = lab_threads_join(&ts);
    ASSERT(err == NULL, "%s", err);
    uint64_t n = l.per_producer;
    ASSERT_EQ(atomic_load(&l.out_of_order), 0);
    ASSERT_EQ(atomic_load(&l.sum), PRODUCERS * (n * (n + 1) / 2), "every value exactly once");
    uint64_t v;
    ASSERT(!(stack ? treiber_try_pop(&l.t, &v) : msqueue_try_pop(&l.q, &v)), "empty at the end");
    /* every pop retired one node; quiescent now, so collect frees them all */
    ASSERT_EQ(reclaim_pending(&l.d), PRODUCERS * n);
    ASSERT_EQ(reclaim_collect(&l.d), PRODUCERS * n);
    ASSERT_EQ(reclaim_pending(&l.d), 0);
    msqueue_destroy(&l.q);
    treiber_destroy(&l.t);
}

TEST(lockfree, msqueue_under_load_keeps_order_and_loses_nothing, .timeout = 120)
{
    under_load(false);
}

TEST(lockfree, treiber_under_load_loses_nothing, .timeout = 120) { under_load(true); }
