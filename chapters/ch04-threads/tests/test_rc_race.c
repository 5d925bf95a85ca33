/* test_rc_race.c - rc_race --lockstep loses exactly what its schedule says:
 * with T threads of N retains then releases, (T - 1) x N references, every
 * run. (The free-running race and --drop --lockstep's use after free are for
 * the detectors: the rows of tests/races.tsv.) */
#include <errno.h>

#include "env.h"
#include "rc_race.h"
#include "test.h"

static long lockstep_count(unsigned threads, unsigned long iters)
{
    struct rc_race_outcome o;
    ASSERT_EQ(rc_race_run(threads, iters, false, true, &o), 0, "the threads started");
    return o.count;
}

/* The exact count needs each step's reads to see the steps before it: x86
 * keeps loads in order and stores in order, and so does qemu; a real ARM core
 * may satisfy the load of the count before the load of the step it waited for
 * (lockstep.h), so there the lockstep fixes the order of the steps only. */
static void skip_racy_where_inexact(void)
{
    if (lab_under_tsan())
        SKIP("ThreadSanitizer reports the race on the count, rightly: the race matrix checks "
             "that report");
#if !defined(__x86_64__) && !defined(__i386__)
    if (!lab_emulated())
        SKIP("on real ARM hardware a relaxed lockstep orders the steps, not what each load sees");
#endif
}

TEST(rc_race, lockstep_two_threads_lose_one_retain_per_round, .timeout = 120)
{
    skip_racy_where_inexact();
    const unsigned long iters[] = {1, 2, 10, 1000};
    for (size_t i = 0; i < sizeof iters / sizeof iters[0]; i++)
        ASSERT_EQ(lockstep_count(2, iters[i]), 10 - (long)iters[i],
                  "--iters %lu: exactly %lu references lost", iters[i], iters[i]);
}

/* The same count every time: the gate decides the schedule, not the machine. */
TEST(rc_race, lockstep_loses_the_same_every_run, .timeout = 120)
{
    skip_racy_where_inexact();
    unsigned long runs = lab_scaled(20);
    for (unsigned long r = 0; r < runs; r++)
        ASSERT_EQ(lockstep_count(2, 300), 10 - 300, "run %lu of %lu", r + 1, runs);
}

TEST(rc_race, lockstep_three_threads_lose_two_retains_per_round, .timeout = 120)
{
    skip_racy_where_inexact();
    ASSERT_EQ(lockstep_count(3, 200), 10 - 2 * 200, "(3 - 1) x 200 references lost");
}

/* Alone, a thread has nothing to race with: the gate only orders its steps. */
TEST(rc_race, lockstep_one_thread_loses_nothing)
{
    ASSERT_EQ(lockstep_count(1, 1000), 10);
}

TEST(rc_race, drop_lockstep_one_thread_frees_once_at_the_last_drop)
{
    struct rc_race_outcome o;
    ASSERT_EQ(rc_race_run(1, 50, true, true, &o), 0);
    ASSERT_EQ(o.frees, 1, "freed by its own last release");
    ASSERT_EQ(o.early_frees, 0, "nobody else held it");
}

TEST(rc_race, lockstep_refuses_iters_it_cannot_schedule)
{
    struct rc_race_outcome o;
    ASSERT_EQ(rc_race_run(2, 0, false, true, &o), EINVAL, "no rounds to schedule");
    ASSERT_EQ(rc_race_run(2, RC_RACE_LOCKSTEP_MAX_ITERS + 1, true, true, &o), EINVAL,
              "more steps than the turn counts");
}
