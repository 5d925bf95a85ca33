/* test_lockfree.c - the Michael-Scott queue and Treiber's stack under each
 * reclamation scheme (quiescent, hazard pointers, epochs): against a model on
 * one thread, linearizable under threads, nothing lost or duplicated under
 * load, each producer's order kept by the queue, every popped node retired
 * and, at a quiescent point, freed (memcheck and ASan check that nothing
 * leaks and nothing freed is read). */
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "env.h"
#include "lincheck.h"
#include "load_mpmc.h"
#include "msqueue.h"
#include "prop.h"
#include "reclaim.h"
#include "test.h"
#include "threads.h"
#include "treiber.h"

/* ---- one thread, against a model ---- */

struct variant {
    bool stack;
    enum reclaim_kind kind;
};

static enum prop_result against_model(struct prop_source *s, void *env)
{
    const struct variant *v = env;
    bool stack = v->stack;
    struct reclaim_domain d;
    if (reclaim_init(&d, v->kind) != 0)
        return PROP_DISCARD;
    struct msqueue q;
    struct treiber t;
    if (stack) {
        treiber_init(&t, &d);
    } else if (msqueue_init(&q, &d) != 0) {
        reclaim_destroy(&d);
        return PROP_DISCARD;
    }
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
    /* every pop retired a node; one thread, no operation in flight: a
     * collect frees them all, whatever the scheme */
    reclaim_collect(&d);
    if (result == PROP_PASS && reclaim_pending(&d) != 0) {
        prop_log(s, " %zu pops, %llu nodes still unreclaimed after collect", pops,
                 (unsigned long long)reclaim_pending(&d));
        result = PROP_FAIL;
    }
    if (stack)
        treiber_destroy(&t);
    else
        msqueue_destroy(&q);
    reclaim_destroy(&d);
    return result;
}

static const struct variant queue_q = {false, RECLAIM_QUIESCENT},
                            stack_q = {true, RECLAIM_QUIESCENT};
static const struct variant queue_hp = {false, RECLAIM_HP}, stack_hp = {true, RECLAIM_HP};
static const struct variant queue_ebr = {false, RECLAIM_EBR}, stack_ebr = {true, RECLAIM_EBR};
PROPERTY(lockfree, msqueue_agrees_with_a_model, against_model, (void *)&queue_q)
PROPERTY(lockfree, treiber_agrees_with_a_model, against_model, (void *)&stack_q)
PROPERTY(lockfree, msqueue_hp_agrees_with_a_model, against_model, (void *)&queue_hp)
PROPERTY(lockfree, treiber_hp_agrees_with_a_model, against_model, (void *)&stack_hp)
PROPERTY(lockfree, msqueue_ebr_agrees_with_a_model, against_model, (void *)&queue_ebr)
PROPERTY(lockfree, treiber_ebr_agrees_with_a_model, against_model, (void *)&stack_ebr)

/* ---- linearizability ---- */

struct lin_obj {
    struct reclaim_domain d;
    struct msqueue q;
    struct treiber t;
};

/* The scheme the linearizability test in progress uses (lin_new takes no
 * argument; the tests of one file run one after another). */
static enum reclaim_kind lin_kind;

static void *lin_new(void)
{
    /* The queue keeps head and tail on lines of their own (alignas 64), more
     * than malloc promises (alignof(max_align_t): 16 on x86-64). sizeof is a
     * multiple of the alignment, as aligned_alloc wants. */
    struct lin_obj *o = aligned_alloc(alignof(struct lin_obj), sizeof *o);
    if (o == NULL)
        return NULL;
    if (reclaim_init(&o->d, lin_kind) != 0) {
        free(o);
        return NULL;
    }
    treiber_init(&o->t, &o->d);
    if (msqueue_init(&o->q, &o->d) != 0) {
        reclaim_destroy(&o->d);
        free(o);
        return NULL;
    }
    return o;
}

