/*
 * amdahl.c - how much faster N processors make a job: Amdahl's law, Gustafson's
 * law, and a real parallel sum to hold against them.
 *
 * Amdahl keeps the job fixed. If a fraction s of its one-processor run time is
 * serial, N processors need s + (1-s)/N of that time: the speedup is
 * 1/(s + (1-s)/N), and however large N grows it stays below 1/s. A 24 hour job
 * with 1 hour that cannot be split (s = 1/24) never runs more than 24x faster.
 *
 * Gustafson keeps the time fixed and lets the job grow: N processors get N
 * times the parallel work in the same wall time. Compared with one processor
 * doing that grown job alone, the scaled speedup is N - s(N-1), which keeps
 * rising with N. Neither law charges anything for starting threads or for
 * their communication.
 *
 * The one thing to look at: the Amdahl columns flatten out at 1/s while the
 * Gustafson ones keep climbing. --measure runs a sum over an array whose last
 * fraction s is added up by main alone after the workers are joined, on 1, 2,
 * 4 and 8 threads, and prints the speedup it got beside Amdahl's prediction.
 *
 *   amdahl [--serial LIST] [--tsv FILE]
 *   amdahl --measure [--tail S] [--max-threads N] [--elements N] [--repeat N] [--tsv FILE]
 *
 * --tsv writes the table (n, one Amdahl column per s, one Gustafson column per
 * s) or, with --measure, the measured speedups, for plots/amdahl.gp.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cacheline.h"
#include "cli.h"
#include "clock.h"
#include "env.h"
#include "threads.h"

/* Amdahl: the speedup of a fixed job on n processors, serial fraction s. */
double amdahl_speedup(double s, double n)
{
    return 1.0 / (s + (1.0 - s) / n);
}

/* Gustafson: the scaled speedup of a job grown to keep n processors busy. */
double gustafson_speedup(double s, double n)
{
    return n - s * (n - 1.0);
}

#ifndef LAB_NO_MAIN /* tests call the two laws above; the rest is the program */

/* ---- the tables ----------------------------------------------------------- */

#define MAX_FRACTIONS 16
#define MAX_N 1024

/* One fraction: a decimal ("0.05") or a ratio ("1/24"), in [0, 1]. */
static double parse_fraction(const char *text)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end != text && *end == '/' && errno == 0) {
        const char *den = end + 1;
        double d = strtod(den, &end);
        v = end != den && d > 0 ? v / d : NAN;
    }
    if (end == text || *end != '\0' || errno != 0 || !(v >= 0 && v <= 1))
        cli_error("--serial: '%s' is not a fraction in [0, 1]", text);
    return v;
}

/* Splits a comma-separated list into s[]; returns how many. */
static int parse_fractions(const char *list, double *s)
{
    char buf[256];
    if (strlen(list) >= sizeof buf)
        cli_error("--serial: the list is too long");
    strcpy(buf, list);
    int k = 0;
    char *item = buf;
    for (;;) {
        char *comma = strchr(item, ',');
        if (comma)
            *comma = '\0';
        if (*item == '\0')
            cli_error("--serial: empty fraction in '%s'", list);
        if (k == MAX_FRACTIONS)
            cli_error("--serial: at most %d fractions", MAX_FRACTIONS);
        s[k++] = parse_fraction(item);
        if (!comma)
            return k;
        item = comma + 1;
    }
}

static void print_table(const char *title, double (*law)(double, double), const double *s, int k)
{
    printf("# %s\n%-6s", title, "N");
    for (int j = 0; j < k; j++) {
        char label[32];
        snprintf(label, sizeof label, "s=%.4g", s[j]);
        printf("  %9s", label);
    }
    printf("\n");
    for (int n = 1; n <= MAX_N; n *= 2) {
        printf("%-6d", n);
        for (int j = 0; j < k; j++)
            printf("  %9.2f", law(s[j], n));
        printf("\n");
    }
}

static void write_table_tsv(const char *path, const double *s, int k)
{
    FILE *out = fopen(path, "w");
    if (out == NULL)
        die_errno("cannot write %s", path);
    fprintf(out, "n");
    for (int j = 0; j < k; j++)
        fprintf(out, "\tamdahl_%.4g", s[j]);
    for (int j = 0; j < k; j++)
        fprintf(out, "\tgustafson_%.4g", s[j]);
    fprintf(out, "\n");
    for (int n = 1; n <= MAX_N; n *= 2) {
        fprintf(out, "%d", n);
        for (int j = 0; j < k; j++)
            fprintf(out, "\t%.6g", amdahl_speedup(s[j], n));
        for (int j = 0; j < k; j++)
            fprintf(out, "\t%.6g", gustafson_speedup(s[j], n));
        fprintf(out, "\n");
    }
    if (fclose(out) != 0)
        die_errno("cannot write %s", path);
}

