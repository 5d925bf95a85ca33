/*
 * contention.c - where contention on a counter really comes from: the writers.
 *
 * The polling experiment (poll_atomics.c) shows that the blog's error was a
 * timing artifact, not contention on the atomic swap. Contention is real, but
 * it comes from many threads writing one cache line, and the poller hardly
 * matters. Three designs of the same counter:
 *
 *   shared      every thread fetch_adds one atomic; the poller swaps it to 0
 *   load-delta  the same atomic, never reset: the poller only loads it and
 *               subtracts the previous value, so it never writes the line
 *   sharded     one atomic per thread on its own cache line; the poller loads
 *               them all and sums (no line is written by two threads)
 *
 * Each thread makes its increments as fast as it can while the poller reads at
 * the given interval. The one thing to look at: increments per second as
 * threads are added, shared against sharded, and how little the poll
 * interval changes either.
 *
 *   contention [--design shared|load-delta|sharded|all] [--threads N]
 *              [--iters N] [--poll D] [--no-poller] [--repeat N]
 */
#include "contention.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cacheline.h"
#include "cli.h"
#include "clock.h"
#include "env.h"
#include "threads.h"

const char *const counter_design_names[] = {"shared", "load-delta", "sharded", NULL};

enum { MAX_THREADS = 64 };

struct run {
    enum counter_design design;
    uint64_t iters;
    int64_t poll_ns;
    int writers;
    CACHE_ALIGNED _Atomic uint64_t shared;
    struct padded_counter shard[MAX_THREADS];
    CACHE_ALIGNED _Atomic int writers_left;
    uint64_t read, polls;
};

static void writer(struct run *r, size_t id)
{
    _Atomic uint64_t *c = r->design == COUNTER_SHARDED ? &r->shard[id].value : &r->shared;
    uint64_t n = r->iters;
    for (uint64_t i = 0; i < n; i++)
        atomic_fetch_add_explicit(c, 1, memory_order_relaxed); /* a count, nothing published */
}

/* What the counter holds now, as the poller reads it. last keeps the
 * previous total for the designs that never reset. */
static uint64_t poll_once(struct run *r, uint64_t *last)
{
    if (r->design == COUNTER_SHARED)
        return atomic_exchange_explicit(&r->shared, 0, memory_order_relaxed);
    uint64_t total = 0;
    if (r->design == COUNTER_LOAD_DELTA) {
        total = atomic_load_explicit(&r->shared, memory_order_relaxed);
    } else {
        for (int i = 0; i < r->writers; i++)
            total += atomic_load_explicit(&r->shard[i].value, memory_order_relaxed);
    }
    uint64_t delta = total - *last;
    *last = total;
    return delta;
}

static void poller(struct run *r)
{
    uint64_t last = 0;
    while (atomic_load_explicit(&r->writers_left, memory_order_acquire) > 0) {
        r->read += poll_once(r, &last);
        r->polls++;
        if (r->poll_ns > 0) {
            struct timespec ts = {r->poll_ns / 1000000000, r->poll_ns % 1000000000};
            nanosleep(&ts, NULL);
        }
    }
    /* acquire above: every writer's increments are done and visible */
    r->read += poll_once(r, &last); /* the residual */
}

static void *thread_main(size_t id, void *arg)
{
    struct run *r = arg;
    if ((int)id == r->writers) {
        poller(r);
    } else {
        writer(r, id);
        /* release: this writer's increments happen before the poller's last read */
        atomic_fetch_sub_explicit(&r->writers_left, 1, memory_order_release);
    }
    return NULL;
}

