/* bench.c - the benchmark runner of bench.h. */
#include "bench.h"

#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "env.h"

#if defined(__clang__)
#define COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define COMPILER "gcc " __VERSION__
#else
#define COMPILER "unknown compiler"
#endif

#ifndef LAB_BUILD_FLAGS
#define LAB_BUILD_FLAGS "(not recorded)"
#endif

#if defined(__x86_64__)
#define ARCH_NAME "x86_64"
#elif defined(__aarch64__)
#define ARCH_NAME "aarch64"
#elif defined(__arm__)
#define ARCH_NAME "armhf"
#else
#define ARCH_NAME "unknown"
#endif

enum { MAX_RESULTS = 256, MAX_RATIOS = 256 };

struct ratio {
    char a[160], b[160];
    struct bench_estimate r;
};

struct bench_run {
    const char *chapter, *suite;
    bool quick;
    long samples;
    double warmup_s, measure_s;
    unsigned resamples;
    uint64_t seed;
    const char *filter, *baseline, *save_baseline, *out;
    bool progress;
    int failures;
    struct bench_result *results[MAX_RESULTS];
    size_t n_results;
    struct ratio ratios[MAX_RATIOS];
    size_t n_ratios;
    size_t n_selected; /* ids bench_selected let through: benchmarks that time themselves */
};

bool bench_quick(const struct bench_run *run)
{
    return run->quick;
}

uint64_t bench_seed(const struct bench_run *run)
{
    return run->seed;
}

bool bench_selected(struct bench_run *run, const char *id)
{
    char full[256];
    snprintf(full, sizeof full, "%s/%s", run->suite, id);
    bool yes = run->filter == NULL || fnmatch(run->filter, full, 0) == 0;
    run->n_selected += yes;
    return yes;
}

struct bench_run *bench_begin(const char *chapter, const char *suite, int argc, char **argv)
{
    struct bench_run *run = calloc(1, sizeof *run);
    if (run == NULL)
        die("out of memory");
    const char *q = getenv("BENCH_QUICK");
    bool quick = q != NULL && q[0] != '\0' && strcmp(q, "0") != 0;
    long samples = 0;
    double warmup = 0, measure = 0;
    uint64_t seed = 1;
    const char *filter = NULL, *baseline = NULL, *save = NULL, *out = "build/bench/" ARCH_NAME;
    const struct cli_option opts[] = {
        CLI_FLAG("quick", &quick, "smoke profile: few short samples (also BENCH_QUICK=1)"),
        CLI_LONG("samples", &samples, "N", "samples per benchmark (default 50, quick 10)", 0,
                 10000),
        CLI_DOUBLE("warmup", &warmup, "S", "warm-up seconds (default 1, quick 0.05)", 0, 600),
        CLI_DOUBLE("time", &measure, "S", "measurement seconds (default 3, quick 0.2)", 0, 3600),
        CLI_STRING("filter", &filter, "GLOB", "run only benchmarks whose suite/id matches"),
        CLI_U64("seed", &seed, "N", "seed of the bootstrap"),
        CLI_STRING("baseline", &baseline, "NAME",
                   "compare with this saved baseline (default: the last run)"),
        CLI_STRING("save-baseline", &save, "NAME", "also save this run as baseline NAME"),
        CLI_STRING("out", &out, "DIR", "where results and baselines go"),
    };
    static char progname[96]; /* outlives this call: die() prints it */
    snprintf(progname, sizeof progname, "bench_%s", suite);
    const struct cli cli = {
        .prog = progname,
        .summary = "Run this suite's benchmarks with warm-up, samples and confidence intervals.",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    *run = (struct bench_run){
        .chapter = chapter,
        .suite = suite,
        .quick = quick,
        .samples = samples > 0 ? samples
                   : quick     ? 10
                               : 50,
        .warmup_s = warmup > 0 ? warmup
                    : quick    ? 0.05
                               : 1.0,
        .measure_s = measure > 0 ? measure
                     : quick     ? 0.2
                                 : 3.0,
        .resamples = quick ? 2000 : 10000,
        .seed = seed,
        .filter = filter,
        .baseline = baseline,
        .save_baseline = save,
        .out = out,
        .progress = isatty(STDERR_FILENO),
    };
    if (run->samples < 2)
        cli_error("--samples must be at least 2");
    if (lab_emulated())
        fprintf(stderr, "%s: emulated (LAB_EMULATED): timings here are qemu's, not the target's\n",
                progname);
    printf("# %s/%s: %s profile, %ld samples, %.2g s warm-up, %.2g s measurement each\n", chapter,
           suite, quick ? "quick" : "full", run->samples, run->warmup_s, run->measure_s);
    return run;
}

/* mkdir -p */
static int make_dirs(const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

static void sanitize(char *dst, size_t len, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < len; i++)
        dst[i] = (src[i] == '/' || src[i] == ' ' || src[i] == '[' || src[i] == ']') ? '_' : src[i];
    dst[i] = '\0';
}

static void baseline_path(const struct bench_run *run, const char *name, const char *id, char *path,
                          size_t len, bool create)
{
    char dir[800], file[200];
    snprintf(dir, sizeof dir, "%s/baselines/%s/%s/%s", run->out, name, run->chapter, run->suite);
    if (create)
        make_dirs(dir);
    sanitize(file, sizeof file, id);
    snprintf(path, len, "%s/%s.txt", dir, file);
}

static double *load_baseline(const struct bench_run *run, const char *name, const char *id,
                             size_t *n)
{
    char path[1024];
    baseline_path(run, name, id, path, sizeof path, false);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    size_t cap = 64, k = 0;
    double *v = malloc(cap * sizeof *v), x;
    while (v != NULL && fscanf(f, "%lf", &x) == 1) {
        if (k == cap) {
            double *bigger = realloc(v, (cap *= 2) * sizeof *v);
            if (bigger == NULL) {
                free(v);
                v = NULL;
                break;
            }
            v = bigger;
        }
        v[k++] = x;
    }
    fclose(f);
    *n = k;
    return v;
}

static void save_baseline(const struct bench_run *run, const char *name,
                          const struct bench_result *r)
{
    char path[1024];
    baseline_path(run, name, r->id, path, sizeof path, true);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "bench: cannot save baseline %s: %s\n", path, strerror(errno));
        return;
    }
    for (size_t i = 0; i < r->n; i++)
        fprintf(f, "%.6g\n", r->per_iter[i]);
    fclose(f);
}

