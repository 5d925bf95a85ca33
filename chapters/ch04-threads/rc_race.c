/*
 * rc_race.c - a reference count shared between threads without atomics.
 * RACY ON PURPOSE: its fixed twin is rc_atomic.c.
 *
 * Retaining is load, add, store; releasing is load, subtract, store. Two
 * threads that each retain and release the same object interleave those steps,
 * and one thread's store overwrites the other's update: references are lost
 * (the count ends too low, and the object would be freed while still in use) or
 * invented (too high, and it leaks). This is why Rust's Rc is neither Send nor
 * Sync, and why C, which has no such check, needs the detectors:
 * helgrind, DRD and ThreadSanitizer all report the race on `count`
 * (tests/races.tsv; `make races-ch04`).
 *
 * The counter is volatile so that gcc keeps every load and store: at -O2 it
 * would fold each thread's `count++; count--;` pairs into nothing, and the lost
 * updates would vanish from the output (the race would stay; only the symptom
 * would hide).
 *
 * --drop is the same race on the last drop. Each thread owns one reference,
 * takes and drops `iters` more, then drops its own; a release that brings the
 * count to zero frees the object, as Rc's drop does. A lost retain lets the
 * count reach zero while other threads still hold references: the object is
 * freed under them, they go on using it (a use after free), and when the stale
 * count reaches zero again it is freed twice. A lost release leaks it instead.
 * AddressSanitizer stops at the first bad access (the --drop --lockstep row
 * of tests/races.tsv expects exactly that); natively glibc usually aborts with "double free
 * detected".
 *
 * --lockstep forces the bad schedule instead of waiting for it, so that one
 * run gives the same result on an idle or a loaded machine: the threads take
 * turns at every load and store of the count through a gate (gate_wait). In
 * each round of retains every thread loads the count before any thread stores
 * it, so T threads add 1 instead of T; the releases then take turns whole. The
 * count ends at exactly 10 - (T - 1) x iters: with 2 threads, `iters`
 * references lost. With --drop the releases run in an order that frees the
 * object while thread 1 still holds references, and thread 1's next release
 * loads the count of the freed object: AddressSanitizer reports a
 * heap-use-after-free (a read), every run, never a double free.
 *
 *   rc_race [--threads N] [--iters N] [--drop] [--lockstep]
 *
 * Exit status 1 when references were lost or invented (the usual outcome
 * natively, and always with --lockstep and 2 or more threads; rare without it
 * under valgrind, which runs one thread at a time).
 */
#include "rc_race.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "env.h"
#include "lockstep.h"
#include "threads.h"

#define HELD_ELSEWHERE 10 /* the references the object starts with, without --drop */

struct object {
    char payload[48];    /* what a real object would hold (and where glibc keeps
                            its free-list links once it is freed) */
    volatile long count; /* racy: plain loads and stores from every thread */
};

struct job {
    struct object *obj;
    unsigned long iters;
    unsigned threads;
    struct lab_lockstep gate; /* --lockstep: whose step it is */
    /* --drop: what the releases did, counted outside the object */
    _Atomic unsigned frees, early_frees, finished;
};

/* The racy release of --drop: whoever stores zero frees the object. Returns
 * whether it did. */
static bool release(struct job *j)
{
    long old = j->obj->count; /* load... */
    /* (a compiler barrier, so that gcc keeps a load and a store here instead of
     * fusing them into one `sub` on memory: a narrower window, as racy) */
    __asm__ volatile("" ::: "memory");
    j->obj->count = old - 1; /* ...store: another thread's update may be lost */
    if (old != 1)
        return false;
    free(j->obj);
    atomic_fetch_add(&j->frees, 1);
    return true;
}

/* A release of one of a thread's extra references: early if it frees, since
 * the thread still holds its own. */
static void release_extra(struct job *j)
{
    if (release(j))
        atomic_fetch_add(&j->early_frees, 1);
}

/* The release of a thread's own reference, its last: early if it frees while
 * another thread has yet to finish with the object. */
static void release_own(struct job *j)
{
    if (release(j) && atomic_load(&j->finished) + 1 < j->threads)
        atomic_fetch_add(&j->early_frees, 1);
    atomic_fetch_add(&j->finished, 1);
}

