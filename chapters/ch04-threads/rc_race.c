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
 * (races.tsv; `make races-ch04`).
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
 * AddressSanitizer stops at the first bad access (tests/asan_drop.sh expects
 * exactly that); natively glibc usually aborts with "double free detected".
 *
 *   rc_race [--threads N] [--iters N] [--drop]
 *
 * Exit status 1 when references were lost or invented (the usual outcome
 * natively; rare under valgrind, which runs one thread at a time).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "env.h"
#include "threads.h"

struct object {
    char payload[48];    /* what a real object would hold (and where glibc keeps
                            its free-list links once it is freed) */
    volatile long count; /* racy: plain loads and stores from every thread */
};

struct job {
    struct object *obj;
    unsigned long iters;
    unsigned threads;
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

static void *drop_race(size_t id, void *arg)
{
    (void)id;
    struct job *j = arg;
    for (unsigned long i = 0; i < j->iters; i++)
        j->obj->count = j->obj->count + 1; /* retain: load, add, store */
    for (unsigned long i = 0; i < j->iters; i++)
        if (release(j)) /* this thread still holds its own reference */
            atomic_fetch_add(&j->early_frees, 1);
    /* Its own reference: the last drop if the count is right, and early if
     * another thread has yet to finish with the object. */
    if (release(j) && atomic_load(&j->finished) + 1 < j->threads)
        atomic_fetch_add(&j->early_frees, 1);
    atomic_fetch_add(&j->finished, 1);
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

int main(int argc, char **argv)
{
    long threads = 2;
    uint64_t iters = 30000000; /* about 20 ms a phase: long enough to overlap */
    bool drop = false;
    const struct cli_option opts[] = {
        CLI_LONG("threads", &threads, "N", "threads retaining and releasing", 1, 64),
        CLI_U64("iters", &iters, "N", "retain/release pairs per thread"),
        CLI_FLAG("drop", &drop, "each thread owns a reference; the last drop frees (use after free)"),
    };
    const struct cli cli = {
        .prog = "rc_race",
        .summary = "A non-atomic reference count loses updates (racy on purpose).",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    /* On the heap, as a shared object is (and DRD ignores stack variables
     * unless told --check-stack-var=yes). */
    struct object *obj = malloc(sizeof *obj);
    if (obj == NULL)
        die("out of memory");
    struct job job = {.obj = obj, .iters = (unsigned long)lab_scaled(iters),
                      .threads = (unsigned)threads};
    struct lab_threads ts;
    if (drop) {
        obj->count = threads; /* one reference per thread */
        if (lab_threads_start(&ts, (size_t)threads, drop_race, &job, LAB_THREADS_PIN) != 0)
            die("could not start %ld threads", threads);
        lab_threads_join(&ts);
        unsigned frees = atomic_load(&job.frees), early = atomic_load(&job.early_frees);
        if (frees == 0)
            free(obj); /* leaked by the race; freed here to keep the demo's exit clean */
        printf("rc_race --drop: %ld threads x %lu retains then releases: freed %u time%s, "
               "%u while another thread still used it%s\n",
               threads, job.iters, frees, frees == 1 ? "" : "s", early,
               frees == 0 ? " (leaked: releases were lost)" : "");
        return frees == 1 && early == 0 ? 0 : 1;
    }
    obj->count = 10; /* ten references held elsewhere */
    if (lab_threads_start(&ts, (size_t)threads, retain_release, &job, LAB_THREADS_PIN) != 0)
        die("could not start %ld threads", threads);
    lab_threads_join(&ts);
    long count = obj->count, lost = 10 - count;
    free(obj);
    printf("rc_race: %ld threads x %lu retains then releases: count %ld, expected 10 (%ld %s)\n",
           threads, job.iters, count, lost < 0 ? -lost : lost,
           lost < 0 ? "references invented" : "references lost");
    return count == 10 ? 0 : 1;
}
