/*
 * rc_atomic.c - the reference count of rc_race.c, made atomic: the fixed twin.
 *
 * Retain is a relaxed fetch_add: taking a new reference needs an existing one,
 * so nothing else has to be ordered. Release is a release fetch_sub, and the
 * thread that drops the last reference (the old value was 1) acquires before
 * destroying: every other thread's writes to the object happen
 * before their release, and so before the destruction (the scheme of Rust's
 * Arc and of C++'s shared_ptr). On x86 both are one `lock xadd`; helgrind, DRD
 * and ThreadSanitizer are clean (tests/races.tsv).
 *
 * --drop is the twin of rc_race --drop: each thread owns one reference, and
 * the release that takes the count to zero frees the object, exactly once,
 * after every other thread is done with it (AddressSanitizer is clean).
 *
 *   rc_atomic [--threads N] [--iters N] [--drop]
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "env.h"
#include "threads.h"

struct object {
    _Atomic long count;
};

static void retain(struct object *o)
{
    atomic_fetch_add_explicit(&o->count, 1, memory_order_relaxed);
}

/* Returns true when this was the last reference. */
static bool release(struct object *o)
{
    /* release: this thread's writes to *o happen before whoever frees it */
    if (atomic_fetch_sub_explicit(&o->count, 1, memory_order_release) != 1)
        return false;
    /* acquire: every other thread's release decrement happens before the
     * destruction. Arc uses an acquire fence here; an acquire load of the same
     * counter is equivalent (it reads the end of the release sequence) and
     * ThreadSanitizer, which does not model fences, understands it. */
    (void)atomic_load_explicit(&o->count, memory_order_acquire);
    return true;
}

struct job {
    struct object *obj;
    unsigned long iters;
    _Atomic unsigned frees; /* --drop */
};

/* Each thread takes `iters` references, then drops them all (as rc_race). */
static void *retain_release(size_t id, void *arg)
{
    (void)id;
    struct job *j = arg;
    for (unsigned long i = 0; i < j->iters; i++)
        retain(j->obj);
    for (unsigned long i = 0; i < j->iters; i++)
        if (release(j->obj))
            die("the count reached zero with references held");
    return NULL;
}

/* --drop: each thread owns one reference and gives it up last. */
static void *drop_last(size_t id, void *arg)
{
    struct job *j = arg;
    retain_release(id, arg); /* the same traffic as without --drop */
    if (release(j->obj)) {
        free(j->obj);
        atomic_fetch_add(&j->frees, 1);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    long threads = 2;
    uint64_t iters = 1000000;
    bool drop = false;
    const struct cli_option opts[] = {
        CLI_LONG("threads", &threads, "N", "threads retaining and releasing", 1, 64),
        CLI_U64("iters", &iters, "N", "retain/release pairs per thread"),
        CLI_FLAG("drop", &drop, "each thread owns a reference; the last drop frees"),
    };
    const struct cli cli = {
        .prog = "rc_atomic",
        .summary = "An atomic reference count: the fixed twin of rc_race.",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    struct object *obj = malloc(sizeof *obj); /* shared objects live on the heap */
    if (obj == NULL)
        die("out of memory");
    struct job job = {.obj = obj, .iters = (unsigned long)lab_scaled(iters)};
    struct lab_threads ts;
    if (drop) {
        atomic_init(&obj->count, threads); /* one reference per thread */
        if (lab_threads_start(&ts, (size_t)threads, drop_last, &job, 0) != 0)
            die("could not start %ld threads", threads);
        lab_threads_join(&ts);
        unsigned frees = atomic_load(&job.frees);
        printf("rc_atomic --drop: %ld threads x %lu retains then releases: freed %u time%s, "
               "by the last release\n",
               threads, job.iters, frees, frees == 1 ? "" : "s");
        return frees == 1 ? 0 : 1;
    }
    atomic_init(&obj->count, 10);
    if (lab_threads_start(&ts, (size_t)threads, retain_release, &job, 0) != 0)
        die("could not start %ld threads", threads);
    lab_threads_join(&ts);
    long count = atomic_load(&obj->count);
    free(obj);
    printf("rc_atomic: %ld threads x %lu retains then releases: count %ld, expected 10\n", threads,
           job.iters, count);
    return count == 10 ? 0 : 1;
}
