/* nodepool.c - a type-stable node pool with counted references, and the
 * Michael-Scott queue and Treiber's stack on it (nodepool.h). */
#include "nodepool.h"

#include <errno.h>
#include <stdlib.h>

#define IDX nodepool_index
#define TAG nodepool_tag
#define REF nodepool_ref

int nodepool_init(struct nodepool *p, uint32_t capacity)
{
    if (capacity == 0 || capacity >= NODEPOOL_NULL)
        return -EINVAL;
    p->nodes = calloc(capacity, sizeof *p->nodes);
    if (p->nodes == NULL)
        return -ENOMEM;
    p->capacity = capacity;
    for (uint32_t i = 0; i < capacity; i++) {
        atomic_init(&p->nodes[i].next, REF(i + 1 < capacity ? i + 1 : NODEPOOL_NULL, 0));
        atomic_init(&p->nodes[i].value, 0);
    }
    atomic_init(&p->free_head, REF(0, 0));
    return 0;
}

void nodepool_destroy(struct nodepool *p)
{
    free(p->nodes);
}

uint32_t nodepool_alloc(struct nodepool *p)
{
    /* acquire: pairs with the release of the free that gave the node back,
     * so its last owner's accesses happen before ours */
    uint64_t h = atomic_load_explicit(&p->free_head, memory_order_acquire);
    uint32_t i;
    for (;;) {
        i = IDX(h);
        if (i == NODEPOOL_NULL)
            return NODEPOOL_NULL;
        /* may be stale if another thread took i meanwhile: the tag on the
         * head makes the CAS below fail then */
        uint64_t next = atomic_load_explicit(&p->nodes[i].next, memory_order_relaxed);
        if (atomic_compare_exchange_weak_explicit(&p->free_head, &h, REF(IDX(next), TAG(h) + 1),
                                                  memory_order_acquire, memory_order_acquire))
            break;
    }
    /* ours now: NULL next, with its tag moved on, so that a CAS prepared on
     * this node's earlier life fails */
    uint64_t old = atomic_load_explicit(&p->nodes[i].next, memory_order_relaxed);
    atomic_store_explicit(&p->nodes[i].next, REF(NODEPOOL_NULL, TAG(old) + 1),
                          memory_order_relaxed);
    return i;
}

void nodepool_free(struct nodepool *p, uint32_t i)
{
    uint64_t old = atomic_load_explicit(&p->nodes[i].next, memory_order_relaxed);
    uint64_t h = atomic_load_explicit(&p->free_head, memory_order_relaxed);
    do
        atomic_store_explicit(&p->nodes[i].next, REF(IDX(h), TAG(old) + 1), memory_order_relaxed);
    /* release: our use of the node happens before its next owner's */
    while (!atomic_compare_exchange_weak_explicit(&p->free_head, &h, REF(i, TAG(h) + 1),
                                                  memory_order_release, memory_order_relaxed));
}

/* ---- the queue ---- */

int poolqueue_init(struct poolqueue *q, struct nodepool *p)
{
    uint32_t s = nodepool_alloc(p);
    if (s == NODEPOOL_NULL)
        return -ENOMEM;
    q->pool = p;
    atomic_init(&q->head, REF(s, 0));
    atomic_init(&q->tail, REF(s, 0));
    return 0;
}

int poolqueue_push(struct poolqueue *q, uint64_t v)
{
    struct nodepool_node *nodes = q->pool->nodes;
    uint32_t n = nodepool_alloc(q->pool);
    if (n == NODEPOOL_NULL)
        return -ENOMEM;
    atomic_store_explicit(&nodes[n].value, v, memory_order_relaxed);
    for (;;) {
        uint64_t tail = atomic_load_explicit(&q->tail, memory_order_acquire);
        /* acquire: a node linked behind tail has its value visible */
        uint64_t next = atomic_load_explicit(&nodes[IDX(tail)].next, memory_order_acquire);
        if (tail != atomic_load_explicit(&q->tail, memory_order_acquire))
            continue;
        if (IDX(next) != NODEPOOL_NULL) {
            /* the tail lags: swing it forward, then retry */
            atomic_compare_exchange_strong_explicit(&q->tail, &tail, REF(IDX(next), TAG(tail) + 1),
                                                    memory_order_release, memory_order_relaxed);
            continue;
        }
        /* release: publishes the value stored above */
        if (atomic_compare_exchange_strong_explicit(&nodes[IDX(tail)].next, &next,
                                                    REF(n, TAG(next) + 1), memory_order_release,
                                                    memory_order_relaxed)) {
            atomic_compare_exchange_strong_explicit(&q->tail, &tail, REF(n, TAG(tail) + 1),
                                                    memory_order_release, memory_order_relaxed);
            return 0;
        }
    }
}

