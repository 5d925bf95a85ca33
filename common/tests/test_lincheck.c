/*
 * test_lincheck.c - the linearizability checker on hand-written histories, and
 * the concurrent driver on a correct queue and on one with a planted race.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "env.h"
#include "lin_queues.h"
#include "lincheck.h"
#include "test.h"

#define OP(t, o, a, r, c, e)                                                                       \
    {                                                                                              \
        .thread = t, .op = o, .arg = a, .ret = r, .call = c, .ret_time = e                         \
    }

static bool linearizable(const struct lin_model *m, const struct lin_op *ops, size_t n)
{
    struct lin_result r;
    ASSERT_EQ(lin_check(m, ops, n, &r), 0);
    return r.linearizable;
}

TEST(lincheck, register_histories)
{
    const struct lin_op overlapping[] = {OP(0, LIN_REG_WRITE, 1, 0, 0, 10),
                                         OP(1, LIN_REG_READ, 0, 1, 5, 15)};
    ASSERT(linearizable(&lin_register, overlapping, 2), "a read overlapping the write may see it");
    const struct lin_op early[] = {OP(0, LIN_REG_WRITE, 1, 0, 0, 10),
                                   OP(1, LIN_REG_READ, 0, 0, 5, 15)};
    ASSERT(linearizable(&lin_register, early, 2), "... or not");
    const struct lin_op stale[] = {OP(0, LIN_REG_WRITE, 1, 0, 0, 10),
                                   OP(1, LIN_REG_READ, 0, 0, 20, 30)};
    ASSERT(!linearizable(&lin_register, stale, 2), "a read after the write returned must see it");
}

TEST(lincheck, queue_dequeues_what_was_not_yet_enqueued)
{
    /* The dequeue returned 2 and completed before enq(2) was even called. */
    const struct lin_op h[] = {OP(1, LIN_Q_DEQ, 0, 2, 0, 5), OP(0, LIN_Q_ENQ, 2, 0, 10, 20)};
    ASSERT(!linearizable(&lin_queue, h, 2));
    const struct lin_op ok[] = {OP(0, LIN_Q_ENQ, 2, 0, 0, 10), OP(1, LIN_Q_DEQ, 0, 2, 5, 15)};
    ASSERT(linearizable(&lin_queue, ok, 2));
}

TEST(lincheck, queue_and_stack_order)
{
    const struct lin_op fifo_broken[] = {OP(0, LIN_Q_ENQ, 1, 0, 0, 1), OP(0, LIN_Q_ENQ, 2, 0, 2, 3),
                                         OP(1, LIN_Q_DEQ, 0, 2, 4, 5)};
    ASSERT(!linearizable(&lin_queue, fifo_broken, 3));
    const struct lin_op fifo_concurrent[] = {
        OP(0, LIN_Q_ENQ, 1, 0, 0, 10), OP(1, LIN_Q_ENQ, 2, 0, 0, 10),
        OP(2, LIN_Q_DEQ, 0, 2, 11, 12), OP(2, LIN_Q_DEQ, 0, 1, 13, 14),
        OP(2, LIN_Q_DEQ, 0, -1, 15, 16)};
    ASSERT(linearizable(&lin_queue, fifo_concurrent, 5), "concurrent enqueues in either order");
    const struct lin_op lifo[] = {OP(0, LIN_S_PUSH, 1, 0, 0, 1), OP(0, LIN_S_PUSH, 2, 0, 2, 3),
                                  OP(1, LIN_S_POP, 0, 2, 4, 5), OP(1, LIN_S_POP, 0, 1, 6, 7)};
    ASSERT(linearizable(&lin_stack, lifo, 4));
    const struct lin_op not_lifo[] = {OP(0, LIN_S_PUSH, 1, 0, 0, 1), OP(0, LIN_S_PUSH, 2, 0, 2, 3),
                                      OP(1, LIN_S_POP, 0, 1, 4, 5)};
    ASSERT(!linearizable(&lin_stack, not_lifo, 3));
}

