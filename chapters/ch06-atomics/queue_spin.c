/*
 * queue_spin.c - the book's crash demo: threads hammer the incorrect
 * Michael-Scott queue (msqueue_book.h) until it breaks. WRONG ON PURPOSE.
 *
 * Each of --threads threads loops { enq(i); i++; deq(); } with no other
 * coordination. deq frees the old sentinel at once (D1) while another thread
 * may be about to read it, malloc reuses the address (D2), and sooner or later
 * a thread follows a freed or NULL pointer. The book saw a segfault in 0.6 s on
 * 4 cores; on 2 cores a plain build may run for seconds or crash at once, so
 * the program says what happened: the fault and its address (0x0: a NULL
 * next->value read; 0x8: a ->next load through a NULL node, as after D4), or
 * that it survived. Under AddressSanitizer (the chapter's SAN=asan build) the
 * use after free is reported within a fraction of a second, and with
 * --force-uaf on every run (a row of tests/races.tsv).
 *
 * --no-free is the companion code's variant: no node is ever freed while the
 * queue lives, so no crash, but memory grows with every deq (the per-second
 * lines show it; --max-mib stops the run). --shape producers-consumers runs the
 * book's parallel_exp(73, 2, 2) over and over instead: two threads enqueue
 * 0..72, two dequeue until 146 came out. That shape is the one where
 * ThreadSanitizer reports D3, the relaxed publication of a node (tests/races.tsv).
 *
 * --lockstep (spin shape, with --iters) makes the threads take strict turns,
 * one enq or deq each, so that they meet inside the queue in every run, on an
 * idle or a loaded machine: the race matrix's row of the free variant.
 *
 * --force-uaf makes D1 happen on a forced schedule instead of by chance, so
 * that one run gives the same report on an idle or a loaded machine: deq A
 * stops inside msqb_deq, at the queue's hook between loading head and loading
 * head->next, until deq B has taken the first item and freed that head; A
 * then loads head->next from the freed node. Under AddressSanitizer every run
 * reports heap-use-after-free (an 8-byte READ in msqb_deq); natively A sees
 * the head moved and retries, and the program says what it read. With
 * --no-free the same schedule reads a live node: clean.
 *
 *   queue_spin [--threads N] [--seconds S] [--iters N [--lockstep]] [--no-free]
 *              [--shape spin|producers-consumers] [--rounds N] [--max-mib N]
 *   queue_spin --force-uaf [--no-free]
 *
 * Exit status: 0 when it survived with its invariants (spin: every deq found
 * an item, since each thread enqueued first; producers-consumers: every value
 * came out exactly twice); 1 when an invariant broke or threads got stuck
 * inside the queue, and after --force-uaf read a freed node; death by the
 * signal itself when it crashed.
 */
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "annotate.h"
#include "cacheline.h"
#include "cli.h"
#include "clock.h"
#include "crash.h"
#include "env.h"
#include "lockstep.h"
#include "msqueue_book.h"
#include "threads.h"

#define MAX_THREADS 64
#define PC_TOTAL 73 /* the book's parallel_exp(73, 2, 2) */
#define PC_ENQS 2
#define PC_DEQS 2

enum shape { SHAPE_SPIN, SHAPE_PC };
static const char *const shape_names[] = {"spin", "producers-consumers", NULL};

struct run {
    enum shape shape;
    bool free_nodes;
    long threads;
    uint64_t iters;  /* spin: per thread; 0 = until stopped */
    uint64_t rounds; /* producers-consumers; 0 = until stopped */
    bool lockstep;   /* spin: strict turns, one operation each */
    struct lab_lockstep turn;
    _Atomic bool stop;
    _Atomic bool done;
    _Atomic uint64_t empty_deqs; /* spin: a deq that found nothing (must stay 0) */
    _Atomic uint64_t rounds_done;
    struct msqb *q;
    const char *broken; /* the first broken invariant, or NULL */
    char why[200];
};

/* Operations done, per thread; global because the crash handler reads them. */
static struct padded_counter ops[MAX_THREADS + PC_ENQS + PC_DEQS];
static uint64_t t0_ns;

static uint64_t ops_total(void)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        sum += atomic_load_explicit(&ops[i].value, memory_order_relaxed); /* relaxed: a tally */
    return sum;
}

/* ---- the spin shape: the book's queue_spin ----------------------------------------- */

