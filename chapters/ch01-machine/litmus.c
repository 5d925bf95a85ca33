/*
 * litmus.c - litmus tests: which outcomes can two or four racing threads see?
 *
 * The classic shapes, each with x and y on their own cache lines, both 0 at the
 * start of every run:
 *
 *   sb   store buffering   T0: x=1; r0=y          T1: y=1; r1=x
 *   mp   message passing   T0: x=1; y=1           T1: r0=y; r1=x
 *   lb   load buffering    T0: r0=x; y=1          T1: r1=y; x=1
 *   iriw independent reads T0: x=1   T1: y=1      T2: r0=x; r1=y   T3: r2=y; r3=x
 *        of independent writes
 *
 * in four flavours of C11 memory order (relaxed, acquire/release, seq_cst, and
 * relaxed accesses with fences), many runs each, and prints a histogram of the
 * outcomes, marking the ones C11 forbids for that flavour.
 *
 * The one thing to look at: store buffering. x86 keeps every store in a store
 * buffer before it reaches the cache, and lets a later load to another address
 * go first, so r0 = r1 = 0 shows up with relaxed and with acquire/release
 * (x86-TSO's one relaxation). Only seq_cst (a locked exchange or mfence) or a
 * seq_cst fence forbids it. Message passing and load buffering never show their
 * weak outcome on x86, even relaxed; on ARM they can (a real Pi is needed: qemu
 * runs the ARM code on the x86 host's memory model and even breaks seq_cst
 * store buffering, so under LAB_EMULATED nothing is asserted).
 *
 * The memory orders are compile-time constants on purpose: gcc treats an order
 * passed in a variable as seq_cst, which would hide every weak outcome.
 *
 *   litmus [--test sb|mp|lb|iriw|all] [--order relaxed|acqrel|seqcst|fence|all]
 *          [--iters N] [--seed N] [--max-delay N]
 *
 * Exit status 1 when an outcome that C11 forbids was seen on real hardware.
 */
#include "litmus.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cacheline.h"
#include "cli.h"
#include "clock.h"
#include "env.h"
#include "rng.h"
#include "threads.h"

const char *const litmus_test_names[] = {"sb", "mp", "lb", "iriw", NULL};
const char *const litmus_order_names[] = {"relaxed", "acqrel", "seqcst", "fence", NULL};

struct shared {
    CACHE_ALIGNED _Atomic int x;
    CACHE_ALIGNED _Atomic int y;
    CACHE_ALIGNED _Atomic unsigned long round; /* run number published by thread 0 */
    CACHE_ALIGNED _Atomic unsigned long done;  /* threads finished, over all runs */
    struct {
        CACHE_ALIGNED int r[2]; /* this thread's loaded values in this run */
        uint64_t start;         /* lab_cycles() when its accesses began */
    } slot[4];
};

typedef void (*litmus_body)(struct shared *s, int tid, int *r);

/*
 * The bodies. One macro per shape stamps out a function per flavour, because the
 * orders must be literal constants at each atomic call. ST/LD are the orders of
 * the stores/loads that carry the synchronisation, FENCE what sits between the
 * two accesses of a thread.
 */
#define NO_FENCE ((void)0)

#define DEFINE_SB(flavour, ST, LD, FENCE)                                                          \
    static void sb_##flavour(struct shared *s, int tid, int *r)                                    \
    {                                                                                              \
        _Atomic int *mine = tid == 0 ? &s->x : &s->y;                                              \
        _Atomic int *other = tid == 0 ? &s->y : &s->x;                                             \
        atomic_store_explicit(mine, 1, ST);                                                        \
        FENCE;                                                                                     \
        r[0] = atomic_load_explicit(other, LD);                                                    \
    }

