/*
 * spawn_cost.c - what one thread costs: pthread_create + pthread_join, timed
 * inside one process.
 *
 * The book measures a spawn by running a program with a thread and one without
 * a hundred times each and subtracting the totals (spawn_time.sh does that
 * here). Those totals are mostly process start-up, exec and the dynamic
 * loader, so the small difference between them is noisy. This program takes
 * the processes out of the picture: it times each create+join pair alone with
 * clock_gettime and reports the distribution.
 *
 * The one thing to look at: the first pair against the median. The first
 * create maps a fresh stack (mmap, plus a guard page); glibc keeps the stack of
 * a joined thread in a cache, so every later create reuses it and the pair
 * costs a clone(), a wake-up of the new thread, its exit and the join's wake-up.
 *
 *   spawn_cost [--pairs N] [--tsv FILE]
 *
 * Output: first, min, median, mean, p99 and max in microseconds, then one
 * summary line. --tsv writes every pair's time in nanoseconds.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "clock.h"
#include "env.h"

/* The thread does nothing but prove that it ran. */
static void *touch(void *arg)
{
    /* relaxed: pthread_join already orders this add before main's load */
    atomic_fetch_add_explicit((_Atomic unsigned long *)arg, 1, memory_order_relaxed);
    return NULL;
}

/* Times n create+join pairs into ns[]; returns how many threads ran. */
static unsigned long time_pairs(uint64_t *ns, unsigned long n)
{
    _Atomic unsigned long ran = 0;
    for (unsigned long i = 0; i < n; i++) {
        pthread_t t;
        uint64_t t0 = lab_now_ns();
        /* pthread functions return their error instead of setting errno */
        if ((errno = pthread_create(&t, NULL, touch, &ran)) != 0)
            die_errno("cannot create thread %lu", i);
        if ((errno = pthread_join(t, NULL)) != 0)
            die_errno("cannot join thread %lu", i);
        ns[i] = lab_now_ns() - t0;
    }
    return atomic_load(&ran);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void write_tsv(const char *path, const uint64_t *ns, unsigned long n)
{
    FILE *out = fopen(path, "w");
    if (out == NULL)
        die_errno("cannot write %s", path);
    fprintf(out, "# spawn_cost: one pthread_create + pthread_join per line\n# pair\tns\n");
    for (unsigned long i = 0; i < n; i++)
        fprintf(out, "%lu\t%llu\n", i, (unsigned long long)ns[i]);
    if (fclose(out) != 0)
        die_errno("cannot write %s", path);
}

static double us(uint64_t ns)
{
    return (double)ns / 1e3;
}

int main(int argc, char **argv)
{
    long pairs = 10000;
    const char *tsv = NULL;
    const struct cli_option opts[] = {
        CLI_LONG("pairs", &pairs, "N", "create+join pairs to time", 1, 10000000),
        CLI_STRING("tsv", &tsv, "FILE", "also write each pair's time (ns) as TSV"),
    };
    const struct cli cli = {
        .prog = "spawn_cost",
        .summary = "Time pthread_create + pthread_join pairs inside one process.",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    unsigned long n = lab_scaled((unsigned long)pairs);
    uint64_t *ns = malloc(n * sizeof *ns), *sorted = malloc(n * sizeof *sorted);
    if (ns == NULL || sorted == NULL)
        die("out of memory for %lu samples", n);

    unsigned long ran = time_pairs(ns, n);
    if (ran != n)
        die("%lu threads were joined but %lu ran", n, ran);
    if (tsv != NULL)
        write_tsv(tsv, ns, n);

    uint64_t sum = 0;
    for (unsigned long i = 0; i < n; i++) {
        sorted[i] = ns[i];
        sum += ns[i];
    }
    qsort(sorted, n, sizeof *sorted, cmp_u64);
    double mean = (double)sum / (double)n / 1e3;
    double median = n % 2 ? us(sorted[n / 2]) : (us(sorted[n / 2 - 1]) + us(sorted[n / 2])) / 2;
    double p99 = us(sorted[(n * 99 + 99) / 100 - 1]); /* the ceil(0.99 n)-th smallest */

    printf("%lu pairs of pthread_create + pthread_join, each timed with CLOCK_MONOTONIC%s\n", n,
           lab_slowdown() > 1 ? " (slowed down: valgrind, qemu or TSan; these times mean little)"
                              : "");
    printf("  first   %9.1f us  (maps a new stack; later pairs reuse glibc's cached one)\n",
           us(ns[0]));
    printf("  min     %9.1f us\n", us(sorted[0]));
    printf("  median  %9.1f us\n", median);
    printf("  mean    %9.1f us\n", mean);
    printf("  p99     %9.1f us\n", p99);
    printf("  max     %9.1f us\n", us(sorted[n - 1]));
    printf("spawn_cost: %lu create+join pairs: median %.1f us, mean %.1f us, p99 %.1f us\n", n,
           median, mean, p99);
    free(ns);
    free(sorted);
    return 0;
}
