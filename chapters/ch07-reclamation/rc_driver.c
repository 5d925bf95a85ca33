/*
 * rc_driver.c - the push/pop driver of the reference-counted Treiber stacks
 * (what it checks: rc_driver.h).
 */
#include "rc_driver.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "annotate.h"
#include "arc.h"
#include "cacheline.h"
#include "clock.h"
#include "crash.h"
#include "env.h"
#include "lockstep.h"
#include "threads.h"

/* What the run found; shared by the workers, the stack's destructor and main.
 * Counters are relaxed tallies, read after the threads are joined. One per
 * run, allocated by rc_drive: a process may run the driver again. */
struct tally {
    struct padded_counter done[RC_DRIVE_MAX_THREADS]; /* push+pop pairs done, per thread */
    uint64_t t0_ns;
    long threads;
    bool keep_going, yield, lockstep;
    struct lab_lockstep turn; /* --lockstep: whose operation is next */
    uint64_t iters;
    _Atomic uint64_t *seen; /* one bit per value: v = thread * iters + i */
    size_t words;
    _Atomic uint64_t empty_pops, duplicates, strangers, left_over;
    _Atomic uint64_t first_duplicate, first_stranger;
    _Atomic int destroyed;
    _Atomic bool stop;
    _Atomic long finished;
    _Atomic bool have_broken;
    char broken[240]; /* written once, by whoever set have_broken; read after the join */
};

/* What the threads share through the Arc: the stack and how to drive it. */
struct shared {
    const struct rc_stack_ops *ops;
    void *stack;
    struct tally *tally;
};

struct run {
    struct tally *tally;
    struct shared *refs[RC_DRIVE_MAX_THREADS]; /* a strong reference per thread */
};

static uint64_t done_total(struct tally *t)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < RC_DRIVE_MAX_THREADS; i++)
        sum += atomic_load_explicit(&t->done[i].value, memory_order_relaxed); /* relaxed: a tally */
    return sum;
}

/* The run a crash reports on: a signal handler takes no argument, so this one
 * pointer is global; set while a run is on, NULL otherwise. */
static struct tally *_Atomic crash_tally;

static uint64_t crash_done_total(void)
{
    /* relaxed: the handler reads tallies, nothing more */
    struct tally *t = atomic_load_explicit(&crash_tally, memory_order_relaxed);
    return t != NULL ? done_total(t) : 0;
}

static void record_broken(struct tally *t, const char *fmt, const char *what)
{
    /* the first to report writes the message; main reads it after the join */
    if (!atomic_exchange(&t->have_broken, true))
        snprintf(t->broken, sizeof t->broken, fmt, what);
}

/* Counts a popped value: its bit goes from 0 to 1, or it is a duplicate, or it
 * was never a value of this run (read from a node that was freed and reused). */
static void mark(struct tally *t, uint64_t v)
{
    if (v >= (uint64_t)t->threads * t->iters) {
        if (atomic_fetch_add_explicit(&t->strangers, 1, memory_order_relaxed) == 0) /* a tally */
            atomic_store_explicit(&t->first_stranger, v, memory_order_relaxed);
        return;
    }
    uint64_t bit = 1ULL << (v % 64);
    /* relaxed: the bitmap is only read after the join */
    if (atomic_fetch_or_explicit(&t->seen[v / 64], bit, memory_order_relaxed) & bit) {
        if (atomic_fetch_add_explicit(&t->duplicates, 1, memory_order_relaxed) == 0)
            atomic_store_explicit(&t->first_duplicate, v, memory_order_relaxed);
    }
}

static void check_stack(struct shared *sh)
{
    char buf[200];
    const char *b = sh->ops->broken != NULL ? sh->ops->broken(sh->stack, buf, sizeof buf) : NULL;
    if (b != NULL) {
        record_broken(sh->tally, "%s", b);
        atomic_store_explicit(&sh->tally->stop, true, memory_order_relaxed); /* a stop request */
    }
}

