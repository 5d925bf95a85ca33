/* test_nodepool.c - the queue and the stack on a type-stable node pool with
 * counted references: against a model on one thread, linearizable under
 * threads, and under load through a pool of 16 nodes, so that every node is
 * given back and reused all the time: nothing lost or duplicated, each
 * producer's order kept by the queue, and the pool whole at the end. */
#include <errno.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "env.h"
#include "lincheck.h"
#include "load_mpmc.h"
#include "nodepool.h"
#include "prop.h"
#include "test.h"
#include "threads.h"

/* Nodes on the free list. */
static uint32_t free_nodes(struct nodepool *p)
{
    uint32_t n = 0;
    for (uint32_t i = nodepool_index(atomic_load(&p->free_head));
         i != NODEPOOL_NULL && n <= p->capacity; i = nodepool_index(atomic_load(&p->nodes[i].next)))
        n++;
    return n;
}

/* ---- one thread, against a model (a pool of 8: pushes run out) ---- */

static enum prop_result against_model(struct prop_source *s, void *env)
{
    bool stack = env != NULL;
    struct nodepool p;
    if (nodepool_init(&p, 8) != 0)
        return PROP_DISCARD;
    struct poolqueue q;
    struct poolstack st;
    uint32_t room = 8;
    if (stack)
        poolstack_init(&st, &p);
    else if (poolqueue_init(&q, &p) == 0)
        room = 7; /* the sentinel takes one */
    uint64_t model[8];
    size_t head = 0, len = 0;
    enum prop_result result = PROP_PASS;
    for (uint64_t next = 1; result == PROP_PASS && prop_more(s, 40); next++) {
        if (prop_bool(s)) {
            int rc = stack ? poolstack_push(&st, next) : poolqueue_push(&q, next);
            prop_log(s, " push(%llu)->%d", (unsigned long long)next, rc);
            if ((rc == 0) != (len < room)) {
                prop_log(s, " but the model holds %zu of %u", len, room);
                result = PROP_FAIL;
            } else if (rc == 0) {
                model[(head + len++) % 8] = next;
            }
        } else {
            uint64_t got = 0;
            bool ok = stack ? poolstack_try_pop(&st, &got) : poolqueue_try_pop(&q, &got);
            uint64_t want = len == 0 ? 0 : stack ? model[(head + len - 1) % 8] : model[head];
            prop_log(s, " pop->%d:%llu", ok, (unsigned long long)got);
            if (ok != (len > 0) || (ok && got != want)) {
                prop_log(s, " but the model says %s%llu", len ? "" : "empty ",
                         (unsigned long long)want);
                result = PROP_FAIL;
            } else if (ok) {
                if (stack)
                    len--;
                else
                    head = (head + 1) % 8, len--;
            }
        }
    }
    if (result == PROP_PASS && free_nodes(&p) != room - len) {
        prop_log(s, " %u nodes free, expected %zu", free_nodes(&p), room - len);
        result = PROP_FAIL;
    }
    nodepool_destroy(&p);
    return result;
}

static int stack_flag;
PROPERTY(nodepool, queue_agrees_with_a_model, against_model, NULL)
PROPERTY(nodepool, stack_agrees_with_a_model, against_model, &stack_flag)

TEST(nodepool, refuses_bad_capacities)
{
    struct nodepool p;
    ASSERT_EQ(nodepool_init(&p, 0), -EINVAL);
    ASSERT_EQ(nodepool_init(&p, NODEPOOL_NULL), -EINVAL);
}

/* ---- ABA, on a schedule ---- */

/* A pop stalled between reading the top and its CAS, replayed by hand: it read
 * top = B with next = A. Meanwhile B and A are popped and given back, and two
 * pushes reuse their nodes, B's index last, so the top is B's index again,
 * now with other contents below it. The stalled CAS (the very word
 * poolstack_try_pop would write) must fail: the tag moved on. With bare
 * indices it would succeed and make A, a node now holding another value
 * under Y, the top. */
