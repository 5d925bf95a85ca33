/*
 * test_stats.c - the statistics of the benchmark harness, on synthetic samples.
 *
 * No clock is read: samples come from a seeded generator with a known mean, so
 * every assertion is deterministic and checks the method itself. A 95% interval
 * must cover the true value in about 95% of repetitions (within a binomial band);
 * the same distribution twice must read "no change" nearly always; a 2x slower
 * run must read "slower" every time.
 */
#include <math.h>
#include <stdlib.h>

#include "env.h"
#include "rng.h"
#include "stats.h"
#include "test.h"

/* A normal deviate (Box-Muller). */
static double normal(struct splitmix64 *r, double mean, double sd)
{
    double u1 = ((double)(splitmix64_next(r) >> 11) + 1) / 9007199254740993.0;
    double u2 = (double)(splitmix64_next(r) >> 11) / 9007199254740992.0;
    return mean + sd * sqrt(-2 * log(u1)) * cos(2 * 3.14159265358979323846 * u2);
}

/* Repetitions: fewer where everything is slow, never so few the band is empty. */
static unsigned reps(void)
{
    unsigned long n = lab_scaled(200);
    return n < 40 ? 40 : (unsigned)n;
}

/* True when k successes of n trials fit p within 4 standard deviations. */
static bool in_binomial_band(unsigned k, unsigned n, double p)
{
    double sd = sqrt(n * p * (1 - p));
    return fabs((double)k - n * p) <= 4 * sd;
}

TEST(stats, mean_interval_covers_the_true_mean, .timeout = 120)
{
    enum { N = 50 };
    struct splitmix64 rng = {11};
    struct bench_sample s[N];
    unsigned covered = 0, n = reps();
    for (unsigned rep = 0; rep < n; rep++) {
        for (int i = 0; i < N; i++)
            s[i] = (struct bench_sample){1, normal(&rng, 100, 10)};
        struct bench_analysis a;
        ASSERT_EQ(bench_analyze(s, N, 1000, 0.95, rep, &a), 0);
        ASSERT(!a.linear, "all samples of one size: the estimate is the mean");
        covered += a.estimate.lo <= 100 && 100 <= a.estimate.hi;
    }
    ASSERT(in_binomial_band(covered, n, 0.95), "covered %u of %u", covered, n);
}

/* Linear sampling: time = overhead + slope * iters + noise. The slope's
 * interval must cover the true slope, whatever the fixed overhead. */
TEST(stats, slope_interval_covers_the_true_slope, .timeout = 120)
{
    enum { N = 30 };
    struct splitmix64 rng = {12};
    struct bench_sample s[N];
    unsigned covered = 0, n = reps();
    for (unsigned rep = 0; rep < n; rep++) {
        for (int i = 0; i < N; i++) {
            double iters = 1000.0 * (i + 1);
            s[i] = (struct bench_sample){iters, 50000 + 2.5 * iters + normal(&rng, 0, 2000)};
        }
        struct bench_analysis a;
        ASSERT_EQ(bench_analyze(s, N, 1000, 0.95, rep, &a), 0);
        ASSERT(a.linear);
        covered += a.estimate.lo <= 2.5 && 2.5 <= a.estimate.hi;
    }
    ASSERT(in_binomial_band(covered, n, 0.95), "covered %u of %u", covered, n);
}

static void draw(struct splitmix64 *rng, double *v, int n, double mean)
{
    for (int i = 0; i < n; i++)
        v[i] = normal(rng, mean, mean / 20);
}

TEST(stats, identical_runs_read_no_change, .timeout = 120)
{
    enum { N = 30 };
    struct splitmix64 rng = {13};
    double a[N], b[N];
    unsigned false_alarms = 0, n = reps();
    for (unsigned rep = 0; rep < n; rep++) {
        draw(&rng, a, N, 100);
        draw(&rng, b, N, 100);
        struct bench_comparison c;
        ASSERT_EQ(bench_compare(a, N, b, N, 1000, 0.05, 0.01, rep, &c), 0);
        false_alarms += c.verdict == BENCH_FASTER || c.verdict == BENCH_SLOWER;
    }
    /* At most the 5% significance level, with the binomial band's slack. */
    ASSERT((double)false_alarms <= n * 0.05 + 4 * sqrt(n * 0.05 * 0.95), "%u false alarms in %u",
           false_alarms, n);
}

TEST(stats, twice_as_slow_is_detected, .timeout = 120)
{
    enum { N = 30 };
    struct splitmix64 rng = {14};
    double a[N], b[N];
    for (unsigned rep = 0; rep < reps() / 4; rep++) {
        draw(&rng, a, N, 100);
        draw(&rng, b, N, 200);
        struct bench_comparison c;
        ASSERT_EQ(bench_compare(a, N, b, N, 1000, 0.05, 0.01, rep, &c), 0);
        ASSERT_EQ(c.verdict, BENCH_SLOWER, "rep %u: p = %g", rep, c.p_value);
        ASSERT(c.change.lo > 0.8 && c.change.hi < 1.2, "change %+.3f [%+.3f, %+.3f]",
               c.change.point, c.change.lo, c.change.hi);
        ASSERT_EQ(bench_compare(b, N, a, N, 1000, 0.05, 0.01, rep, &c), 0);
        ASSERT_EQ(c.verdict, BENCH_FASTER);
    }
}

