/*
 * reclaim_node.h - the link a lock-free structure embeds in its nodes so that
 * a reclamation scheme (reclaim.h, hp.h, ebr.h) can keep an unlinked node on
 * a list, without allocating, until nobody can be reading it.
 *
 * It must be the node's first member (say so with a _Static_assert on its
 * offsetof): hazard pointers name nodes by their address, and a scan compares
 * those with the addresses of the links on its list.
 */
#ifndef LAB_RECLAIM_NODE_H
#define LAB_RECLAIM_NODE_H

#include <stddef.h>

struct reclaim_node {
    struct reclaim_node *next_retired;
    /* frees the whole node that embeds this link: its memory only; whatever
     * value the node carried was copied out by the operation that unlinked it */
    void (*free_node)(struct reclaim_node *n);
};

/* Frees every node of a list linked through next_retired; returns how many. */
static inline unsigned long reclaim_free_list(struct reclaim_node *n)
{
    unsigned long freed = 0;
    while (n != NULL) {
        struct reclaim_node *next = n->next_retired;
        n->free_node(n);
        n = next;
        freed++;
    }
    return freed;
}

#endif
