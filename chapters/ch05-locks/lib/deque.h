/*
 * deque.h - hopper's concurrent core: a bounded ring with one lock for the
 * back (senders, one at a time) and one for the front (the receiver), so that
 * a push and a pop run in parallel. The two locks never guard the same slot
 * at the same time: a slot passes from the back to the front, and back again,
 * through the atomic `size` alone.
 *
 *   push: load size (acquire) == cap ? full : write slot[back], back++,
 *         fetch_add(size, 1) (release): was it 0? then the caller must wake
 *         the receiver (deque_notify_not_empty), which it can do after other
 *         work under the back lock.
 *   pop:  under the front lock, wait on not_empty while size (acquire) == 0;
 *         read slot[front], front++, fetch_sub(size, 1) (release).
 *
 * The release of one side pairs with the acquire of the other: the slot
 * written before a fetch_add is visible to the pop that read the new size,
 * and a slot read before a fetch_sub is not overwritten until the push saw
 * it free. The notify takes the front lock, so it cannot fall between the
 * receiver's test of size and its wait (the lost wake-up of condvar.c): the
 * lock order is back, then front.
 *
 * helgrind and DRD do not see C11 atomics: to them the slots are written
 * under one mutex and read under another, a race. The edges are declared
 * through annotate.h, unless the deque was made with annotate = false, which
 * shows that false positive (tests/races.tsv).
 */
#ifndef CH05_DEQUE_H
#define CH05_DEQUE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

struct deque {
    size_t cap, item_size;
    unsigned char *slots; /* cap items of item_size bytes */
    _Atomic size_t size;  /* items in the ring: the only link between the ends */
    pthread_mutex_t back_lock;
    size_t back; /* next slot to write; guarded by back_lock */
    pthread_mutex_t front_lock;
    size_t front;             /* next slot to read; guarded by front_lock */
    pthread_cond_t not_empty; /* waited with front_lock */
    bool annotate;            /* declare the atomic edges to helgrind and DRD */
};

/* 0, -EINVAL (cap or item_size 0), -ENOMEM. */
int deque_init(struct deque *q, size_t cap, size_t item_size, bool annotate);
void deque_destroy(struct deque *q);

void deque_lock_back(struct deque *q);
void deque_unlock_back(struct deque *q);

/* With the back lock held: 1 when the deque went from empty to not empty
 * (call deque_notify_not_empty), 0 when pushed, -ENOSPC when full (the item
 * is left with the caller). */
int deque_push_back(struct deque *q, const void *item);

/* Wakes the receiver; takes the front lock (call it with the back lock held
 * or not, never with the front lock). */
void deque_notify_not_empty(struct deque *q);

/* Blocks until an item is there, and takes it. */
void deque_pop_front(struct deque *q, void *item);

/* As pop_front, but gives up after timeout_ms: 0, or -ETIMEDOUT. */
int deque_pop_front_timed(struct deque *q, void *item, long timeout_ms);

size_t deque_len(struct deque *q);

#endif