/* --lockstep: operation `phase` (0 enq, 1 deq) of round i of thread id waits
 * for its lab_lockstep_turn, so the threads take strict turns: A enqueues, B
 * enqueues, A dequeues, B dequeues, ... The turns order no memory (lockstep.h):
 * the queue's accesses stay as unordered to the detectors as in a free run, and
 * the threads meet in every round, however loaded the machine. */
static void take_turn(struct run *r, uint64_t i, unsigned phase, size_t id)
{
    if (r->lockstep)
        lab_lockstep_wait(&r->turn, lab_lockstep_turn(i, phase, 2, (size_t)r->threads, id));
}

static void pass_turn(struct run *r, uint64_t i, unsigned phase, size_t id)
{
    if (r->lockstep)
        lab_lockstep_set(&r->turn, lab_lockstep_turn(i, phase, 2, (size_t)r->threads, id) + 1);
}

static void *spinner(size_t id, void *arg)
{
    struct run *r = arg;
    uint64_t v;
    const char *err = NULL;
    /* Stopped: without --lockstep the thread leaves; with it (and its --iters)
     * it goes on taking its turns without operating, so that the others are
     * not left waiting for them. */
    bool passing = false;
    for (uint64_t i = 0; r->iters == 0 || i < r->iters; i++) {
        /* relaxed: a stop request; nothing is published with it */
        if (!passing && atomic_load_explicit(&r->stop, memory_order_relaxed)) {
            if (!r->lockstep)
                break;
            passing = true;
        }
        take_turn(r, i, 0, id);
        if (!passing && msqb_enq(r->q, i) != 0) {
            err = "out of memory";
            passing = true;
        }
        pass_turn(r, i, 0, id);
        if (err != NULL && !r->lockstep)
            break;
        take_turn(r, i, 1, id);
        bool got = passing || msqb_deq(r->q, &v);
        pass_turn(r, i, 1, id);
        if (!got)
            atomic_fetch_add_explicit(&r->empty_deqs, 1, memory_order_relaxed); /* a tally */
        if (!passing)
            atomic_fetch_add_explicit(&ops[id].value, 2, memory_order_relaxed); /* a tally */
    }
    return (void *)err;
}

static void run_spin(struct run *r)
{
    struct lab_threads ts;
    r->q = msqb_new(r->free_nodes);
    if (r->q == NULL || lab_threads_start(&ts, (size_t)r->threads, spinner, r, 0) != 0)
        die("could not start %ld threads", r->threads);
    const char *err = lab_threads_join(&ts);
    if (err != NULL) {
        r->broken = err;
        snprintf(r->why, sizeof r->why, "%s", err);
    }
    uint64_t empty = atomic_load(&r->empty_deqs); /* after the join: any order would do */
    if (empty != 0 && r->broken == NULL) {
        r->broken = "every deq finds an item";
        snprintf(r->why, sizeof r->why,
                 "%llu deqs found the queue empty although their own thread had just enqueued",
                 (unsigned long long)empty);
    }
    msqb_free(r->q);
}

/* ---- the producers-consumers shape: the book's parallel_exp(73, 2, 2) ----------------- */

struct round {
    struct run *run;
    _Atomic uint64_t counter;            /* items dequeued, as the book counts them */
    _Atomic unsigned seen[PC_TOTAL + 1]; /* per value; [PC_TOTAL]: values never enqueued */
};

static void *pc_worker(size_t id, void *arg)
{
    struct round *rd = arg;
    struct run *r = rd->run;
    size_t slot = MAX_THREADS + id;
    if (id < PC_ENQS) {
        for (uint64_t i = 0; i < PC_TOTAL; i++) {
            if (msqb_enq(r->q, i) != 0)
                return "out of memory";
            atomic_fetch_add_explicit(&ops[slot].value, 1, memory_order_relaxed); /* a tally */
        }
        return NULL;
    }
    uint64_t v;
    /* relaxed, as the book's counter: only a count; stop ends a round the
     * queue lost items from */
    while (atomic_load_explicit(&rd->counter, memory_order_relaxed) != PC_TOTAL * PC_ENQS &&
           !atomic_load_explicit(&r->stop, memory_order_relaxed)) {
        if (msqb_deq(r->q, &v)) {
            atomic_fetch_add_explicit(&rd->counter, 1, memory_order_relaxed); /* a count */
            atomic_fetch_add_explicit(&rd->seen[v < PC_TOTAL ? v : PC_TOTAL], 1,
                                      memory_order_relaxed);                      /* a count */
            atomic_fetch_add_explicit(&ops[slot].value, 1, memory_order_relaxed); /* a tally */
        } else {
            sched_yield(); /* empty: let an enqueuer run (valgrind runs one thread at a time) */
        }
    }
    return NULL;
}