TEST(nodepool, a_stalled_pop_loses_its_cas_after_the_node_is_reused)
{
    struct nodepool p;
    ASSERT_EQ(nodepool_init(&p, 4), 0);
    struct poolstack s;
    poolstack_init(&s, &p);
    ASSERT_EQ(poolstack_push(&s, 'A'), 0);
    ASSERT_EQ(poolstack_push(&s, 'B'), 0);
    uint64_t stale_top = atomic_load(&s.top);
    uint64_t stale_next = atomic_load(&p.nodes[nodepool_index(stale_top)].next);
    uint64_t v;
    ASSERT(poolstack_try_pop(&s, &v) && v == 'B');
    ASSERT(poolstack_try_pop(&s, &v) && v == 'A');
    ASSERT_EQ(poolstack_push(&s, 'X'), 0); /* reuses A's node */
    ASSERT_EQ(poolstack_push(&s, 'Y'), 0); /* reuses B's node */
    ASSERT_EQ(nodepool_index(atomic_load(&s.top)), nodepool_index(stale_top),
              "the same index is on top again: the setting for ABA");
    uint64_t want = stale_top;
    ASSERT(
        !atomic_compare_exchange_strong(
            &s.top, &want, nodepool_ref(nodepool_index(stale_next), nodepool_tag(stale_top) + 1)),
        "the stale CAS must fail");
    ASSERT(poolstack_try_pop(&s, &v) && v == 'Y');
    ASSERT(poolstack_try_pop(&s, &v) && v == 'X');
    nodepool_destroy(&p);
}

/* The same for the queue's head: a pop read head = S (the sentinel) and
 * next = N; S and N are reused before its CAS. */
TEST(nodepool, a_stalled_dequeue_loses_its_cas_after_the_node_is_reused)
{
    struct nodepool p;
    ASSERT_EQ(nodepool_init(&p, 4), 0);
    struct poolqueue q;
    ASSERT_EQ(poolqueue_init(&q, &p), 0);
    ASSERT_EQ(poolqueue_push(&q, 1), 0);
    uint64_t stale_head = atomic_load(&q.head);
    uint64_t stale_next = atomic_load(&p.nodes[nodepool_index(stale_head)].next);
    uint64_t v;
    ASSERT(poolqueue_try_pop(&q, &v) && v == 1); /* the sentinel goes back to the pool */
    for (uint64_t k = 2; k < 6; k++) {           /* cycle the nodes until the head index recurs */
        ASSERT_EQ(poolqueue_push(&q, k), 0);
        ASSERT(poolqueue_try_pop(&q, &v) && v == k);
        if (nodepool_index(atomic_load(&q.head)) == nodepool_index(stale_head))
            break;
    }
    ASSERT_EQ(nodepool_index(atomic_load(&q.head)), nodepool_index(stale_head),
              "the old sentinel's index is the head again");
    uint64_t want = stale_head;
    ASSERT(
        !atomic_compare_exchange_strong(
            &q.head, &want, nodepool_ref(nodepool_index(stale_next), nodepool_tag(stale_head) + 1)),
        "the stale CAS must fail");
    nodepool_destroy(&p);
}

/* ---- linearizability ---- */

struct lin_obj {
    struct nodepool p;
    struct poolqueue q;
    struct poolstack s;
};

static void *lin_new(void)
{
    /* The pool, queue and stack keep their heads on lines of their own
     * (alignas 64), more than malloc promises (alignof(max_align_t): 16 on
     * x86-64). sizeof is a multiple of the alignment, as aligned_alloc wants. */
    struct lin_obj *o = aligned_alloc(alignof(struct lin_obj), sizeof *o);
    if (o == NULL || nodepool_init(&o->p, 64) != 0 || poolqueue_init(&o->q, &o->p) != 0) {
        free(o);
        return NULL;
    }
    poolstack_init(&o->s, &o->p);
    return o;
}