TEST(lincheck, lost_update_on_a_counter)
{
    /* Two concurrent increments that both saw 0: one of them was lost. */
    const struct lin_op lost[] = {OP(0, LIN_CTR_ADD, 1, 0, 0, 10), OP(1, LIN_CTR_ADD, 1, 0, 0, 10),
                                  OP(2, LIN_CTR_GET, 0, 1, 20, 30)};
    ASSERT(!linearizable(&lin_counter, lost, 3));
    const struct lin_op fine[] = {OP(0, LIN_CTR_ADD, 1, 0, 0, 10), OP(1, LIN_CTR_ADD, 1, 1, 0, 10),
                                  OP(2, LIN_CTR_GET, 0, 2, 20, 30)};
    ASSERT(linearizable(&lin_counter, fine, 3));
}

TEST(lincheck, set_histories)
{
    const struct lin_op twice[] = {OP(0, LIN_SET_ADD, 3, 1, 0, 10),
                                   OP(1, LIN_SET_ADD, 3, 1, 5, 15)};
    ASSERT(!linearizable(&lin_set, twice, 2), "only one add of 3 can insert it");
    const struct lin_op ok[] = {OP(0, LIN_SET_ADD, 3, 1, 0, 10), OP(1, LIN_SET_ADD, 3, 0, 5, 15),
                                OP(1, LIN_SET_CONTAINS, 3, 1, 16, 17),
                                OP(0, LIN_SET_REMOVE, 3, 1, 18, 19)};
    ASSERT(linearizable(&lin_set, ok, 4));
}

TEST(lincheck, sequential_history_of_64_ops)
{
    struct lin_op h[LIN_MAX_OPS];
    for (int i = 0; i < LIN_MAX_OPS; i++) /* enq 0..31, then deq them in order */
        h[i] = (struct lin_op)OP(i % 3, i < 32 ? LIN_Q_ENQ : LIN_Q_DEQ, i < 32 ? i : 0,
                                 i < 32 ? 0 : i - 32, (uint64_t)(2 * i), (uint64_t)(2 * i + 1));
    struct lin_result r;
    ASSERT_EQ(lin_check(&lin_queue, h, LIN_MAX_OPS, &r), 0);
    ASSERT(r.linearizable);
    for (int i = 0; i < LIN_MAX_OPS; i++)
        ASSERT_EQ(r.order[i], i, "the only order of a sequential history");
    ASSERT_EQ(lin_check(&lin_queue, h, LIN_MAX_OPS + 1, &r), -1, "too many operations");
}

/* ---- a queue, correct and with a planted race (lin_queues.h) ---------------------------- */

static const unsigned enq_deq[] = {3, 2};

TEST(lincheck, mutex_queue_is_always_linearizable, .timeout = 120)
{
    struct lin_target t = {&lin_queue, mutex_queue_new, queue_free, queue_apply, 1,
                           99,         enq_deq,         2,          NULL};
    struct lin_run_config c = {.threads = 3,
                               .ops_per_thread = 8,
                               .runs = (unsigned)lab_scaled(300),
                               .seed = 1,
                               .yields = true};
    struct lin_run_report r;
    ASSERT_EQ(lin_run(&t, &c, &r), 0, "%s", r.history);
    ASSERT_EQ(r.runs, c.runs);
}

TEST(lincheck, racy_queue_is_caught, .timeout = 120)
{
    if (lab_emulated() || lab_under_valgrind())
        SKIP("host only: emulation and valgrind serialise the threads and hide the race");
    struct lin_target t = {&lin_queue, racy_queue_new, queue_free, queue_apply, 1,
                           99,         enq_deq,        2,          NULL};
    struct lin_run_config c = {
        .threads = 3, .ops_per_thread = 8, .runs = 500, .seed = 1, .yields = true};
    struct lin_run_report r;
    int bad = lin_run(&t, &c, &r);
    ASSERT_GT(bad, 0, "500 runs and the lost size update never broke linearizability");
    /* the symptom: a dequeue that found "empty" in a queue that was not */
    ASSERT_STR_CONTAINS(r.history, ") -> -1");
}
