/*
 * load_mpmc.h - the multi-producer, multi-consumer load test that the rings,
 * the lock-free queue and stack, and the node-pool structures all run: each
 * producer sends (id << 32 | n) for n = 1 .. per_producer; the consumers
 * take values until all have arrived. A structure passes when every value
 * arrived exactly once (the sum of the n) and, for a FIFO, each consumer saw
 * every producer's numbers rising.
 *
 *     struct load_target t = {obj, my_try_push, my_try_pop, true};
 *     struct load_result r;
 *     const char *err = load_mpmc_run(&t, 2, 2, lab_scaled(100000), &r);
 *
 * try_push may refuse (a full ring, an exhausted pool): the producer yields
 * and tries again; so does a consumer that finds nothing. A structure that
 * loses values would leave the consumers waiting for ever: once every
 * producer is done, a consumer that has found nothing for a second (longer
 * in slow environments) gives up, and r->consumed says how many arrived.
 */
#ifndef LAB_LOAD_MPMC_H
#define LAB_LOAD_MPMC_H

#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "env.h"
#include "threads.h"

enum { LOAD_MAX_PRODUCERS = 8 };

struct load_target {
    void *obj;
    bool (*try_push)(void *obj, uint64_t v); /* false: refused now, try again */
    bool (*try_pop)(void *obj, uint64_t *v); /* false: nothing now */
    bool fifo;                               /* check each producer's order */
};

struct load_result {
    uint64_t consumed, sum, expected_sum;
    uint64_t out_of_order; /* values out of their producer's order, or from nowhere */
};

struct load_run_ {
    const struct load_target *t;
    int producers;
    uint64_t per_producer;
    _Atomic uint64_t consumed, sum, out_of_order;
    _Atomic int producers_done;
    _Atomic uint64_t last_pop_ns; /* when a consumer last got a value */
};

static inline void *load_side_(size_t id, void *arg)
{
    struct load_run_ *l = arg;
    if ((int)id < l->producers) {
        for (uint64_t n = 1; n <= l->per_producer; n++)
            while (!l->t->try_push(l->t->obj, (uint64_t)id << 32 | n))
                sched_yield();
        atomic_fetch_add(&l->producers_done, 1);
        return NULL;
    }
    uint64_t grace = (uint64_t)(1e9 * lab_slowdown());
    uint64_t last[LOAD_MAX_PRODUCERS] = {0};
    uint64_t total = l->per_producer * (uint64_t)l->producers;
    while (atomic_load(&l->consumed) < total) {
        uint64_t v;
        if (!l->t->try_pop(l->t->obj, &v)) {
            if (atomic_load(&l->producers_done) == l->producers &&
                lab_now_ns() - atomic_load(&l->last_pop_ns) > grace)
                break; /* everything sent, nothing left: the rest was lost */
            sched_yield();
            continue;
        }
        atomic_store(&l->last_pop_ns, lab_now_ns());
        uint64_t from = v >> 32, n = v & 0xffffffff;
        if (from >= (uint64_t)l->producers || (l->t->fifo && n <= last[from]))
            atomic_fetch_add(&l->out_of_order, 1);
        else
            last[from] = n;
        atomic_fetch_add(&l->sum, n);
        atomic_fetch_add(&l->consumed, 1);
    }
    return NULL;
}

/* Runs the load on producers + consumers threads; NULL, or why it could not. */
static inline const char *load_mpmc_run(const struct load_target *t, int producers, int consumers,
                                        uint64_t per_producer, struct load_result *r)
{
    if (producers < 1 || producers > LOAD_MAX_PRODUCERS || consumers < 1)
        return "bad thread counts";
    static struct load_run_ l;
    l = (struct load_run_){.t = t, .producers = producers, .per_producer = per_producer};
    atomic_store(&l.last_pop_ns, lab_now_ns());
    struct lab_threads ts;
    if (lab_threads_start(&ts, (size_t)(producers + consumers), load_side_, &l, 0) != 0)
        return "cannot start the threads";
    lab_threads_join(&ts);
    uint64_t n = per_producer;
    *r = (struct load_result){
        .consumed = atomic_load(&l.consumed),
        .sum = atomic_load(&l.sum),
        .expected_sum = (uint64_t)producers * (n * (n + 1) / 2),
        .out_of_order = atomic_load(&l.out_of_order),
    };
    return NULL;
}

#endif
