/* test_contention.c - every design accounts for every increment, with and
 * without a poller, busy or not. */
#include "contention.h"
#include "env.h"
#include "test.h"

TEST(contention, every_increment_is_read_once, .timeout = 120)
{
    const int64_t polls[] = {-1, 0, 100000};
    uint64_t iters = lab_scaled(100000);
    for (int d = 0; d < COUNTER_DESIGNS; d++)
        for (int threads = 1; threads <= 3; threads++)
            for (size_t p = 0; p < sizeof polls / sizeof polls[0]; p++) {
                uint64_t read, made, n_polls;
                double ns = contention_run(d, threads, iters, polls[p], &read, &made, &n_polls);
                ASSERT(ns > 0, "%s, %d threads", counter_design_names[d], threads);
                ASSERT_EQ(made, iters * (uint64_t)threads);
                ASSERT_EQ(read, made, "%s, %d threads, poll %lld ns", counter_design_names[d],
                          threads, (long long)polls[p]);
                if (polls[p] < 0)
                    ASSERT_EQ(n_polls, 0, "no poller, no polls");
            }
}

TEST(contention, bad_thread_counts_are_refused)
{
    uint64_t read, made, polls;
    ASSERT(contention_run(COUNTER_SHARED, 0, 10, -1, &read, &made, &polls) < 0);
    ASSERT(contention_run(COUNTER_SHARED, 65, 10, -1, &read, &made, &polls) < 0);
}
