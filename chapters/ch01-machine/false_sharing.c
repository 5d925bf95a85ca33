/*
 * false_sharing.c - threads that share nothing, slowed down by sharing a line.
 *
 * Each thread increments its own counter; no value is shared. But the caches
 * keep coherence per 64-byte line, not per variable: with the counters packed
 * side by side in one line, every increment must take the whole line from the
 * other core's cache (an invalidation and a transfer), and the threads run
 * about as if they were fighting over one variable. Give each counter its own
 * line (alignas(CACHE_LINE)) and they run at full speed.
 *
 * Two kinds of increment, both relaxed atomics on the thread's own counter:
 *   rmw    atomic_fetch_add: a locked instruction on x86 (lock xadd), which must
 *          own the line when it executes. This is where false sharing hurts.
 *   store  an atomic load then an atomic store: plain movs. The stores wait in
 *          the core's store buffer and drain whenever the line comes by, so
 *          the buffer hides most of the ping-pong (on recent x86 cores the
 *          load is even forwarded from the buffer in no time at all).
 *
 * The one thing to look at: the packed/padded ratio for rmw, against the much
 * smaller one for store.
 *
 *   false_sharing [--threads N] [--iters N] [--layout packed|padded|both]
 *                 [--op rmw|store|both] [--repeat N]
 */
#include "false_sharing.h"

#include <stdio.h>
#include <stdlib.h>

#include "cacheline.h"
#include "cli.h"
#include "clock.h"
#include "env.h"
#include "threads.h"

/* All counters in one line: 8 x 8 bytes = 64. */
struct packed {
    CACHE_ALIGNED _Atomic uint64_t count[FS_MAX_THREADS];
};
_Static_assert(sizeof(struct packed) == CACHE_LINE, "packed counters fill one line");

/* One line per counter. */
struct padded {
    struct padded_counter count[FS_MAX_THREADS];
};

struct job {
    _Atomic uint64_t *counters[FS_MAX_THREADS];
    uint64_t iters;
};

/* The loop bound is copied into a local: a store through c could alias
 * job->iters as far as the compiler knows, which would reload it from memory on
 * every iteration. */
static void *increment_rmw(size_t id, void *arg)
{
    struct job *job = arg;
    _Atomic uint64_t *c = job->counters[id];
    uint64_t n = job->iters;
    for (uint64_t i = 0; i < n; i++)
        atomic_fetch_add_explicit(c, 1, memory_order_relaxed); /* relaxed: no other data */
    return NULL;
}

static void *increment_store(size_t id, void *arg)
{
    struct job *job = arg;
    _Atomic uint64_t *c = job->counters[id];
    uint64_t n = job->iters;
    for (uint64_t i = 0; i < n; i++) {
        /* relaxed: only this thread writes c; atomicity keeps each store real */
        uint64_t v = atomic_load_explicit(c, memory_order_relaxed);
        atomic_store_explicit(c, v + 1, memory_order_relaxed);
    }
    return NULL;
}

int fs_counter_addresses(enum fs_layout layout, void *storage, _Atomic uint64_t **out, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = layout == FS_PACKED ? &((struct packed *)storage)->count[i]
                                     : &((struct padded *)storage)->count[i].value;
    return 0;
}

double fs_run(enum fs_layout layout, enum fs_op op, int threads, uint64_t iters, uint64_t *total)
{
    if (threads < 1 || threads > FS_MAX_THREADS)
        return -1;
    void *storage = aligned_alloc(CACHE_LINE, sizeof(struct padded));
    if (storage == NULL)
        return -1;
    struct job job = {.iters = iters};
    fs_counter_addresses(layout, storage, job.counters, threads);
    for (int i = 0; i < threads; i++)
        atomic_init(job.counters[i], 0);
    struct lab_threads ts;
    uint64_t t0 = lab_now_ns();
    lab_worker_fn fn = op == FS_RMW ? increment_rmw : increment_store;
    if (lab_threads_start(&ts, (size_t)threads, fn, &job, LAB_THREADS_PIN) != 0) {
        free(storage);
        return -1;
    }
    lab_threads_join(&ts);
    double ns = (double)(lab_now_ns() - t0) / (double)iters;
    *total = 0;
    for (int i = 0; i < threads; i++)
        *total += atomic_load(job.counters[i]);
    free(storage);
    return ns;
}

#ifndef LAB_NO_MAIN
static const char *const layouts[] = {"packed", "padded", "both", NULL};
static const char *const ops[] = {"rmw", "store", "both", NULL};

/* The fastest of `repeat` runs, after checking that no increment was lost. */
static double best_of(int layout, int op, long threads, uint64_t iters, long repeat)
{
    double best = 0;
    for (long r = 0; r < repeat; r++) {
        uint64_t total;
        double ns = fs_run(layout, op, (int)threads, iters, &total);
        if (ns < 0)
            die("could not start %ld threads", threads);
        if (total != iters * (uint64_t)threads)
            die("lost increments: %llu of %llu", (unsigned long long)total,
                (unsigned long long)(iters * (uint64_t)threads));
        if (r == 0 || ns < best)
            best = ns;
    }
    return best;
}

int main(int argc, char **argv)
{
    long threads = 2, repeat = 3;
    uint64_t iters = 10000000;
    int layout = 2, op = 2;
    const struct cli_option opts[] = {
        CLI_LONG("threads", &threads, "N", "threads, each with its own counter", 1, FS_MAX_THREADS),
        CLI_U64("iters", &iters, "N", "increments per thread"),
        CLI_CHOICE("layout", &layout, "counter layout", layouts),
        CLI_CHOICE("op", &op, "kind of increment", ops),
        CLI_LONG("repeat", &repeat, "N", "runs per case; the fastest is kept", 1, 100),
    };
    const struct cli cli = {
        .prog = "false_sharing",
        .summary = "Per-thread counters on one cache line vs one line each.",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    if (iters == 0)
        cli_error("--iters must be at least 1");
    iters = lab_scaled(iters);

    double ns[2][2] = {{0}};
    printf("# %ld threads x %llu increments, %zu CPUs; ns per increment = wall time / "
           "increments per thread\n",
           threads, (unsigned long long)iters, lab_ncpus());
    for (int o = 0; o < 2; o++) {
        if (op != 2 && op != o)
            continue;
        for (int l = 0; l < 2; l++) {
            if (layout != 2 && layout != l)
                continue;
            ns[o][l] = best_of(l, o, threads, iters, repeat);
            printf("  %-5s %-7s %7.2f ns per increment\n", ops[o], layouts[l], ns[o][l]);
        }
    }
    printf("false_sharing: %ld threads", threads);
    for (int o = 0; o < 2; o++) {
        if (op != 2 && op != o)
            continue;
        if (layout == 2)
            printf("; %s packed %.2f ns, padded %.2f ns, ratio %.1fx", ops[o], ns[o][0], ns[o][1],
                   ns[o][0] / ns[o][1]);
        else
            printf("; %s %s %.2f ns", ops[o], layouts[layout], ns[o][layout]);
    }
    printf("%s\n", lab_emulated() ? " [emulated: not the target's timing]" : "");
    return 0;
}
#endif
