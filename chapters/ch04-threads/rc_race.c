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
 *   rc_race [--threads N] [--iters N]
 *
 * Exit status 1 when references were lost or invented (the usual outcome
 * natively; rare under valgrind, which runs one thread at a time).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "env.h"
#include "threads.h"

struct object {
    volatile long count; /* racy: plain loads and stores from every thread */
};

struct job {
    struct object *obj;
    unsigned long iters;
};

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
    uint64_t iters = 1000000;
    const struct cli_option opts[] = {
        CLI_LONG("threads", &threads, "N", "threads retaining and releasing", 1, 64),
        CLI_U64("iters", &iters, "N", "retain/release pairs per thread"),
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
    obj->count = 10; /* ten references held elsewhere */
    struct job job = {obj, (unsigned long)lab_scaled(iters)};
    struct lab_threads ts;
    if (lab_threads_start(&ts, (size_t)threads, retain_release, &job, 0) != 0)
        die("could not start %ld threads", threads);
    lab_threads_join(&ts);
    long count = obj->count, lost = 10 - count;
    free(obj);
    printf("rc_race: %ld threads x %lu retains then releases: count %ld, expected 10 (%ld %s)\n",
           threads, job.iters, count, lost < 0 ? -lost : lost,
           lost < 0 ? "references invented" : "references lost");
    return count == 10 ? 0 : 1;
}
