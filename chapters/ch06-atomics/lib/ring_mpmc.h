/*
 * ring_mpmc.h - a bounded ring for any number of producers and consumers, of
 * 64-bit values: Dmitry Vyukov's queue with a sequence number in every slot.
 *
 *     struct ring_mpmc r;
 *     if (ring_mpmc_init(&r, 1024) != 0) ...       // capacity: a power of two, at least 2
 *     ring_mpmc_try_push(&r, v);                    // false when full
 *     ring_mpmc_try_pop(&r, &v);                    // false when empty
 *     ring_mpmc_destroy(&r);
 *
 * Slot i starts with sequence i. A producer that draws position p (by a
 * compare-and-swap on `tail`) owns slot p & mask once its sequence reads p:
 * it writes the value and stores sequence p + 1, which tells the consumer of
 * position p that the value is there. That consumer stores p + capacity,
 * which tells the producer of the next lap that the slot is free. Producers
 * only contend on tail and consumers on head; a producer and a consumer meet
 * only at a slot, through its sequence number. No pointers, so no ABA and
 * nothing to reclaim: the price is the bound.
 *
 * It is lock-free in the common sense but not in the strict one: a producer
 * stopped between winning its position and storing the sequence holds up
 * the consumer of that position (and only it). The same window makes the
 * "empty" answer not linearizable: while the producer of position p is in it,
 * a later producer may finish p + 1, and try_pop at p still says empty
 * (tests/test_rings.c met it); likewise try_push may say full while a
 * consumer is between winning a slot and freeing it. Successful pushes and
 * pops are linearizable; a caller that must not give up early tries again.
 */
#ifndef LAB_RING_MPMC_H
#define LAB_RING_MPMC_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cacheline.h"

struct ring_mpmc_slot {
    _Atomic uint64_t seq;
    uint64_t value;
};

struct ring_mpmc {
    _Alignas(CACHE_LINE) struct ring_mpmc_slot *slots;
    uint64_t mask;
    _Alignas(CACHE_LINE) _Atomic uint64_t tail; /* the producers' line */
    _Alignas(CACHE_LINE) _Atomic uint64_t head; /* the consumers' line */
    char pad_[CACHE_LINE - sizeof(_Atomic uint64_t)];
};

_Static_assert(offsetof(struct ring_mpmc, head) - offsetof(struct ring_mpmc, tail) >= CACHE_LINE,
               "producers and consumers on different cache lines");

/* 0; -EINVAL when capacity is not a power of two or is 1: with one slot, the
 * sequence a producer leaves (p + 1, "full") is the one the next producer
 * waits for (p + capacity, "free"), and a second push would overwrite the
 * first value; -ENOMEM when the slots do not fit in memory, their size in
 * bytes included (it would wrap size_t). */
static inline int ring_mpmc_init(struct ring_mpmc *r, uint64_t capacity)
{
    if (capacity < 2 || (capacity & (capacity - 1)) != 0)
        return -EINVAL;
    if (capacity > SIZE_MAX / sizeof *r->slots)
        return -ENOMEM;
    r->slots = aligned_alloc(CACHE_LINE, capacity * sizeof *r->slots > CACHE_LINE
                                             ? capacity * sizeof *r->slots
                                             : CACHE_LINE);
    if (r->slots == NULL)
        return -ENOMEM;
    for (uint64_t i = 0; i < capacity; i++)
        atomic_init(&r->slots[i].seq, i);
    r->mask = capacity - 1;
    atomic_init(&r->tail, 0);
    atomic_init(&r->head, 0);
    return 0;
}

static inline void ring_mpmc_destroy(struct ring_mpmc *r)
{
    free(r->slots);
}

static inline bool ring_mpmc_try_push(struct ring_mpmc *r, uint64_t v)
{
    /* relaxed: the position is only a guess until the slot's sequence agrees */
    uint64_t pos = atomic_load_explicit(&r->tail, memory_order_relaxed);
    for (;;) {
        struct ring_mpmc_slot *s = &r->slots[pos & r->mask];
        /* acquire: pairs with the consumer's release of the previous lap, so
         * its read of the old value happens before our write */
        uint64_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
        int64_t diff = (int64_t)(seq - pos);
        if (diff == 0) {
            /* relaxed: winning the position orders nothing; the slot's
             * sequence carries the ordering */
            if (atomic_compare_exchange_weak_explicit(&r->tail, &pos, pos + 1, memory_order_relaxed,
                                                      memory_order_relaxed)) {
                s->value = v;
                /* release: publishes the value to the consumer of pos */
                atomic_store_explicit(&s->seq, pos + 1, memory_order_release);
                return true;
            }
            /* lost the race: pos now holds the current tail */
        } else if (diff < 0) {
            return false; /* the slot still holds last lap's value: full */
        } else {
            pos = atomic_load_explicit(&r->tail, memory_order_relaxed);
        }
    }
}

static inline bool ring_mpmc_try_pop(struct ring_mpmc *r, uint64_t *v)
{
    uint64_t pos = atomic_load_explicit(&r->head, memory_order_relaxed);
    for (;;) {
        struct ring_mpmc_slot *s = &r->slots[pos & r->mask];
        /* acquire: pairs with the producer's release; the value is there */
        uint64_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
        int64_t diff = (int64_t)(seq - (pos + 1));
        if (diff == 0) {
            if (atomic_compare_exchange_weak_explicit(&r->head, &pos, pos + 1, memory_order_relaxed,
                                                      memory_order_relaxed)) {
                *v = s->value;
                /* release: our read of the value happens before the next
                 * lap's producer writes the slot */
                atomic_store_explicit(&s->seq, pos + r->mask + 1, memory_order_release);
                return true;
            }
        } else if (diff < 0) {
            return false; /* nothing written at pos yet: empty */
        } else {
            pos = atomic_load_explicit(&r->head, memory_order_relaxed);
        }
    }
}

#endif
