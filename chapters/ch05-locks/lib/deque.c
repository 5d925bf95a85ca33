/* deque.c - the two-lock deque (deque.h). */
#include "deque.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "annotate.h"
#include "clock.h"

int deque_init(struct deque *q, size_t cap, size_t item_size, bool annotate)
{
    if (cap == 0 || item_size == 0)
        return -EINVAL;
    *q = (struct deque){.cap = cap, .item_size = item_size, .annotate = annotate};
    if ((q->slots = calloc(cap, item_size)) == NULL)
        return -ENOMEM;
    atomic_init(&q->size, 0);
    pthread_mutex_init(&q->back_lock, NULL);
    pthread_mutex_init(&q->front_lock, NULL);
    pthread_cond_init(&q->not_empty, NULL);
    if (annotate)
        ANNOTATE_ATOMIC(&q->size); /* read and written by both ends by design */
    return 0;
}

void deque_destroy(struct deque *q)
{
    pthread_cond_destroy(&q->not_empty);
    pthread_mutex_destroy(&q->front_lock);
    pthread_mutex_destroy(&q->back_lock);
    free(q->slots);
}

void deque_lock_back(struct deque *q)
{
    pthread_mutex_lock(&q->back_lock);
}
void deque_unlock_back(struct deque *q)
{
    pthread_mutex_unlock(&q->back_lock);
}

int deque_push_back(struct deque *q, const void *item)
{
    /* acquire: pairs with the pop's release, so the slot it emptied is free */
    if (atomic_load_explicit(&q->size, memory_order_acquire) == q->cap)
        return -ENOSPC;
    if (q->annotate)
        ANNOTATE_HB_AFTER(&q->back); /* the edge from the pop that freed the slot */
    memcpy(q->slots + q->back * q->item_size, item, q->item_size);
    q->back = (q->back + 1) % q->cap;
    if (q->annotate)
        ANNOTATE_HB_BEFORE(&q->size); /* the slot above, to the pop that reads it */
    /* release: publishes the slot written above to the pop's acquire */
    return atomic_fetch_add_explicit(&q->size, 1, memory_order_release) == 0;
}

void deque_notify_not_empty(struct deque *q)
{
    /* Under the front lock: the receiver is either before its test of size
     * (it will see the item) or inside its wait (it gets the broadcast). */
    pthread_mutex_lock(&q->front_lock);
    pthread_cond_broadcast(&q->not_empty);
    pthread_mutex_unlock(&q->front_lock);
}

/* Takes the front item; front lock held, size > 0 observed with acquire. */
static void take(struct deque *q, void *item)
{
    if (q->annotate)
        ANNOTATE_HB_AFTER(&q->size);
    memcpy(item, q->slots + q->front * q->item_size, q->item_size);
    q->front = (q->front + 1) % q->cap;
    if (q->annotate)
        ANNOTATE_HB_BEFORE(&q->back); /* the slot is free for the next push */
    /* release: the read above happens before a push reuses the slot */
    atomic_fetch_sub_explicit(&q->size, 1, memory_order_release);
}

void deque_pop_front(struct deque *q, void *item)
{
    pthread_mutex_lock(&q->front_lock);
    while (atomic_load_explicit(&q->size, memory_order_acquire) == 0)
        pthread_cond_wait(&q->not_empty, &q->front_lock);
    take(q, item);
    pthread_mutex_unlock(&q->front_lock);
}

int deque_pop_front_timed(struct deque *q, void *item, long timeout_ms)
{
    struct timespec deadline = lab_deadline_ms(timeout_ms);
    int rc = 0;
    pthread_mutex_lock(&q->front_lock);
    while (rc == 0 && atomic_load_explicit(&q->size, memory_order_acquire) == 0)
        rc = pthread_cond_timedwait(&q->not_empty, &q->front_lock, &deadline);
    if (atomic_load_explicit(&q->size, memory_order_acquire) > 0) {
        take(q, item);
        rc = 0;
    }
    pthread_mutex_unlock(&q->front_lock);
    return rc == 0 ? 0 : -ETIMEDOUT;
}

size_t deque_len(struct deque *q)
{
    return atomic_load_explicit(&q->size, memory_order_acquire);
}
