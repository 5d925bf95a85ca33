/* stats.c - see stats.h. */
#include "stats.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

const char *bench_verdict_name(enum bench_verdict v)
{
    switch (v) {
    case BENCH_NO_CHANGE:
        return "no change";
    case BENCH_WITHIN_NOISE:
        return "change within noise";
    case BENCH_FASTER:
        return "faster";
    case BENCH_SLOWER:
        return "slower";
    }
    return "?";
}

double bench_mean(const double *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    return n ? s / (double)n : 0;
}

double bench_variance(const double *v, size_t n)
{
    if (n < 2)
        return 0;
    double m = bench_mean(v, n), s = 0;
    for (size_t i = 0; i < n; i++)
        s += (v[i] - m) * (v[i] - m);
    return s / (double)(n - 1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_quantile_sorted(double *v, size_t n, double q)
{
    qsort(v, n, sizeof *v, cmp_double);
    if (n == 0)
        return 0;
    double pos = q * (double)(n - 1);
    size_t i = (size_t)pos;
    if (i + 1 >= n)
        return v[n - 1];
    double frac = pos - (double)i;
    return v[i] + frac * (v[i + 1] - v[i]);
}

struct bench_outliers bench_classify_outliers(const double *v, size_t n)
{
    struct bench_outliers o = {0};
    double *s = malloc(n * sizeof *s);
    if (s == NULL || n < 4) {
        free(s);
        return o;
    }
    memcpy(s, v, n * sizeof *s);
    double q1 = bench_quantile_sorted(s, n, 0.25), q3 = bench_quantile_sorted(s, n, 0.75);
    double iqr = q3 - q1;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < q1 - 3 * iqr)
            o.low_severe++;
        else if (v[i] < q1 - 1.5 * iqr)
            o.low_mild++;
        else if (v[i] > q3 + 3 * iqr)
            o.high_severe++;
        else if (v[i] > q3 + 1.5 * iqr)
            o.high_mild++;
    }
    free(s);
    return o;
}

/* Least-squares slope of ns against iters (with an intercept); r2 if wanted. */
static double ols_slope(const struct bench_sample *s, const size_t *idx, size_t n, double *r2)
{
    double sx = 0, sy = 0;
    for (size_t k = 0; k < n; k++) {
        sx += s[idx ? idx[k] : k].iters;
        sy += s[idx ? idx[k] : k].ns;
    }
    double mx = sx / (double)n, my = sy / (double)n, sxx = 0, sxy = 0, syy = 0;
    for (size_t k = 0; k < n; k++) {
        const struct bench_sample *p = &s[idx ? idx[k] : k];
        sxx += (p->iters - mx) * (p->iters - mx);
        sxy += (p->iters - mx) * (p->ns - my);
        syy += (p->ns - my) * (p->ns - my);
    }
    if (sxx == 0)
        return NAN;
    if (r2)
        *r2 = syy > 0 ? sxy * sxy / (sxx * syy) : 1;
    return sxy / sxx;
}

static struct bench_estimate interval(double point, double *boot, size_t n, double confidence)
{
    double tail = (1 - confidence) / 2;
    struct bench_estimate e = {point, bench_quantile_sorted(boot, n, tail),
                               bench_quantile_sorted(boot, n, 1 - tail)};
    return e;
}

int bench_analyze(const struct bench_sample *s, size_t n, unsigned resamples, double confidence,
                  uint64_t seed, struct bench_analysis *out)
{
    if (n < 2 || resamples < 10 || !(confidence > 0 && confidence < 1))
        return -1;
    double *avg = malloc(n * sizeof *avg);
    double *boot_est = malloc(resamples * sizeof *boot_est);
    double *boot_mean = malloc(resamples * sizeof *boot_mean);
    double *tmp = malloc(n * sizeof *tmp);
    size_t *idx = malloc(n * sizeof *idx);
    int rc = -1;
    if (!avg || !boot_est || !boot_mean || !tmp || !idx)
        goto out;
    for (size_t i = 0; i < n; i++)
        avg[i] = s[i].ns / s[i].iters;

    *out = (struct bench_analysis){.n = n};
    double r2 = 0, slope = ols_slope(s, NULL, n, &r2);
    out->linear = !isnan(slope);
    out->r2 = out->linear ? r2 : 0;
    double mean = bench_mean(avg, n);
    out->stddev = sqrt(bench_variance(avg, n));
    memcpy(tmp, avg, n * sizeof *tmp);
    out->median = bench_quantile_sorted(tmp, n, 0.5);
    out->outliers = bench_classify_outliers(avg, n);

    struct splitmix64 rng = {seed};
    for (unsigned r = 0; r < resamples; r++) {
        double sum = 0;
        for (size_t k = 0; k < n; k++) {
            idx[k] = (size_t)splitmix64_below(&rng, n);
            sum += avg[idx[k]];
        }
        boot_mean[r] = sum / (double)n;
        double b = out->linear ? ols_slope(s, idx, n, NULL) : NAN;
        /* A resample may draw one size only; its slope is undefined, so it
         * counts with its mean instead. */
        boot_est[r] = isnan(b) ? boot_mean[r] : b;
    }
    out->mean = interval(mean, boot_mean, resamples, confidence);
    out->estimate = interval(out->linear ? slope : mean, out->linear ? boot_est : boot_mean,
                             resamples, confidence);
    rc = 0;
out:
    free(avg);
    free(boot_est);
    free(boot_mean);
    free(tmp);
    free(idx);
    return rc;
}