/* x is the data, y the flag: the data accesses stay relaxed except in seqcst. */
#define DEFINE_MP(flavour, DATA, ST, LD, WFENCE, RFENCE)                                           \
    static void mp_##flavour(struct shared *s, int tid, int *r)                                    \
    {                                                                                              \
        if (tid == 0) {                                                                            \
            atomic_store_explicit(&s->x, 1, DATA);                                                 \
            WFENCE;                                                                                \
            atomic_store_explicit(&s->y, 1, ST);                                                   \
        } else {                                                                                   \
            r[0] = atomic_load_explicit(&s->y, LD);                                                \
            RFENCE;                                                                                \
            r[1] = atomic_load_explicit(&s->x, DATA);                                              \
        }                                                                                          \
    }

#define DEFINE_LB(flavour, LD, ST, FENCE)                                                          \
    static void lb_##flavour(struct shared *s, int tid, int *r)                                    \
    {                                                                                              \
        _Atomic int *in = tid == 0 ? &s->x : &s->y;                                                \
        _Atomic int *out = tid == 0 ? &s->y : &s->x;                                               \
        r[0] = atomic_load_explicit(in, LD);                                                       \
        FENCE;                                                                                     \
        atomic_store_explicit(out, 1, ST);                                                         \
    }

#define DEFINE_IRIW(flavour, ST, LD)                                                               \
    static void iriw_##flavour(struct shared *s, int tid, int *r)                                  \
    {                                                                                              \
        switch (tid) {                                                                             \
        case 0:                                                                                    \
            atomic_store_explicit(&s->x, 1, ST);                                                   \
            break;                                                                                 \
        case 1:                                                                                    \
            atomic_store_explicit(&s->y, 1, ST);                                                   \
            break;                                                                                 \
        case 2:                                                                                    \
            r[0] = atomic_load_explicit(&s->x, LD);                                                \
            r[1] = atomic_load_explicit(&s->y, LD);                                                \
            break;                                                                                 \
        default:                                                                                   \
            r[0] = atomic_load_explicit(&s->y, LD);                                                \
            r[1] = atomic_load_explicit(&s->x, LD);                                                \
        }                                                                                          \
    }

#define RLX memory_order_relaxed
#define REL memory_order_release
#define ACQ memory_order_acquire
#define SC memory_order_seq_cst

DEFINE_SB(relaxed, RLX, RLX, NO_FENCE)
DEFINE_SB(acqrel, REL, ACQ, NO_FENCE)
DEFINE_SB(seqcst, SC, SC, NO_FENCE)
DEFINE_SB(fence, RLX, RLX, atomic_thread_fence(SC))

DEFINE_MP(relaxed, RLX, RLX, RLX, NO_FENCE, NO_FENCE)
DEFINE_MP(acqrel, RLX, REL, ACQ, NO_FENCE, NO_FENCE)
DEFINE_MP(seqcst, SC, SC, SC, NO_FENCE, NO_FENCE)
DEFINE_MP(fence, RLX, RLX, RLX, atomic_thread_fence(REL), atomic_thread_fence(ACQ))

DEFINE_LB(relaxed, RLX, RLX, NO_FENCE)
DEFINE_LB(acqrel, ACQ, REL, NO_FENCE)
DEFINE_LB(seqcst, SC, SC, NO_FENCE)
DEFINE_LB(fence, RLX, RLX, atomic_thread_fence(memory_order_acq_rel))

DEFINE_IRIW(relaxed, RLX, RLX)
DEFINE_IRIW(acqrel, REL, ACQ)
DEFINE_IRIW(seqcst, SC, SC)

/* bodies[test][order]; NULL where the flavour is not defined for the shape. */
static const litmus_body bodies[LITMUS_TESTS][LITMUS_ORDERS] = {
    {sb_relaxed, sb_acqrel, sb_seqcst, sb_fence},
    {mp_relaxed, mp_acqrel, mp_seqcst, mp_fence},
    {lb_relaxed, lb_acqrel, lb_seqcst, lb_fence},
    {iriw_relaxed, iriw_acqrel, iriw_seqcst, NULL},
};