static void lin_free(void *p)
{
    struct lin_obj *o = p;
    msqueue_destroy(&o->q);
    treiber_destroy(&o->t);
    reclaim_destroy(&o->d); /* the threads are joined: quiescent */
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

static void linearizable(enum reclaim_kind kind, bool stack, uint64_t seed)
{
    static const unsigned mix[] = {1, 1};
    lin_kind = kind;
    struct lin_target t = {stack ? &lin_stack : &lin_queue,
                           lin_new,
                           lin_free,
                           stack ? lin_stack_apply : lin_queue_apply,
                           1,
                           99,
                           mix,
                           2,
                           NULL};
    struct lin_run_config c = {.threads = 3,
                               .ops_per_thread = 8,
                               .runs = (unsigned)lab_scaled(300),
                               .seed = seed,
                               .yields = true};
    struct lin_run_report r;
    ASSERT_EQ(lin_run(&t, &c, &r), 0, "%s", r.history);
    ASSERT_EQ(r.runs, c.runs);
}

TEST(lockfree, msqueue_is_linearizable, .timeout = 120)
{
    linearizable(RECLAIM_QUIESCENT, false, 31);
}
TEST(lockfree, treiber_is_linearizable, .timeout = 120)
{
    linearizable(RECLAIM_QUIESCENT, true, 37);
}
TEST(lockfree, msqueue_hp_is_linearizable, .timeout = 120)
{
    linearizable(RECLAIM_HP, false, 41);
}
TEST(lockfree, treiber_hp_is_linearizable, .timeout = 120)
{
    linearizable(RECLAIM_HP, true, 43);
}
TEST(lockfree, msqueue_ebr_is_linearizable, .timeout = 120)
{
    linearizable(RECLAIM_EBR, false, 47);
}
TEST(lockfree, treiber_ebr_is_linearizable, .timeout = 120)
{
    linearizable(RECLAIM_EBR, true, 53);
}

/* ---- under load ---- */

static bool q_push(void *q, uint64_t v)
{
    return msqueue_push(q, v) == 0;
}
static bool q_pop(void *q, uint64_t *v)
{
    return msqueue_try_pop(q, v);
}
static bool s_push(void *s, uint64_t v)
{
    return treiber_push(s, v) == 0;
}
static bool s_pop(void *s, uint64_t *v)
{
    return treiber_try_pop(s, v);
}

static void under_load(enum reclaim_kind kind, bool stack)
{
    static struct reclaim_domain d;
    static struct msqueue q;
    static struct treiber s;
    ASSERT_EQ(reclaim_init(&d, kind), 0);
    treiber_init(&s, &d);
    ASSERT_EQ(msqueue_init(&q, &d), 0);
    struct load_target t = stack ? (struct load_target){&s, s_push, s_pop, false}
                                 : (struct load_target){&q, q_push, q_pop, true};
    struct load_result r;
    const char *err = load_mpmc_run(&t, 2, 2, lab_scaled(100000), &r);
    ASSERT(err == NULL, "%s", err);
    ASSERT_EQ(r.out_of_order, 0);
    ASSERT_EQ(r.sum, r.expected_sum, "every value exactly once");
    uint64_t v;
    ASSERT(!(stack ? treiber_try_pop(&s, &v) : msqueue_try_pop(&q, &v)), "empty at the end");
    if (kind == RECLAIM_QUIESCENT) {
        /* every pop retired one node and nothing was freed while threads ran;
         * quiescent now, so collect frees them all */
        ASSERT_EQ(reclaim_pending(&d), r.consumed);
        ASSERT_EQ(reclaim_collect(&d), r.consumed);
    } else if (kind == RECLAIM_HP) {
        /* hazard pointers freed while the threads ran, and their garbage is
         * bounded: what is left is within N x R */
        uint64_t bound = atomic_load(&d.hp.nlocals) * hp_threshold(&d.hp);
        ASSERT(reclaim_pending(&d) <= bound, "%llu nodes unreclaimed, bound %llu",
               (unsigned long long)reclaim_pending(&d), (unsigned long long)bound);
        reclaim_collect(&d);
    } else {
        /* epochs bound nothing: a consumer descheduled while pinned (valgrind
         * runs one thread at a time) can hold back every free of the run;
         * once the threads are gone, a collect frees it all */
        reclaim_collect(&d);
    }
    ASSERT_EQ(reclaim_pending(&d), 0);
    msqueue_destroy(&q);
    treiber_destroy(&s);
    reclaim_destroy(&d);
}

TEST(lockfree, msqueue_under_load_keeps_order_and_loses_nothing, .timeout = 120)
{
    under_load(RECLAIM_QUIESCENT, false);
}
TEST(lockfree, treiber_under_load_loses_nothing, .timeout = 120)
{
    under_load(RECLAIM_QUIESCENT, true);
}
TEST(lockfree, msqueue_hp_under_load_keeps_order_and_loses_nothing, .timeout = 120)
{
    under_load(RECLAIM_HP, false);
}
TEST(lockfree, treiber_hp_under_load_loses_nothing, .timeout = 120)
{
    under_load(RECLAIM_HP, true);
}
TEST(lockfree, msqueue_ebr_under_load_keeps_order_and_loses_nothing, .timeout = 120)
{
    under_load(RECLAIM_EBR, false);
}
TEST(lockfree, treiber_ebr_under_load_loses_nothing, .timeout = 120)
{
    under_load(RECLAIM_EBR, true);
}
