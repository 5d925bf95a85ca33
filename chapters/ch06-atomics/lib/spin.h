/*
 * spin.h - mutual exclusion built from atomics, six ways, one vocabulary:
 *
 *   spin_<kind>_init(l)  spin_<kind>_lock(l)  spin_<kind>_trylock(l)
 *   spin_<kind>_unlock(l)  spin_<kind>_locked(l)
 *
 *   swap    the book's SwapMutex: exchange(true) until it returns false,
 *           yielding the CPU between tries. Unfair.
 *   cas     compare-and-set false -> true (what the book's section title
 *           promises but its code does not build), with the spin hint.
 *   ttas    test-and-test-and-set: wait on plain loads (the line stays shared
 *           in every waiter's cache), exchange only when it looks free, and back
 *           off exponentially after a lost race. Unfair.
 *   ticket  take a number (fetch_add), wait until it is served: first come,
 *           first served, but every waiter watches the same line.
 *   mcs     a queue of waiters, each spinning on its own node (passed to lock
 *           and unlock): first come, first served, one handover per release.
 *   futex   sleeps: 0 free, 1 locked, 2 locked with sleepers (Drepper,
 *           "Futexes Are Tricky"); unlock wakes one sleeper only when there is
 *           one, so the uncontended path makes no system call.
 *
 * Every lock's acquire is an acquire operation and its release a release: what
 * the critical section did happens before whatever the next owner does. Spin
 * loops use the CPU's spin hint (lab_cpu_relax) and yield after a while, so a
 * waiter never starves the owner when threads outnumber CPUs (or under
 * valgrind, which runs one thread at a time).
 *
 * Annotations (annotate.h) tell helgrind and DRD about the edges they cannot
 * see in atomics; they cost a few instructions even outside valgrind, so the
 * benchmarks build with LAB_NO_VALGRIND, which compiles them away.
 */
#ifndef CH06_SPIN_H
#define CH06_SPIN_H

#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "annotate.h"
#include "cacheline.h"
#include "threads.h"

/* Spins before a waiter yields its CPU. */
enum { SPIN_YIELD_AFTER = 1024 };

/* One step of a wait: the spin hint, and now and then a yield. */
static inline void spin_pause(unsigned *spins)
{
    if (++*spins < SPIN_YIELD_AFTER) {
        lab_cpu_relax();
    } else {
        *spins = 0;
        sched_yield();
    }
}

/* ---- swap: the book's SwapMutex ------------------------------------------ */

struct spin_swap {
    _Atomic bool locked;
};

static inline void spin_swap_init(struct spin_swap *l)
{
    atomic_init(&l->locked, false);
    ANNOTATE_ATOMIC(&l->locked);
}

static inline bool spin_swap_trylock(struct spin_swap *l)
{
    /* acquire: the owner's section follows the previous owner's release.
     * (The book asks acq_rel; the release half orders nothing useful.) */
    if (atomic_exchange_explicit(&l->locked, true, memory_order_acquire))
        return false;
    ANNOTATE_HB_AFTER(l);
    return true;
}

static inline void spin_swap_lock(struct spin_swap *l)
{
    while (!spin_swap_trylock(l))
        sched_yield(); /* the book's thread::yield_now() */
}

static inline void spin_swap_unlock(struct spin_swap *l)
{
    ANNOTATE_HB_BEFORE(l);
    /* release: the section happens before the next owner's acquire */
    atomic_store_explicit(&l->locked, false, memory_order_release);
}

static inline bool spin_swap_locked(struct spin_swap *l)
{
    return atomic_load_explicit(&l->locked, memory_order_relaxed);
}

/* ---- cas: compare-and-set ------------------------------------------------ */

struct spin_cas {
    _Atomic int locked;
};

static inline void spin_cas_init(struct spin_cas *l)
{
    atomic_init(&l->locked, 0);
    ANNOTATE_ATOMIC(&l->locked);
}

static inline bool spin_cas_trylock(struct spin_cas *l)
{
    int free_ = 0;
    /* acquire on success; a failed attempt orders nothing */
    if (!atomic_compare_exchange_strong_explicit(&l->locked, &free_, 1, memory_order_acquire,
                                                 memory_order_relaxed))
        return false;
    ANNOTATE_HB_AFTER(l);
    return true;
}

static inline void spin_cas_lock(struct spin_cas *l)
{
    unsigned spins = 0;
    while (!spin_cas_trylock(l))
        spin_pause(&spins);
}

static inline void spin_cas_unlock(struct spin_cas *l)
{
    ANNOTATE_HB_BEFORE(l);
    /* release: the section happens before the next owner's acquire */
    atomic_store_explicit(&l->locked, 0, memory_order_release);
}

static inline bool spin_cas_locked(struct spin_cas *l)
{
    return atomic_load_explicit(&l->locked, memory_order_relaxed) != 0;
}

/* ---- ttas: test-and-test-and-set with exponential backoff ---------------- */