static void tables(const double *s, int k, const char *tsv)
{
    print_table("Amdahl: speedup 1/(s + (1-s)/N) of a fixed job on N processors", amdahl_speedup, s,
                k);
    printf("%-6s", "limit");
    for (int j = 0; j < k; j++) {
        if (s[j] > 0)
            printf("  %9.2f", 1 / s[j]);
        else
            printf("  %9s", "none");
    }
    printf("   (1/s, as N grows without bound)\n\n");
    print_table("Gustafson: scaled speedup N - s(N-1) of a job grown to fill N processors",
                gustafson_speedup, s, k);
    if (tsv != NULL)
        write_table_tsv(tsv, s, k);
    printf("amdahl: speedup on %d processors, Amdahl / Gustafson:", MAX_N);
    for (int j = 0; j < k; j++)
        printf("%s s=%.4g %.2fx / %.1fx", j ? "," : "", s[j], amdahl_speedup(s[j], MAX_N),
               gustafson_speedup(s[j], MAX_N));
    printf("\n");
}

/* ---- --measure: a parallel sum with a serial tail ------------------------- */

/* Each worker's result on a cache line of its own, so that the threads do not
 * slow each other down by writing to one line (false sharing, chapter 1). */
struct partial {
    CACHE_ALIGNED uint64_t sum;
};

struct sum_job {
    const uint64_t *data;
    size_t parallel; /* elements [0, parallel) are split between the workers */
    size_t threads;
    struct partial *partials;
};

/* The work per element: many rounds of a 64-bit mixer, so that the sum is
 * bound by arithmetic and threads compete for cores, not for memory bandwidth
 * (a plain sum would measure the memory bus). The serial tail runs the same
 * code, so its share of the one-thread time is its share of the elements. */
#define MIX_ROUNDS 64

static uint64_t sum_range(const uint64_t *data, size_t lo, size_t hi)
{
    uint64_t sum = 0;
    for (size_t i = lo; i < hi; i++) {
        uint64_t x = data[i];
        for (int r = 0; r < MIX_ROUNDS; r++) {
            x ^= x >> 29;
            x *= 0xbf58476d1ce4e5b9u;
        }
        sum += x;
    }
    return sum;
}

static void *sum_worker(size_t id, void *arg)
{
    struct sum_job *job = arg;
    size_t lo = job->parallel * id / job->threads;
    size_t hi = job->parallel * (id + 1) / job->threads;
    job->partials[id].sum = sum_range(job->data, lo, hi);
    return NULL;
}

struct sum_run {
    double seconds;      /* the whole run: start, parallel part, join, serial tail */
    double tail_seconds; /* the serial tail alone */
    uint64_t sum;
};

/* One timed run on `threads` workers; thread start-up is part of the time. */
static struct sum_run sum_once(struct sum_job *job, size_t n, size_t threads)
{
    struct lab_threads ts;
    job->threads = threads;
    uint64_t t0 = lab_now_ns();
    if ((errno = lab_threads_start(&ts, threads, sum_worker, job, 0)) != 0)
        die_errno("cannot start %zu threads", threads);
    lab_threads_join(&ts);
    uint64_t sum = 0;
    for (size_t i = 0; i < threads; i++)
        sum += job->partials[i].sum;
    uint64_t t1 = lab_now_ns();
    sum += sum_range(job->data, job->parallel, n);
    uint64_t t2 = lab_now_ns();
    return (struct sum_run){(double)(t2 - t0) / 1e9, (double)(t2 - t1) / 1e9, sum};
}

/* The fastest of `repeat` runs: the one least disturbed by the rest of the
 * machine. Every run must get the same sum as the reference. */
static struct sum_run sum_best(struct sum_job *job, size_t n, size_t threads, long repeat,
                               uint64_t reference, bool check)
{
    struct sum_run best = {INFINITY, 0, 0};
    for (long r = 0; r < repeat; r++) {
        struct sum_run run = sum_once(job, n, threads);
        if (check && run.sum != reference)
            die("the sum on %zu threads is %llu, on 1 thread %llu", threads,
                (unsigned long long)run.sum, (unsigned long long)reference);
        if (run.seconds < best.seconds)
            best = run;
    }
    return best;
}

/* 1, 2, 4, ... and max itself; 0 once max is done. */
static size_t next_thread_count(size_t t, size_t max)
{
    if (t >= max)
        return 0;
    return t * 2 < max ? t * 2 : max;
}

