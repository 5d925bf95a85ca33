/*
 * reclaim.h - when may a lock-free structure free a node that it has unlinked,
 * while other threads may still be reading it?
 *
 * One vocabulary for every scheme, so that a structure is written once:
 *
 *   reclaim_enter(d)            before an operation reads shared nodes
 *   reclaim_protect(d, i, src)  load the pointer at src; its node stays
 *                               readable until reclaim_exit (slot i: the
 *                               schemes that keep hazards need to know which)
 *   reclaim_retire(d, node)     the node is unlinked: free it once nobody can
 *                               still be reading it
 *   reclaim_exit(d)             after the operation
 *   reclaim_collect(d)          free what is safe to free now
 *
 * The scheme here is the simplest correct one, QUIESCENT: retired nodes wait
 * on a list, and reclaim_collect frees them all. It may be called only at a
 * quiescent point, when no thread is inside an operation on the structures
 * of the domain (after joining the threads, or behind a barrier): the caller
 * promises that, as an RCU user promises a grace period. Nothing is reused
 * while threads run, so there is no use after free and no ABA; the price is
 * memory that grows until the next quiescent point. Chapter 7 adds hazard
 * pointers and epochs behind the same verbs, which collect while threads run.
 *
 * A node embeds struct reclaim_node (anywhere) and names the function that
 * frees the whole node.
 */
#ifndef LAB_RECLAIM_H
#define LAB_RECLAIM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct reclaim_node {
    struct reclaim_node *next_retired;
    void (*free_node)(struct reclaim_node *n);
};

enum reclaim_kind { RECLAIM_QUIESCENT };

struct reclaim_domain {
    enum reclaim_kind kind;
    _Atomic(struct reclaim_node *) retired; /* a stack of retired nodes */
    _Atomic uint64_t pending;               /* how many, for tests and figures */
};

static inline void reclaim_init(struct reclaim_domain *d, enum reclaim_kind kind)
{
    d->kind = kind;
    atomic_init(&d->retired, NULL);
    atomic_init(&d->pending, 0);
}

static inline void reclaim_enter(struct reclaim_domain *d) { (void)d; }
static inline void reclaim_exit(struct reclaim_domain *d) { (void)d; }

/* Loads *src. acquire: the node's fields, written before it was published
 * with a release, are visible to the reads that follow. */
static inline void *reclaim_protect(struct reclaim_domain *d, int slot, void *_Atomic *src)
{
    (void)d, (void)slot;
    return atomic_load_explicit(src, memory_order_acquire);
}

static inline void reclaim_retire(struct reclaim_domain *d, struct reclaim_node *n,
                                  void (*free_node)(struct reclaim_node *))
{
    n->free_node = free_node;
    struct reclaim_node *top = atomic_load_explicit(&d->retired, memory_order_relaxed);
    do
        n->next_retired = top;
    /* release: our write of next_retired is seen by collect's acquire */
    while (!atomic_compare_exchange_weak_explicit(&d->retired, &top, n, memory_order_release,
                                                  memory_order_relaxed));
    atomic_fetch_add_explicit(&d->pending, 1, memory_order_relaxed);
}

/* Frees every retired node. QUIESCENT: no operation may be in flight. */
static inline uint64_t reclaim_collect(struct reclaim_domain *d)
{
    /* acquire: pairs with retire's release; the list is complete */
    struct reclaim_node *n = atomic_exchange_explicit(&d->retired, NULL, memory_order_acquire);
    uint64_t freed = 0;
    while (n != NULL) {
        struct reclaim_node *next = n->next_retired;
        n->free_node(n);
        n = next;
        freed++;
    }
    atomic_fetch_sub_explicit(&d->pending, freed, memory_order_relaxed);
    return freed;
}

/* Nodes retired and not yet freed. */
static inline uint64_t reclaim_pending(struct reclaim_domain *d)
{
    return atomic_load_explicit(&d->pending, memory_order_relaxed);
}

#endif
