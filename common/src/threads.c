/* threads.c - see threads.h. */
#define _GNU_SOURCE /* pthread_setaffinity_np, CPU_SET: the only non-POSIX calls */
#include "threads.h"

#include "annotate.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

struct lab_thread_slot {
    pthread_t tid;
    size_t id;
    struct lab_threads *owner;
    void *result;
};

size_t lab_ncpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (size_t)n : 1;
}

void lab_spin_until_set(_Atomic int *flag)
{
    for (unsigned spins = 0; !atomic_load_explicit(flag, memory_order_acquire); spins++) {
        if (spins % 64 == 63)
            sched_yield();
        else
            lab_cpu_relax();
    }
}

static void pin_to(size_t cpu_index, struct lab_threads *ts)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET((int)(cpu_index % lab_ncpus()), &set);
    if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0)
        atomic_fetch_add_explicit(&ts->pinned, 1, memory_order_relaxed);
}

static void *trampoline(void *p)
{
    struct lab_thread_slot *s = p;
    struct lab_threads *ts = s->owner;
    if (ts->flags & LAB_THREADS_PIN)
        pin_to(s->id, ts);
    atomic_fetch_add_explicit(&ts->ready, 1, memory_order_relaxed);
    /* acquire: pairs with the release that opens the gate, so everything the
     * starter wrote before opening it is visible to the worker. */
    lab_spin_until_set(&ts->open);
    ANNOTATE_HB_AFTER(&ts->open);
    if (ts->fn != NULL) /* NULL when start failed part-way: just exit */
        s->result = ts->fn(s->id, ts->arg);
    return NULL;
}

int lab_threads_start(struct lab_threads *ts, size_t n, lab_worker_fn fn, void *arg, int flags)
{
    *ts = (struct lab_threads){.n = n, .fn = fn, .arg = arg, .flags = flags};
    atomic_init(&ts->ready, 0);
    atomic_init(&ts->open, 0);
    atomic_init(&ts->pinned, 0);
    /* The gate's counters are read and written concurrently on purpose; the
     * edge they make is declared below for helgrind and DRD. */
    ANNOTATE_ATOMIC(&ts->ready);
    ANNOTATE_ATOMIC(&ts->open);
    ts->slots = calloc(n ? n : 1, sizeof *ts->slots);
    if (ts->slots == NULL)
        return ENOMEM;
    size_t created;
    int err = 0;
    for (created = 0; created < n; created++) {
        ts->slots[created] = (struct lab_thread_slot){.id = created, .owner = ts};
        err = pthread_create(&ts->slots[created].tid, NULL, trampoline, &ts->slots[created]);
        if (err != 0)
            break;
    }
    if (err != 0) {
        /* Release the ones that exist with nothing to do, then reap them. */
        ts->fn = NULL;
        ts->n = created;
    }
    while (atomic_load_explicit(&ts->ready, memory_order_relaxed) < ts->n)
        sched_yield();
    if (err != 0) {
        ANNOTATE_HB_BEFORE(&ts->open);
        atomic_store_explicit(&ts->open, 1, memory_order_release);
        for (size_t i = 0; i < created; i++)
            pthread_join(ts->slots[i].tid, NULL);
        free(ts->slots);
        ts->slots = NULL;
        return err;
    }
    /* release: publishes ts and whatever the caller prepared to the workers. */
    ANNOTATE_HB_BEFORE(&ts->open);
    atomic_store_explicit(&ts->open, 1, memory_order_release);
    return 0;
}

void *lab_threads_join(struct lab_threads *ts)
{
    void *first = NULL;
    for (size_t i = 0; i < ts->n; i++) {
        pthread_join(ts->slots[i].tid, NULL);
        if (first == NULL)
            first = ts->slots[i].result;
    }
    free(ts->slots);
    ts->slots = NULL;
    return first;
}