bool poolqueue_try_pop(struct poolqueue *q, uint64_t *v)
{
    struct nodepool_node *nodes = q->pool->nodes;
    for (;;) {
        uint64_t head = atomic_load_explicit(&q->head, memory_order_acquire);
        uint64_t tail = atomic_load_explicit(&q->tail, memory_order_acquire);
        uint64_t next = atomic_load_explicit(&nodes[IDX(head)].next, memory_order_acquire);
        if (head != atomic_load_explicit(&q->head, memory_order_acquire))
            continue;
        if (IDX(head) == IDX(tail)) {
            if (IDX(next) == NODEPOOL_NULL)
                return false;
            atomic_compare_exchange_strong_explicit(&q->tail, &tail, REF(IDX(next), TAG(tail) + 1),
                                                    memory_order_release, memory_order_relaxed);
            continue;
        }
        if (IDX(next) == NODEPOOL_NULL)
            continue; /* head's node was reused under us: a stale read */
        /* before the CAS: after it, next is the sentinel and may be popped
         * and reused. A stale read is harmless: the CAS then fails */
        uint64_t value = atomic_load_explicit(&nodes[IDX(next)].value, memory_order_relaxed);
        if (atomic_compare_exchange_strong_explicit(&q->head, &head, REF(IDX(next), TAG(head) + 1),
                                                    memory_order_release, memory_order_relaxed)) {
            *v = value;
            nodepool_free(q->pool, IDX(head));
            return true;
        }
    }
}

/* ---- the stack ---- */

void poolstack_init(struct poolstack *s, struct nodepool *p)
{
    s->pool = p;
    atomic_init(&s->top, REF(NODEPOOL_NULL, 0));
}

int poolstack_push(struct poolstack *s, uint64_t v)
{
    struct nodepool_node *nodes = s->pool->nodes;
    uint32_t n = nodepool_alloc(s->pool);
    if (n == NODEPOOL_NULL)
        return -ENOMEM;
    atomic_store_explicit(&nodes[n].value, v, memory_order_relaxed);
    uint64_t old = atomic_load_explicit(&nodes[n].next, memory_order_relaxed);
    uint64_t top = atomic_load_explicit(&s->top, memory_order_relaxed);
    do
        atomic_store_explicit(&nodes[n].next, REF(IDX(top), TAG(old) + 1), memory_order_relaxed);
    /* release: the node's value and next are visible to the pop that takes it */
    while (!atomic_compare_exchange_weak_explicit(&s->top, &top, REF(n, TAG(top) + 1),
                                                  memory_order_release, memory_order_relaxed));
    return 0;
}

bool poolstack_try_pop(struct poolstack *s, uint64_t *v)
{
    struct nodepool_node *nodes = s->pool->nodes;
    /* acquire: pairs with the push's release (through the RMWs since) */
    uint64_t top = atomic_load_explicit(&s->top, memory_order_acquire);
    for (;;) {
        if (IDX(top) == NODEPOOL_NULL)
            return false;
        /* may be stale if the node was popped and reused meanwhile: then
         * top's tag has moved on and the CAS fails */
        uint64_t next = atomic_load_explicit(&nodes[IDX(top)].next, memory_order_relaxed);
        if (atomic_compare_exchange_weak_explicit(&s->top, &top, REF(IDX(next), TAG(top) + 1),
                                                  memory_order_acquire, memory_order_acquire)) {
            *v = atomic_load_explicit(&nodes[IDX(top)].value, memory_order_relaxed);
            nodepool_free(s->pool, IDX(top));
            return true;
        }
    }
}
