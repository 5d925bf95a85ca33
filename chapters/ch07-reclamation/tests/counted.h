/* counted.h - a test node that counts its frees, for the reclamation tests. */
#ifndef LAB_TEST_COUNTED_H
#define LAB_TEST_COUNTED_H

#include <stdlib.h>

#include "reclaim_node.h"

struct counted {
    struct reclaim_node link; /* first: hazards name the node */
    int *frees;
};

static inline void counted_free(struct reclaim_node *n)
{
    struct counted *c = (struct counted *)n;
    (*c->frees)++;
    free(c);
}

static inline struct counted *counted_new(int *frees)
{
    struct counted *c = malloc(sizeof *c);
    if (c != NULL)
        c->frees = frees;
    return c;
}

#endif
