/* msqueue.c - the Michael-Scott queue (msqueue.h). */
#include "msqueue.h"

#include <errno.h>
#include <stdlib.h>

_Static_assert(offsetof(struct msqueue_node, reclaim) == 0, "the link is the node's address");

static void free_node(struct reclaim_node *rn)
{
    free(rn);
}

static struct msqueue_node *node_new(uint64_t v)
{
    struct msqueue_node *n = malloc(sizeof *n);
    if (n != NULL) {
        atomic_init(&n->next, NULL);
        n->value = v;
    }
    return n;
}

int msqueue_init(struct msqueue *q, struct reclaim_domain *d)
{
    struct msqueue_node *sentinel = node_new(0);
    if (sentinel == NULL)
        return -ENOMEM;
    atomic_init(&q->head, sentinel);
    atomic_init(&q->tail, sentinel);
    q->domain = d;
    q->no_dequeue_help = false;
    return 0;
}

void msqueue_destroy(struct msqueue *q)
{
    struct msqueue_node *n = atomic_load_explicit(&q->head, memory_order_relaxed);
    while (n != NULL) {
        struct msqueue_node *next = atomic_load_explicit(&n->next, memory_order_relaxed);
        free(n);
        n = next;
    }
}

int msqueue_push(struct msqueue *q, uint64_t v)
{
    struct msqueue_node *n = node_new(v);
    if (n == NULL)
        return -ENOMEM;
    struct reclaim_guard g = reclaim_enter(q->domain);
    for (;;) {
        struct msqueue_node *tail = reclaim_protect(&g, 0, (void *_Atomic *)&q->tail);
        /* acquire: a node linked behind tail has its fields visible */
        struct msqueue_node *next = atomic_load_explicit(&tail->next, memory_order_acquire);
        if (tail != atomic_load_explicit(&q->tail, memory_order_acquire))
            continue; /* the snapshot is stale: read again */
        if (next != NULL) {
            /* the tail lags behind a linked node: swing it forward for
             * whoever linked it (the paper's helping step, which the book put
             * in the other branch), then retry. release: we saw next's fields
             * through an acquire; whoever loads this tail with acquire sees
             * them too */
            atomic_compare_exchange_strong_explicit(&q->tail, &tail, next, memory_order_release,
                                                    memory_order_relaxed);
            continue;
        }
        struct msqueue_node *none = NULL;
        /* release: the node's value and next, written above, are visible to
         * whoever loads this link with acquire */
        if (atomic_compare_exchange_strong_explicit(&tail->next, &none, n, memory_order_release,
                                                    memory_order_relaxed)) {
            /* swing the tail; if it fails, someone helped already */
            atomic_compare_exchange_strong_explicit(&q->tail, &tail, n, memory_order_release,
                                                    memory_order_relaxed);
            break;
        }
    }
    reclaim_exit(&g);
    return 0;
}

bool msqueue_try_pop(struct msqueue *q, uint64_t *v)
{
    bool got = false;
    struct reclaim_guard g = reclaim_enter(q->domain);
    for (;;) {
        struct msqueue_node *head = reclaim_protect(&g, 0, (void *_Atomic *)&q->head);
        struct msqueue_node *tail = atomic_load_explicit(&q->tail, memory_order_acquire);
        struct msqueue_node *next = reclaim_protect(&g, 1, (void *_Atomic *)&head->next);
        if (head != atomic_load_explicit(&q->head, memory_order_acquire))
            continue;
        if (next == NULL)
            break; /* only the sentinel: empty */
        if (head == tail && !q->no_dequeue_help) {
            /* a push has linked but not yet swung the tail: help it, or the
             * head would pass the tail, and the tail would name a node this
             * pop retires. The quiescent scheme frees nothing while threads
             * run and survives that; hazard pointers and epochs free it, and
             * the next push reads freed memory (chapter 7's tests show it) */
            atomic_compare_exchange_strong_explicit(&q->tail, &tail, next, memory_order_release,
                                                    memory_order_relaxed);
            continue;
        }
        /* read the value before the CAS: once the head moves, next is the new
         * sentinel and another pop may retire it */
        uint64_t value = next->value;
        /* release: our reads of the old head happen before its retirement
         * (the schemes of chapter 7 free while threads run); next's fields we
         * already have, through the acquire load of the link */
        if (atomic_compare_exchange_strong_explicit(&q->head, &head, next, memory_order_release,
                                                    memory_order_relaxed)) {
            *v = value;
            reclaim_retire(&g, &head->reclaim, free_node);
            got = true;
            break;
        }
    }
    reclaim_exit(&g);
    return got;
}
