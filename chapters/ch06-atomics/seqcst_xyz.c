/*
 * seqcst_xyz.c - the book's example for seq_cst: two threads raise the flags
 * x and y, two others each wait for one flag and then look at the other.
 *
 *   a: x = true            c: wait for x; if (y) z++
 *   b: y = true            d: wait for y; if (x) z++
 *
 * With seq_cst everywhere, all four threads agree on one order of the two
 * stores, so whichever flag went up second, the thread waiting for it sees
 * the first one too: z is never 0. With release stores and acquire loads the
 * C11 model allows z == 0 (c sees x before y, d sees y before x: independent
 * reads of independent writes, chapter 1's `litmus --test iriw`). No x86 can
 * show it, even with relaxed atomics: its stores reach every core in one
 * order. ARMv8 cannot either with acquire loads; POWER can. So on this
 * machine every ordering prints no zero: the program shows what seq_cst
 * promises, not what breaks without it. Chapter 1's store-buffering test
 * (`litmus --test sb`) is the one that breaks on x86.
 *
 * Each run starts the four threads together (a start gate), which makes the
 * close races (z == 1) far more common than the book's thread-by-thread
 * start.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "cacheline.h"
#include "cli.h"
#include "env.h"
#include "threads.h"

enum order { SEQCST, ACQREL, RELAXED };
static const char *const order_names[] = {"seqcst", "acqrel", "relaxed", NULL};

struct xyz {
    CACHE_ALIGNED _Atomic int x;
    CACHE_ALIGNED _Atomic int y;
    CACHE_ALIGNED _Atomic int z;
    memory_order store, load;
};

static void *thread(size_t id, void *arg)
{
    struct xyz *s = arg;
    switch (id) {
    case 0:
        atomic_store_explicit(&s->x, 1, s->store);
        break;
    case 1:
        atomic_store_explicit(&s->y, 1, s->store);
        break;
    case 2:
        while (!atomic_load_explicit(&s->x, s->load))
            lab_cpu_relax();
        if (atomic_load_explicit(&s->y, s->load))
            atomic_fetch_add_explicit(&s->z, 1, memory_order_relaxed); /* a tally */
        break;
    default:
        while (!atomic_load_explicit(&s->y, s->load))
            lab_cpu_relax();
        if (atomic_load_explicit(&s->x, s->load))
            atomic_fetch_add_explicit(&s->z, 1, memory_order_relaxed);
        break;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int order = SEQCST;
    uint64_t runs = 10000;
    const struct cli_option opts[] = {
        CLI_CHOICE("order", &order, "seqcst (the book's), acqrel or relaxed", order_names),
        CLI_U64("runs", &runs, "N", "runs of the four threads (fewer under valgrind or qemu)"),
    };
    const struct cli cli = {
        .prog = "seqcst_xyz",
        .summary = "The book's seq_cst example: z counts the threads that saw both flags.",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    if (runs == 0 || runs > 100000000)
        cli_error("--runs must be in [1, 10^8]");
    runs = lab_scaled(runs);
    static const memory_order stores[] = {memory_order_seq_cst, memory_order_release,
                                          memory_order_relaxed};
    static const memory_order loads[] = {memory_order_seq_cst, memory_order_acquire,
                                         memory_order_relaxed};
    uint64_t seen[3] = {0, 0, 0};
    for (uint64_t r = 0; r < runs; r++) {
        static struct xyz s;
        memset(&s, 0, sizeof s);
        s.store = stores[order];
        s.load = loads[order];
        struct lab_threads ts;
        int rc = lab_threads_start(&ts, 4, thread, &s, 0);
        if (rc != 0)
            die("cannot start four threads: %s", strerror(rc));
        lab_threads_join(&ts);
        seen[atomic_load(&s.z)]++;
    }
    printf("seqcst_xyz %s, %llu runs: z=0 %llu  z=1 %llu  z=2 %llu\n", order_names[order],
           (unsigned long long)runs, (unsigned long long)seen[0], (unsigned long long)seen[1],
           (unsigned long long)seen[2]);
    if (seen[0] > 0 && order == SEQCST)
        die("z was 0 with seq_cst: the threads disagreed on the order of the stores");
    if (seen[0] > 0)
        printf("z was 0: two threads saw the two stores in opposite orders\n");
    return 0;
}
