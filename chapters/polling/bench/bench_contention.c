/*
 * bench_contention.c - increments per second of the three counter designs of
 * contention.c, by writer threads and poll interval, timed by the harness.
 *
 * One iteration is one increment in each writer thread (the routine starts the
 * writers and the poller, and their start-up falls into the regression's
 * intercept). Compared: each design against sharded at the same threads and
 * poll interval, and each poll interval against no poller.
 */
#include "bench.h"
#include "cli.h"
#include "contention.h"

struct setting {
    enum counter_design design;
    int64_t poll_ns;
    int threads;
};

static void *setup(const struct bench_params *p, const void *arg)
{
    (void)p;
    return (void *)arg; /* the setting itself is the state; nothing to allocate */
}

static void increments(void *state, uint64_t iters)
{
    const struct setting *s = state;
    uint64_t read, made, polls;
    if (contention_run(s->design, s->threads, iters, s->poll_ns, &read, &made, &polls) < 0)
        die("cannot start %d threads", s->threads);
    if (read != made)
        die("%s lost increments", counter_design_names[s->design]);
}

int main(int argc, char **argv)
{
    struct bench_run *run = bench_begin("polling", "contention", argc, argv);
    bool quick = bench_quick(run);
    const int threads_full[] = {1, 2, 4}, threads_quick[] = {2};
    const int64_t polls[] = {-1, 1000000, 0}; /* none, every 1 ms, busy */
    const char *poll_names[] = {"none", "1ms", "busy"};
    int n_threads = quick ? 1 : 3, n_polls = quick ? 2 : 3;
    const int *threads = quick ? threads_quick : threads_full;
    static struct setting settings[3][3][COUNTER_DESIGNS];
    for (int t = 0; t < n_threads; t++) {
        const struct bench_result *r[COUNTER_DESIGNS][3] = {{NULL}};
        struct bench_params params = {.threads = threads[t]};
        for (int p = 0; p < n_polls; p++) {
            int pi = quick && p == 1 ? 2 : p; /* quick: none and busy */
            for (int d = 0; d < COUNTER_DESIGNS; d++) {
                char name[64];
                snprintf(name, sizeof name, "%s/poll=%s", counter_design_names[d], poll_names[pi]);
                settings[t][p][d] = (struct setting){d, polls[pi], threads[t]};
                r[d][p] = bench_one(run, &(struct bench_def){.name = name,
                                                             .params = params,
                                                             .arg = &settings[t][p][d],
                                                             .setup = setup,
                                                             .routine = increments});
            }
            bench_vs(run, r[COUNTER_SHARED][p], r[COUNTER_SHARDED][p]);
            bench_vs(run, r[COUNTER_LOAD_DELTA][p], r[COUNTER_SHARDED][p]);
        }
        for (int p = 1; p < n_polls; p++)
            bench_vs(run, r[COUNTER_SHARED][p], r[COUNTER_SHARED][0]);
    }
    return bench_end(run);
}
