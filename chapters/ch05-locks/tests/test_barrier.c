/* test_barrier.c - one leader per round, every stamp seen, for several sizes. */
#include "barrier.h"
#include "env.h"
#include "test.h"

TEST(barrier, one_leader_per_round, .timeout = 120)
{
    const size_t sizes[] = {1, 2, 3, 4, 8};
    uint64_t rounds = lab_scaled(2000);
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        struct barrier_outcome o;
        ASSERT_EQ(barrier_run(sizes[k], rounds, &o), 0, "%zu threads", sizes[k]);
        ASSERT_EQ(o.leaderless, 0, "%zu threads: first bad round %llu", sizes[k],
                  (unsigned long long)o.first_bad_round);
        ASSERT_EQ(o.crowded, 0, "%zu threads", sizes[k]);
        ASSERT_EQ(o.stale, 0, "%zu threads", sizes[k]);
        uint64_t total = 0;
        for (size_t i = 0; i < sizes[k]; i++)
            total += o.led[i];
        ASSERT_EQ(total, rounds, "%zu threads: the leaders' own counts", sizes[k]);
    }
}

TEST(barrier, one_thread_always_leads)
{
    struct barrier_outcome o;
    ASSERT_EQ(barrier_run(1, 10, &o), 0);
    ASSERT_EQ(o.led[0], 10);
}

TEST(barrier, bad_arguments_are_refused)
{
    struct barrier_outcome o;
    ASSERT_EQ(barrier_run(0, 10, &o), -1);
    ASSERT_EQ(barrier_run(BARRIER_MAX_THREADS + 1, 10, &o), -1);
    ASSERT_EQ(barrier_run(2, 0, &o), -1);
}
