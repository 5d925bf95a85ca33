/*
 * ring_spsc.h - a bounded ring for one producer and one consumer, of 64-bit
 * values (a number, or a pointer as uintptr_t).
 *
 *     struct ring_spsc r;
 *     if (ring_spsc_init(&r, 1024) != 0) ...       // capacity: a power of two, 1 included
 *     ring_spsc_try_push(&r, v);                    // producer only: false when full
 *     ring_spsc_try_pop(&r, &v);                    // consumer only: false when empty
 *     ring_spsc_destroy(&r);
 *
 * The producer owns `tail`, the consumer owns `head`, each on its own cache
 * line, so that neither writes a line the other writes. Each side also keeps a
 * private copy of the other's index and reads the shared one only when its
 * copy says full (or empty): most operations touch no line the other side
 * writes (rigtorp's SPSCQueue does the same). A push is a plain store of the
 * value and a release store of tail; a pop an acquire load of tail (when the
 * copy ran out), a plain load, a release store of head.
 *
 * Indices run freely (64 bits never wrap in practice) and are masked into the
 * slots, so full is tail - head == capacity, with no slot wasted.
 */
#ifndef LAB_RING_SPSC_H
#define LAB_RING_SPSC_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cacheline.h"

struct ring_spsc {
    /* read-only after init: shared by both sides without traffic */
    _Alignas(CACHE_LINE) uint64_t *slots;
    uint64_t mask;
    /* the consumer's line */
    _Alignas(CACHE_LINE) _Atomic uint64_t head;
    uint64_t tail_cache; /* the consumer's last view of tail */
    /* the producer's line */
    _Alignas(CACHE_LINE) _Atomic uint64_t tail;
    uint64_t head_cache; /* the producer's last view of head */
};

_Static_assert(offsetof(struct ring_spsc, tail) - offsetof(struct ring_spsc, head) >= CACHE_LINE,
               "head and tail on different cache lines");

/* 0; -EINVAL when capacity is not a power of two (1 = 2^0 is one: a ring of
 * one slot works, full after each push); -ENOMEM when the slots do not fit in
 * memory, their size in bytes included (it would wrap size_t). */
static inline int ring_spsc_init(struct ring_spsc *r, uint64_t capacity)
{
    if (capacity == 0 || (capacity & (capacity - 1)) != 0)
        return -EINVAL;
    if (capacity > SIZE_MAX / sizeof *r->slots)
        return -ENOMEM;
    r->slots = aligned_alloc(CACHE_LINE, capacity * sizeof *r->slots > CACHE_LINE
                                             ? capacity * sizeof *r->slots
                                             : CACHE_LINE);
    if (r->slots == NULL)
        return -ENOMEM;
    r->mask = capacity - 1;
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    r->tail_cache = r->head_cache = 0;
    return 0;
}

static inline void ring_spsc_destroy(struct ring_spsc *r)
{
    free(r->slots);
}

/* Producer only. */
static inline bool ring_spsc_try_push(struct ring_spsc *r, uint64_t v)
{
    /* relaxed: only this thread writes tail */
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    if (tail - r->head_cache > r->mask) {
        /* acquire: the consumer's reads of the slots it freed happen before
         * our writes into them */
        r->head_cache = atomic_load_explicit(&r->head, memory_order_acquire);
        if (tail - r->head_cache > r->mask)
            return false;
    }
    r->slots[tail & r->mask] = v;
    /* release: publishes the slot written above to the consumer's acquire */
    atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
    return true;
}

/* Consumer only. */
static inline bool ring_spsc_try_pop(struct ring_spsc *r, uint64_t *v)
{
    /* relaxed: only this thread writes head */
    uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    if (head == r->tail_cache) {
        /* acquire: pairs with the push's release; the slot is written */
        r->tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
        if (head == r->tail_cache)
            return false;
    }
    *v = r->slots[head & r->mask];
    /* release: our read of the slot happens before the producer reuses it */
    atomic_store_explicit(&r->head, head + 1, memory_order_release);
    return true;
}

/* Items in the ring at some instant during the call (either side may ask). */
static inline uint64_t ring_spsc_len(struct ring_spsc *r)
{
    uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    return atomic_load_explicit(&r->tail, memory_order_acquire) - head;
}

#endif