/* One round; false (and r->why) when the queue lost, invented or changed items. */
static bool pc_round(struct run *r)
{
    static struct round rd; /* zeroed per round; static keeps 300 bytes off the stack */
    memset(&rd, 0, sizeof rd);
    rd.run = r;
    struct lab_threads ts;
    r->q = msqb_new(r->free_nodes);
    if (r->q == NULL || lab_threads_start(&ts, PC_ENQS + PC_DEQS, pc_worker, &rd, 0) != 0)
        die("could not start %d threads", PC_ENQS + PC_DEQS);
    const char *err = lab_threads_join(&ts);
    if (err != NULL)
        die("%s", err);
    /* A round cut short by the deadline leaves items in the queue: count them. */
    /* Here and below, after the join: the join orders everything, any order would do. */
    uint64_t v, out = atomic_load(&rd.counter);
    while (msqb_deq(r->q, &v)) {
        out++;
        atomic_fetch_add(&rd.seen[v < PC_TOTAL ? v : PC_TOTAL], 1);
    }
    msqb_free(r->q);
    if (out != PC_TOTAL * PC_ENQS) {
        snprintf(r->why, sizeof r->why, "%llu items came out, %d went in", (unsigned long long)out,
                 PC_TOTAL * PC_ENQS);
        return false;
    }
    for (unsigned i = 0; i <= PC_TOTAL; i++) {
        unsigned n = atomic_load(&rd.seen[i]);
        if (i < PC_TOTAL ? n != PC_ENQS : n != 0) {
            snprintf(r->why, sizeof r->why, "value %u came out %u times, expected %d", i, n,
                     i < PC_TOTAL ? PC_ENQS : 0);
            return false;
        }
    }
    return true;
}

static void run_pc(struct run *r)
{
    /* relaxed: a stop request */
    while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
        /* seq_cst, though only this thread writes it: main reads it for the summary */
        if (r->rounds != 0 && atomic_load(&r->rounds_done) == r->rounds)
            break;
        if (!pc_round(r)) {
            r->broken = "every item comes out exactly once";
            break;
        }
        atomic_fetch_add(&r->rounds_done, 1);
    }
}

/* ---- --force-uaf: D1 on a forced schedule ------------------------------------------------ */

/* The stages of the schedule. Deq A (thread 0) runs first and stops at the
 * hook once it holds head; deq B (thread 1) waits for that, dequeues, and lets
 * A go on. */
enum force_stage { FORCE_START, FORCE_A_HOLDS_HEAD, FORCE_B_DEQUEUED };

struct force {
    struct msqb *q;
    struct lab_lockstep stage; /* enum force_stage (lockstep.h: it orders no memory,
                                  so B's free and A's read stay unordered to TSan) */
    bool ok[2];
    uint64_t got[2];
};

/* The queue's hook. Only A can arrive here at FORCE_START (B waits for A
 * first); B's own deq and A's retry pass straight through. */
static void force_at(void *ctx, enum msqb_point p, const struct msqb_view *v)
{
    struct force *f = ctx;
    if (p != MSQB_DEQ_BEFORE_NEXT || lab_lockstep_now(&f->stage) != FORCE_START)
        return;
    (void)v; /* A has loaded head, and is about to load head->next */
    lab_lockstep_set(&f->stage, FORCE_A_HOLDS_HEAD);
    lab_lockstep_wait(&f->stage,
                      FORCE_B_DEQUEUED); /* meanwhile B takes item 1 and frees that head */
}

static void *force_worker(size_t id, void *arg)
{
    struct force *f = arg;
    if (id == 1)
        lab_lockstep_wait(&f->stage, FORCE_A_HOLDS_HEAD);
    f->ok[id] = msqb_deq(f->q, &f->got[id]); /* A: stops at the hook, then reads head->next */
    if (id == 1)
        lab_lockstep_set(&f->stage, FORCE_B_DEQUEUED);
    return NULL;
}