static void measure(double s, long max_threads, uint64_t elements, long repeat, const char *tsv)
{
    size_t n = lab_scaled(elements), ncpus = lab_ncpus();
    uint64_t *data = malloc(n * sizeof *data);
    struct partial *partials = aligned_alloc(CACHE_LINE, (size_t)max_threads * sizeof *partials);
    if (data == NULL || partials == NULL)
        die("out of memory for %zu elements", n);
    for (size_t i = 0; i < n; i++)
        data[i] = i * 0x9e3779b97f4a7c15u;
    size_t tail = (size_t)llround(s * (double)n);
    struct sum_job job = {.data = data, .parallel = n - tail, .partials = partials};

    FILE *out = NULL;
    if (tsv != NULL && (out = fopen(tsv, "w")) == NULL)
        die_errno("cannot write %s", tsv);
    if (out)
        fprintf(out, "threads\tseconds\tspeedup\tamdahl\tamdahl_cpus\n");

    printf("# a sum over %zu elements; main adds up the last %zu (s = %.4g) after the join\n"
           "# best of %ld runs per thread count; %zu CPUs online%s\n",
           n, tail, s, repeat, ncpus,
           lab_slowdown() > 1 ? "; slowed down (valgrind, qemu or TSan): times mean little" : "");
    printf("%-8s %9s %8s %10s %13s\n", "threads", "seconds", "speedup", "Amdahl(N)",
           "Amdahl(CPUs)");
    struct sum_run one = {0, 0, 0};
    char speedups[512] = "";
    size_t len = 0, usable = 1;
    for (size_t t = 1; t != 0; t = next_thread_count(t, (size_t)max_threads)) {
        struct sum_run run = sum_best(&job, n, t, repeat, one.sum, t > 1);
        if (t == 1)
            one = run;
        double speedup = one.seconds / run.seconds;
        usable = t < ncpus ? t : ncpus;
        printf("%-8zu %9.4f %7.2fx %9.2fx %12.2fx\n", t, run.seconds, speedup,
               amdahl_speedup(s, (double)t), amdahl_speedup(s, (double)usable));
        if (out)
            fprintf(out, "%zu\t%.6f\t%.4f\t%.4f\t%.4f\n", t, run.seconds, speedup,
                    amdahl_speedup(s, (double)t), amdahl_speedup(s, (double)usable));
        if ((t > 1 || max_threads == 1) && len < sizeof speedups)
            len += (size_t)snprintf(speedups + len, sizeof speedups - len, "%s%.2fx on %zu",
                                    len ? ", " : "", speedup, t);
    }
    if (out && fclose(out) != 0)
        die_errno("cannot write %s", tsv);
    printf("# the serial tail took %.1f%% of the 1-thread run (s = %.1f%% of the elements)\n",
           100 * one.tail_seconds / one.seconds, 100 * s);
    printf("amdahl --measure: s=%.4g, %zu CPUs: speedup %s threads; Amdahl allows %.2fx on %zu "
           "CPUs, %.2fx on %ld\n",
           s, ncpus, speedups, amdahl_speedup(s, (double)usable), usable,
           amdahl_speedup(s, (double)max_threads), max_threads);
    free(data);
    free(partials);
}

int main(int argc, char **argv)
{
    const char *const book_fractions = "0.5,0.25,0.1,0.05,1/24,0.01";
    const char *serial = book_fractions, *tsv = NULL;
    bool do_measure = false;
    double tail = 1.0 / 24;
    long max_threads = 8, repeat = 3;
    uint64_t elements = 1u << 21;
    const struct cli_option opts[] = {
        CLI_STRING("serial", &serial, "LIST", "serial fractions: 0..1 or ratios, comma separated"),
        CLI_STRING("tsv", &tsv, "FILE", "also write the table (or the measurements) as TSV"),
        CLI_FLAG("measure", &do_measure, "time a parallel sum with a serial tail instead"),
        CLI_DOUBLE("tail", &tail, "S", "--measure: the serial fraction of the sum", 0, 1),
        CLI_LONG("max-threads", &max_threads, "N", "--measure: most threads (1, 2, 4, ... up to N)",
                 1, 256),
        CLI_U64("elements", &elements, "N", "--measure: elements summed"),
        CLI_LONG("repeat", &repeat, "N", "--measure: runs per thread count; the fastest is kept", 1,
                 100),
    };
    const struct cli cli = {
        .prog = "amdahl",
        .summary = "Amdahl's and Gustafson's speedup laws as tables, or measured on a sum.",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    if (do_measure) {
        if (serial != book_fractions)
            cli_error("--serial sets the tables' fractions; --measure takes one, --tail");
        if (elements < 1 || elements > (uint64_t)1 << 28) /* 2 GiB: fits a 32-bit size_t */
            cli_error("--elements: want 1 to 2^28, got %llu", (unsigned long long)elements);
        measure(tail, max_threads, elements, repeat, tsv);
        return 0;
    }
    double s[MAX_FRACTIONS];
    int k = parse_fractions(serial, s);
    tables(s, k, tsv);
    return 0;
}
#endif