int litmus_threads(enum litmus_test t)
{
    return t == LITMUS_IRIW ? 4 : 2;
}

int litmus_outcomes(enum litmus_test t)
{
    return 1 << litmus_result_bits(t);
}

int litmus_result_bits(enum litmus_test t)
{
    return t == LITMUS_IRIW ? 4 : 2;
}

bool litmus_defined(enum litmus_test t, enum litmus_order o)
{
    return bodies[t][o] != NULL;
}

/*
 * An outcome packs the loaded values, first loaded value in the top bit:
 *   sb, lb: (r0 of T0, r0 of T1)     mp: (flag, data) of T1
 *   iriw:   (x, y) seen by T2 then (y, x) seen by T3
 */
static int pack(enum litmus_test t, const struct shared *s)
{
    switch (t) {
    case LITMUS_SB:
    case LITMUS_LB:
        return s->slot[0].r[0] << 1 | s->slot[1].r[0];
    case LITMUS_MP:
        return s->slot[1].r[0] << 1 | s->slot[1].r[1];
    case LITMUS_IRIW:
        return s->slot[2].r[0] << 3 | s->slot[2].r[1] << 2 | s->slot[3].r[0] << 1 | s->slot[3].r[1];
    case LITMUS_TESTS:
        break;
    }
    return 0;
}

enum litmus_kind litmus_classify(enum litmus_test t, enum litmus_order o, int outcome)
{
    switch (t) {
    case LITMUS_SB: /* weak: neither load saw the other thread's store */
        if (outcome == 0)
            return (o == LITMUS_SEQCST || o == LITMUS_FENCE) ? LITMUS_FORBIDDEN : LITMUS_WEAK;
        return outcome == 3 ? LITMUS_INTERLEAVED : LITMUS_SEQUENTIAL;
    case LITMUS_MP: /* weak: saw the flag but not the data it guards */
        if (outcome == 2)
            return o == LITMUS_RELAXED ? LITMUS_WEAK : LITMUS_FORBIDDEN;
        return outcome == 1 ? LITMUS_INTERLEAVED : LITMUS_SEQUENTIAL;
    case LITMUS_LB: /* weak: each load saw the store that comes after the other load */
        if (outcome == 3)
            return o == LITMUS_RELAXED ? LITMUS_WEAK : LITMUS_FORBIDDEN;
        return outcome == 0 ? LITMUS_INTERLEAVED : LITMUS_SEQUENTIAL;
    case LITMUS_IRIW:       /* weak: the readers disagree on which write came first */
        if (outcome == 0xA) /* T2 saw x but not y, T3 saw y but not x */
            return o == LITMUS_SEQCST ? LITMUS_FORBIDDEN : LITMUS_WEAK;
        /* a reader that saw exactly one write ran between the two writes */
        {
            int a = outcome >> 2, b = outcome & 3;
            return (a == 1 || a == 2 || b == 1 || b == 2) ? LITMUS_INTERLEAVED : LITMUS_SEQUENTIAL;
        }
    case LITMUS_TESTS:
        break;
    }
    return LITMUS_SEQUENTIAL;
}

struct run {
    struct shared *s;
    enum litmus_test test;
    litmus_body body;
    unsigned long iters;
    unsigned max_delay;
    uint64_t seed;
    unsigned long *hist;
};

/* Spins until *v reaches at least want; yields now and then so that a waiting
 * thread does not starve the one it waits for when threads outnumber cores. */
static void wait_for(_Atomic unsigned long *v, unsigned long want)
{
    for (unsigned spins = 1; atomic_load_explicit(v, memory_order_acquire) < want; spins++) {
        if (spins % 256 == 0)
            sched_yield();
        else
            lab_cpu_relax();
    }
}

