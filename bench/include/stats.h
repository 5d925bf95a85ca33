/*
 * stats.h - the statistics behind every timing claim of the project.
 *
 * Pure functions over samples, no clocks: a sample is "iters iterations took
 * ns nanoseconds". The method is criterion.rs's (see the project's tooling
 * notes, section 8), in C:
 *
 *   - the estimate is the slope of a least-squares line through the samples
 *     (time = a + slope * iters), so a fixed cost per sample (starting threads,
 *     reading the clock) falls into the intercept instead of the estimate;
 *     with all samples of one size it is the mean of ns/iter instead;
 *   - its confidence interval is a percentile bootstrap: resample the samples
 *     with replacement, re-estimate, take the 2.5th and 97.5th percentiles;
 *   - outliers are classified with Tukey's fences (1.5 and 3 IQR) and reported,
 *     never removed;
 *   - two runs are compared with Welch's t statistic, its p-value bootstrapped
 *     under the null hypothesis (both runs drawn from one pool), and the
 *     relative change of the mean with its own interval; the verdict says
 *     faster or slower only when p < significance and the whole interval of
 *     the change lies beyond the noise threshold.
 *
 * Everything random takes a seed, so the same samples give the same interval.
 */
#ifndef LAB_STATS_H
#define LAB_STATS_H

#include <stddef.h>
#include <stdint.h>

struct bench_sample {
    double iters;
    double ns;
};

struct bench_estimate {
    double point, lo, hi;
};

struct bench_outliers {
    unsigned low_severe, low_mild, high_mild, high_severe;
};

struct bench_analysis {
    size_t n;
    struct bench_estimate estimate; /* ns per iteration: slope, or mean when flat */
    struct bench_estimate mean;     /* of the per-sample ns/iter */
    double median, stddev, r2;      /* r2 of the regression (0 when flat) */
    int linear;                     /* 1 when the estimate is the regression slope */
    struct bench_outliers outliers;
};

enum bench_verdict {
    BENCH_NO_CHANGE,    /* p >= significance: the data cannot tell them apart */
    BENCH_WITHIN_NOISE, /* different, but by less than the noise threshold */
    BENCH_FASTER,       /* the new run is faster beyond the threshold */
    BENCH_SLOWER,
};

struct bench_comparison {
    double p_value;
    struct bench_estimate change; /* mean(new) / mean(old) - 1 */
    enum bench_verdict verdict;
};

const char *bench_verdict_name(enum bench_verdict v);

/* Analyses n >= 2 samples with `resamples` bootstrap resamples at the given
 * confidence (0.95). Returns 0, or -1 on bad input. */
int bench_analyze(const struct bench_sample *s, size_t n, unsigned resamples, double confidence,
                  uint64_t seed, struct bench_analysis *out);

/* Compares per-sample ns/iter of an old and a new run. */
int bench_compare(const double *old, size_t n_old, const double *new_, size_t n_new,
                  unsigned resamples, double significance, double noise, uint64_t seed,
                  struct bench_comparison *out);

/* estimate(a) / estimate(b) (slopes, or means when flat) with a bootstrap
 * interval: "a takes 2.1x [1.9, 2.3] the time of b". */
struct bench_estimate bench_ratio(const struct bench_sample *a, size_t na,
                                  const struct bench_sample *b, size_t nb, unsigned resamples,
                                  double confidence, uint64_t seed);

/* As bench_ratio, for samples taken in rounds: a[k] and b[k] were measured
 * side by side, so a slow spell of the machine falls on both. The bootstrap
 * resamples rounds, keeping each pair together: the interval reflects how
 * the ratio varies from round to round, not how each side does. */
struct bench_estimate bench_ratio_paired(const struct bench_sample *a, const struct bench_sample *b,
                                         size_t n, unsigned resamples, double confidence,
                                         uint64_t seed);

/* Tukey's fences over v (not modified). */
struct bench_outliers bench_classify_outliers(const double *v, size_t n);

/* The q-quantile (0..1) of v, linear interpolation; v is sorted in place. */
double bench_quantile_sorted(double *v, size_t n, double q);

double bench_mean(const double *v, size_t n);
double bench_variance(const double *v, size_t n); /* unbiased (n - 1) */

#endif
