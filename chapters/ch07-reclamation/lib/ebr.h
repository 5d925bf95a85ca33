/*
 * ebr.h - epoch-based reclamation (Fraser, "Practical lock-freedom", 2004),
 * in the shape crossbeam-epoch gives it: a reader pins itself for the length
 * of an operation, and memory unlinked while anyone may still be pinned in an
 * older epoch waits in bags.
 *
 *     struct ebr_domain d;          ebr_domain_init(&d);
 *     struct ebr_local *l = ebr_local_get(&d);   this thread's participant
 *     ebr_pin(l);                                read shared nodes freely ...
 *     ebr_defer_node(l, &n->link, free_fn);      ... n is unlinked: free later
 *     ebr_unpin(l);
 *     ebr_domain_destroy(&d);                    no thread uses it any more
 *
 * The global epoch counts up by 2; a participant's epoch word is 0 when it is
 * not pinned and (epoch | 1) when it is, the low bit being "pinned". Pinning
 * is a store of that word and a full fence (an exchange on x86): every load
 * of a shared pointer comes after the announcement. Any thread may advance
 * the epoch (a CAS from the value it read), when every pinned participant has
 * seen the current one.
 *
 * Garbage goes into the thread's bag (EBR_BAG_CAP entries); a full bag is
 * sealed with the global epoch and queued. A bag sealed at epoch e is freed
 * once the epoch has advanced twice past it: a participant pinned when the
 * nodes were unlinked is pinned at e at the latest, and the epoch cannot
 * leave e + 2 while it stays pinned. Every EBR_PIN_COLLECT_PERIOD-th pin, once
 * it has unpinned, tries to advance and frees up to EBR_COLLECT_STEPS bags
 * that are old enough.
 *
 * Two changes from crossbeam. Sealed bags queue per participant, not in one
 * global queue, and a thread frees its own (Concurrency Kit's ck_epoch does
 * the same). With one queue, threads free each other's nodes, and glibc's
 * malloc takes an arena lock for every node freed away from the thread that
 * allocated it: on 4 threads that made this scheme 1.5x slower than ck_epoch.
 * The bags of a thread that ends go to the domain's orphan queue, which every
 * collection also serves. And a collection runs after the unpin, outside the
 * critical section, where crossbeam collects inside the pin: up to 512 frees
 * inside it kept the epoch from advancing for as long as they took, and for
 * as long as the thread was descheduled among them. Unpinned, the advance is a
 * CAS (crossbeam's pinned advancer may store). On the contended stack, with
 * ebr and ck_epoch alone, this took ebr from 1.03x ck_epoch's time to
 * 0.91-0.94x on 2 threads and from 1.05-1.11x to 0.99-1.01x on 4
 * (bench/bench_reclaim.c).
 *
 * The price: no per-read cost, but a thread that stays pinned (descheduled,
 * blocked in I/O) stops the epoch, and garbage grows without bound until it
 * unpins. Hazard pointers (hp.h) bound garbage and pay on every read.
 */
#ifndef LAB_EBR_H
#define LAB_EBR_H

#include <errno.h>
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

enum {
    EBR_BAG_CAP = 64,             /* deferred frees per bag */
    EBR_PIN_COLLECT_PERIOD = 128, /* every this many pins, a collection */
    EBR_COLLECT_STEPS = 8,        /* at most this many bags per collection */
};

struct ebr_bag {
    struct ebr_bag *next; /* in a participant's queue, or the orphans */
    uintptr_t epoch;      /* the global epoch when it was sealed */
    size_t len;
    struct reclaim_node *items[EBR_BAG_CAP];
};

struct ebr_domain;

struct ebr_local {
    /* read by the threads that advance the epoch (one line: one miss each) */
    CACHE_ALIGNED _Atomic uintptr_t epoch; /* 0, or (epoch | 1) while pinned */
    struct lab_record rec;                 /* the registry's link, which advances follow */
    /* the owner's */
    CACHE_ALIGNED unsigned guard_count; /* nested pins */
    unsigned pin_count;
    struct ebr_domain *domain;
    struct ebr_bag *bag;
    struct ebr_bag *sealed, *sealed_tail; /* sealed bags, oldest first */
    struct ebr_bag *spare;                /* an emptied bag kept for the next seal */
    _Atomic uint64_t deferred, freed;     /* written by the owner; ebr_unreclaimed reads */
};

struct ebr_domain {
    CACHE_ALIGNED _Atomic uintptr_t epoch; /* even; advances by 2 */
    CACHE_ALIGNED struct lab_registry participants;
    pthread_mutex_t lock; /* the orphans: bags of ended participants */
    struct ebr_bag *orphans, *orphans_tail;
    _Atomic bool have_orphans; /* read without the lock, to skip it */
    _Atomic int fence;         /* what a full fence names under TSan (annotate.h) */
    /* Allocates participants and bags: aligned_alloc, unless a test makes it
     * fail. */
    void *(*alloc)(size_t alignment, size_t size);
};

_Static_assert(offsetof(struct ebr_local, rec) + sizeof(struct lab_record) <= CACHE_LINE,
               "an advance reads a participant's epoch and its link in one line");

