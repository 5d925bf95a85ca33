/*
 * bench_branch.c - the branch of branch.c over unsorted and sorted bytes, and
 * the branchless loop over both, timed by the harness. One iteration is one
 * pass over a buffer of 64 KiB (it stays in L2, so memory is not what is
 * measured); the estimate is ns per pass, and the ratios give the cost of
 * mispredicting.
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "branch.h"
#include "cli.h"

enum { SIZE = 64 * 1024 };

struct buffers {
    uint8_t unsorted[SIZE], sorted[SIZE];
    uint64_t want;
};

static void *setup(const struct bench_params *p, const void *arg)
{
    (void)arg;
    (void)p;
    struct buffers *b = malloc(sizeof *b);
    if (b == NULL)
        return NULL;
    branch_fill(b->unsorted, SIZE, 1);
    memcpy(b->sorted, b->unsorted, SIZE);
    branch_sort(b->sorted, SIZE);
    b->want = branch_sum_branchless(b->unsorted, SIZE);
    return b;
}

static void run(uint64_t (*sum)(const uint8_t *, size_t), const struct buffers *b, const uint8_t *v,
                uint64_t iters)
{
    for (uint64_t i = 0; i < iters; i++) {
        uint64_t s = sum(v, SIZE);
        bench_black_box(&s);
        if (s != b->want)
            die("wrong sum %llu", (unsigned long long)s);
    }
}

static void branchy_unsorted(void *s, uint64_t n)
{
    struct buffers *b = s;
    run(branch_sum_branchy, b, b->unsorted, n);
}
static void branchy_sorted(void *s, uint64_t n)
{
    struct buffers *b = s;
    run(branch_sum_branchy, b, b->sorted, n);
}
static void branchless_unsorted(void *s, uint64_t n)
{
    struct buffers *b = s;
    run(branch_sum_branchless, b, b->unsorted, n);
}
static void branchless_sorted(void *s, uint64_t n)
{
    struct buffers *b = s;
    run(branch_sum_branchless, b, b->sorted, n);
}

int main(int argc, char **argv)
{
    struct bench_run *run = bench_begin("ch01", "branch", argc, argv);
    const struct bench_params p = {.size = SIZE};
#define B(nm, fn)                                                                                  \
    bench_one(run, &(struct bench_def){                                                            \
                       .name = nm, .params = p, .setup = setup, .routine = fn, .teardown = free})
    const struct bench_result *bu = B("branchy/unsorted", branchy_unsorted);
    const struct bench_result *bs = B("branchy/sorted", branchy_sorted);
    const struct bench_result *lu = B("branchless/unsorted", branchless_unsorted);
    const struct bench_result *ls = B("branchless/sorted", branchless_sorted);
#undef B
    bench_vs(run, bu, bs); /* what mispredicting costs */
    bench_vs(run, lu, ls); /* nothing to mispredict: about 1 */
    bench_vs(run, bu, lu);
    return bench_end(run);
}
