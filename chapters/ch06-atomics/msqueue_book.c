/*
 * msqueue_book.c - the book's Michael-Scott queue, orderings and control flow
 * as the book has them, defects D1-D5 included (msqueue_book.h lists them and
 * what shows each). Do not copy this queue; it is here to be broken.
 *
 * Rust's compare_and_swap(current, new, order) is a strong CAS whose failure
 * ordering follows from `order` (Release fails Relaxed), hence the
 * (success, failure) pairs below.
 */
#include "msqueue_book.h"

#include <errno.h>
#include <stdlib.h>

struct msqb {
    _Atomic(struct msqb_node *) head; /* the sentinel; the first item is head->next */
    _Atomic(struct msqb_node *) tail; /* the last node, or one behind it (it lags) */
    bool free_nodes;                  /* the book's free(head), or the companion's leak */
    struct msqb_node *first;          /* the first sentinel: free_nodes off, everything
                                         dequeued stays linked from here until msqb_free */
    struct msqb_hooks hooks;
};

/* The test hook: one NULL test when unset. */
static inline void at(struct msqb *q, enum msqb_point p, struct msqb_node *head,
                      struct msqb_node *tail, struct msqb_node *next, struct msqb_node *node,
                      uint64_t *value)
{
    if (q->hooks.at != NULL) {
        const struct msqb_view v = {head, tail, next, node, value};
        q->hooks.at(q->hooks.ctx, p, &v);
    }
}

static void *get(struct msqb *q, enum msqb_kind kind)
{
    if (q->hooks.alloc != NULL)
        return q->hooks.alloc(q->hooks.ctx, kind);
    return malloc(kind == MSQB_NODE ? sizeof(struct msqb_node) : sizeof(uint64_t));
}

static void put(struct msqb *q, enum msqb_kind kind, void *p)
{
    if (q->hooks.release != NULL)
        q->hooks.release(q->hooks.ctx, kind, p);
    else
        free(p);
}

struct msqb *msqb_new_hooked(bool free_nodes, const struct msqb_hooks *hooks)
{
    struct msqb *q = malloc(sizeof *q);
    if (q == NULL)
        return NULL;
    q->free_nodes = free_nodes;
    q->hooks = hooks != NULL ? *hooks : (struct msqb_hooks){0};
    struct msqb_node *sentinel = get(q, MSQB_NODE);
    if (sentinel == NULL) {
        free(q);
        return NULL;
    }
    sentinel->value = NULL;
    atomic_init(&sentinel->next, NULL);
    atomic_init(&q->head, sentinel);
    atomic_init(&q->tail, sentinel);
    q->first = sentinel;
    return q;
}

struct msqb *msqb_new(bool free_nodes)
{
    return msqb_new_hooked(free_nodes, NULL);
}

void msqb_free(struct msqb *q)
{
    if (q == NULL)
        return;
    /* A test's allocator owns every node and box (an arena, perhaps left
     * corrupt on purpose): it releases them, not a walk of the list. */
    if (q->hooks.alloc == NULL) {
        /* relaxed: no thread runs any more; the join ordered everything */
        struct msqb_node *head = atomic_load_explicit(&q->head, memory_order_relaxed);
        struct msqb_node *n = q->free_nodes ? head : q->first;
        bool live = false; /* past the sentinel: boxes still owned by the queue */
        while (n != NULL) {
            /* relaxed: single-threaded teardown */
            struct msqb_node *next = atomic_load_explicit(&n->next, memory_order_relaxed);
            if (live)
                free(n->value);
            if (n == head)
                live = true;
            free(n);
            n = next;
        }
    }
    free(q);
}