static inline struct ebr_local *ebr_local_of(struct lab_record *rec)
{
    return CONTAINER_OF(rec, struct ebr_local, rec);
}

/* Epoch words: the pinned bit, and the number of advances from b to a (the
 * difference wraps safely, as the counter does). */
static inline uintptr_t ebr_pinned(uintptr_t e)
{
    return e | 1;
}
static inline uintptr_t ebr_unpinned(uintptr_t e)
{
    return e & ~(uintptr_t)1;
}
static inline bool ebr_is_pinned(uintptr_t e)
{
    return (e & 1) != 0;
}
static inline intptr_t ebr_advances(uintptr_t a, uintptr_t b)
{
    return (intptr_t)(ebr_unpinned(a) - ebr_unpinned(b)) / 2;
}

/* 0, or a positive errno. */
int ebr_domain_init(struct ebr_domain *d);
/* Frees everything deferred and every participant. No thread may use d any more. */
void ebr_domain_destroy(struct ebr_domain *d);

/* A participant not tied to the thread (tests drive several from one thread);
 * ebr_local_unregister seals its bag, hands its sealed bags to the orphans and
 * gives the record back. NULL when it cannot be allocated. */
struct ebr_local *ebr_local_register(struct ebr_domain *d);
void ebr_local_unregister(struct ebr_local *l);

extern _Thread_local struct lab_record_cache ebr_tls;
struct ebr_local *ebr_local_get_slow(struct ebr_domain *d);

/* The calling thread's participant in d, registered on first use, its bag
 * sealed and queued when the thread ends; NULL when it cannot be registered
 * (out of memory). */
static inline struct ebr_local *ebr_local_get(struct ebr_domain *d)
{
    if (ebr_tls.id == d->participants.id)
        return ebr_local_of(ebr_tls.rec);
    return ebr_local_get_slow(d);
}

/* Tries to advance the epoch, then frees up to max_bags of l's bags (and the
 * orphans) that are two advances old. Pinned or not. */
void ebr_collect(struct ebr_local *l, unsigned max_bags);

/* Enters a critical section: nodes reachable now stay allocated until unpin. */
static inline void ebr_pin(struct ebr_local *l)
{
    if (l->guard_count++ != 0)
        return;
    uintptr_t e = ebr_pinned(atomic_load_explicit(&l->domain->epoch, memory_order_relaxed));
#if (defined(__x86_64__) || defined(__i386__)) || defined(LAB_TSAN)
    /* seq_cst exchange: a locked instruction is a full barrier on x86, and
     * cheaper than mov + mfence (crossbeam measured the same); under TSan it
     * is also a release that the advancing thread's acquire load pairs with */
    atomic_exchange_explicit(&l->epoch, e, memory_order_seq_cst);
#else
    /* the announcement, then a full fence: no load of a shared pointer below
     * may be satisfied before the store is visible */
    atomic_store_explicit(&l->epoch, e, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst);
#endif
}

/* Leaves the critical section (the outermost one, when pins nest). */
static inline void ebr_unpin(struct ebr_local *l)
{
    if (--l->guard_count != 0)
        return;
    ANNOTATE_HB_BEFORE(&l->epoch);
    /* release: our reads of shared nodes come before the advance that sees us
     * unpinned, and so before the frees that advance allows */
    atomic_store_explicit(&l->epoch, 0, memory_order_release);
    /* outside the critical section: a thread descheduled among the frees
     * does not hold the epoch back */
    if (l->pin_count++ % EBR_PIN_COLLECT_PERIOD == 0)
        ebr_collect(l, EBR_COLLECT_STEPS);
}

/* Seals the current bag into the participant's queue: 0, or -ENOMEM when no
 * empty bag can take its place (then the bag stays, unsealed, as it was). */
int ebr_push_bag(struct ebr_local *l);
/* The bag is full: seals it, collecting first if no empty bag can be had. */
int ebr_push_full_bag(struct ebr_local *l);

/* n is unlinked: free it once no participant pinned now can still read it.
 * With l NULL (the caller promises nobody can), it is freed at once. 0, or
 * -ENOMEM when the bag is full and no new one can be allocated: then n was
 * not deferred and is still the caller's. */
static inline int ebr_defer_node(struct ebr_local *l, struct reclaim_node *n,
                                 void (*free_node)(struct reclaim_node *))
{
    n->free_node = free_node;
    if (l == NULL) {
        free_node(n);
        return 0;
    }
    if (l->bag->len == EBR_BAG_CAP && ebr_push_full_bag(l) != 0)
        return -ENOMEM;
    l->bag->items[l->bag->len++] = n;
    atomic_store_explicit(&l->deferred,
                          atomic_load_explicit(&l->deferred, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    return 0;
}

/* Tries to advance the global epoch; returns the epoch it leaves. */
uintptr_t ebr_try_advance(struct ebr_domain *d);
/* Seals the bag, then collects every bag old enough (no step limit), up to
 * three times, until its queue and the orphans are empty: at a quiescent
 * point (no thread pinned) it frees all that. */
void ebr_flush(struct ebr_local *l);
/* Deferred, not yet freed, in all participants and the queue. */
uint64_t ebr_unreclaimed(struct ebr_domain *d);

#endif
