/*
 * peterson.c - Peterson's lock for two threads, three ways, and a plain
 * counter under it that shows whether it excluded.
 *
 *   lock(me):   flag[me] = true; turn = other;
 *               while (flag[other] && turn == other) wait;
 *   unlock(me): flag[me] = false;
 *
 * The argument needs every thread to see the stores in one order: after my
 * store to flag[me], my load of flag[other] must not read a value older than
 * the other thread's store to flag[other]. That is the store-buffering shape
 * of chapter 1's litmus tests (chapters/ch01-machine, `litmus --test sb`):
 *
 *   --variant seqcst  every access seq_cst: correct (on x86 the stores become
 *                     xchg, which drains the store buffer)
 *   --variant acqrel  release stores, acquire loads: broken. A release store
 *                     followed by an acquire load of another location may be
 *                     reordered, on x86 too (the store waits in the store
 *                     buffer), so both threads can read the other's flag as
 *                     false and enter together: the counter loses increments
 *   --variant fence   acquire/release accesses plus one seq_cst fence between
 *                     the stores and the loads: correct again (mfence on x86)
 *
 * No detector is asked here: the broken variant races only through its
 * atomics, and the lost increments are the evidence.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "peterson.h"

#include "annotate.h"
#include "cacheline.h"
#include "cli.h"
#include "env.h"
#include "fence.h"
#include "threads.h"

enum variant { SEQCST = PETERSON_SEQCST, ACQREL = PETERSON_ACQREL, FENCE = PETERSON_FENCE };

struct peterson {
    CACHE_ALIGNED _Atomic int flag[2];
    CACHE_ALIGNED _Atomic int turn;
    CACHE_ALIGNED uint64_t counter; /* plain: only the lock protects it */
    uint64_t iters;
    enum variant v;
};

static void lock(struct peterson *p, int me)
{
    int other = !me;
    switch (p->v) {
    case SEQCST:
        atomic_store(&p->flag[me], 1);
        atomic_store(&p->turn, other);
        while (atomic_load(&p->flag[other]) && atomic_load(&p->turn) == other)
            lab_cpu_relax();
        break;
    case ACQREL:
        /* release stores, acquire loads: the load of flag[other] may be
         * satisfied before our store to flag[me] is visible to the other */
        atomic_store_explicit(&p->flag[me], 1, memory_order_release);
        atomic_store_explicit(&p->turn, other, memory_order_release);
        while (atomic_load_explicit(&p->flag[other], memory_order_acquire) &&
               atomic_load_explicit(&p->turn, memory_order_acquire) == other)
            lab_cpu_relax();
        break;
    default:
        atomic_store_explicit(&p->flag[me], 1, memory_order_release);
        atomic_store_explicit(&p->turn, other, memory_order_release);
        /* seq_cst fence: our stores are visible before the loads below read.
         * TSan does not model fences (gcc refuses them under -fsanitize=thread):
         * there a seq_cst read-modify-write of turn stands in, which on x86 is
         * the same full barrier. */
#ifdef LAB_TSAN
        atomic_fetch_add_explicit(&p->turn, 0, memory_order_seq_cst);
#else
        atomic_thread_fence(memory_order_seq_cst);
#endif
        while (atomic_load_explicit(&p->flag[other], memory_order_acquire) &&
               atomic_load_explicit(&p->turn, memory_order_acquire) == other)
            lab_cpu_relax();
        break;
    }
}

static void unlock(struct peterson *p, int me)
{
    /* release: the section happens before the other's acquire of flag[me] */
    atomic_store_explicit(&p->flag[me], 0,
                          p->v == SEQCST ? memory_order_seq_cst : memory_order_release);
}

static void *worker(size_t id, void *arg)
{
    struct peterson *p = arg;
    for (uint64_t i = 0; i < p->iters; i++) {
        lock(p, (int)id);
        p->counter++;
        unlock(p, (int)id);
    }
    return NULL;
}

int64_t peterson_run(enum peterson_variant v, uint64_t iters)
{
    static struct peterson p;
    memset(&p, 0, sizeof p);
    p.iters = iters;
    p.v = (enum variant)v;
    struct lab_threads ts;
    if (lab_threads_start(&ts, 2, worker, &p, LAB_THREADS_PIN) != 0)
        return -1;
    lab_threads_join(&ts);
    return (int64_t)p.counter;
}

#ifndef LAB_NO_MAIN
static const char *const variant_names[] = {"seqcst", "acqrel", "fence", NULL};

int main(int argc, char **argv)
{
    int variant = SEQCST;
    uint64_t iters = 5000000;
    long runs = 1;
    const struct cli_option opts[] = {
        CLI_CHOICE("variant", &variant, "seqcst (correct), acqrel (broken) or fence (correct)",
                   variant_names),
        CLI_U64("iters", &iters, "N", "lock/unlock per thread (fewer under valgrind or qemu)"),
        CLI_LONG("runs", &runs, "N", "runs, each with fresh counters", 1, 1000),
    };
    const struct cli cli = {
        .prog = "peterson",
        .summary = "Peterson's lock with seq_cst, release/acquire (broken) or a fence.",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    if (iters == 0 || iters > UINT64_C(1) << 36)
        cli_error("--iters must be in [1, 2^36]");
    iters = lab_scaled(iters);
    uint64_t lost_total = 0;
    long broken_runs = 0;
    for (long r = 0; r < runs; r++) {
        int64_t got = peterson_run((enum peterson_variant)variant, iters);
        if (got < 0)
            die("cannot start the two threads");
        uint64_t want = 2 * iters, lost = want - (uint64_t)got;
        printf("peterson %s: counter %llu of %llu: %s\n", variant_names[variant],
               (unsigned long long)got, (unsigned long long)want,
               lost ? "increments lost, both threads were inside at once" : "exact");
        lost_total += lost;
        broken_runs += lost > 0;
    }
    if (runs > 1)
        printf("peterson %s: %ld of %ld runs lost increments (%llu in all)\n",
               variant_names[variant], broken_runs, runs, (unsigned long long)lost_total);
    if (lost_total && lab_emulated()) {
        printf("(under qemu-user, which does not keep ARM's seq_cst store-to-load order, this "
               "says nothing about the variant)\n");
        return 0;
    }
    return lost_total ? 1 : 0;
}
#endif