/* The Arc's destructor, run by whoever drops the last reference: takes what
 * is left on the stack into the tally, then destroys the stack. */
static void shared_dtor(void *data)
{
    struct shared *sh = data;
    struct tally *t = sh->tally;
    uint64_t v, limit = (uint64_t)t->threads * t->iters + 1;
    check_stack(sh);
    while (sh->ops->pop(sh->stack, &v)) {
        mark(t, v);
        if (atomic_fetch_add_explicit(&t->left_over, 1, memory_order_relaxed) + 1 > limit) {
            record_broken(t, "%s", "the stack never empties: more items left than were pushed");
            break;
        }
    }
    check_stack(sh);
    sh->ops->destroy(sh->stack);
    atomic_fetch_add(&t->destroyed, 1);
}

/* --lockstep: operation `phase` (0 push, 1 pop) of pair i of thread id waits
 * for its lab_lockstep_turn, so the threads take strict turns: A pushes, B
 * pushes, A pops (B's value), B pops (A's). The turns order no memory
 * (lockstep.h): what the stack's accesses race on stays as unordered to the
 * detectors as in a free run, and they meet in every run, however loaded the
 * machine. */
static void turn_wait(struct tally *t, uint64_t i, unsigned phase, size_t id)
{
    if (t->lockstep)
        lab_lockstep_wait(&t->turn, lab_lockstep_turn(i, phase, 2, (size_t)t->threads, id));
}

static void turn_pass(struct tally *t, uint64_t i, unsigned phase, size_t id)
{
    if (t->lockstep)
        lab_lockstep_set(&t->turn, lab_lockstep_turn(i, phase, 2, (size_t)t->threads, id) + 1);
}

static void *worker(size_t id, void *arg)
{
    struct run *r = arg;
    struct tally *t = r->tally;
    struct shared *sh = r->refs[id]; /* this thread's own strong reference */
    const char *err = NULL;
    /* Stopped early: without --lockstep the thread leaves; with it, it goes on
     * taking its turns without operating, so that the others are not left
     * waiting for them. */
    bool passing = false;
    for (uint64_t i = 0; i < t->iters; i++) {
        /* relaxed: a stop request; nothing is published with it */
        if (!passing && atomic_load_explicit(&t->stop, memory_order_relaxed)) {
            if (!t->lockstep)
                break;
            passing = true;
        }
        turn_wait(t, i, 0, id);
        int pushed = passing ? 0 : sh->ops->push(sh->stack, (uint64_t)id * t->iters + i);
        turn_pass(t, i, 0, id);
        if (pushed != 0) {
            err = "out of memory";
            if (!t->lockstep)
                break;
            passing = true;
        }
        if (passing) {
            turn_wait(t, i, 1, id);
            turn_pass(t, i, 1, id);
            continue;
        }
        if (t->yield)
            sched_yield(); /* another thread runs while this one's value is on top */
        uint64_t got;
        turn_wait(t, i, 1, id);
        bool popped = sh->ops->pop(sh->stack, &got);
        turn_pass(t, i, 1, id);
        if (popped)
            mark(t, got);
        else
            atomic_fetch_add_explicit(&t->empty_pops, 1, memory_order_relaxed); /* a tally */
        atomic_store_explicit(&t->done[id].value, i + 1, memory_order_relaxed); /* a tally */
        if (!t->keep_going)
            check_stack(sh);
    }
    arc_drop(sh);
    atomic_fetch_add_explicit(&t->finished, 1, memory_order_relaxed); /* joined before use */
    return (void *)err;
}

/* ---- main's part: start, watch, judge ------------------------------------------------------- */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Watches the threads until they finish; stops them at the deadline; ends the
 * process if they stop making progress. Returns what stopped the run. */
