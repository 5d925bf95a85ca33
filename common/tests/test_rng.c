/* test_rng.c - the generators reproduce their published reference values. */
#include "rng.h"
#include "test.h"

/* Marsaglia, "Xorshift RNGs" (2003): xor128 from its default state. */
TEST(rng, xorshift128_matches_marsaglia)
{
    struct xorshift128 r = {123456789, 362436069, 521288629, 88675123};
    ASSERT_EQ(xorshift128_next(&r), 3701687786u);
}

/* Marsaglia's 32-bit example: y = 2463534242, shifts (13, 17, 5). */
TEST(rng, xorshift32_matches_marsaglia)
{
    struct xorshift32 r = {2463534242u};
    ASSERT_EQ(xorshift32_next(&r), 723471715u);
}

/* Reference outputs of splitmix64 seeded with 1234567 (Vigna's splitmix64.c). */
TEST(rng, splitmix64_reference_values)
{
    struct splitmix64 r = {1234567};
    const uint64_t want[] = {6457827717110365317u, 3203168211198807973u, 9817491932198370423u,
                             4593380528125082431u, 16408922859458223821u};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ASSERT_EQ(splitmix64_next(&r), want[i], "output %zu", i);
}

TEST(rng, same_seed_same_stream)
{
    struct splitmix64 a = {42}, b = {42};
    for (int i = 0; i < 1000; i++)
        ASSERT_EQ(splitmix64_next(&a), splitmix64_next(&b), "draw %d", i);
}

/* Every residue of a small range is drawn about equally often: a chi-square test
 * at a fixed seed (deterministic), with a bound far above the 99.9% quantile. */
TEST(rng, below_is_uniform)
{
    enum { K = 10, DRAWS = 100000 };
    unsigned long counts[K] = {0};
    struct splitmix64 r = {7};
    for (int i = 0; i < DRAWS; i++) {
        uint64_t v = splitmix64_below(&r, K);
        ASSERT_LT(v, K);
        counts[v]++;
    }
    double expected = (double)DRAWS / K, chi2 = 0;
    for (int k = 0; k < K; k++)
        chi2 += (counts[k] - expected) * (counts[k] - expected) / expected;
    ASSERT(chi2 < 27.9, "chi-square %.2f over 9 degrees of freedom", chi2);
}

TEST(rng, below_one_is_zero)
{
    struct splitmix64 r = {3};
    for (int i = 0; i < 100; i++)
        ASSERT_EQ(splitmix64_below(&r, 1), 0);
}
