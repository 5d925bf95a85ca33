/*
 * branch.c - a branch the CPU can predict, and the same branch it cannot.
 *
 * Sum the bytes that are >= 128 in a buffer of random bytes. Over random data
 * the branch goes either way by chance, the predictor is wrong half the time,
 * and every wrong guess throws away the work done along the wrong path (~15-20
 * cycles). Sort the same bytes first and the branch goes one way for the first
 * half and the other way for the second: the predictor is nearly always right
 * and the very same loop runs several times faster.
 *
 * The branchless variant turns the test into arithmetic (a mask from the top
 * bit), so there is nothing to predict and sorted and unsorted take the same
 * time. Compilers do this themselves (cmov, vector code) at -O2, which is why
 * this file is built with -fno-if-conversion -fno-tree-vectorize: without them
 * the branch this program is about would not exist.
 *
 * The one thing to look at: the unsorted/sorted ratio with the branch, against
 * about 1.0 without. `valgrind --tool=cachegrind --branch-sim=yes` counts the
 * mispredictions themselves (the README shows both).
 *
 *   branch [--size N] [--passes N] [--data unsorted|sorted|both]
 *          [--variant branchy|branchless|both] [--seed N]
 */
#include "branch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "env.h"
#include "rng.h"

uint64_t branch_sum_branchy(const uint8_t *v, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] >= 128) /* taken or not: a coin toss on random data */
            sum += v[i];
    return sum;
}

uint64_t branch_sum_branchless(const uint8_t *v, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t keep = -(uint64_t)(v[i] >> 7); /* all ones when v[i] >= 128 */
        sum += v[i] & keep;
    }
    return sum;
}

void branch_fill(uint8_t *v, size_t n, uint64_t seed)
{
    struct splitmix64 rng = {seed};
    for (size_t i = 0; i < n; i++)
        v[i] = (uint8_t)splitmix64_next(&rng);
}

void branch_sort(uint8_t *v, size_t n)
{
    size_t count[256] = {0};
    for (size_t i = 0; i < n; i++)
        count[v[i]]++;
    size_t at = 0;
    for (int b = 0; b < 256; b++)
        for (size_t k = 0; k < count[b]; k++)
            v[at++] = (uint8_t)b;
}

#ifndef LAB_NO_MAIN
typedef uint64_t (*sum_fn)(const uint8_t *, size_t);

/* ns per element of the best of `passes` passes. */
static double time_sum(sum_fn f, const uint8_t *v, size_t n, long passes, uint64_t *result)
{
    double best = -1;
    for (long p = 0; p < passes; p++) {
        uint64_t t0 = lab_now_ns();
        uint64_t s = f(v, n);
        double ns = (double)(lab_now_ns() - t0) / (double)n;
        if (p > 0 && s != *result)
            die("the sum changed between passes: %llu then %llu", (unsigned long long)*result,
                (unsigned long long)s);
        *result = s;
        if (best < 0 || ns < best)
            best = ns;
    }
    return best;
}

int main(int argc, char **argv)
{
    uint64_t size = 1u << 20, seed = 1;
    long passes = 20;
    int data = 2, variant = 2;
    static const char *const datas[] = {"unsorted", "sorted", "both", NULL};
    static const char *const variants[] = {"branchy", "branchless", "both", NULL};
    const struct cli_option opts[] = {
        CLI_U64("size", &size, "N", "bytes in the buffer"),
        CLI_LONG("passes", &passes, "N", "timed passes; the best is kept", 1, 100000),
        CLI_CHOICE("data", &data, "which data to sum", datas),
        CLI_CHOICE("variant", &variant, "which loop", variants),
        CLI_U64("seed", &seed, "N", "seed of the random bytes"),
    };
    const struct cli cli = {
        .prog = "branch",
        .summary = "Time a data-dependent branch over unsorted and sorted bytes.",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    if (size == 0 || size > ((uint64_t)1 << 32))
        cli_error("--size must be in [1, 2^32], got %llu", (unsigned long long)size);
    passes = (long)lab_scaled((unsigned long)passes);

    uint8_t *unsorted = malloc(size), *sorted = malloc(size);
    if (unsorted == NULL || sorted == NULL)
        die("cannot allocate 2 x %llu bytes", (unsigned long long)size);
    branch_fill(unsorted, size, seed);
    memcpy(sorted, unsorted, size);
    branch_sort(sorted, size);

    static const sum_fn fns[] = {branch_sum_branchy, branch_sum_branchless};
    const uint8_t *bufs[] = {unsorted, sorted};
    double ns[2][2] = {{0}};
    uint64_t want = branch_sum_branchless(unsorted, size);
    printf("# %llu bytes, best of %ld passes\n", (unsigned long long)size, passes);
    for (int vi = 0; vi < 2; vi++) {
        if (variant != 2 && variant != vi)
            continue;
        for (int di = 0; di < 2; di++) {
            if (data != 2 && data != di)
                continue;
            uint64_t got = 0;
            ns[vi][di] = time_sum(fns[vi], bufs[di], size, passes, &got);
            if (got != want)
                die("%s over %s data summed to %llu, expected %llu", variants[vi], datas[di],
                    (unsigned long long)got, (unsigned long long)want);
            printf("  %-10s %-9s %6.2f ns/byte\n", variants[vi], datas[di], ns[vi][di]);
        }
    }
    if (data == 2) {
        printf("branch: unsorted/sorted");
        if (variant != 1)
            printf(" %.1fx with the branch", ns[0][0] / ns[0][1]);
        if (variant != 0)
            printf("%s %.1fx branchless", variant == 2 ? "," : "", ns[1][0] / ns[1][1]);
        printf("%s\n", lab_emulated() ? " [emulated: not the target's timing]" : "");
    } else {
        printf("branch: sum %llu\n", (unsigned long long)want);
    }
    free(unsorted);
    free(sorted);
    return 0;
}
#endif
