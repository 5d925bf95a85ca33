/* test_branch.c - both loops compute the same sum; the sort sorts. */
#include <stdlib.h>
#include <string.h>

#include "branch.h"
#include "test.h"

TEST(branch, loops_agree_on_random_and_sorted_data)
{
    enum { N = 1 << 16 };
    uint8_t *v = malloc(N);
    ASSERT_NOT_NULL(v);
    for (uint64_t seed = 1; seed <= 5; seed++) {
        branch_fill(v, N, seed);
        uint64_t want = 0;
        for (size_t i = 0; i < N; i++)
            want += v[i] >= 128 ? v[i] : 0;
        ASSERT_EQ(branch_sum_branchy(v, N), want, "seed %llu", (unsigned long long)seed);
        ASSERT_EQ(branch_sum_branchless(v, N), want);
        branch_sort(v, N);
        ASSERT_EQ(branch_sum_branchy(v, N), want, "sorted, seed %llu", (unsigned long long)seed);
        ASSERT_EQ(branch_sum_branchless(v, N), want);
    }
    free(v);
}

TEST(branch, sort_is_ascending_and_keeps_the_bytes)
{
    uint8_t v[4096], w[4096];
    branch_fill(v, sizeof v, 9);
    memcpy(w, v, sizeof v);
    branch_sort(w, sizeof w);
    size_t before[256] = {0}, after[256] = {0};
    for (size_t i = 0; i < sizeof v; i++) {
        before[v[i]]++;
        after[w[i]]++;
        if (i > 0)
            ASSERT_LE(w[i - 1], w[i], "at %zu", i);
    }
    ASSERT_EQ(memcmp(before, after, sizeof before), 0, "same multiset of bytes");
}

TEST(branch, edges)
{
    const uint8_t v[] = {0, 127, 128, 255};
    ASSERT_EQ(branch_sum_branchy(v, 4), 383);
    ASSERT_EQ(branch_sum_branchless(v, 4), 383);
    ASSERT_EQ(branch_sum_branchy(v, 0), 0);
}
