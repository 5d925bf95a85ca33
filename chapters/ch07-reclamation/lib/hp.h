/*
 * hp.h - hazard pointers (Maged Michael, IEEE TPDS 15(6), 2004): a reader
 * announces the node it is about to read, and a node is freed only once no
 * announcement names it.
 *
 *     struct hp_domain d;          hp_domain_init(&d);
 *     struct hp_local *l = hp_local_get(&d);       this thread's record
 *     n = hp_protect(l, 0, &s->top);               n stays readable ...
 *     ... CAS top from n to n->next ...
 *     hp_clear(l);                                 ... until here
 *     hp_retire(l, &n->link, free_fn);             unlinked: free it later
 *     hp_domain_destroy(&d);                       no thread uses it any more
 *
 * The one thing to look at is hp_protect: publish, full fence, read again.
 * The fence orders the store of the hazard before the load that validates it
 * (the store-to-load edge every CPU, x86 included, may otherwise reorder). A
 * scanner that unlinked a node and then, after its own fence, finds no hazard
 * naming it, knows that any reader still to come will see the node gone and
 * retry: the node can be freed.
 *
 * Each thread has a record with HP_SLOTS hazards (the Treiber stack uses one,
 * the Michael-Scott queue two) and a private list of retired nodes. When the
 * list reaches R = 2H (H: all hazards of all records), hp_scan frees every
 * node no hazard names: at least R - H = H of them, so a retire costs O(1)
 * amortised, and no record ever holds more than R retired nodes: garbage is
 * bounded whatever the threads do, the property epochs lack. A thread that
 * ends hands what it could not free to the domain's orphan list, which the
 * next scan adopts, and its record is reused by the next thread (registry.h).
 */
#ifndef LAB_HP_H
#define LAB_HP_H

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "annotate.h"
#include "fence.h"
#include "cacheline.h"
#include "container_of.h"
#include "reclaim_node.h"
#include "registry.h"

enum { HP_SLOTS = 2 };

struct hp_domain;

struct hp_local {
    /* read by every scanner (one line: one miss each); the slots are written
     * by the owner only */
    CACHE_ALIGNED void *_Atomic slot[HP_SLOTS];
    struct lab_record rec; /* the registry's link, which scanners follow */
    /* the owner's, on a line of their own, so that retiring does not disturb
     * the scanners */
    CACHE_ALIGNED struct reclaim_node *retired;
    size_t nretired;
    _Atomic uint64_t unreclaimed; /* nretired, for hp_unreclaimed to read */
    uint64_t scans, freed;
    void **scratch; /* the hazards a scan collects */
    size_t scratch_cap;
    struct hp_domain *domain;
};

_Static_assert(offsetof(struct hp_local, rec) + sizeof(struct lab_record) <= CACHE_LINE,
               "a scanner reads a record's slots and its link in one line");

struct hp_domain {
    struct lab_registry records;
    _Atomic size_t nlocals;
    CACHE_ALIGNED _Atomic(struct reclaim_node *) orphans;
    _Atomic uint64_t norphans;
    _Atomic int fence; /* what a full fence names under TSan (annotate.h) */
    /* Tests only (NULL otherwise): runs in each scan after it sized its buffer
     * of hazards and before it walks the records, where a thread that
     * registers and protects a node is the case to get right. */
    void (*after_sizing)(struct hp_domain *d);
    /* Allocates the records: aligned_alloc, unless a test makes it fail. */
    void *(*alloc)(size_t alignment, size_t size);
};

static inline struct hp_local *hp_local_of(struct lab_record *rec)
{
    return CONTAINER_OF(rec, struct hp_local, rec);
}

/* 0, or a positive errno (no thread-specific key left). */
int hp_domain_init(struct hp_domain *d);
/* Frees every retired node and every record. No thread may use d any more. */
void hp_domain_destroy(struct hp_domain *d);

/* A new record for the calling code, not tied to the thread: tests drive
 * several from one thread. hp_local_release gives it back. NULL when the
 * record cannot be allocated (a reader without a record cannot proceed: the
 * caller decides whether to fail or stop). */
struct hp_local *hp_local_register(struct hp_domain *d);
/* Scans, hands the survivors to the orphans and frees the record for reuse. */
void hp_local_release(struct hp_local *l);

extern _Thread_local struct lab_record_cache hp_tls;
struct hp_local *hp_local_get_slow(struct hp_domain *d);

/* The calling thread's record in d, registered on first use and released when
 * the thread ends; NULL when it cannot be registered (out of memory). */
static inline struct hp_local *hp_local_get(struct hp_domain *d)
{
    if (hp_tls.id == d->records.id)
        return hp_local_of(hp_tls.rec);
    return hp_local_get_slow(d);
}

/* Loads *src and protects what it read: until the slot is cleared or reused,
 * the node is not freed. */
static inline void *hp_protect(struct hp_local *l, int slot, void *_Atomic *src)
{
    void *p = atomic_load_explicit(src, memory_order_relaxed);
    for (;;) {
#if defined(__x86_64__) || defined(__i386__) || defined(LAB_TSAN)
        /* seq_cst exchange: xchg is a full barrier on x86, cheaper than a
         * store and mfence (Concurrency Kit's ck_hp_set_fence does this);
         * TSan takes no fences */
        atomic_exchange_explicit(&l->slot[slot], p, memory_order_seq_cst);
#else
        /* release: our reads of the node this slot named before come before
         * the scanner that sees the new value frees it; then the full fence:
         * the hazard is visible before we read src again */
        atomic_store_explicit(&l->slot[slot], p, memory_order_release);
        atomic_thread_fence(memory_order_seq_cst);
#endif
        /* acquire: the node's fields, published with a release, are visible */
        void *again = atomic_load_explicit(src, memory_order_acquire);
        if (again == p)
            return p;
        p = again;
    }
}

/* Drops every hazard of the record. */
static inline void hp_clear(struct hp_local *l)
{
    for (int i = 0; i < HP_SLOTS; i++) {
        ANNOTATE_HB_BEFORE(&l->slot[i]);
        /* release: our reads of the node come before its free by a scanner
         * that loads this NULL with acquire */
        atomic_store_explicit(&l->slot[i], NULL, memory_order_release);
    }
}

/* R: a record scans when its list reaches this many nodes. */
static inline size_t hp_threshold(const struct hp_domain *d)
{
    return 2 * HP_SLOTS * atomic_load_explicit(&d->nlocals, memory_order_relaxed);
}

/* The node is unlinked: it is freed by a later scan once no hazard names it. */
void hp_retire(struct hp_local *l, struct reclaim_node *n,
               void (*free_node)(struct reclaim_node *));
/* Frees every node of l's list (and the adopted orphans) that no hazard names.
 * Returns how many it freed. */
size_t hp_scan(struct hp_local *l);
/* Retired nodes not yet freed, in all records and the orphan list. Exact when
 * no thread runs; while they run, each term is a value it really had. */
uint64_t hp_unreclaimed(struct hp_domain *d);

#endif
