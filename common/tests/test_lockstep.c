/* test_lockstep.c - a lockstep runs the threads' steps in the order it is
 * given, whatever the scheduler would have done, and shows the step it is at. */
#include <stdatomic.h>

#include "lockstep.h"
#include "test.h"
#include "threads.h"

enum { THREADS = 3, ROUNDS = 200, STEPS = THREADS * ROUNDS };

struct schedule {
    struct lab_lockstep ls;
    /* who took each step; written by the step's owner only, read after the join */
    _Atomic int taken_by[STEPS];
};

/* Thread id owns steps id, id + T, id + 2T, ...: a round-robin that no free
 * schedule keeps for 600 steps. */
static void *take_my_steps(size_t id, void *arg)
{
    struct schedule *s = arg;
    for (unsigned step = (unsigned)id; step < STEPS; step += THREADS) {
        lab_lockstep_wait(&s->ls, step);
        atomic_store_explicit(&s->taken_by[step], (int)id, memory_order_relaxed);
        lab_lockstep_set(&s->ls, step + 1);
    }
    return NULL;
}

/* Two operations a round, through lab_lockstep_turn: each thread records
 * (round, operation) in the slot of the step it was given. */
static void *take_my_turns(size_t id, void *arg)
{
    struct schedule *s = arg;
    for (uint64_t round = 0; round < ROUNDS / 2; round++)
        for (unsigned op = 0; op < 2; op++) {
            uint32_t turn = lab_lockstep_turn(round, op, 2, THREADS, id);
            lab_lockstep_wait(&s->ls, turn);
            atomic_store_explicit(&s->taken_by[turn], (int)(id * 1000 + round * 2 + op),
                                  memory_order_relaxed);
            lab_lockstep_set(&s->ls, turn + 1);
        }
    return NULL;
}

TEST(lockstep, threads_take_their_steps_in_order, .timeout = 60)
{
    static struct schedule s;
    lab_lockstep_init(&s.ls, 0);
    for (int i = 0; i < STEPS; i++)
        atomic_init(&s.taken_by[i], -1);
    struct lab_threads ts;
    ASSERT_EQ(lab_threads_start(&ts, THREADS, take_my_steps, &s, 0), 0);
    ASSERT_NULL(lab_threads_join(&ts));
    ASSERT_EQ(lab_lockstep_now(&s.ls), STEPS, "every step taken");
    for (int i = 0; i < STEPS; i++)
        ASSERT_EQ(atomic_load(&s.taken_by[i]), i % THREADS, "step %d", i);
}

TEST(lockstep, turns_go_round_each_operation_in_thread_order, .timeout = 60)
{
    static struct schedule s;
    lab_lockstep_init(&s.ls, 0);
    for (int i = 0; i < STEPS; i++)
        atomic_init(&s.taken_by[i], -1);
    struct lab_threads ts;
    ASSERT_EQ(lab_threads_start(&ts, THREADS, take_my_turns, &s, 0), 0);
    ASSERT_NULL(lab_threads_join(&ts));
    ASSERT_EQ(lab_lockstep_now(&s.ls), STEPS, "every turn taken");
    /* A0 B0 C0 A1 B1 C1 of round 0, then round 1, ... */
    for (int i = 0; i < STEPS; i++) {
        int round = i / (2 * THREADS), op = i / THREADS % 2, id = i % THREADS;
        ASSERT_EQ(atomic_load(&s.taken_by[i]), id * 1000 + round * 2 + op, "step %d", i);
    }
}

TEST(lockstep, now_shows_what_was_set)
{
    struct lab_lockstep ls;
    lab_lockstep_init(&ls, 7);
    ASSERT_EQ(lab_lockstep_now(&ls), 7);
    lab_lockstep_wait(&ls, 7); /* already there: returns at once */
    lab_lockstep_set(&ls, 42);
    ASSERT_EQ(lab_lockstep_now(&ls), 42);
}
