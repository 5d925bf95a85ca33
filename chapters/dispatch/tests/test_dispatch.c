/* test_dispatch.c - every way of calling reaches the same callee and sums the same. */
#include "dispatch.h"
#include "env.h"
#include "test.h"

TEST(dispatch, every_variant_returns_the_same_sum)
{
    const uint64_t iters[] = {0, 1, 2, 1000, 100003};
    /* 20 rounds of x * 3 + 1 pass INT_MAX from any argument over 0: the busy
     * work must wrap, not overflow (the ASan build stops at signed overflow). */
    const int works[] = {0, 1, 7, 20};
    for (size_t k = 0; k < sizeof iters / sizeof iters[0]; k++) {
        uint64_t n = iters[k] > 1000 ? lab_scaled(iters[k]) : iters[k];
        for (size_t w = 0; w < sizeof works / sizeof works[0]; w++) {
            uint64_t want = dispatch_expected(n, works[w]);
            for (int v = 0; v < DISPATCH_VARIANTS; v++)
                ASSERT_EQ(dispatch_run(v, n, works[w]), want, "%s, %llu calls, work %d",
                          dispatch_names[v], (unsigned long long)n, works[w]);
        }
    }
}

TEST(dispatch, expected_sum_of_small_cases)
{
    ASSERT_EQ(dispatch_expected(0, 0), 0);
    ASSERT_EQ(dispatch_expected(4, 0), 0 + 2 + 4 + 6);
}

TEST(dispatch, names_cover_every_variant)
{
    int n = 0;
    while (dispatch_names[n] != NULL)
        n++;
    ASSERT_EQ(n, DISPATCH_VARIANTS);
}