static double time_routine(const struct bench_def *d, void *state, uint64_t iters)
{
    uint64_t t0 = lab_now_ns();
    d->routine(state, iters);
    return (double)(lab_now_ns() - t0);
}

static void progress(const struct bench_run *run, const char *id, long k, double eta)
{
    if (run->progress)
        fprintf(stderr, "\r\033[K  %s: sample %ld of %ld, %.0f s left", id, k, run->samples, eta);
}

static void format_time(char *buf, size_t len, double ns)
{
    if (ns < 1e3)
        snprintf(buf, len, "%.3g ns", ns);
    else if (ns < 1e6)
        snprintf(buf, len, "%.3g us", ns / 1e3);
    else if (ns < 1e9)
        snprintf(buf, len, "%.3g ms", ns / 1e6);
    else
        snprintf(buf, len, "%.3g s", ns / 1e9);
}

static void print_result(const struct bench_run *run, const struct bench_result *r)
{
    char est[32], lo[32], hi[32];
    format_time(est, sizeof est, r->a.estimate.point);
    format_time(lo, sizeof lo, r->a.estimate.lo);
    format_time(hi, sizeof hi, r->a.estimate.hi);
    const struct bench_outliers *o = &r->a.outliers;
    unsigned n_out = o->low_severe + o->low_mild + o->high_mild + o->high_severe;
    printf("%-44s %10s [%s, %s]  %.3g ops/s", r->id, est, lo, hi, 1e9 / r->a.estimate.point);
    if (r->a.linear)
        printf("  R2 %.3f", r->a.r2);
    if (n_out)
        printf("  outliers %u/%zu (%u low, %u high; %u severe)", n_out, r->n,
               o->low_mild + o->low_severe, o->high_mild + o->high_severe,
               o->low_severe + o->high_severe);
    printf("\n");
    if (r->compared)
        printf("    vs baseline %s: %+.1f%% [%+.1f%%, %+.1f%%] (p = %.3f): %s\n",
               run->baseline ? run->baseline : "last", 100 * r->vs_baseline.change.point,
               100 * r->vs_baseline.change.lo, 100 * r->vs_baseline.change.hi,
               r->vs_baseline.p_value, bench_verdict_name(r->vs_baseline.verdict));
}