struct spin_ttas {
    _Atomic int locked;
};

enum { SPIN_TTAS_MAX_BACKOFF = 1024 };

static inline void spin_ttas_init(struct spin_ttas *l)
{
    atomic_init(&l->locked, 0);
    ANNOTATE_ATOMIC(&l->locked);
}

static inline bool spin_ttas_trylock(struct spin_ttas *l)
{
    /* relaxed test first: a held lock costs a read, not an exclusive line */
    if (atomic_load_explicit(&l->locked, memory_order_relaxed) ||
        atomic_exchange_explicit(&l->locked, 1, memory_order_acquire)) /* acquire: as swap */
        return false;
    ANNOTATE_HB_AFTER(l);
    return true;
}

static inline void spin_ttas_lock(struct spin_ttas *l)
{
    unsigned backoff = 1, spins = 0;
    while (!spin_ttas_trylock(l)) {
        /* lost: wait on the shared copy, longer after each loss, so that
         * the waiters do not all rush the line the moment it is released */
        for (unsigned i = 0; i < backoff; i++)
            spin_pause(&spins);
        if (backoff < SPIN_TTAS_MAX_BACKOFF)
            backoff *= 2;
        while (atomic_load_explicit(&l->locked, memory_order_relaxed))
            spin_pause(&spins);
    }
}

static inline void spin_ttas_unlock(struct spin_ttas *l)
{
    ANNOTATE_HB_BEFORE(l);
    /* release: the section happens before the next owner's acquire */
    atomic_store_explicit(&l->locked, 0, memory_order_release);
}

static inline bool spin_ttas_locked(struct spin_ttas *l)
{
    return atomic_load_explicit(&l->locked, memory_order_relaxed) != 0;
}

/* ---- ticket: first come, first served ------------------------------------- */

struct spin_ticket {
    _Atomic uint32_t next;  /* the next number to hand out */
    _Atomic uint32_t owner; /* the number being served */
};

static inline void spin_ticket_init(struct spin_ticket *l)
{
    atomic_init(&l->next, 0);
    atomic_init(&l->owner, 0);
    ANNOTATE_ATOMIC(&l->next);
    ANNOTATE_ATOMIC(&l->owner);
}

static inline void spin_ticket_lock(struct spin_ticket *l)
{
    /* relaxed: taking a number orders nothing; the wait below acquires */
    uint32_t me = atomic_fetch_add_explicit(&l->next, 1, memory_order_relaxed);
    unsigned spins = 0;
    /* acquire: pairs with the release that served the number before ours */
    while (atomic_load_explicit(&l->owner, memory_order_acquire) != me)
        spin_pause(&spins);
    ANNOTATE_HB_AFTER(l);
}

static inline bool spin_ticket_trylock(struct spin_ticket *l)
{
    uint32_t owner = atomic_load_explicit(&l->owner, memory_order_relaxed);
    uint32_t want = owner;
    /* take a number only if it would be served at once: next == owner.
     * acquire: pairs with the release that served `owner` */
    if (!atomic_compare_exchange_strong_explicit(&l->next, &want, owner + 1, memory_order_acquire,
                                                 memory_order_relaxed))
        return false;
    ANNOTATE_HB_AFTER(l);
    return true;
}

static inline void spin_ticket_unlock(struct spin_ticket *l)
{
    ANNOTATE_HB_BEFORE(l);
    /* only the owner writes owner: a plain increment, published by release */
    uint32_t owner = atomic_load_explicit(&l->owner, memory_order_relaxed);
    atomic_store_explicit(&l->owner, owner + 1, memory_order_release);
}

static inline bool spin_ticket_locked(struct spin_ticket *l)
{
    return atomic_load_explicit(&l->next, memory_order_relaxed) !=
           atomic_load_explicit(&l->owner, memory_order_relaxed);
}

/* Waiters in line behind the owner (for tests and fairness statistics). */
static inline uint32_t spin_ticket_waiters(struct spin_ticket *l)
{
    uint32_t n = atomic_load_explicit(&l->next, memory_order_relaxed) -
                 atomic_load_explicit(&l->owner, memory_order_relaxed);
    return n > 0 ? n - 1 : 0;
}

/* ---- mcs: a queue of waiters, each on its own line ------------------------ */

struct spin_mcs_node {
    _Atomic(struct spin_mcs_node *) next;
    _Atomic int waiting;
};

struct spin_mcs {
    _Atomic(struct spin_mcs_node *) tail; /* the last in line, or NULL: free */
};

static inline void spin_mcs_init(struct spin_mcs *l)
{
    atomic_init(&l->tail, NULL);
    ANNOTATE_ATOMIC(&l->tail);
}

static inline void spin_mcs_node_init(struct spin_mcs_node *n)
{
    atomic_store_explicit(&n->next, NULL, memory_order_relaxed);
    atomic_store_explicit(&n->waiting, 1, memory_order_relaxed);
    ANNOTATE_ATOMIC(n); /* handed between threads through atomics only */
}