static int run_force_uaf(bool free_nodes)
{
    static struct force f; /* shared with the two threads */
    lab_lockstep_init(&f.stage, FORCE_START);
    const struct msqb_hooks hooks = {.at = force_at, .ctx = &f};
    f.q = msqb_new_hooked(free_nodes, &hooks);
    if (f.q == NULL || msqb_enq(f.q, 1) != 0 || msqb_enq(f.q, 2) != 0)
        die("out of memory");
    struct lab_threads ts;
    if (lab_threads_start(&ts, 2, force_worker, &f, 0) != 0)
        die("could not start 2 threads");
    lab_threads_join(&ts);
    msqb_free(f.q);
    if (!f.ok[0] || !f.ok[1] || f.got[1] != 1 || f.got[0] != 2)
        die("the forced schedule went wrong: A %d %llu, B %d %llu", f.ok[0],
            (unsigned long long)f.got[0], f.ok[1], (unsigned long long)f.got[1]);
    printf("queue_spin --force-uaf%s: deq A stopped after loading head; deq B took item %llu "
           "and %s; A then loaded head->next from that node, saw the head move and retried: "
           "item %llu%s\n",
           free_nodes ? "" : " --no-free", (unsigned long long)f.got[1],
           free_nodes ? "freed the node (the book's free(head))" : "left the node linked (no free)",
           (unsigned long long)f.got[0],
           free_nodes ? " (that load read freed memory: D1)" : " (a live node: no harm)");
    return free_nodes ? 1 : 0;
}

/* ---- the driver and its watchdog ----------------------------------------------------------- */

static void *driver(void *arg)
{
    struct run *r = arg;
    if (r->shape == SHAPE_SPIN)
        run_spin(r);
    else
        run_pc(r);
    /* release: publishes r->broken and r->why to main's acquire load */
    atomic_store_explicit(&r->done, true, memory_order_release);
    return NULL;
}

