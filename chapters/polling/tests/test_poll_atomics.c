/* test_poll_atomics.c - nothing read is lost or invented; the delays have the
 * skew-normal's moments. */
#include <math.h>

#include "env.h"
#include "poll.h"
#include "prop.h"
#include "test.h"

/* Conservation, as a property: whatever the threads, the poll interval and the
 * duration, the poller's swaps plus the residual equal the increments made,
 * exactly. A failure would be shrunk to the fewest threads and shortest run. */
static enum prop_result conserves(struct prop_source *s, void *env)
{
    (void)env;
    int threads = (int)prop_int(s, 1, 4);
    int64_t interval = 20000 + prop_int(s, 0, 2000000);
    int64_t duration = 10000000 + prop_int(s, 0, 40000000);
    prop_log(s, "%d threads, a swap every %lld ns, for %lld ns", threads, (long long)interval,
             (long long)duration);
    uint64_t read = 0, made = 0;
    PROP_REQUIRE(s, poll_conservation(threads, interval, duration, &read, &made) == 0,
                 "threads did not start");
    PROP_REQUIRE(s, made > 0, "no increment was made");
    PROP_REQUIRE(s, read == made, "read %llu of %llu increments", (unsigned long long)read,
                 (unsigned long long)made);
    return PROP_PASS;
}

TEST(poll, swaps_plus_residual_equal_increments, .timeout = 120)
{
    struct prop_report r;
    struct prop_config c = {.runs = lab_emulated() || lab_under_valgrind() ? 4 : 12, .seed = 2024};
    ASSERT(prop_check("conservation", conserves, NULL, &c, &r), "%s", r.message);
    ASSERT_EQ(r.runs, c.runs);
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
