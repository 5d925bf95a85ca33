/*
 * nodepool.h - the Michael-Scott paper's own fix for ABA: a type-stable pool
 * of nodes and counted pointers, with a queue and a stack built on it.
 *
 * The nodes live in one array that is freed only with the pool, so a thread
 * that reads a node another thread has just given back reads valid memory
 * (its value may be stale, never a segfault): the memory is type-stable. A
 * reference is not a pointer but a 64-bit word, the node's index and a tag,
 * and every CAS that changes a reference also increments its tag. A stale
 * CAS, prepared before a node was popped, given back and reused at the same
 * index, then compares unequal: the tag moved on. Every word that holds a
 * reference (the queue's head and tail, the stack's top, each node's next,
 * the free list's head) is a counted pointer, and each node's next keeps
 * counting across reuses.
 *
 * 64-bit CAS suffices on every target: no double-width CAS is needed, which
 * is why indices stand in for pointers (a 32-bit ARM could pair a pointer and
 * a tag in 64 bits; x86-64 would need cmpxchg16b). The price: the pool's
 * capacity is fixed (a push fails when it is exhausted), and a tag of 32 bits
 * wraps after 2^32 changes of one word, which a thread would have to sleep
 * through between its read and its CAS for ABA to come back.
 *
 *     struct nodepool p;     nodepool_init(&p, 1 << 16);
 *     struct poolqueue q;    poolqueue_init(&q, &p);
 *     poolqueue_push(&q, v); poolqueue_try_pop(&q, &v);   (any threads)
 *     struct poolstack s;    poolstack_init(&s, &p);  ... the same verbs
 *     nodepool_destroy(&p);
 */
#ifndef LAB_NODEPOOL_H
#define LAB_NODEPOOL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cacheline.h"

#define NODEPOOL_NULL UINT32_C(0xffffffff)

struct nodepool_node {
    _Atomic uint64_t next;  /* a counted reference: tag << 32 | index */
    _Atomic uint64_t value; /* atomic: a stale reader may read it as it is rewritten */
};

struct nodepool {
    struct nodepool_node *nodes;
    uint32_t capacity;
    CACHE_ALIGNED _Atomic uint64_t free_head; /* the free list, a counted reference */
    CACHE_ALIGNED char pad_;
};

static inline uint64_t nodepool_ref(uint32_t index, uint32_t tag)
{
    return (uint64_t)tag << 32 | index;
}
static inline uint32_t nodepool_index(uint64_t ref)
{
    return (uint32_t)ref;
}
static inline uint32_t nodepool_tag(uint64_t ref)
{
    return (uint32_t)(ref >> 32);
}

/* 0, -EINVAL (capacity 0 or too large), -ENOMEM. */
int nodepool_init(struct nodepool *p, uint32_t capacity);
void nodepool_destroy(struct nodepool *p);
/* A free node's index, its next set to NULL (with its tag moved on), or
 * NODEPOOL_NULL when the pool is exhausted. */
uint32_t nodepool_alloc(struct nodepool *p);
/* Gives node i back; it may be handed out again at once. */
void nodepool_free(struct nodepool *p, uint32_t i);

struct poolqueue {
    struct nodepool *pool;
    CACHE_ALIGNED _Atomic uint64_t head; /* the sentinel */
    CACHE_ALIGNED _Atomic uint64_t tail;
    CACHE_ALIGNED char pad_;
};

/* 0, or -ENOMEM when the pool has no node for the sentinel. */
int poolqueue_init(struct poolqueue *q, struct nodepool *p);
/* 0, or -ENOMEM when the pool is exhausted. */
int poolqueue_push(struct poolqueue *q, uint64_t v);
bool poolqueue_try_pop(struct poolqueue *q, uint64_t *v);

struct poolstack {
    struct nodepool *pool;
    CACHE_ALIGNED _Atomic uint64_t top;
    CACHE_ALIGNED char pad_;
};

void poolstack_init(struct poolstack *s, struct nodepool *p);
int poolstack_push(struct poolstack *s, uint64_t v);
bool poolstack_try_pop(struct poolstack *s, uint64_t *v);

#endif