double contention_run(enum counter_design d, int threads, uint64_t iters, int64_t poll_ns,
                      uint64_t *read, uint64_t *made, uint64_t *polls)
{
    if (threads < 1 || threads > MAX_THREADS)
        return -1;
    struct run *r = aligned_alloc(CACHE_LINE, sizeof *r);
    if (r == NULL)
        return -1;
    memset(r, 0, sizeof *r);
    r->design = d;
    r->iters = iters;
    r->poll_ns = poll_ns;
    r->writers = threads;
    atomic_init(&r->writers_left, threads);
    size_t n = (size_t)threads + (poll_ns >= 0 ? 1 : 0);
    struct lab_threads ts;
    uint64_t t0 = lab_now_ns();
    if (lab_threads_start(&ts, n, thread_main, r, LAB_THREADS_PIN) != 0) {
        free(r);
        return -1;
    }
    lab_threads_join(&ts);
    double ns = (double)(lab_now_ns() - t0);
    if (poll_ns < 0) { /* no poller: read it all now */
        uint64_t last = 0;
        r->read = poll_once(r, &last);
    }
    *read = r->read;
    *made = iters * (uint64_t)threads;
    *polls = r->polls;
    free(r);
    return ns;
}

#ifndef LAB_NO_MAIN
int main(int argc, char **argv)
{
    int design = COUNTER_DESIGNS; /* all */
    static const char *const designs[] = {"shared", "load-delta", "sharded", "all", NULL};
    long max_threads = (long)lab_ncpus() * 2;
    uint64_t iters = 2000000;
    int64_t poll_ns = 1000000;
    bool no_poller = false;
    long repeat = 3;
    const struct cli_option opts[] = {
        CLI_CHOICE("design", &design, "counter design", designs),
        CLI_LONG("threads", &max_threads, "N", "up to this many writer threads", 1, MAX_THREADS),
        CLI_U64("iters", &iters, "N", "increments per thread"),
        CLI_DURATION("poll", &poll_ns, "poll interval (0: poll in a busy loop)"),
        CLI_FLAG("no-poller", &no_poller, "run the writers alone"),
        CLI_LONG("repeat", &repeat, "N", "runs per cell; the fastest is kept", 1, 100),
    };
    const struct cli cli = {
        .prog = "contention",
        .summary = "Increments per second of three counter designs, by writer threads.",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    if (no_poller)
        poll_ns = -1;
    char poll_s[32];
    if (poll_ns < 0)
        snprintf(poll_s, sizeof poll_s, "none");
    else
        snprintf(poll_s, sizeof poll_s, "every %g us", (double)poll_ns / 1e3);
    iters = lab_scaled(iters);
    printf("# %llu increments per thread, poll %s, %zu CPUs, best of %ld\n# threads",
           (unsigned long long)iters, poll_s, lab_ncpus(), repeat);
    for (int d = 0; d < COUNTER_DESIGNS; d++)
        if (design == COUNTER_DESIGNS || design == d)
            printf("\t%s Mops/s", counter_design_names[d]);
    printf("\n");
    double first[COUNTER_DESIGNS] = {0}, last[COUNTER_DESIGNS] = {0};
    for (long t = 1; t <= max_threads; t *= 2) {
        printf("%ld", t);
        for (int d = 0; d < COUNTER_DESIGNS; d++) {
            if (design != COUNTER_DESIGNS && design != d)
                continue;
            double mops = 0;
            for (long r = 0; r < repeat; r++) {
                uint64_t read, made, polls;
                double ns = contention_run(d, (int)t, iters, poll_ns, &read, &made, &polls);
                if (ns < 0)
                    die("could not start %ld threads", t);
                if (read != made)
                    die("%s: read %llu of %llu increments", counter_design_names[d],
                        (unsigned long long)read, (unsigned long long)made);
                double m = (double)made / ns * 1e3;
                mops = m > mops ? m : mops;
            }
            printf("\t%.1f", mops);
            if (t == 1)
                first[d] = mops;
            last[d] = mops;
        }
        printf("\n");
    }
    printf("contention: 1 -> %ld threads, Mops/s:", max_threads);
    for (int d = 0; d < COUNTER_DESIGNS; d++)
        if (design == COUNTER_DESIGNS || design == d)
            printf(" %s %.0f -> %.0f;", counter_design_names[d], first[d], last[d]);
    printf(" every increment accounted for%s\n", lab_emulated() ? " [emulated]" : "");
    return 0;
}
#endif