static const char *watch(struct tally *t, const char *name, double seconds)
{
    const char *stopped_by = "--iters";
    const uint64_t stall_ns = (uint64_t)(2e9 * lab_slowdown());
    uint64_t last = 0, last_progress_ns = lab_now_ns();
    uint64_t t0_ns = t->t0_ns;
    /* relaxed: the join below orders what the threads did */
    while (atomic_load_explicit(&t->finished, memory_order_relaxed) < t->threads) {
        sleep_ms(20);
        uint64_t now = done_total(t);
        if (now != last) {
            last = now;
            last_progress_ns = lab_now_ns();
        } else if (lab_now_ns() - last_progress_ns > stall_ns) {
            printf("%s: stuck: no push+pop pair finished for %.1f s, %llu pairs in %.2f s\n", name,
                   stall_ns / 1e9, (unsigned long long)now, lab_seconds_since(t0_ns));
            _exit(1);
        }
        if (lab_seconds_since(t0_ns) >= seconds &&
            !atomic_exchange_explicit(&t->stop, true, memory_order_relaxed)) /* a stop request */
            stopped_by = "--seconds";
    }
    if (atomic_load_explicit(&t->have_broken, memory_order_relaxed)) /* the join orders it */
        stopped_by = "a broken check";
    return stopped_by;
}

/* Checks the tally after the join; NULL, or what broke (in why). */
static const char *judge(struct tally *t, char *why, size_t len)
{
    uint64_t lost = 0, never_pushed = 0, first_lost = 0, first_never = 0;
    for (uint64_t v = 0; v < (uint64_t)t->threads * t->iters; v++) {
        bool pushed = v % t->iters < atomic_load(&t->done[v / t->iters].value);
        bool seen = atomic_load(&t->seen[v / 64]) >> (v % 64) & 1;
        if (pushed && !seen && lost++ == 0)
            first_lost = v;
        if (!pushed && seen && never_pushed++ == 0)
            first_never = v;
    }
    /* Here and below, after the join: any order would do. */
    if (atomic_load(&t->have_broken))
        snprintf(why, len, "%s", t->broken);
    else if (atomic_load(&t->destroyed) != 1)
        snprintf(why, len, "the stack's destructor ran %d times, not once",
                 atomic_load(&t->destroyed));
    else if (atomic_load(&t->empty_pops) != 0)
        snprintf(why, len,
                 "every pop finds an item: %llu pops found the stack empty although "
                 "their own thread had just pushed",
                 (unsigned long long)atomic_load(&t->empty_pops));
    else if (atomic_load(&t->duplicates) != 0)
        snprintf(why, len, "no value comes out twice: %llu did, the first %llu",
                 (unsigned long long)atomic_load(&t->duplicates),
                 (unsigned long long)atomic_load(&t->first_duplicate));
    else if (atomic_load(&t->strangers) + never_pushed != 0)
        snprintf(
            why, len, "only pushed values come out: %llu others did, the first %llu",
            (unsigned long long)(atomic_load(&t->strangers) + never_pushed),
            (unsigned long long)(never_pushed ? first_never : atomic_load(&t->first_stranger)));
    else if (lost != 0)
        snprintf(why, len, "every pushed value comes out: %llu never did, the first %llu",
                 (unsigned long long)lost, (unsigned long long)first_lost);
    else
        return NULL;
    return why;
}

static int out_of_memory(const struct rc_stack_ops *ops)
{
    fprintf(stderr, "%s: out of memory\n", ops->name);
    return 1;
}

/* A tally for the run, zeroed; NULL when out of memory. */
static struct tally *tally_new(const struct rc_drive_config *c)
{
    struct tally *t = aligned_alloc(CACHE_LINE, sizeof *t);
    if (t == NULL)
        return NULL;
    memset(t, 0, sizeof *t);
    t->threads = c->threads;
    t->iters = c->iters;
    t->keep_going = c->keep_going;
    t->yield = c->yield;
    t->lockstep = c->lockstep;
    lab_lockstep_init(&t->turn, 0);
    t->words = ((uint64_t)c->threads * c->iters + 63) / 64;
    t->seen = calloc(t->words, sizeof *t->seen);
    if (t->seen == NULL) {
        free(t);
        return NULL;
    }
    /* Tallies and flags that main reads while the threads write them, by design
     * (relaxed atomics): not what the race matrix is about. */
    ANNOTATE_ATOMIC(&t->done);
    ANNOTATE_ATOMIC(&t->stop);
    ANNOTATE_ATOMIC(&t->finished);
    ANNOTATE_ATOMIC(&t->have_broken);
    return t;
}