TEST(stats, tiny_real_change_is_within_noise)
{
    enum { N = 200 };
    struct splitmix64 rng = {15};
    double a[N], b[N];
    for (int i = 0; i < N; i++) {
        a[i] = normal(&rng, 100, 0.2);
        b[i] = normal(&rng, 100.3, 0.2); /* +0.3%: real, but under the 1% threshold */
    }
    struct bench_comparison c;
    ASSERT_EQ(bench_compare(a, N, b, N, 2000, 0.05, 0.01, 1, &c), 0);
    ASSERT(c.p_value < 0.05, "p = %g", c.p_value);
    ASSERT_EQ(c.verdict, BENCH_WITHIN_NOISE);
}

TEST(stats, ratio_of_means_when_flat)
{
    enum { N = 40 };
    struct splitmix64 rng = {16};
    struct bench_sample a[N], b[N];
    for (int i = 0; i < N; i++) {
        a[i] = (struct bench_sample){1, normal(&rng, 300, 15)};
        b[i] = (struct bench_sample){1, normal(&rng, 100, 5)};
    }
    struct bench_estimate r = bench_ratio(a, N, b, N, 2000, 0.95, 1);
    ASSERT(r.lo <= r.point && r.point <= r.hi);
    ASSERT(r.lo > 2.8 && r.hi < 3.2, "3x: got %.3f [%.3f, %.3f]", r.point, r.lo, r.hi);
}

/* With linear sampling the ratio is of slopes: a fixed cost per sample (here
 * 10x the per-iteration cost of b) must not leak into it. */
TEST(stats, ratio_of_slopes_ignores_fixed_cost)
{
    enum { N = 30 };
    struct splitmix64 rng = {17};
    struct bench_sample a[N], b[N];
    for (int i = 0; i < N; i++) {
        double iters = 100.0 * (i + 1);
        a[i] = (struct bench_sample){iters, 1000 + 4 * iters + normal(&rng, 0, 20)};
        b[i] = (struct bench_sample){iters, 1000 + 2 * iters + normal(&rng, 0, 20)};
    }
    struct bench_estimate r = bench_ratio(a, N, b, N, 2000, 0.95, 1);
    ASSERT(r.lo > 1.9 && r.hi < 2.1, "2x: got %.3f [%.3f, %.3f]", r.point, r.lo, r.hi);
}

/* Rounds in which the machine is now fast, now 3x slower (as a VM's CPUs
 * are), and a 10% slower than b in every round: pairing the rounds sees the
 * 1.1x, the unpaired interval is lost in the spells. */
TEST(stats, paired_ratio_sees_through_slow_spells)
{
    enum { N = 12 };
    struct splitmix64 rng = {23};
    struct bench_sample a[N], b[N];
    for (int i = 0; i < N; i++) {
        double spell = (i % 4 < 2) ? 100 : 300;
        b[i] = (struct bench_sample){1, spell * normal(&rng, 1, 0.01)};
        a[i] = (struct bench_sample){1, 1.1 * spell * normal(&rng, 1, 0.01)};
    }
    struct bench_estimate p = bench_ratio_paired(a, b, N, 2000, 0.95, 1);
    ASSERT(p.lo <= p.point && p.point <= p.hi);
    ASSERT(p.lo > 1.05 && p.hi < 1.15, "paired 1.1x: got %.3f [%.3f, %.3f]", p.point, p.lo, p.hi);
    struct bench_estimate u = bench_ratio(a, N, b, N, 2000, 0.95, 1);
    ASSERT_NEAR(u.point, p.point, 1e-12, "the same point estimate");
    ASSERT(u.lo < 1.0 && u.hi > 1.2, "unpaired: %.3f [%.3f, %.3f]", u.point, u.lo, u.hi);
}

TEST(stats, tukey_fences)
{
    double v[20];
    for (int i = 0; i < 20; i++)
        v[i] = 10 + (i % 5); /* 10..14, four of each */
    /* With three replaced below, Q1 = 11 and Q3 = 14 (IQR 3): mild fences at
     * 6.5 and 18.5, severe fences at 2 and 23. */
    v[0] = 20;  /* high mild */
    v[1] = 30;  /* high severe */
    v[2] = 5.5; /* low mild */
    struct bench_outliers o = bench_classify_outliers(v, 20);
    ASSERT_EQ(o.high_mild, 1);
    ASSERT_EQ(o.high_severe, 1);
    ASSERT_EQ(o.low_mild, 1);
    ASSERT_EQ(o.low_severe, 0);
}

TEST(stats, quantiles_and_moments)
{
    double v[] = {4, 1, 3, 2, 5};
    ASSERT_NEAR(bench_mean(v, 5), 3, 1e-12);
    ASSERT_NEAR(bench_variance(v, 5), 2.5, 1e-12);
    ASSERT_NEAR(bench_quantile_sorted(v, 5, 0.5), 3, 1e-12);
    ASSERT_NEAR(bench_quantile_sorted(v, 5, 0.25), 2, 1e-12);
    ASSERT_NEAR(bench_quantile_sorted(v, 5, 0.1), 1.4, 1e-12);
    ASSERT_NEAR(bench_quantile_sorted(v, 5, 1), 5, 1e-12);
}

TEST(stats, bad_input_is_refused)
{
    struct bench_sample s[1] = {{1, 1}};
    struct bench_analysis a;
    ASSERT_EQ(bench_analyze(s, 1, 1000, 0.95, 1, &a), -1);
    ASSERT_EQ(bench_analyze(s, 1, 1000, 1.5, 1, &a), -1);
}
