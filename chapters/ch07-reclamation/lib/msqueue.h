/*
 * msqueue.h - the Michael-Scott lock-free queue, correct: the fixed twin of
 * chapter 6's msqueue_book.h, with nodes freed through reclaim.h.
 *
 *     struct reclaim_domain d;  reclaim_init(&d, RECLAIM_HP);   (or EBR, QUIESCENT)
 *     struct msqueue q;         msqueue_init(&q, &d);
 *     msqueue_push(&q, v);      msqueue_try_pop(&q, &v);   (any threads)
 *     msqueue_destroy(&q);      frees what is left
 *     reclaim_destroy(&d);      frees what was retired
 *
 * What differs from the book's queue (its defects D1-D5):
 *   - a popped node is retired, not freed: reclaim.h frees it when nobody can
 *     be reading it (D1), and since it is not reused before, no stale CAS can
 *     win (D2);
 *   - a node is published with a release CAS on tail->next and every ->next
 *     is loaded with acquire, so its value is visible to whoever reaches it
 *     (D3);
 *   - an enqueuer that finds the tail lagging swings it forward itself, in
 *     the branch where its snapshot is consistent, as the paper has it (D4);
 *   - the value lives in the node (one allocation per push), and is read
 *     before the head CAS, while the node is still protected (D5).
 * Head and tail are on their own cache lines.
 */
#ifndef LAB_MSQUEUE_H
#define LAB_MSQUEUE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cacheline.h"
#include "reclaim.h"

struct msqueue_node {
    struct reclaim_node reclaim; /* first: hazards name the node by address */
    _Atomic(struct msqueue_node *) next;
    uint64_t value;
};

struct msqueue {
    CACHE_ALIGNED _Atomic(struct msqueue_node *) head; /* the sentinel */
    CACHE_ALIGNED _Atomic(struct msqueue_node *) tail;
    CACHE_ALIGNED struct reclaim_domain *domain;
    /* A teaching switch, false but in chapter 7's test of what goes wrong
     * without it: the dequeuer does not help a lagging tail, so the head can
     * pass the tail and the tail be left naming a freed node. */
    bool no_dequeue_help;
};

/* 0, or -ENOMEM. */
int msqueue_init(struct msqueue *q, struct reclaim_domain *d);
/* Frees every node still linked; no thread may use the queue any more. */
void msqueue_destroy(struct msqueue *q);
/* 0, or -ENOMEM. The queue is unbounded. */
int msqueue_push(struct msqueue *q, uint64_t v);
/* true and *v, or false when the queue was empty at some instant of the call. */
bool msqueue_try_pop(struct msqueue *q, uint64_t *v);

#endif