static double welch_t(const double *a, size_t na, const double *b, size_t nb)
{
    double se = sqrt(bench_variance(a, na) / (double)na + bench_variance(b, nb) / (double)nb);
    double d = bench_mean(a, na) - bench_mean(b, nb);
    return se > 0 ? d / se : (d == 0 ? 0 : INFINITY);
}

/* Draws n values from pool (with replacement) into dst. */
static void resample(struct splitmix64 *rng, const double *pool, size_t pool_n, double *dst,
                     size_t n)
{
    for (size_t k = 0; k < n; k++)
        dst[k] = pool[splitmix64_below(rng, pool_n)];
}

int bench_compare(const double *old, size_t n_old, const double *new_, size_t n_new,
                  unsigned resamples, double significance, double noise, uint64_t seed,
                  struct bench_comparison *out)
{
    if (n_old < 2 || n_new < 2 || resamples < 10)
        return -1;
    size_t n_pool = n_old + n_new;
    double *pool = malloc(n_pool * sizeof *pool);
    double *a = malloc(n_old * sizeof *a), *b = malloc(n_new * sizeof *b);
    double *change = malloc(resamples * sizeof *change);
    int rc = -1;
    if (!pool || !a || !b || !change)
        goto out;
    memcpy(pool, old, n_old * sizeof *pool);
    memcpy(pool + n_old, new_, n_new * sizeof *pool);

    struct splitmix64 rng = {seed};
    double t = fabs(welch_t(new_, n_new, old, n_old));
    unsigned as_extreme = 0;
    for (unsigned r = 0; r < resamples; r++) {
        /* Under the null hypothesis both runs come from one pool. */
        resample(&rng, pool, n_pool, a, n_old);
        resample(&rng, pool, n_pool, b, n_new);
        if (fabs(welch_t(b, n_new, a, n_old)) >= t)
            as_extreme++;
        /* The change: each run resampled from itself. */
        resample(&rng, old, n_old, a, n_old);
        resample(&rng, new_, n_new, b, n_new);
        change[r] = bench_mean(b, n_new) / bench_mean(a, n_old) - 1;
    }
    out->p_value = (double)as_extreme / resamples;
    out->change = interval(bench_mean(new_, n_new) / bench_mean(old, n_old) - 1, change, resamples,
                           1 - significance);
    if (out->p_value >= significance)
        out->verdict = BENCH_NO_CHANGE;
    else if (out->change.hi < -noise)
        out->verdict = BENCH_FASTER;
    else if (out->change.lo > noise)
        out->verdict = BENCH_SLOWER;
    else
        out->verdict = BENCH_WITHIN_NOISE;
    rc = 0;
out:
    free(pool);
    free(a);
    free(b);
    free(change);
    return rc;
}

/* The estimate of a set of samples (possibly a resample, through idx): the
 * regression slope, or the mean ns/iter when all samples have one size. */
static double estimate_of(const struct bench_sample *s, const size_t *idx, size_t n)
{
    double slope = ols_slope(s, idx, n, NULL);
    if (!isnan(slope))
        return slope;
    double sum = 0;
    for (size_t k = 0; k < n; k++) {
        const struct bench_sample *p = &s[idx ? idx[k] : k];
        sum += p->ns / p->iters;
    }
    return sum / (double)n;
}

/* The bootstrap of estimate(a) / estimate(b): independent resamples of each,
 * or, paired, the same resample of rounds for both. */
static struct bench_estimate ratio_bootstrap(const struct bench_sample *a, size_t na,
                                             const struct bench_sample *b, size_t nb, bool paired,
                                             unsigned resamples, double confidence, uint64_t seed)
{
    struct bench_estimate e = {NAN, NAN, NAN};
    size_t *ia = malloc(na * sizeof *ia), *ib = malloc(nb * sizeof *ib);
    double *ratio = malloc(resamples * sizeof *ratio);
    if (ia && ib && ratio && na > 1 && nb > 1) {
        struct splitmix64 rng = {seed};
        for (unsigned r = 0; r < resamples; r++) {
            for (size_t k = 0; k < na; k++)
                ia[k] = (size_t)splitmix64_below(&rng, na);
            for (size_t k = 0; k < nb; k++)
                ib[k] = paired ? ia[k] : (size_t)splitmix64_below(&rng, nb);
            ratio[r] = estimate_of(a, ia, na) / estimate_of(b, ib, nb);
        }
        e = interval(estimate_of(a, NULL, na) / estimate_of(b, NULL, nb), ratio, resamples,
                     confidence);
    }
    free(ia);
    free(ib);
    free(ratio);
    return e;
}

struct bench_estimate bench_ratio(const struct bench_sample *a, size_t na,
                                  const struct bench_sample *b, size_t nb, unsigned resamples,
                                  double confidence, uint64_t seed)
{
    return ratio_bootstrap(a, na, b, nb, false, resamples, confidence, seed);
}

struct bench_estimate bench_ratio_paired(const struct bench_sample *a, const struct bench_sample *b,
                                         size_t n, unsigned resamples, double confidence,
                                         uint64_t seed)
{
    return ratio_bootstrap(a, n, b, n, true, resamples, confidence, seed);
}
