/*
 * bench_memlat.c - one dependent load, at one working-set size per level of
 * the memory hierarchy, timed by the harness (memlat.c draws the whole curve).
 *
 * One iteration is one step `p = p->next` of memlat's random cycle; the sizes
 * sit well inside each level of a typical x86 machine: 16 KiB (L1), 256 KiB
 * (L2), 4 MiB (L3) and 256 MiB (DRAM, with TLB misses). The quick profile
 * leaves out the largest.
 */
#include <stdlib.h>

#include "bench.h"
#include "memlat.h"

struct chase {
    struct node *nodes, *at;
};

static void *setup(const struct bench_params *p, const void *arg)
{
    (void)arg;
    struct chase *c = malloc(sizeof *c);
    size_t n = (size_t)p->size * 1024 / 64;
    if (c == NULL || (c->nodes = memlat_alloc(n, false)) == NULL ||
        memlat_link(c->nodes, n, 1) != 0) {
        free(c);
        return NULL;
    }
    c->at = c->nodes;
    return c;
}

static void step(void *state, uint64_t iters)
{
    struct chase *c = state;
    struct node *p = c->at;
    for (uint64_t i = 0; i < iters; i++)
        p = *(struct node **)p; /* a node starts with its next pointer */
    c->at = p;
    bench_black_box(p);
}

static void teardown(void *state)
{
    struct chase *c = state;
    free(c->nodes);
    free(c);
}

int main(int argc, char **argv)
{
    struct bench_run *run = bench_begin("ch01", "memlat", argc, argv);
    const long kib[] = {16, 256, 4096, 262144};
    const char *level[] = {"L1", "L2", "L3", "DRAM"};
    int levels = bench_quick(run) ? 3 : 4;
    for (int i = 0; i < levels; i++)
        bench_one(run, &(struct bench_def){.name = level[i],
                                           .params = {.size = kib[i]},
                                           .setup = setup,
                                           .routine = step,
                                           .teardown = teardown});
    return bench_end(run);
}