static void *drop_race(size_t id, void *arg)
{
    (void)id;
    struct job *j = arg;
    for (unsigned long i = 0; i < j->iters; i++)
        j->obj->count = j->obj->count + 1; /* retain: load, add, store */
    for (unsigned long i = 0; i < j->iters; i++)
        release_extra(j);
    release_own(j);
    return NULL;
}

/* Each thread takes `iters` references, then drops them all. (Alternating one
 * retain with one release would mostly hide the damage: two threads doing the
 * same thing at the same moment lose one increment and then one decrement.) */
static void *retain_release(size_t id, void *arg)
{
    (void)id;
    struct job *j = arg;
    for (unsigned long i = 0; i < j->iters; i++)
        j->obj->count = j->obj->count + 1; /* retain: load, add, store */
    for (unsigned long i = 0; i < j->iters; i++)
        j->obj->count = j->obj->count - 1; /* release: load, subtract, store */
    return NULL;
}

/* ---- --lockstep: the same steps, in the order a gate forces ------------------------------ */

/* Every step of the schedule belongs to one thread, which waits for its step,
 * takes it, and shows the next (lockstep.h: it forces the order of the steps
 * and orders no memory, so the count's accesses stay racy to every detector). */
static void gate_wait(struct job *j, unsigned long step)
{
    lab_lockstep_wait(&j->gate, (uint32_t)step);
}

static void gate_pass(struct job *j, unsigned long step)
{
    lab_lockstep_set(&j->gate, (uint32_t)(step + 1));
}

/* The retains of both lockstep schedules: steps 0 .. 2TN-1 for T threads of N
 * retains. Round r takes the T loads first (thread id's at step 2Tr + id),
 * then the T stores, each of its own load plus one: the round adds 1, and
 * T - 1 of its retains are lost. */
static void retain_lockstep(struct job *j, size_t id)
{
    const unsigned long t = j->threads;
    for (unsigned long r = 0; r < j->iters; r++) {
        unsigned long load = 2 * t * r + id, store = load + t;
        gate_wait(j, load);
        long seen = j->obj->count; /* retain: load... */
        gate_pass(j, load);
        gate_wait(j, store);
        j->obj->count = seen + 1; /* ...store, after every thread has loaded */
        gate_pass(j, store);
    }
}

/* Without --drop: the retains lose (T - 1) x N, then the releases take turns
 * whole (thread id's release of round r at step 2TN + Tr + id) and lose none,
 * so the count ends at exactly 10 - (T - 1) x N. */
static void *retain_release_lockstep(size_t id, void *arg)
{
    struct job *j = arg;
    const unsigned long t = j->threads, base = 2 * t * j->iters;
    retain_lockstep(j, id);
    for (unsigned long r = 0; r < j->iters; r++) {
        gate_wait(j, base + t * r + id);
        j->obj->count = j->obj->count - 1; /* release: load, subtract, store, alone */
        gate_pass(j, base + t * r + id);
    }
    return NULL;
}

/* A release at its step of the schedule. */
static void release_at(struct job *j, unsigned long step, void (*how)(struct job *))
{
    gate_wait(j, step);
    how(j);
    gate_pass(j, step);
}

/* With --drop: each thread holds 1 + N references, and the count says T + N.
 * The releases, one at a time from step 2TN on:
 *   threads 1 .. T-1 drop one each (the count: N + 1);
 *   thread 0 drops its N + 1: its last release stores zero and frees;
 *   thread 1 drops its next one, and loads the freed object's count (the use
 *   after free), then the rest of its own; then threads 2 .. T-1 theirs. */
static void *drop_lockstep(size_t id, void *arg)
{
    struct job *j = arg;
    const unsigned long t = j->threads, n = j->iters, base = 2 * t * n;
    retain_lockstep(j, id);
    if (id == 0) {
        for (unsigned long k = 0; k < n; k++)
            release_at(j, base + t - 1 + k, release_extra);
        release_at(j, base + t - 1 + n, release_own); /* frees the object */
        return NULL;
    }
    const unsigned long rest = base + t + n + (id - 1) * n; /* after thread 0's last */
    release_at(j, base + id - 1, release_extra);
    for (unsigned long k = 0; k + 1 < n; k++)
        release_at(j, rest + k, release_extra);
    release_at(j, rest + n - 1, release_own);
    return NULL;
}