static void tally_free(struct tally *t)
{
    free(t->seen);
    free(t);
}

int rc_drive(const struct rc_stack_ops *ops, const struct rc_drive_config *c)
{
    if (c->lockstep && 2 * (uint64_t)c->threads * c->iters > RC_DRIVE_MAX_TURNS) {
        fprintf(stderr, "%s: --lockstep counts 2 x threads x iters turns: at most %llu\n",
                ops->name, RC_DRIVE_MAX_TURNS);
        return 2;
    }
    struct tally *t = tally_new(c);
    if (t == NULL)
        return out_of_memory(ops);
    void *stack = ops->create();
    struct shared *sh = stack != NULL ? arc_new(sizeof *sh, shared_dtor) : NULL;
    if (sh == NULL) {
        if (stack != NULL)
            ops->destroy(stack);
        tally_free(t);
        return out_of_memory(ops);
    }
    *sh = (struct shared){ops, stack, t};
    struct run r = {.tally = t};
    setvbuf(stdout, NULL, _IOLBF, 0); /* lines out before a crash */
    printf("%s: %ld threads x { push(v); pop() } on %s, up to %llu pairs each or %g s\n", ops->name,
           c->threads, ops->variant, (unsigned long long)c->iters, c->seconds);

    for (long i = 0; i < c->threads; i++)
        r.refs[i] = arc_clone(sh); /* one strong reference per thread, handed over */
    /* from here a crash prints one line before the process dies of it; the
     * report outlives every run, and names the current one's tally */
    static struct lab_crash_report report;
    report = (struct lab_crash_report){ops->name, crash_done_total, " push+pop pairs", ""};
    atomic_store_explicit(&crash_tally, t, memory_order_relaxed);
    lab_catch_crashes(&report);
    t->t0_ns = lab_now_ns();
    struct lab_threads ts;
    if (lab_threads_start(&ts, (size_t)c->threads, worker, &r, 0) != 0) {
        for (long i = 0; i < c->threads; i++)
            arc_drop(r.refs[i]);
        arc_drop(sh); /* the last reference: the stack is destroyed */
        atomic_store_explicit(&crash_tally, NULL, memory_order_relaxed);
        tally_free(t);
        fprintf(stderr, "%s: could not start %ld threads\n", ops->name, c->threads);
        return 1;
    }
    arc_drop(sh); /* main's own: from here the threads keep the stack alive */
    const char *stopped_by = watch(t, ops->name, c->seconds);
    const char *err = lab_threads_join(&ts);
    double secs = lab_seconds_since(t->t0_ns);
    atomic_store_explicit(&crash_tally, NULL, memory_order_relaxed);

    uint64_t pairs = done_total(t);
    char why[300];
    const char *broken = err != NULL ? NULL : judge(t, why, sizeof why);
    uint64_t left_over = atomic_load(&t->left_over);
    tally_free(t);
    if (err != NULL) {
        fprintf(stderr, "%s: %s\n", ops->name, err);
        return 1;
    }
    printf("%s: %llu push+pop pairs in %.2f s (stopped by %s), %llu left on the stack at the end, "
           "stack destroyed by the last of %ld references\n",
           ops->name, (unsigned long long)pairs, secs, stopped_by, (unsigned long long)left_over,
           c->threads + 1);
    if (broken != NULL) {
        printf("%s: broken invariant: %s\n", ops->name, broken);
        return 1;
    }
    printf("%s: ok: %ld threads, %llu pairs, %.2f M pairs/s, every pushed value popped exactly "
           "once\n",
           ops->name, c->threads, (unsigned long long)pairs, pairs / secs / 1e6);
    return 0;
}
