/*
 * bench.h - define a benchmark in a few lines; the runner does the statistics.
 *
 *     static void inc(void *state, uint64_t iters) { ... do `iters` iterations ... }
 *
 *     int main(int argc, char **argv)
 *     {
 *         struct bench_run *run = bench_begin("ch01", "counters", argc, argv);
 *         const struct bench_result *a = bench_one(run, &(struct bench_def){
 *             .name = "fetch_add", .routine = inc, .params = {.threads = 2}});
 *         const struct bench_result *b = bench_one(run, &(struct bench_def){
 *             .name = "fetch_add", .impl = "ck", .routine = ck_inc, .params = {.threads = 2}});
 *         bench_vs(run, a, b);                  // "ours vs ck: 1.02x [0.99, 1.05]"
 *         return bench_end(run);
 *     }
 *
 * For each benchmark the runner warms up (doubling the iteration count until
 * the warm-up time is spent), then takes n samples of 1d, 2d, ..., nd
 * iterations sized to fill the measurement time, and analyses them (stats.h):
 * an estimate of ns per iteration with a 95% confidence interval, outliers,
 * and a comparison with the last run (or a named baseline) that says faster or
 * slower only when the interval says so.
 *
 * Command line of every benchmark program (and BENCH_QUICK=1 for --quick):
 *   --quick  --samples N  --warmup S  --time S  --filter GLOB  --seed N
 *   --baseline NAME  --save-baseline NAME  --out DIR  --help
 * Results go to DIR/<chapter>/<suite>.tsv (and .ratios.tsv), DIR defaulting to
 * build/bench/<arch>; the machine, compiler, flags and revision head the file.
 */
#ifndef LAB_BENCH_H
#define LAB_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "stats.h"

struct bench_params {
    long size;   /* a problem size, if the benchmark has one (0: none) */
    int threads; /* threads the routine uses (0: not threaded) */
};

struct bench_def {
    const char *name; /* "rmw/packed" */
    const char *impl; /* NULL or "ours"; else the peer's name */
    struct bench_params params;
    const void *arg;                                               /* passed to setup as it is */
    void *(*setup)(const struct bench_params *p, const void *arg); /* optional: state */
    void (*routine)(void *state, uint64_t iters);                  /* runs `iters` iterations */
    void (*teardown)(void *state);                                 /* optional */
};

struct bench_result {
    char id[160]; /* name[impl]/size=../threads=.. */
    char name[64], impl[32];
    struct bench_params params;
    struct bench_analysis a;
    struct bench_sample *samples; /* iterations and ns of each sample */
    double *per_iter;             /* each sample's ns per iteration */
    size_t n;
    bool compared; /* against a baseline */
    struct bench_comparison vs_baseline;
};

struct bench_run;

/* Parses the command line; exits 2 on a bad option, 0 after --help. */
struct bench_run *bench_begin(const char *chapter, const char *suite, int argc, char **argv);

/* Measures one benchmark. NULL when --filter skips it (or its setup failed,
 * which is reported and makes bench_end fail). */
const struct bench_result *bench_one(struct bench_run *run, const struct bench_def *def);

/* Prints and records estimate(a) / estimate(b) with its interval; NULL
 * arguments are skipped (a filtered-out side). */
void bench_vs(struct bench_run *run, const struct bench_result *a, const struct bench_result *b);

/* Ratio of a to b as bench_vs computes it, without printing or recording. */
struct bench_estimate bench_ratio_of(const struct bench_run *run, const struct bench_result *a,
                                     const struct bench_result *b);

/* Records a ratio a benchmark measured itself (its own timing loop), for
 * the .ratios.tsv file and the summary line, as bench_vs does. */
void bench_record_ratio(struct bench_run *run, const char *a, const char *b,
                        struct bench_estimate r);

/* As bench_vs, for samples a benchmark timed itself (its own loops, one
 * sample per run): the ratio of a's estimate to b's with its interval, printed
 * and recorded under the names given. */
struct bench_estimate bench_vs_samples(struct bench_run *run, const char *a,
                                       const struct bench_sample *sa, size_t na, const char *b,
                                       const struct bench_sample *sb, size_t nb);

/* As bench_vs_samples, for n rounds in which sa[k] and sb[k] were taken side
 * by side (bench_ratio_paired): the interval is that of the ratio within a
 * round, which a slow spell of the machine moves much less than either side. */
struct bench_estimate bench_vs_paired(struct bench_run *run, const char *a,
                                      const struct bench_sample *sa, const char *b,
                                      const struct bench_sample *sb, size_t n);

/* Opens DIR/<chapter>/<suite>.<name>.tsv for data a benchmark derives itself
 * (for a figure), with the same header as the results; NULL on failure. */
FILE *bench_open_extra(struct bench_run *run, const char *name);

/* --seed: for a benchmark's own random choices (the bootstrap uses it too). */
uint64_t bench_seed(const struct bench_run *run);

/* Whether --filter lets benchmark id (as "<suite>/<id>") run, for benchmarks
 * that time themselves instead of going through bench_one; the run counts the
 * ids let through, so that its summary line does not say nothing matched. */
bool bench_selected(struct bench_run *run, const char *id);

/* True in the quick profile, for benchmarks that shrink their sizes too. */
bool bench_quick(const struct bench_run *run);

/* Writes the result files, frees everything; returns the exit status. */
int bench_end(struct bench_run *run);

/* Keeps the compiler from deleting a computation whose result is unused. */
static inline void bench_black_box(const void *p)
{
    __asm__ __volatile__("" : : "r"(p) : "memory");
}

#endif
