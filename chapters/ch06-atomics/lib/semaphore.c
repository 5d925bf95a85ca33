/* semaphore.c - the token semaphore and the benaphore (semaphore.h). */
#include "semaphore.h"

#include <errno.h>

#include "annotate.h"
#include "spin.h"

/* ---- sem_token: tokens in a queue ---- */

int sem_token_init(struct sem_token *s, uint32_t capacity)
{
    if (capacity == 0)
        return -EINVAL;
    uint64_t slots = 2;
    while (slots < capacity)
        slots *= 2;
    int rc = ring_mpmc_init(&s->tokens, slots);
    if (rc != 0)
        return rc;
    for (uint32_t i = 0; i < capacity; i++)
        ring_mpmc_try_push(&s->tokens, 1);
    atomic_init(&s->events, 0);
    atomic_init(&s->sleepers, 0);
    ANNOTATE_ATOMIC(&s->events);
    ANNOTATE_ATOMIC(&s->sleepers);
    return 0;
}

void sem_token_destroy(struct sem_token *s)
{
    ring_mpmc_destroy(&s->tokens);
}

bool sem_token_trywait(struct sem_token *s)
{
    uint64_t token;
    /* the ring's pop is an acquire: pairs with the signal's push (release) */
    if (!ring_mpmc_try_pop(&s->tokens, &token))
        return false;
    ANNOTATE_HB_AFTER(s);
    return true;
}

void sem_token_wait(struct sem_token *s)
{
    for (;;) {
        /* read the event count before trying: a signal after the try bumps
         * it, and the futex call then returns at once instead of sleeping */
        uint32_t seen = atomic_load_explicit(&s->events, memory_order_acquire);
        if (sem_token_trywait(s))
            return;
        /* seq_cst: the signal's load of sleepers and our store must not both
         * miss each other (the store-buffering shape) */
        atomic_fetch_add_explicit(&s->sleepers, 1, memory_order_seq_cst);
        if (!sem_token_trywait(s)) {
            spin_futex_wait(&s->events, seen);
            atomic_fetch_sub_explicit(&s->sleepers, 1, memory_order_relaxed);
            continue;
        }
        atomic_fetch_sub_explicit(&s->sleepers, 1, memory_order_relaxed);
        return;
    }
}

void sem_token_signal(struct sem_token *s)
{
    ANNOTATE_HB_BEFORE(s);
    /* There are never more tokens than slots, yet a push can say full: while
     * a waiter sits between winning a slot and freeing it, the ring cannot
     * hand that slot to a push (ring_mpmc.h). Dropping the token there would
     * lose a unit of capacity for good (tests/test_semaphore.c lost one in its
     * first run), so try again: the waiter is a few instructions from done. */
    while (!ring_mpmc_try_push(&s->tokens, 1))
        lab_cpu_relax();
    /* seq_cst: ordered with the waiter's increment of sleepers (see wait) */
    atomic_fetch_add_explicit(&s->events, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&s->sleepers, memory_order_seq_cst) > 0)
        spin_futex_wake_one(&s->events);
}

/* ---- sem_bena: the benaphore ---- */

void sem_bena_init(struct sem_bena *s)
{
    atomic_init(&s->count, 1);
    atomic_init(&s->wakes, 0);
    ANNOTATE_ATOMIC(&s->count);
    ANNOTATE_ATOMIC(&s->wakes);
}

bool sem_bena_trywait(struct sem_bena *s)
{
    int32_t free_ = 1;
    /* acquire: the holder's section follows the previous signal */
    if (!atomic_compare_exchange_strong_explicit(&s->count, &free_, 0, memory_order_acquire,
                                                 memory_order_relaxed))
        return false;
    ANNOTATE_HB_AFTER(s);
    return true;
}

void sem_bena_wait(struct sem_bena *s)
{
    /* acquire: as trylock; a result of 1 means it was free */
    if (atomic_fetch_sub_explicit(&s->count, 1, memory_order_acquire) < 1) {
        /* taken: sleep until a signal grants us a wake-up */
        for (;;) {
            uint32_t w = atomic_load_explicit(&s->wakes, memory_order_acquire);
            if (w > 0 && atomic_compare_exchange_weak_explicit(
                             &s->wakes, &w, w - 1, memory_order_acquire, memory_order_relaxed))
                break;
            if (w == 0)
                spin_futex_wait(&s->wakes, 0);
        }
    }
    ANNOTATE_HB_AFTER(s);
}

void sem_bena_signal(struct sem_bena *s)
{
    ANNOTATE_HB_BEFORE(s);
    /* release: the section happens before the next holder's acquire */
    if (atomic_fetch_add_explicit(&s->count, 1, memory_order_release) < 0) {
        /* someone waits (or is about to): hand it one wake-up */
        atomic_fetch_add_explicit(&s->wakes, 1, memory_order_release);
        spin_futex_wake_one(&s->wakes);
    }
}