static void make_id(struct bench_result *r, const struct bench_def *d)
{
    int k = snprintf(r->id, sizeof r->id, "%s[%s]", d->name, r->impl);
    if (d->params.size && k > 0 && (size_t)k < sizeof r->id)
        k += snprintf(r->id + k, sizeof r->id - (size_t)k, "/size=%ld", d->params.size);
    if (d->params.threads && k > 0 && (size_t)k < sizeof r->id)
        snprintf(r->id + k, sizeof r->id - (size_t)k, "/threads=%d", d->params.threads);
}

const struct bench_result *bench_one(struct bench_run *run, const struct bench_def *d)
{
    struct bench_result *r = calloc(1, sizeof *r);
    if (r == NULL || run->n_results == MAX_RESULTS)
        die("too many benchmarks in one suite");
    snprintf(r->name, sizeof r->name, "%s", d->name);
    snprintf(r->impl, sizeof r->impl, "%s", d->impl ? d->impl : "ours");
    r->params = d->params;
    make_id(r, d);
    if (!bench_selected(run, r->id)) {
        free(r);
        return NULL;
    }
    void *state = d->setup ? d->setup(&d->params, d->arg) : NULL;
    if (d->setup && state == NULL) {
        fprintf(stderr, "bench: %s: setup failed\n", r->id);
        run->failures++;
        free(r);
        return NULL;
    }

    /* Warm-up: double the iterations until the warm-up time is spent; the
     * total gives the first estimate of the time per iteration. */
    double warm_ns = 0, warm_iters = 0;
    for (uint64_t iters = 1; warm_ns < run->warmup_s * 1e9; iters *= 2) {
        warm_ns += time_routine(d, state, iters);
        warm_iters += (double)iters;
    }
    double per_iter = warm_ns / warm_iters;

    /* Linear sampling: sample k runs k*d iterations, with d chosen so that all
     * n samples together take the measurement time. If even d = 1 would take
     * twice as long, every sample runs the same count instead (flat). */
    long n = run->samples;
    double target = run->measure_s * 1e9, tri = (double)n * (double)(n + 1) / 2;
    double dd = ceil(target / (per_iter * tri));
    bool flat = dd <= 1 && per_iter * tri > 2 * target;
    double flat_iters = ceil(target / (per_iter * (double)n));
    struct bench_sample *s = malloc((size_t)n * sizeof *s);
    r->per_iter = malloc((size_t)n * sizeof *r->per_iter);
    if (s == NULL || r->per_iter == NULL)
        die("out of memory");
    uint64_t t_start = lab_now_ns();
    for (long k = 1; k <= n; k++) {
        double iters = flat ? (flat_iters < 1 ? 1 : flat_iters) : (double)k * (dd < 1 ? 1 : dd);
        s[k - 1] = (struct bench_sample){iters, time_routine(d, state, (uint64_t)iters)};
        r->per_iter[k - 1] = s[k - 1].ns / iters;
        double spent = (double)(lab_now_ns() - t_start) / 1e9;
        progress(run, r->id, k, spent / (double)k * (double)(n - k));
    }
    if (run->progress)
        fprintf(stderr, "\r\033[K");
    if (d->teardown)
        d->teardown(state);
    r->n = (size_t)n;
    if (bench_analyze(s, r->n, run->resamples, 0.95, run->seed, &r->a) != 0)
        die("%s: cannot analyse the samples", r->id);
    r->samples = s;

    size_t n_old = 0;
    double *old = load_baseline(run, run->baseline ? run->baseline : "last", r->id, &n_old);
    if (old != NULL && n_old >= 2 &&
        bench_compare(old, n_old, r->per_iter, r->n, run->resamples, 0.05, 0.01, run->seed,
                      &r->vs_baseline) == 0)
        r->compared = true;
    free(old);
    save_baseline(run, "last", r); /* the next run compares with this one */
    if (run->save_baseline)
        save_baseline(run, run->save_baseline, r);

    print_result(run, r);
    fflush(stdout);
    run->results[run->n_results++] = r;
    return r;
}

