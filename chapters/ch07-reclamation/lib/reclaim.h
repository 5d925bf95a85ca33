/*
 * reclaim.h - when may a lock-free structure free a node that it has unlinked,
 * while other threads may still be reading it?
 *
 * One vocabulary for every scheme, so that a structure is written once and
 * measured under each:
 *
 *   g = reclaim_enter(d)        before an operation reads shared nodes
 *   reclaim_protect(&g, i, src) load the pointer at src; its node stays
 *                               readable until reclaim_exit (slot i: hazard
 *                               pointers need to know which of the thread's
 *                               hazards to use: 0 or 1)
 *   reclaim_retire(&g, node, f) the node is unlinked: f frees it once nobody
 *                               can still be reading it
 *   reclaim_exit(&g)            after the operation
 *   reclaim_collect(d)          free what is safe to free now
 *   reclaim_pending(d)          retired and not yet freed
 *   reclaim_destroy(d)          free everything; no thread uses d any more
 *
 * The schemes:
 *
 *   QUIESCENT  retired nodes wait on a list, and reclaim_collect frees them
 *              all. It may be called only at a quiescent point, when no thread
 *              is inside an operation (after joining the threads, or behind a
 *              barrier): the caller promises that, as an RCU user promises a
 *              grace period. Nothing is reused while threads run, so there is
 *              no use after free and no ABA; memory grows until then.
 *   HP         hazard pointers (hp.h): protect publishes the pointer and
 *              checks it again; a node is freed when no hazard names it.
 *              Garbage is bounded; every protected read pays a full fence.
 *   EBR        epochs (ebr.h): enter pins the thread, protect is a plain
 *              acquire load; a node is freed two epoch advances after it was
 *              retired. Cheapest per read; a thread stalled while pinned
 *              holds back every free.
 *
 * A node embeds struct reclaim_node as its first member (reclaim_node.h).
 */
#ifndef LAB_RECLAIM_H
#define LAB_RECLAIM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "ebr.h"
#include "hp.h"
#include "inline.h"
#include "reclaim_node.h"

enum reclaim_kind { RECLAIM_QUIESCENT, RECLAIM_HP, RECLAIM_EBR };

struct reclaim_domain {
    enum reclaim_kind kind;
    /* QUIESCENT */
    _Atomic(struct reclaim_node *) retired; /* a stack of retired nodes */
    _Atomic uint64_t pending;               /* how many */
    struct hp_domain hp;
    struct ebr_domain ebr;
};

/* What an operation holds between enter and exit: the thread's record in the
 * domain, looked up once. */
struct reclaim_guard {
    struct reclaim_domain *d;
    struct hp_local *hp;
    struct ebr_local *ebr;
};

/* The scheme's name ("quiescent", "hp", "ebr"), and back: 0, or -EINVAL. */
const char *reclaim_kind_name(enum reclaim_kind kind);
int reclaim_kind_parse(const char *name, enum reclaim_kind *kind);

/* 0, or a positive errno. */
int reclaim_init(struct reclaim_domain *d, enum reclaim_kind kind);
/* Frees every retired node. No thread may be inside an operation. */
void reclaim_destroy(struct reclaim_domain *d);

/* Gets the calling thread's record in d now (hazard pointers, EBR): 0, or
 * -ENOMEM. A thread that called it and got 0 never allocates in reclaim_enter
 * again, so a program that must not stop registers each thread first and
 * decides what to do on the error. */
int reclaim_register(struct reclaim_domain *d);

/* A thread that did not register could not get a record on its first
 * reclaim_enter (out of memory): the verbs of the stack and the queue have no
 * error for it, so this is where it stops, with one line on stderr. */
_Noreturn void reclaim_no_record(const struct reclaim_domain *d);

static LAB_FORCE_INLINE struct reclaim_guard reclaim_enter(struct reclaim_domain *d)
{
    struct reclaim_guard g = {d, NULL, NULL};
    if (d->kind == RECLAIM_HP) {
        g.hp = hp_local_get(&d->hp);
        if (g.hp == NULL)
            reclaim_no_record(d);
    } else if (d->kind == RECLAIM_EBR) {
        g.ebr = ebr_local_get(&d->ebr);
        if (g.ebr == NULL)
            reclaim_no_record(d);
        ebr_pin(g.ebr);
    }
    return g;
}

static LAB_FORCE_INLINE void reclaim_exit(struct reclaim_guard *g)
{
    if (g->hp != NULL)
        hp_clear(g->hp);
    else if (g->ebr != NULL)
        ebr_unpin(g->ebr);
}

/* Loads *src; the node it names stays readable until reclaim_exit. */
static LAB_FORCE_INLINE void *reclaim_protect(struct reclaim_guard *g, int slot, void *_Atomic *src)
{
    if (g->hp != NULL)
        return hp_protect(g->hp, slot, src);
    /* acquire: the node's fields, written before it was published with a
     * release, are visible to the reads that follow */
    return atomic_load_explicit(src, memory_order_acquire);
}

static LAB_FORCE_INLINE void reclaim_retire(struct reclaim_guard *g, struct reclaim_node *n,
                                            void (*free_node)(struct reclaim_node *))
{
    if (g->hp != NULL) {
        hp_retire(g->hp, n, free_node);
        return;
    }
    /* out of memory for a bag, EBR keeps the node on the quiescent list below,
     * freed by reclaim_destroy: held longer, never lost or freed early */
    if (g->ebr != NULL && ebr_defer_node(g->ebr, n, free_node) == 0)
        return;
    struct reclaim_domain *d = g->d;
    n->free_node = free_node;
    struct reclaim_node *top = atomic_load_explicit(&d->retired, memory_order_relaxed);
    do
        n->next_retired = top;
    /* release: our write of next_retired is seen by collect's acquire */
    while (!atomic_compare_exchange_weak_explicit(&d->retired, &top, n, memory_order_release,
                                                  memory_order_relaxed));
    atomic_fetch_add_explicit(&d->pending, 1, memory_order_relaxed);
}

/* Frees what is safe to free now, and returns how many it freed:
 *   QUIESCENT  every retired node (only at a quiescent point);
 *   HP         the calling thread's retired nodes (and orphans) no hazard names;
 *   EBR        the thread's bag is sealed, the epoch advanced while it can be,
 *              and every bag two advances old freed (ebr_flush).
 * At a quiescent point, every scheme frees everything it holds. */
uint64_t reclaim_collect(struct reclaim_domain *d);

/* Nodes retired and not yet freed. */
uint64_t reclaim_pending(struct reclaim_domain *d);

#endif
