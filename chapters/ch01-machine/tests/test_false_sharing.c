/* test_false_sharing.c - no increment is lost; the layouts are what they claim. */
#include <stdlib.h>

#include "cacheline.h"
#include "env.h"
#include "false_sharing.h"
#include "test.h"

TEST(false_sharing, packed_counters_share_one_line)
{
    void *storage = aligned_alloc(CACHE_LINE, FS_MAX_THREADS * CACHE_LINE);
    ASSERT_NOT_NULL(storage);
    _Atomic uint64_t *c[FS_MAX_THREADS];
    fs_counter_addresses(FS_PACKED, storage, c, FS_MAX_THREADS);
    for (int i = 1; i < FS_MAX_THREADS; i++)
        ASSERT_EQ(cache_line_of(c[i]), cache_line_of(c[0]), "counter %d", i);
    fs_counter_addresses(FS_PADDED, storage, c, FS_MAX_THREADS);
    for (int i = 1; i < FS_MAX_THREADS; i++)
        ASSERT_EQ(cache_line_of(c[i]), cache_line_of(c[i - 1]) + 1, "counter %d", i);
    free(storage);
}

TEST(false_sharing, every_increment_counts, .timeout = 60)
{
    uint64_t iters = lab_scaled(200000);
    for (int layout = FS_PACKED; layout <= FS_PADDED; layout++) {
        for (int op = FS_RMW; op <= FS_STORE; op++) {
            for (int threads = 1; threads <= 4; threads++) {
                uint64_t total = 0;
                double ns = fs_run(layout, op, threads, iters, &total);
                ASSERT(ns > 0, "layout %d op %d threads %d", layout, op, threads);
                ASSERT_EQ(total, iters * (uint64_t)threads, "layout %d op %d threads %d", layout,
                          op, threads);
            }
        }
    }
}

TEST(false_sharing, bad_thread_count_is_refused)
{
    uint64_t total;
    ASSERT(fs_run(FS_PADDED, FS_RMW, 0, 10, &total) < 0);
    ASSERT(fs_run(FS_PADDED, FS_RMW, FS_MAX_THREADS + 1, 10, &total) < 0);
}