int rc_race_run(unsigned threads, unsigned long iters, bool drop, bool lockstep,
                struct rc_race_outcome *out)
{
    if (lockstep && (iters == 0 || iters > RC_RACE_LOCKSTEP_MAX_ITERS))
        return EINVAL;
    /* On the heap, as a shared object is (and DRD ignores stack variables
     * unless told --check-stack-var=yes). */
    struct object *obj = malloc(sizeof *obj);
    if (obj == NULL)
        return ENOMEM;
    struct job job = {.obj = obj, .iters = iters, .threads = threads};
    lab_lockstep_init(&job.gate, 0);
    obj->count = drop ? (long)threads : HELD_ELSEWHERE; /* --drop: one reference per thread */
    lab_worker_fn fn = drop ? (lockstep ? drop_lockstep : drop_race)
                            : (lockstep ? retain_release_lockstep : retain_release);
    /* Pinned, so that the free-running threads overlap; lockstep needs no luck,
     * and its threads go where the scheduler finds room. */
    struct lab_threads ts;
    int err = lab_threads_start(&ts, threads, fn, &job, lockstep ? 0 : LAB_THREADS_PIN);
    if (err != 0) {
        free(obj);
        return err;
    }
    lab_threads_join(&ts);
    *out = (struct rc_race_outcome){.frees = atomic_load(&job.frees),
                                    .early_frees = atomic_load(&job.early_frees)};
    if (!drop)
        out->count = obj->count;
    if (!drop || out->frees == 0)
        free(obj); /* --drop: leaked by the race; freed here to keep the demo's exit clean */
    return 0;
}

#ifndef LAB_NO_MAIN
int main(int argc, char **argv)
{
    long threads = 2;
    uint64_t iters = 0;
    bool drop = false, lockstep = false;
    const struct cli_option opts[] = {
        CLI_LONG("threads", &threads, "N", "threads retaining and releasing", 1, 64),
        CLI_U64("iters", &iters, "N",
                "retain/release pairs per thread; 0: 30000000 (about 20 ms a phase, long "
                "enough to overlap), or 1000 with --lockstep"),
        CLI_FLAG("drop", &drop,
                 "each thread owns a reference; the last drop frees (use after free)"),
        CLI_FLAG("lockstep", &lockstep,
                 "force the race: the threads take turns so that every round of retains loads "
                 "before it stores, and the count ends at 10 - (threads-1) x iters; with --drop, "
                 "thread 0 frees the object and thread 1 then reads it (heap-use-after-free)"),
    };
    const struct cli cli = {
        .prog = "rc_race",
        .summary = "A non-atomic reference count loses updates (racy on purpose).",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    if (lockstep && iters > RC_RACE_LOCKSTEP_MAX_ITERS)
        cli_error("--iters %llu: at most %d with --lockstep", (unsigned long long)iters,
                  RC_RACE_LOCKSTEP_MAX_ITERS);
    if (iters == 0) /* not given: free-running runs long enough to overlap, scaled down */
        iters = lockstep ? 1000 : lab_scaled(30000000);
    else if (!lockstep) /* lockstep's count is exact: it runs what it is told */
        iters = lab_scaled(iters);
    const char *mode =
        lockstep ? (drop ? " --drop --lockstep" : " --lockstep") : (drop ? " --drop" : "");
    struct rc_race_outcome o;
    int err = rc_race_run((unsigned)threads, (unsigned long)iters, drop, lockstep, &o);
    if (err != 0)
        die("could not start %ld threads", threads);
    if (drop) {
        printf("rc_race%s: %ld threads x %llu retains then releases: freed %u time%s, "
               "%u while another thread still used it%s\n",
               mode, threads, (unsigned long long)iters, o.frees, o.frees == 1 ? "" : "s",
               o.early_frees, o.frees == 0 ? " (leaked: releases were lost)" : "");
        return o.frees == 1 && o.early_frees == 0 ? 0 : 1;
    }
    long lost = HELD_ELSEWHERE - o.count;
    printf("rc_race%s: %ld threads x %llu retains then releases: count %ld, expected %d "
           "(%ld %s)",
           mode, threads, (unsigned long long)iters, o.count, HELD_ELSEWHERE,
           lost < 0 ? -lost : lost, lost < 0 ? "references invented" : "references lost");
    if (lockstep)
        printf(", the lockstep loses exactly (threads - 1) x iters = %llu",
               (unsigned long long)(threads - 1) * iters);
    printf("\n");
    return o.count == HELD_ELSEWHERE ? 0 : 1;
}
#endif
