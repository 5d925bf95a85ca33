/*
 * treiber.h - Treiber's lock-free stack (1986), with nodes freed through
 * reclaim.h: a linked list whose top is moved by compare-and-swap.
 *
 *     struct reclaim_domain d;  reclaim_init(&d, RECLAIM_EBR);   (or HP, QUIESCENT)
 *     struct treiber s;         treiber_init(&s, &d);
 *     treiber_push(&s, v);      treiber_try_pop(&s, &v);   (any threads)
 *     treiber_destroy(&s);      reclaim_destroy(&d);
 *
 * A pop reads top->next and then swings top from that node to next. If the
 * node were freed and its address reused between the read and the CAS, the CAS
 * would succeed with a stale next (ABA), and reading next from a freed node is
 * a use after free in itself: the popped node is retired, and reclaim.h
 * decides when it is freed.
 */
#ifndef LAB_TREIBER_H
#define LAB_TREIBER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cacheline.h"
#include "reclaim.h"

struct treiber_node {
    struct reclaim_node reclaim; /* first: hazards name the node by address */
    struct treiber_node *next;   /* written before the node is published, then never */
    uint64_t value;
};

struct treiber {
    struct reclaim_domain *domain;
    /* on its own line: every push and pop fights for it, and a pop that read
     * domain from the same line would pull it in one more time */
    CACHE_ALIGNED _Atomic(struct treiber_node *) top;
    char pad[64 - sizeof(void *)];
};

void treiber_init(struct treiber *s, struct reclaim_domain *d);
/* Frees every node still on the stack; no thread may use it any more. */
void treiber_destroy(struct treiber *s);
/* 0, or -ENOMEM. */
int treiber_push(struct treiber *s, uint64_t v);
/* true and *v, or false when the stack was empty. */
bool treiber_try_pop(struct treiber *s, uint64_t *v);

#endif
