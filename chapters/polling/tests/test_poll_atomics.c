/* test_poll_atomics.c - nothing read is lost or invented; the delays have the
 * skew-normal's moments. */
#include <math.h>

#include "env.h"
#include "poll.h"
#include "test.h"

/* Conservation: whatever the threads, the interval and the duration, the
 * poller's swaps plus the residual equal the increments made, exactly.
 * A seeded sweep of cases (the property engine will shrink failures later). */
TEST(poll, swaps_plus_residual_equal_increments, .timeout = 120)
{
    struct splitmix64 rng = {2024};
    int cases = lab_emulated() || lab_under_valgrind() ? 4 : 12;
    for (int k = 0; k < cases; k++) {
        int threads = 1 + (int)splitmix64_below(&rng, 4);
        int64_t interval = 20000 + (int64_t)splitmix64_below(&rng, 2000000);
        int64_t duration = 10000000 + (int64_t)splitmix64_below(&rng, 40000000);
        uint64_t read = 0, made = 0;
        ASSERT_EQ(poll_conservation(threads, interval, duration, &read, &made), 0);
        ASSERT_GT(made, 0, "case %d made no increments", k);
        ASSERT_EQ(read, made, "case %d: %d threads, interval %lld ns, %lld ns", k, threads,
                  (long long)interval, (long long)duration);
    }
}

TEST(poll, skew_normal_moments)
{
    /* alpha = 20: delta = 0.99875; mean = xi + omega delta sqrt(2/pi), sd = omega
     * sqrt(1 - 2 delta^2 / pi). The clamp at 0 never binds at xi = 10, omega = 4. */
    const double xi = 10, omega = 4, alpha = 20;
    const double delta = alpha / sqrt(1 + alpha * alpha);
    const double mean = xi + omega * delta * sqrt(2 / 3.14159265358979323846);
    const double sd = omega * sqrt(1 - 2 * delta * delta / 3.14159265358979323846);
    unsigned long n = lab_scaled(200000);
    struct splitmix64 rng = {5};
    double sum = 0, sq = 0, lo = 1e9;
    for (unsigned long i = 0; i < n; i++) {
        double x = poll_skew_normal(&rng, xi, omega, alpha);
        sum += x;
        sq += x * x;
        lo = x < lo ? x : lo;
    }
    double m = sum / (double)n, s = sqrt(sq / (double)n - m * m);
    ASSERT_NEAR(mean, 13.19, 0.01, "the formula itself");
    ASSERT_NEAR(m, mean, 5 * sd / sqrt((double)n), "sample mean over %lu draws", n);
    ASSERT_NEAR(s, sd, 0.05 * sd, "sample sd over %lu draws", n);
    ASSERT(lo > xi - 2 * omega, "shape 20 leaves almost nothing below xi: min %g", lo);
}

TEST(poll, skew_normal_is_clamped_at_zero)
{
    struct splitmix64 rng = {6};
    for (int i = 0; i < 10000; i++)
        ASSERT(poll_skew_normal(&rng, 0, 1, -5) >= 0);
}