/*
 * Thread 0 publishes each run and the others see it one cache-line transfer
 * later, so left alone thread 0 nearly always goes first and the threads seldom
 * overlap. Thread 0 therefore waits an extra `skew` loop turns, and adjusts it
 * after every run from the threads' start stamps: one step up when it started
 * first, one down when it started last. The skew settles where each is first
 * half the time, whatever this machine's latencies are.
 */
static unsigned adjust_skew(unsigned skew, const struct shared *s, unsigned long nthreads)
{
    uint64_t others = 0;
    for (unsigned long k = 1; k < nthreads; k++)
        others += s->slot[k].start / (nthreads - 1);
    if (s->slot[0].start < others)
        return skew + 4;
    return skew >= 4 ? skew - 4 : 0;
}

static void *run_thread(size_t id, void *arg)
{
    struct run *run = arg;
    struct shared *s = run->s;
    unsigned long nthreads = (unsigned long)litmus_threads(run->test);
    struct splitmix64 rng = {run->seed * 0x9e3779b97f4a7c15u + id};
    unsigned skew = 0;

    for (unsigned long i = 1; i <= run->iters; i++) {
        if (id == 0) {
            atomic_store_explicit(&s->x, 0, memory_order_relaxed);
            atomic_store_explicit(&s->y, 0, memory_order_relaxed);
            /* release: the resets above happen before the run's accesses. */
            atomic_store_explicit(&s->round, i, memory_order_release);
        } else {
            wait_for(&s->round, i);
        }
        /* A random head start for each thread makes the threads' accesses
         * overlap at every possible offset over many runs. */
        unsigned d = (unsigned)splitmix64_below(&rng, run->max_delay + 1);
        if (id == 0)
            d += skew;
        for (; d > 0; d--)
            atomic_signal_fence(memory_order_seq_cst); /* an empty loop the compiler keeps */
        s->slot[id].start = lab_cycles();
        run->body(s, (int)id, s->slot[id].r);
        /* release: this thread's results are visible to thread 0's acquire. */
        atomic_fetch_add_explicit(&s->done, 1, memory_order_release);
        if (id == 0) {
            wait_for(&s->done, i * nthreads);
            run->hist[pack(run->test, s)]++;
            skew = adjust_skew(skew, s, nthreads);
        }
    }
    return NULL;
}

int litmus_run(enum litmus_test t, enum litmus_order o, unsigned long iters, unsigned max_delay,
               uint64_t seed, unsigned long *hist)
{
    if (!litmus_defined(t, o))
        return -1;
    struct shared *s = aligned_alloc(CACHE_LINE, sizeof *s);
    if (s == NULL)
        return -1;
    memset(s, 0, sizeof *s);
    memset(hist, 0, sizeof *hist * (size_t)litmus_outcomes(t));
    struct run run = {s, t, bodies[t][o], iters, max_delay, seed, hist};
    struct lab_threads ts;
    int err = lab_threads_start(&ts, (size_t)litmus_threads(t), run_thread, &run, LAB_THREADS_PIN);
    if (err == 0)
        lab_threads_join(&ts);
    free(s);
    return err == 0 ? 0 : -1;
}

void litmus_outcome_name(enum litmus_test t, int outcome, char *buf, size_t len)
{
    switch (t) {
    case LITMUS_SB:
    case LITMUS_LB:
        snprintf(buf, len, "r0=%d r1=%d", outcome >> 1, outcome & 1);
        break;
    case LITMUS_MP:
        snprintf(buf, len, "flag=%d data=%d", outcome >> 1, outcome & 1);
        break;
    case LITMUS_IRIW:
        snprintf(buf, len, "T2:x=%d,y=%d T3:y=%d,x=%d", outcome >> 3 & 1, outcome >> 2 & 1,
                 outcome >> 1 & 1, outcome & 1);
        break;
    case LITMUS_TESTS:
        break;
    }
}