struct bench_estimate bench_ratio_of(const struct bench_run *run, const struct bench_result *a,
                                     const struct bench_result *b)
{
    return bench_ratio(a->samples, a->n, b->samples, b->n, run->resamples, 0.95, run->seed);
}

void bench_vs(struct bench_run *run, const struct bench_result *a, const struct bench_result *b)
{
    if (a == NULL || b == NULL || run->n_ratios == MAX_RATIOS)
        return;
    struct ratio *x = &run->ratios[run->n_ratios++];
    snprintf(x->a, sizeof x->a, "%s", a->id);
    snprintf(x->b, sizeof x->b, "%s", b->id);
    x->r = bench_ratio_of(run, a, b);
    printf("  %s vs %s: %.2fx [%.2f, %.2f]\n", a->id, b->id, x->r.point, x->r.lo, x->r.hi);
}

void bench_record_ratio(struct bench_run *run, const char *a, const char *b,
                        struct bench_estimate r)
{
    if (run->n_ratios == MAX_RATIOS)
        return;
    struct ratio *x = &run->ratios[run->n_ratios++];
    snprintf(x->a, sizeof x->a, "%s", a);
    snprintf(x->b, sizeof x->b, "%s", b);
    x->r = r;
}

struct bench_estimate bench_vs_samples(struct bench_run *run, const char *a,
                                       const struct bench_sample *sa, size_t na, const char *b,
                                       const struct bench_sample *sb, size_t nb)
{
    struct bench_estimate r = bench_ratio(sa, na, sb, nb, run->resamples, 0.95, run->seed);
    printf("  %s vs %s: %.2fx [%.2f, %.2f]\n", a, b, r.point, r.lo, r.hi);
    bench_record_ratio(run, a, b, r);
    return r;
}

struct bench_estimate bench_vs_paired(struct bench_run *run, const char *a,
                                      const struct bench_sample *sa, const char *b,
                                      const struct bench_sample *sb, size_t n)
{
    struct bench_estimate r = bench_ratio_paired(sa, sb, n, run->resamples, 0.95, run->seed);
    printf("  %s vs %s: %.2fx [%.2f, %.2f] (paired)\n", a, b, r.point, r.lo, r.hi);
    bench_record_ratio(run, a, b, r);
    return r;
}

static void cpu_model(char *buf, size_t len)
{
    snprintf(buf, len, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL)
        return;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        /* x86: "model name"; a Raspberry Pi: "Model" (the board). */
        if (strncmp(line, "model name", 10) == 0 || strncmp(line, "Model", 5) == 0) {
            char *colon = strchr(line, ':');
            if (colon) {
                snprintf(buf, len, "%s", colon + 2);
                buf[strcspn(buf, "\n")] = '\0';
                break;
            }
        }
    }
    fclose(f);
}

static void write_header(FILE *f, const struct bench_run *run)
{
    char cpu[160], date[32];
    cpu_model(cpu, sizeof cpu);
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&now));
    const char *rev = getenv("LAB_GIT_REV");
    fprintf(f, "# suite: %s/%s\n", run->chapter, run->suite);
    fprintf(f, "# machine: %s, %s, %ld CPUs%s\n", ARCH_NAME, cpu, sysconf(_SC_NPROCESSORS_ONLN),
            lab_emulated() ? " (emulated)" : "");
    fprintf(f, "# compiler: %s\n# flags: %s\n# revision: %s\n# date: %s\n", COMPILER,
            LAB_BUILD_FLAGS, rev && *rev ? rev : "unknown", date);
    fprintf(f,
            "# profile: %s, %ld samples, warm-up %.3g s, measurement %.3g s, %u resamples, "
            "95%% intervals\n",
            run->quick ? "quick" : "full", run->samples, run->warmup_s, run->measure_s,
            run->resamples);
}