int msqb_enq(struct msqb *q, uint64_t value)
{
    struct msqb_node *node = get(q, MSQB_NODE);
    uint64_t *box = get(q, MSQB_BOX);
    if (node == NULL || box == NULL) {
        if (node != NULL)
            put(q, MSQB_NODE, node);
        if (box != NULL)
            put(q, MSQB_BOX, box);
        return -ENOMEM;
    }
    /* D3: plain stores, published below by a relaxed CAS: nothing orders them
     * before a dequeuer's read of node->value. */
    *box = value;
    node->value = box;
    atomic_init(&node->next, NULL);
    for (;;) {
        at(q, MSQB_ENQ_BEFORE_TAIL, NULL, NULL, NULL, node, NULL);
        /* acquire: pairs with the release CASes on Q.tail, so this thread sees
         * the tail node's initialisation (but see D3: dequeuers do not come
         * this way) */
        struct msqb_node *tail = atomic_load_explicit(&q->tail, memory_order_acquire);
        /* relaxed (D3): orders nothing; may fault at 8 if tail is NULL (D4) */
        struct msqb_node *next = atomic_load_explicit(&tail->next, memory_order_relaxed);
        at(q, MSQB_ENQ_BEFORE_RECHECK, NULL, tail, next, node, NULL);
        /* relaxed: only a consistency check of the snapshot, orders nothing */
        if (tail == atomic_load_explicit(&q->tail, memory_order_relaxed)) {
            /* D4: with next != NULL the paper swings the tail here; the book
             * does nothing, and goes round again behind the stalled enqueuer. */
            if (next == NULL) {
                at(q, MSQB_ENQ_BEFORE_LINK, NULL, tail, next, node, NULL);
                struct msqb_node *expected = NULL;
                /* relaxed (D3): this CAS publishes the node, yet releases nothing */
                if (atomic_compare_exchange_strong_explicit(
                        &tail->next, &expected, node, memory_order_relaxed, memory_order_relaxed)) {
                    at(q, MSQB_ENQ_BEFORE_SWING, NULL, tail, next, node, NULL);
                    struct msqb_node *t = tail;
                    /* release: publishes the node to enq's acquire load of Q.tail;
                     * failure (someone moved the tail) is ignored: it may lag */
                    atomic_compare_exchange_strong_explicit(
                        &q->tail, &t, node, memory_order_release, memory_order_relaxed);
                    return 0;
                }
            }
        } else {
            at(q, MSQB_ENQ_BEFORE_HELP, NULL, tail, next, node, NULL);
            struct msqb_node *t = tail;
            /* release, as the book has it (D4): Q.tail moved away from `tail`,
             * so this succeeds only if it came back (ABA), and then installs a
             * stale next, perhaps NULL */
            atomic_compare_exchange_strong_explicit(&q->tail, &t, next, memory_order_release,
                                                    memory_order_relaxed);
        }
    }
}

bool msqb_deq(struct msqb *q, uint64_t *out)
{
    struct msqb_node *head;
    uint64_t *box;
    for (;;) {
        at(q, MSQB_DEQ_BEFORE_HEAD, NULL, NULL, NULL, NULL, NULL);
        /* acquire: pairs with the release head CAS of the previous deq */
        head = atomic_load_explicit(&q->head, memory_order_acquire);
        /* relaxed: only compared with head below */
        struct msqb_node *tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
        at(q, MSQB_DEQ_BEFORE_NEXT, head, tail, NULL, NULL, NULL);
        /* relaxed (D3): the node found here carries no happens-before from its
         * enqueuer; D1: head may have been freed since the load above */
        struct msqb_node *next = atomic_load_explicit(&head->next, memory_order_relaxed);
        /* relaxed: consistency check only */
        if (head != atomic_load_explicit(&q->head, memory_order_relaxed))
            continue;
        if (head == tail) {
            if (next == NULL)
                return false;
            struct msqb_node *t = tail;
            /* relaxed: finishes a half-done enq by swinging the lagging tail */
            atomic_compare_exchange_strong_explicit(&q->tail, &t, next, memory_order_relaxed,
                                                    memory_order_relaxed);
        } else {
            at(q, MSQB_DEQ_BEFORE_VALUE, head, tail, next, NULL, NULL);
            /* D3: a plain read of what the enqueuer wrote with plain stores;
             * D1: next may be freed by now (the book's crash at line 78) */
            box = next->value;
            at(q, MSQB_DEQ_BEFORE_CAS, head, tail, next, NULL, box);
            struct msqb_node *h = head;
            /* release: publishes nothing this thread wrote that others need; it
             * is the book's order. D2: compares addresses, so a recycled head
             * wins it too */
            if (atomic_compare_exchange_strong_explicit(&q->head, &h, next, memory_order_release,
                                                        memory_order_relaxed))
                break;
        }
    }
    *out = *box; /* the winner of the head CAS owns the box */
    put(q, MSQB_BOX, box);
    if (q->free_nodes)
        put(q, MSQB_NODE, head); /* D1: other threads may still hold head */
    return true;
}

struct msqb_node *msqb_head(struct msqb *q)
{
    /* relaxed: for tests and reports while nothing runs */
    return atomic_load_explicit(&q->head, memory_order_relaxed);
}

struct msqb_node *msqb_tail(struct msqb *q)
{
    /* relaxed: for tests and reports while nothing runs */
    return atomic_load_explicit(&q->tail, memory_order_relaxed);
}