/* Resident memory in MiB from /proc/self/statm, or -1. */
static long rss_mib(void)
{
    long pages = -1, resident = -1;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * sysconf(_SC_PAGESIZE) / (1024 * 1024);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
    long threads = 4, max_mib = 512;
    double seconds = 5;
    uint64_t iters = 0, rounds = 0;
    bool no_free = false, force_uaf = false, lockstep = false;
    int shape = SHAPE_SPIN;
    const struct cli_option opts[] = {
        CLI_LONG("threads", &threads, "N", "threads, spin shape (the book: 4)", 2, MAX_THREADS),
        CLI_DOUBLE("seconds", &seconds, "S", "stop after S seconds", 0.01, 60),
        CLI_U64("iters", &iters, "N", "spin shape: stop after N enq+deq per thread (0: --seconds)"),
        CLI_U64("rounds", &rounds, "N", "producers-consumers: stop after N rounds (0: --seconds)"),
        CLI_FLAG("lockstep", &lockstep,
                 "spin shape, with --iters: the threads take strict turns, one enq or deq each, "
                 "so that they meet inside the queue in every run, even on a loaded machine"),
        CLI_FLAG("no-free", &no_free,
                 "never free a node (the companion code): no crash, memory grows"),
        CLI_CHOICE("shape", &shape, "who enqueues and dequeues", shape_names),
        CLI_LONG("max-mib", &max_mib, "N", "stop early when resident memory passes N MiB", 16,
                 1 << 20),
        CLI_FLAG("force-uaf", &force_uaf,
                 "D1 on a forced schedule, two threads: deq A stops after loading head, deq B "
                 "frees that node, A reads head->next from it (heap-use-after-free under ASan "
                 "in every run; with --no-free nothing is freed); the other options are ignored"),
    };
    const struct cli cli = {
        .prog = "queue_spin",
        .summary = "Hammers the book's incorrect Michael-Scott queue until it breaks (incorrect on "
                   "purpose).",
        .epilog =
            "The free variant may crash (the summary line names the signal and fault address);\n"
            "build with SAN=asan to see the use after free reported (by chance, or in one\n"
            "run with --force-uaf).",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    setvbuf(stdout, NULL, _IOLBF, 0); /* progress lines out before a crash */
    if (force_uaf)
        return run_force_uaf(!no_free);

    if (lockstep && (shape != SHAPE_SPIN || iters == 0))
        cli_error("--lockstep: the spin shape only, and with --iters");
    if (lockstep && 2 * iters * (uint64_t)threads > 0xfffffff0u)
        cli_error("--lockstep counts 2 x threads x iters turns: at most %u", 0xfffffff0u);

    static struct run r; /* shared with the driver for the whole run */
    r.shape = (enum shape)shape;
    r.free_nodes = !no_free;
    r.threads = r.shape == SHAPE_SPIN ? threads : PC_ENQS + PC_DEQS;
    r.iters = iters;
    r.rounds = rounds;
    r.lockstep = lockstep;
    lab_lockstep_init(&r.turn, 0);
    const char *variant = r.free_nodes ? "free(head) (the book)" : "no free (the companion)";
    if (r.shape == SHAPE_SPIN)
        printf("queue_spin: %ld threads x { enq(i); i++; deq() }, %s, up to %g s\n", threads,
               variant, seconds);
    else
        printf("queue_spin: parallel_exp(%d, %d, %d) repeated, %s, up to %g s\n", PC_TOTAL, PC_ENQS,
               PC_DEQS, variant, seconds);

    static const struct lab_crash_report report = {"queue_spin", ops_total, " operations",
                                                   " (msqueue_book.h: D1, D2, D4)"};
    lab_catch_crashes(&report);
    t0_ns = lab_now_ns();
    pthread_t drv;
    if (pthread_create(&drv, NULL, driver, &r) != 0)
        die("could not start the driver thread");
    const char *stopped_by = "the deadline";
    long peak = rss_mib();
    /* No operation finished for this long: the threads are looping inside
     * the queue (all of them in enq, behind a tail nobody swings, say: D4). */
    const uint64_t stall_ns = (uint64_t)(1e9 * lab_slowdown());
    uint64_t last_ops = 0, last_progress_ns = lab_now_ns();
    for (int tick = 1;; tick++) {
        sleep_ms(100);
        if (atomic_load_explicit(&r.done, memory_order_relaxed)) { /* relaxed: joined below */
            stopped_by = r.shape == SHAPE_SPIN ? "--iters" : "--rounds";
            break;
        }
        uint64_t now_ops = ops_total();
        if (now_ops != last_ops) {
            last_ops = now_ops;
            last_progress_ns = lab_now_ns();
        } else if (lab_now_ns() - last_progress_ns > stall_ns) {
            printf("queue_spin: stuck: no operation finished for %.1f s, %llu operations in "
                   "%.2f s: threads loop inside enq/deq on corrupt links (D2/D4)\n",
                   stall_ns / 1e9, (unsigned long long)now_ops, lab_seconds_since(t0_ns));
            _exit(1);
        }
        long rss = rss_mib();
        peak = rss > peak ? rss : peak;
        if (tick % 10 == 0)
            printf("  %5.1f s: %12llu operations, resident %ld MiB\n", lab_seconds_since(t0_ns),
                   (unsigned long long)ops_total(), rss);
        if (rss > max_mib) {
            stopped_by = "--max-mib";
            break;
        }
        if (lab_seconds_since(t0_ns) >= seconds)
            break;
    }
    atomic_store_explicit(&r.stop, true, memory_order_relaxed); /* relaxed: a stop request */
    /* Threads caught in a loop inside the queue never see the stop: give them
     * a grace period, then report them rather than hang. */
    uint64_t grace_end = lab_now_ns() + (uint64_t)(3e9 * lab_slowdown());
    /* acquire: pairs with the driver's release, so r.broken and r.why are read whole */
    while (!atomic_load_explicit(&r.done, memory_order_acquire)) {
        if (lab_now_ns() > grace_end) {
            printf("queue_spin: stuck: threads still inside enq/deq 3 s after the stop, "
                   "%llu operations: threads loop inside enq/deq on corrupt links (D2/D4)\n",
                   (unsigned long long)ops_total());
            _exit(1);
        }
        sleep_ms(10);
    }
    pthread_join(drv, NULL);
    double secs = lab_seconds_since(t0_ns);
    long rss = rss_mib();
    peak = rss > peak ? rss : peak;
    if (r.broken != NULL) {
        printf("queue_spin: broken invariant: %s: %s\n", r.broken, r.why);
        printf("queue_spin: %s, %s: broken after %llu operations in %.2f s\n", shape_names[r.shape],
               r.free_nodes ? "free" : "no-free", (unsigned long long)ops_total(), secs);
        return 1;
    }
    printf("queue_spin: %s, %s: survived %.2f s (stopped by %s), %llu operations",
           shape_names[r.shape], r.free_nodes ? "free" : "no-free", secs, stopped_by,
           (unsigned long long)ops_total());
    if (r.shape == SHAPE_PC)
        printf(", %llu rounds", (unsigned long long)atomic_load(&r.rounds_done)); /* joined */
    printf(", peak resident %ld MiB\n", peak);
    return 0;
}
