/*
 * bench_prop.c - how fast the property engine and the linearizability checker
 * are.
 *
 *   engine/model-100   one run of a model-based test of about 100 operations on
 *                      a trivial structure (a register), per iteration
 *   shrink/insert      finding and shrinking the planted sorted-insert bug
 *   shrink/stack       finding and shrinking the planted stack bug
 *   lincheck/3x8       deciding one recorded history of 3 threads x 8 ops
 *   lincheck/4x10      ... of 4 threads x 10 ops
 *
 * The histories are recorded once, from the mutex queue of lin_queues.h; the
 * distribution of per-history decision times goes to prop.lincheck.tsv.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "clock.h"
#include "cli.h"
#include "lincheck.h"
#include "prop.h"
#include "stats.h"
#include "tests/lin_queues.h"
#include "planted_insert.h"
#include "planted_stack.h"

/* ---- a trivial structure and its model: a register ------------------------------------ */

static void *reg_new(void)
{
    return calloc(1, sizeof(int64_t));
}

static int64_t reg_apply(void *p, size_t op, int64_t arg)
{
    int64_t *r = p;
    if (op == 0)
        *r = arg;
    return *r;
}

static const char *const reg_ops[] = {"write", "read"};
static bool reg_args[] = {true, false};
static struct prop_model reg_model = {
    .ops = reg_ops,
    .n_ops = 2,
    .takes_arg = reg_args,
    .arg_lo = -100,
    .arg_hi = 100,
    .average_steps = 100,
    .real_new = reg_new,
    .real_free = free,
    .real_apply = reg_apply,
    .model_new = reg_new,
    .model_free = free,
    .model_apply = reg_apply,
};

static void engine_runs(void *state, uint64_t iters)
{
    (void)state;
    struct prop_report r;
    struct prop_config c = {.runs = (unsigned)iters, .seed = 1};
    if (!prop_check("register", prop_model_property, &reg_model, &c, &r))
        die("the register property failed");
}

static void shrink_insert(void *state, uint64_t iters)
{
    (void)state;
    for (uint64_t i = 0; i < iters; i++) {
        struct prop_report r;
        struct prop_config c = {.runs = 500, .seed = 42 + i};
        if (prop_check("insert", insert_keeps_order, NULL, &c, &r))
            die("the planted insert bug was not found");
    }
}

static void shrink_stack(void *state, uint64_t iters)
{
    (void)state;
    for (uint64_t i = 0; i < iters; i++) {
        struct prop_report r;
        struct prop_config c = {.runs = 1000, .seed = 7 + i};
        if (prop_check("stack", prop_model_property, &stack_model, &c, &r))
            die("the planted stack bug was not found");
    }
}

/* ---- recorded histories ------------------------------------------------------------------ */

enum { HISTORIES = 200 };

struct histories {
    struct lin_op ops[HISTORIES][LIN_MAX_OPS];
    int n[HISTORIES];
};

static const unsigned mix[] = {3, 2};

static void *record(const struct bench_params *p, const void *arg)
{
    (void)arg;
    struct histories *h = malloc(sizeof *h);
    if (h == NULL)
        return NULL;
    struct lin_target t = {&lin_queue, mutex_queue_new, queue_free, queue_apply, 1, 99, mix, 2,
                           NULL};
    struct lin_run_config c = {.threads = p->threads, .ops_per_thread = (int)p->size, .seed = 5};
    struct splitmix64 rng = {5};
    for (int i = 0; i < HISTORIES; i++)
        if ((h->n[i] = lin_record(&t, &c, &rng, h->ops[i])) < 0) {
            free(h);
            return NULL;
        }
    return h;
}

static void decide(void *state, uint64_t iters)
{
    struct histories *h = state;
    for (uint64_t i = 0; i < iters; i++) {
        struct lin_result r;
        int k = (int)(i % HISTORIES);
        if (lin_check(&lin_queue, h->ops[k], (size_t)h->n[k], &r) != 0 || !r.linearizable)
            die("a mutex queue history was not linearizable");
    }
}

/* Times each history on its own: the distribution behind the mean. */
static void distribution(FILE *f, const struct histories *h, const char *label)
{
    double ns[HISTORIES];
    size_t states[HISTORIES];
    for (int k = 0; k < HISTORIES; k++) {
        struct lin_result r;
        uint64_t t0 = lab_now_ns();
        lin_check(&lin_queue, h->ops[k], (size_t)h->n[k], &r);
        ns[k] = (double)(lab_now_ns() - t0);
        states[k] = r.states;
    }
    size_t max_states = 0;
    for (int k = 0; k < HISTORIES; k++)
        max_states = states[k] > max_states ? states[k] : max_states;
    double p50 = bench_quantile_sorted(ns, HISTORIES, 0.5);
    double p90 = bench_quantile_sorted(ns, HISTORIES, 0.9);
    double p99 = bench_quantile_sorted(ns, HISTORIES, 0.99);
    fprintf(f, "%s\t%.0f\t%.0f\t%.0f\t%.0f\t%zu\n", label, p50, p90, p99, ns[HISTORIES - 1],
            max_states);
    printf("  %s decision time: p50 %.1f us, p90 %.1f us, p99 %.1f us, max %.1f us; "
           "at most %zu configurations\n",
           label, p50 / 1e3, p90 / 1e3, p99 / 1e3, ns[HISTORIES - 1] / 1e3, max_states);
}

int main(int argc, char **argv)
{
    struct bench_run *run = bench_begin("common", "prop", argc, argv);
    bench_one(run, &(struct bench_def){.name = "engine/model-100", .routine = engine_runs});
    bench_one(run, &(struct bench_def){.name = "shrink/insert", .routine = shrink_insert});
    bench_one(run, &(struct bench_def){.name = "shrink/stack", .routine = shrink_stack});
    FILE *f = bench_open_extra(run, "lincheck");
    if (f == NULL)
        die("cannot write the lincheck distribution");
    fprintf(f, "# history\tp50_ns\tp90_ns\tp99_ns\tmax_ns\tmax_configurations\n");
    const struct bench_params shapes[] = {{.size = 8, .threads = 3}, {.size = 10, .threads = 4}};
    const char *names[] = {"lincheck/3x8", "lincheck/4x10"};
    for (int i = 0; i < 2; i++) {
        struct histories *h = record(&shapes[i], NULL);
        if (h == NULL)
            die("cannot record histories");
        bench_one(run, &(struct bench_def){.name = names[i],
                                           .params = shapes[i],
                                           .setup = record,
                                           .routine = decide,
                                           .teardown = free});
        distribution(f, h, names[i]);
        free(h);
    }
    fclose(f);
    return bench_end(run);
}
