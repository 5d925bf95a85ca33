/* test_memlat.c - the chase visits every node in one cycle; plateaus are found;
 * sysfs gives sane cache levels. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "env.h"
#include "memlat.h"
#include "test.h"

TEST(memlat, chain_is_one_cycle_through_all_nodes)
{
    const size_t sizes[] = {2, 3, 17, 1000, 4096};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        struct node *nodes = memlat_alloc(n, false);
        ASSERT_NOT_NULL(nodes);
        ASSERT_EQ(memlat_link(nodes, n, 42 + k), 0);
        ASSERT_EQ(memlat_cycle_length(nodes, n), n, "n = %zu", n);
        free(nodes);
    }
}

TEST(memlat, seed_changes_the_order_not_the_length)
{
    struct node *a = memlat_alloc(64, false), *b = memlat_alloc(64, false);
    ASSERT_NOT_NULL(a);
    ASSERT_NOT_NULL(b);
    memlat_link(a, 64, 1);
    memlat_link(b, 64, 2);
    ASSERT_EQ(memlat_cycle_length(a, 64), 64);
    ASSERT_EQ(memlat_cycle_length(b, 64), 64);
    /* Two seeds giving the same cycle of 64 would be a 1-in-63! coincidence. */
    const void *pa = *(void *const *)a, *pb = *(void *const *)b;
    ASSERT((const char *)pa - (const char *)a != (const char *)pb - (const char *)b ||
               *(void *const *)pa != *(void *const *)pb,
           "seeds 1 and 2 gave the same chain start");
    free(a);
    free(b);
}

TEST(memlat, measure_returns_a_latency)
{
    double ns = memlat_measure(16 * 1024, 10000, 1, 1, false);
    ASSERT(ns > 0 && ns < 1e6, "got %g ns", ns);
    ASSERT(memlat_measure(32, 10, 1, 1, false) < 0, "a set of one node is refused");
}

/* A made-up curve with three levels and a transition between each. A point next
 * to a jump is not flat, so each level's range stops one step short of it. */
TEST(memlat, plateaus_of_a_synthetic_curve)
{
    const size_t kib[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384};
    const double ns[] = {1.0, 1.0, 1.05, 1.0, 1.0, 2.5, 4.0, 4.1, 4.0, 4.2, 12, 40, 90, 92, 95};
    struct memlat_plateau p[8];
    int n = memlat_plateaus(kib, ns, 15, p, 8);
    ASSERT_EQ(n, 3);
    ASSERT_EQ(p[0].from_kib, 1);
    ASSERT_EQ(p[0].to_kib, 8);
    ASSERT_NEAR(p[0].ns, 1.0, 0.06);
    ASSERT_EQ(p[1].from_kib, 128);
    ASSERT_EQ(p[1].to_kib, 256);
    ASSERT_NEAR(p[1].ns, 4.1, 0.11);
    ASSERT_EQ(p[2].from_kib, 8192);
    ASSERT_EQ(p[2].to_kib, 16384);
    ASSERT_NEAR(p[2].ns, 93.5, 2);
}

TEST(memlat, no_plateau_in_a_steady_climb)
{
    const size_t kib[] = {1, 2, 4, 8, 16};
    const double ns[] = {1, 2, 4, 8, 16};
    struct memlat_plateau p[4];
    ASSERT_EQ(memlat_plateaus(kib, ns, 5, p, 4), 0);
}

/* Where the kernel publishes cpu0's caches, memlat finds at least one data
 * level, and the levels read as a cache hierarchy does. */
TEST(memlat, sysfs_levels_are_found_and_sane)
{
    if (access("/sys/devices/system/cpu/cpu0/cache/index0/size", R_OK) != 0)
        SKIP("this kernel publishes no cache sizes in sysfs");
    struct memlat_cache c[6];
    int n = memlat_cache_levels(c, 6);
    ASSERT(n >= 1 && n <= 6, "%d levels", n);
    ASSERT_EQ(c[0].level, 1, "the first data level is L1");
    for (int i = 0; i < n; i++) {
        ASSERT(c[i].level >= 1 && c[i].level <= 4, "L%d", c[i].level);
        ASSERT(c[i].kib >= 4 && c[i].kib <= (4ul << 20), "L%d: %lu KiB", c[i].level, c[i].kib);
    }
    for (int i = 1; i < n; i++) {
        ASSERT_LE(c[i - 1].level, c[i].level);
        if (c[i].level > c[i - 1].level)
            ASSERT_GT(c[i].kib, c[i - 1].kib, "L%d is no larger than L%d", c[i].level,
                      c[i - 1].level);
    }
#if defined(__x86_64__)
    /* glibc reads the L1 data size from cpuid, not sysfs: the two must agree
     * (valgrind's cpuid describes a CPU of its own). */
    long l1 = sysconf(_SC_LEVEL1_DCACHE_SIZE);
    if (l1 > 0 && !lab_under_valgrind())
        ASSERT_EQ(c[0].kib * 1024, (unsigned long)l1, "L1d: sysfs against cpuid");
#endif
}

/* Without cache sizes from sysfs no plateau may be called main memory. */
TEST(memlat, summary_without_cache_sizes_names_no_level)
{
    const struct memlat_plateau flat[] = {{1, 16, 3.8}, {64, 96, 7.0}};
    char *line = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&line, &len);
    ASSERT_NOT_NULL(out);
    memlat_summary(out, flat, 2, NULL, 0);
    ASSERT_EQ(fclose(out), 0);
    ASSERT(strstr(line, "DRAM") == NULL, "got: %s", line);
    ASSERT(strstr(line, "level 1 3.8 ns (1-16 KiB), level 2 7.0 ns (64-96 KiB)") != NULL, "got: %s",
           line);
    ASSERT(strstr(line, "cache sizes unavailable") != NULL, "got: %s", line);
    free(line);
}