static inline void spin_mcs_lock(struct spin_mcs *l, struct spin_mcs_node *me)
{
    spin_mcs_node_init(me);
    /* acq_rel: release publishes our node's fields to whoever queues behind
     * us; acquire, when the lock was free, pairs with the last unlock */
    struct spin_mcs_node *pred = atomic_exchange_explicit(&l->tail, me, memory_order_acq_rel);
    if (pred != NULL) {
        /* release: our node is initialised before the predecessor can see it */
        atomic_store_explicit(&pred->next, me, memory_order_release);
        unsigned spins = 0;
        /* acquire: pairs with the predecessor's handover in unlock */
        while (atomic_load_explicit(&me->waiting, memory_order_acquire))
            spin_pause(&spins);
    }
    ANNOTATE_HB_AFTER(l);
}

static inline bool spin_mcs_trylock(struct spin_mcs *l, struct spin_mcs_node *me)
{
    spin_mcs_node_init(me);
    struct spin_mcs_node *none = NULL;
    /* acq_rel as in lock, only when nobody is in line */
    if (!atomic_compare_exchange_strong_explicit(&l->tail, &none, me, memory_order_acq_rel,
                                                 memory_order_relaxed))
        return false;
    ANNOTATE_HB_AFTER(l);
    return true;
}

static inline void spin_mcs_unlock(struct spin_mcs *l, struct spin_mcs_node *me)
{
    ANNOTATE_HB_BEFORE(l);
    /* acquire: the successor's node fields, published by its release store */
    struct spin_mcs_node *next = atomic_load_explicit(&me->next, memory_order_acquire);
    if (next == NULL) {
        struct spin_mcs_node *expect = me;
        /* Try to leave an empty queue, but only when we still look last: a
         * CAS that fails still takes the tail's cache line away from the
         * thread that has just joined behind us (Concurrency Kit checks the
         * same way). release: the section happens before the next lock's
         * acquire exchange on tail */
        if (atomic_load_explicit(&l->tail, memory_order_relaxed) == me &&
            atomic_compare_exchange_strong_explicit(&l->tail, &expect, NULL, memory_order_release,
                                                    memory_order_relaxed))
            return;
        /* someone swapped in behind us and is about to link: wait for it */
        unsigned spins = 0;
        while ((next = atomic_load_explicit(&me->next, memory_order_acquire)) == NULL)
            spin_pause(&spins);
    }
    /* release: the section happens before the successor's acquire */
    atomic_store_explicit(&next->waiting, 0, memory_order_release);
}

static inline bool spin_mcs_locked(struct spin_mcs *l)
{
    return atomic_load_explicit(&l->tail, memory_order_relaxed) != NULL;
}

/* ---- futex: a mutex that sleeps ------------------------------------------ */

struct spin_futex {
    _Atomic uint32_t state; /* 0 free, 1 locked, 2 locked and someone may sleep */
};

/* The system calls, in spin.c. */
void spin_futex_wait(_Atomic uint32_t *word, uint32_t expected);
void spin_futex_wake_one(_Atomic uint32_t *word);

static inline void spin_futex_init(struct spin_futex *l)
{
    atomic_init(&l->state, 0);
    ANNOTATE_ATOMIC(&l->state);
}

static inline bool spin_futex_trylock(struct spin_futex *l)
{
    uint32_t free_ = 0;
    /* acquire on success, as every lock */
    if (!atomic_compare_exchange_strong_explicit(&l->state, &free_, 1, memory_order_acquire,
                                                 memory_order_relaxed))
        return false;
    ANNOTATE_HB_AFTER(l);
    return true;
}

static inline void spin_futex_lock(struct spin_futex *l)
{
    uint32_t c = 0;
    /* acquire: as trylock */
    if (!atomic_compare_exchange_strong_explicit(&l->state, &c, 1, memory_order_acquire,
                                                 memory_order_relaxed)) {
        /* contended: say so (2), then sleep until the word changes. Every
         * exchange to 2 may overstate the sleepers; that only costs a wake. */
        if (c != 2)
            c = atomic_exchange_explicit(&l->state, 2, memory_order_acquire);
        while (c != 0) {
            spin_futex_wait(&l->state, 2);
            c = atomic_exchange_explicit(&l->state, 2, memory_order_acquire);
        }
    }
    ANNOTATE_HB_AFTER(l);
}

static inline void spin_futex_unlock(struct spin_futex *l)
{
    ANNOTATE_HB_BEFORE(l);
    /* release: the section happens before the next owner's acquire. One
     * exchange frees the lock and says whether anyone may sleep (Drepper's
     * paper decrements, then stores 0 when it was 2: two writes where one
     * does) */
    if (atomic_exchange_explicit(&l->state, 0, memory_order_release) == 2)
        spin_futex_wake_one(&l->state);
}

static inline bool spin_futex_locked(struct spin_futex *l)
{
    return atomic_load_explicit(&l->state, memory_order_relaxed) != 0;
}

#endif