FILE *bench_open_extra(struct bench_run *run, const char *name)
{
    char dir[600], path[800];
    snprintf(dir, sizeof dir, "%s/%s", run->out, run->chapter);
    if (make_dirs(dir) != 0)
        return NULL;
    snprintf(path, sizeof path, "%s/%s.%s.tsv", dir, run->suite, name);
    FILE *f = fopen(path, "w");
    if (f != NULL)
        write_header(f, run);
    return f;
}

int bench_end(struct bench_run *run)
{
    char dir[600], path[800];
    snprintf(dir, sizeof dir, "%s/%s", run->out, run->chapter);
    int status = run->failures ? 1 : 0;
    FILE *f = NULL;
    if (make_dirs(dir) == 0) {
        snprintf(path, sizeof path, "%s/%s.tsv", dir, run->suite);
        f = fopen(path, "w");
    }
    if (f == NULL) {
        fprintf(stderr, "bench: cannot write results under %s: %s\n", dir, strerror(errno));
        status = 1;
    } else {
        write_header(f, run);
        fprintf(f, "# benchmark\timpl\tsize\tthreads\test_ns\tci_lo_ns\tci_hi_ns\tmean_ns\t"
                   "median_ns\tstddev_ns\tops_per_s\tr2\tsamples\toutliers\tvs_baseline\n");
        for (size_t i = 0; i < run->n_results; i++) {
            const struct bench_result *r = run->results[i];
            const struct bench_outliers *o = &r->a.outliers;
            fprintf(
                f, "%s\t%s\t%ld\t%d\t%.4g\t%.4g\t%.4g\t%.4g\t%.4g\t%.4g\t%.4g\t%.4f\t%zu\t%u\t%s\n",
                r->name, r->impl, r->params.size, r->params.threads, r->a.estimate.point,
                r->a.estimate.lo, r->a.estimate.hi, r->a.mean.point, r->a.median, r->a.stddev,
                1e9 / r->a.estimate.point, r->a.r2, r->n,
                o->low_severe + o->low_mild + o->high_mild + o->high_severe,
                r->compared ? bench_verdict_name(r->vs_baseline.verdict) : "-");
        }
        fclose(f);
        printf("# results: %s\n", path);
    }
    if (run->n_ratios > 0) {
        snprintf(path, sizeof path, "%s/%s.ratios.tsv", dir, run->suite);
        if ((f = fopen(path, "w")) != NULL) {
            write_header(f, run);
            fprintf(f, "# a\tb\tratio\tci_lo\tci_hi\n");
            for (size_t i = 0; i < run->n_ratios; i++)
                fprintf(f, "%s\t%s\t%.4f\t%.4f\t%.4f\n", run->ratios[i].a, run->ratios[i].b,
                        run->ratios[i].r.point, run->ratios[i].r.lo, run->ratios[i].r.hi);
            fclose(f);
        }
    }
    /* The summary line: the ratios when there are any, else the estimates. */
    printf("%s/%s:", run->chapter, run->suite);
    for (size_t i = 0; i < run->n_ratios; i++)
        printf("%s %s vs %s %.2fx [%.2f, %.2f]", i ? ";" : "", run->ratios[i].a, run->ratios[i].b,
               run->ratios[i].r.point, run->ratios[i].r.lo, run->ratios[i].r.hi);
    for (size_t i = 0; run->n_ratios == 0 && i < run->n_results; i++) {
        char est[32], lo[32], hi[32];
        format_time(est, sizeof est, run->results[i]->a.estimate.point);
        format_time(lo, sizeof lo, run->results[i]->a.estimate.lo);
        format_time(hi, sizeof hi, run->results[i]->a.estimate.hi);
        printf("%s %s %s [%s, %s]", i ? ";" : "", run->results[i]->id, est, lo, hi);
    }
    /* Nothing to sum up: either nothing ran, or only benchmarks that print
     * their own rows (bench_selected let them through) did. */
    printf("%s\n", run->n_results || run->n_ratios ? ""
                   : run->n_selected ? " no timed results; the rows above are all it measured"
                                     : " no benchmark matched");
    for (size_t i = 0; i < run->n_results; i++) {
        free(run->results[i]->per_iter);
        free(run->results[i]->samples);
        free(run->results[i]);
    }
    free(run);
    return status;
}