#ifndef LAB_NO_MAIN
static const char *const kind_notes[] = {
    [LITMUS_SEQUENTIAL] = "",
    [LITMUS_INTERLEAVED] = "interleaved",
    [LITMUS_WEAK] = "weak: allowed by C11 here",
    [LITMUS_FORBIDDEN] = "FORBIDDEN by C11 here",
};

int main(int argc, char **argv)
{
    int test = LITMUS_TESTS, order = LITMUS_ORDERS; /* the last choice is "all" */
    static const char *const tests[] = {"sb", "mp", "lb", "iriw", "all", NULL};
    static const char *const orders[] = {"relaxed", "acqrel", "seqcst", "fence", "all", NULL};
    uint64_t iters = 200000, seed = 1;
    long max_delay = 256;
    const struct cli_option opts[] = {
        CLI_CHOICE("test", &test, "litmus shape", tests),
        CLI_CHOICE("order", &order, "memory-order flavour", orders),
        CLI_U64("iters", &iters, "N", "runs per shape and flavour (iriw: a tenth)"),
        CLI_LONG("max-delay", &max_delay, "N", "random head start, in empty loop turns", 0, 100000),
        CLI_U64("seed", &seed, "N", "seed for the head starts"),
    };
    const struct cli cli = {
        .prog = "litmus",
        .summary = "Run C11 litmus tests and print the histogram of outcomes.",
        .epilog = "Under LAB_EMULATED=1 (qemu) runs are scaled down and forbidden outcomes\n"
                  "are counted, not treated as errors: qemu does not keep ARM's ordering.",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    if (iters == 0)
        cli_error("--iters must be at least 1");

    bool emulated = lab_emulated();
    unsigned long forbidden_total = 0, runs_total = 0;
    char weak_summary[512] = "";
    size_t ws = 0;
    for (int t = 0; t < LITMUS_TESTS; t++) {
        if (test != LITMUS_TESTS && test != t)
            continue;
        for (int o = 0; o < LITMUS_ORDERS; o++) {
            if ((order != LITMUS_ORDERS && order != o) || !litmus_defined(t, o))
                continue;
            unsigned long n = lab_scaled(t == LITMUS_IRIW ? iters / 10 : iters);
            unsigned long hist[16];
            if (litmus_run(t, o, n, (unsigned)max_delay, seed, hist) != 0)
                die("could not start %d threads", litmus_threads(t));
            printf("%s %s (%lu runs)\n", litmus_test_names[t], litmus_order_names[o], n);
            unsigned long weak = 0;
            for (int k = 0; k < litmus_outcomes(t); k++) {
                enum litmus_kind kind = litmus_classify(t, o, k);
                if (hist[k] == 0 && kind != LITMUS_WEAK && kind != LITMUS_FORBIDDEN)
                    continue;
                char name[64];
                litmus_outcome_name(t, k, name, sizeof name);
                printf("  %-24s %9lu  %s\n", name, hist[k], kind_notes[kind]);
                if (kind == LITMUS_FORBIDDEN)
                    forbidden_total += hist[k];
                if (kind == LITMUS_WEAK || kind == LITMUS_FORBIDDEN)
                    weak += hist[k];
            }
            runs_total += n;
            if (ws < sizeof weak_summary)
                ws += (size_t)snprintf(weak_summary + ws, sizeof weak_summary - ws, " %s/%s=%lu",
                                       litmus_test_names[t], litmus_order_names[o], weak);
        }
    }
    if (emulated && forbidden_total > 0)
        printf("note: forbidden outcomes under qemu-user are qemu's, not ARM's "
               "(it runs guest code on the host's memory model)\n");
    printf("litmus: %lu runs, forbidden seen %lu%s, weak per test/order:%s\n", runs_total,
           forbidden_total, emulated ? " (emulated: not checked)" : "", weak_summary);
    if (forbidden_total > 0 && !emulated) {
        fprintf(stderr, "litmus: an outcome C11 forbids was observed (%lu times)\n",
                forbidden_total);
        return 1;
    }
    return 0;
}
#endif
