/*
 * lin_queues.h - a mutex queue, and the same queue with a planted race, for
 * the linearizability tests (tests/test_lincheck.c) and the checker's
 * benchmark (common/bench/bench_prop.c).
 *
 * The race: the size counter is updated outside the lock, as a relaxed load and
 * a relaxed store with a yield between them (no data race in the C sense, so
 * ThreadSanitizer stays quiet, but a lost update all the same), and dequeue
 * trusts it to say "empty".
 */
#ifndef LAB_LIN_QUEUES_H
#define LAB_LIN_QUEUES_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "lincheck.h"

struct queue {
    pthread_mutex_t lock;
    int64_t buf[LIN_MAX_OPS];
    int head, tail;
    _Atomic int size; /* the racy version updates it outside the lock */
    bool racy;
};

static inline void *queue_new(bool racy)
{
    struct queue *q = calloc(1, sizeof *q);
    if (q) {
        pthread_mutex_init(&q->lock, NULL);
        q->racy = racy;
    }
    return q;
}
static inline void *mutex_queue_new(void)
{
    return queue_new(false);
}
static inline void *racy_queue_new(void)
{
    return queue_new(true);
}

static inline void queue_free(void *p)
{
    struct queue *q = p;
    pthread_mutex_destroy(&q->lock);
    free(q);
}

/* The racy update: a load and a store (relaxed atomics, so no data race in
 * the C sense), with a yield between them to widen the window in which a
 * concurrent update is lost. */
static inline void racy_add(_Atomic int *size, int d)
{
    int s = atomic_load_explicit(size, memory_order_relaxed);
    sched_yield();
    atomic_store_explicit(size, s + d, memory_order_relaxed);
}

static inline int64_t queue_apply(void *p, int op, int64_t arg)
{
    struct queue *q = p;
    int64_t ret = 0;
    if (op == LIN_Q_ENQ) {
        pthread_mutex_lock(&q->lock);
        q->buf[q->tail++] = arg;
        if (!q->racy)
            atomic_store_explicit(&q->size, atomic_load(&q->size) + 1, memory_order_relaxed);
        pthread_mutex_unlock(&q->lock);
        if (q->racy)
            racy_add(&q->size, 1);
        return 0;
    }
    if (q->racy && atomic_load_explicit(&q->size, memory_order_relaxed) <= 0)
        return -1; /* trusts the racy size: "empty" */
    pthread_mutex_lock(&q->lock);
    if (q->head == q->tail) {
        ret = -1;
    } else {
        ret = q->buf[q->head++];
        if (!q->racy)
            atomic_store_explicit(&q->size, atomic_load(&q->size) - 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&q->lock);
    if (q->racy && ret != -1)
        racy_add(&q->size, -1);
    return ret;
}

#endif
