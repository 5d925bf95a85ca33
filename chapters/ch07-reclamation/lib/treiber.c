/* treiber.c - Treiber's stack (treiber.h). */
#include "treiber.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "annotate.h"

_Static_assert(offsetof(struct treiber_node, reclaim) == 0, "the link is the node's address");

static void free_node(struct reclaim_node *rn)
{
    free(rn);
}

void treiber_init(struct treiber *s, struct reclaim_domain *d)
{
    atomic_init(&s->top, NULL);
    ANNOTATE_ATOMIC(&s->top);
    s->domain = d;
}

void treiber_destroy(struct treiber *s)
{
    struct treiber_node *n = atomic_load_explicit(&s->top, memory_order_relaxed);
    while (n != NULL) {
        struct treiber_node *next = n->next;
        free(n);
        n = next;
    }
}

int treiber_push(struct treiber *s, uint64_t v)
{
    struct treiber_node *n = malloc(sizeof *n);
    if (n == NULL)
        return -ENOMEM;
    n->value = v;
    n->next = atomic_load_explicit(&s->top, memory_order_relaxed);
    /* release: the node's fields, written above, are visible to the pop that
     * loads it with acquire; on failure n->next is refreshed with the top,
     * so the annotation comes again after that write */
    do
        ANNOTATE_HB_BEFORE(&s->top);
    while (!atomic_compare_exchange_weak_explicit(&s->top, &n->next, n, memory_order_release,
                                                  memory_order_relaxed));
    return 0;
}

bool treiber_try_pop(struct treiber *s, uint64_t *v)
{
    bool got = false;
    struct reclaim_guard g = reclaim_enter(s->domain);
    for (;;) {
        struct treiber_node *top = reclaim_protect(&g, 0, (void *_Atomic *)&s->top);
        if (top == NULL)
            break;
        ANNOTATE_HB_AFTER(&s->top);
        struct treiber_node *next = top->next; /* safe: top is protected */
        /* relaxed on success would do for the stack; acquire on failure is
         * not needed either, the loop reloads through reclaim_protect */
        if (atomic_compare_exchange_weak_explicit(&s->top, &top, next, memory_order_release,
                                                  memory_order_relaxed)) {
            *v = top->value;
            reclaim_retire(&g, &top->reclaim, free_node);
            got = true;
            break;
        }
    }
    reclaim_exit(&g);
    return got;
}