static void lin_free(void *p)
{
    struct lin_obj *o = p;
    nodepool_destroy(&o->p);
    free(o);
}

static int64_t lin_queue_apply(void *p, int op, int64_t arg)
{
    struct lin_obj *o = p;
    if (op == LIN_Q_ENQ)
        return poolqueue_push(&o->q, (uint64_t)arg);
    uint64_t v;
    return poolqueue_try_pop(&o->q, &v) ? (int64_t)v : -1;
}

static int64_t lin_stack_apply(void *p, int op, int64_t arg)
{
    struct lin_obj *o = p;
    if (op == LIN_S_PUSH)
        return poolstack_push(&o->s, (uint64_t)arg);
    uint64_t v;
    return poolstack_try_pop(&o->s, &v) ? (int64_t)v : -1;
}

TEST(nodepool, queue_is_linearizable, .timeout = 120)
{
    static const unsigned mix[] = {1, 1};
    struct lin_target t = {&lin_queue, lin_new, lin_free, lin_queue_apply, 1, 99, mix, 2, NULL};
    struct lin_run_config c = {.threads = 3,
                               .ops_per_thread = 8,
                               .runs = (unsigned)lab_scaled(300),
                               .seed = 41,
                               .yields = true};
    struct lin_run_report r;
    ASSERT_EQ(lin_run(&t, &c, &r), 0, "%s", r.history);
}

TEST(nodepool, stack_is_linearizable, .timeout = 120)
{
    static const unsigned mix[] = {1, 1};
    struct lin_target t = {&lin_stack, lin_new, lin_free, lin_stack_apply, 1, 99, mix, 2, NULL};
    struct lin_run_config c = {.threads = 3,
                               .ops_per_thread = 8,
                               .runs = (unsigned)lab_scaled(300),
                               .seed = 43,
                               .yields = true};
    struct lin_run_report r;
    ASSERT_EQ(lin_run(&t, &c, &r), 0, "%s", r.history);
}

/* ---- under load, through 16 nodes ---- */

enum { POOL = 16 };

/* A push refused by an exhausted pool is retried: the pool refills as the
 * consumers give nodes back. */
static bool pq_push(void *q, uint64_t v)
{
    return poolqueue_push(q, v) == 0;
}
static bool pq_pop(void *q, uint64_t *v)
{
    return poolqueue_try_pop(q, v);
}
static bool ps_push(void *s, uint64_t v)
{
    return poolstack_push(s, v) == 0;
}
static bool ps_pop(void *s, uint64_t *v)
{
    return poolstack_try_pop(s, v);
}

static void under_load(bool stack)
{
    static struct nodepool p;
    static struct poolqueue q;
    static struct poolstack s;
    ASSERT_EQ(nodepool_init(&p, POOL), 0);
    if (stack)
        poolstack_init(&s, &p);
    else
        ASSERT_EQ(poolqueue_init(&q, &p), 0);
    struct load_target t = stack ? (struct load_target){&s, ps_push, ps_pop, false}
                                 : (struct load_target){&q, pq_push, pq_pop, true};
    struct load_result r;
    const char *err = load_mpmc_run(&t, 2, 2, lab_scaled(100000), &r);
    ASSERT(err == NULL, "%s", err);
    ASSERT_EQ(r.out_of_order, 0);
    ASSERT_EQ(r.sum, r.expected_sum, "every value exactly once");
    uint64_t v;
    ASSERT(!(stack ? poolstack_try_pop(&s, &v) : poolqueue_try_pop(&q, &v)), "empty");
    ASSERT_EQ(free_nodes(&p), stack ? POOL : POOL - 1, "every node back in the pool");
    nodepool_destroy(&p);
}

TEST(nodepool, queue_through_16_nodes_keeps_order_and_loses_nothing, .timeout = 120)
{
    under_load(false);
}

TEST(nodepool, stack_through_16_nodes_loses_nothing, .timeout = 120)
{
    under_load(true);
}
