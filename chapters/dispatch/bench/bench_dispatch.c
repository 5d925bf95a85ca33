/*
 * bench_dispatch.c - ns per call for each way of calling, and how the
 * difference fades as each call does more work.
 *
 * One iteration is one call (dispatch_run with iters calls). For each amount
 * of busy work per call (0, 10, 100, 1000 units; quick: 0 and 100) every
 * variant is measured, and each is compared with the direct call at the same
 * work. The derived table dispatch.overhead.tsv (work in ns, variant, ratio to
 * direct with its interval) feeds the overhead figure.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "bench.h"
#include "cli.h"
#include "dispatch.h"

struct job {
    enum dispatch_variant v;
    int work;
};

/* arg points at the variant; the work is the size parameter. */
static void *setup(const struct bench_params *p, const void *arg)
{
    struct job *j = malloc(sizeof *j);
    if (j != NULL)
        *j = (struct job){*(const enum dispatch_variant *)arg, (int)p->size};
    return j;
}

static void calls(void *state, uint64_t iters)
{
    const struct job *j = state;
    uint64_t sum = dispatch_run(j->v, iters, j->work);
    if (sum != dispatch_expected(iters, j->work))
        die("%s: wrong sum", dispatch_names[j->v]);
}

int main(int argc, char **argv)
{
    struct bench_run *run = bench_begin("dispatch", "dispatch", argc, argv);
    const int full[] = {0, 10, 100, 1000}, quick[] = {0, 100};
    const int *works = bench_quick(run) ? quick : full;
    int n_works = bench_quick(run) ? 2 : 4;
    struct {
        double work_ns;
        struct bench_estimate e;
        bool set;
    } ratio[4][DISPATCH_VARIANTS] = {{{0}}};
    static const enum dispatch_variant variants[DISPATCH_VARIANTS] = {
        DISPATCH_INLINE, DISPATCH_DIRECT, DISPATCH_FNPTR,  DISPATCH_FNPTR_DOUBLE,
        DISPATCH_VTABLE, DISPATCH_SWITCH, DISPATCH_MALLOC, DISPATCH_EDGE,
    };
    for (int w = 0; w < n_works; w++) {
        const struct bench_result *r[DISPATCH_VARIANTS] = {NULL};
        for (int v = 0; v < DISPATCH_VARIANTS; v++)
            r[v] = bench_one(run, &(struct bench_def){.name = dispatch_names[v],
                                                      .params = {.size = works[w]},
                                                      .arg = &variants[v],
                                                      .setup = setup,
                                                      .routine = calls,
                                                      .teardown = free});
        for (int v = 0; v < DISPATCH_VARIANTS; v++) {
            if (v == DISPATCH_DIRECT || r[v] == NULL || r[DISPATCH_DIRECT] == NULL)
                continue;
            bench_vs(run, r[v], r[DISPATCH_DIRECT]);
            ratio[w][v].work_ns = r[DISPATCH_DIRECT]->a.estimate.point;
            ratio[w][v].e = bench_ratio_of(run, r[v], r[DISPATCH_DIRECT]);
            ratio[w][v].set = true;
        }
    }
    /* One block per variant but direct, in dispatch_names order, so that
     * gnuplot draws each as one line (plots/overhead.gp). */
    FILE *overhead = bench_open_extra(run, "overhead");
    if (overhead == NULL)
        die("cannot write the overhead table");
    fprintf(overhead, "# work_units\twork_ns\tvariant\tratio_to_direct\tci_lo\tci_hi\n");
    for (int v = 0; v < DISPATCH_VARIANTS; v++) {
        if (v == DISPATCH_DIRECT)
            continue;
        for (int w = 0; w < n_works; w++)
            if (ratio[w][v].set)
                fprintf(overhead, "%d\t%.3f\t%s\t%.4f\t%.4f\t%.4f\n", works[w], ratio[w][v].work_ns,
                        dispatch_names[v], ratio[w][v].e.point, ratio[w][v].e.lo, ratio[w][v].e.hi);
        fprintf(overhead, "\n\n");
    }
    fclose(overhead);
    return bench_end(run);
}
