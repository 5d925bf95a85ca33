/*
 * rc_treiber_split.c - a correct lock-free reference-counted Treiber stack:
 * split counts over a double-width CAS (Williams, C++ Concurrency in Action,
 * ch. 7; the idea is Valois's), under the same driver as the book's flawed
 * stack (rc_treiber_book.c).
 *
 * The book's stack counts inside the node, so a pop must read a node's count
 * through a pointer that another pop may have freed. Here the count that
 * protects the top node lives next to the pointer, in the head word itself:
 *   head = {node, external count}, changed only by a double-width CAS (dwcas.h)
 *   node->internal, a second count in the node
 * A pop first raises the external count of the head it saw, with a CAS of the
 * whole pair: if that succeeds, the pair was current, so the node was on the
 * stack, and from then on it cannot be freed under this thread, which may read
 * node->next safely. Then it tries to swing the head to next:
 *   - the winner has the value. The external count held 1 for the stack's own
 *     link plus 1 per thread that raised it; the winner moves that count less
 *     2 (the link and itself) into the internal count;
 *   - each loser subtracts 1 from the internal count instead.
 * Whoever brings the internal count to 0 frees the node, with the release and
 * acquire of arc.h's last drop: every reader's reads happen before the free.
 * (Williams has the losers decrement relaxed and the winner free without an
 * acquire; that leaves a loser's read of node->next unordered before the free,
 * a data race by the C11 rules, so both sides here release and acquire.)
 * The pair also ends ABA: a thread holding a raised count keeps the node
 * alive, so its address cannot come back while the thread still uses it.
 *
 *   rc_treiber_split [--threads N] [--iters N] [--seconds S] [--yield|--lockstep]
 *
 * Exit status: 0 when every pushed value was popped exactly once (the
 * driver's checks: rc_driver.h), 1 otherwise.
 */
#include "rc_treiber_split.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "annotate.h"
#include "fence.h"
#include "cli.h"
#include "dwcas.h"
#include "env.h"
#include "rc_driver.h"
#include "threads.h"

struct rcs_node {
    dw_word next;              /* {node below, its external count}: written before the push */
    uint64_t value;            /* written before the push */
    _Atomic intptr_t internal; /* negative while the winner has not yet added its count */
};

struct rcs {
    struct dw_atomic head; /* {top node, external count} */
};

struct rcs *rcs_new(void)
{
    struct rcs *s = aligned_alloc(alignof(struct rcs), sizeof *s);
    if (s == NULL)
        return NULL;
    dw_init(&s->head, dw_pack(NULL, 0));
    ANNOTATE_ATOMIC(&s->head); /* read and written by every thread, by CAS only */
    return s;
}

void rcs_free(struct rcs *s)
{
    struct rcs_node *n = dw_ptr(dw_load_relaxed(&s->head));
    while (n != NULL) {
        struct rcs_node *below = dw_ptr(n->next);
        free(n);
        n = below;
    }
    free(s);
}

int rcs_push(struct rcs *s, uint64_t v)
{
    struct rcs_node *node = malloc(sizeof *node);
    if (node == NULL)
        return -ENOMEM;
    node->value = v;
    atomic_init(&node->internal, 0);
    ANNOTATE_ATOMIC(&node->internal);
    dw_word top = dw_pack(node, 1); /* external count 1: the stack's own link */
    dw_word next = dw_load_relaxed(&s->head);
    do {
        node->next = next; /* the current head pair, count included */
        ANNOTATE_HB_BEFORE(&s->head);
        /* release: publishes node->next and node->value to the acquire CAS in
         * the pops that raise this node's count */
    } while (!dw_cas_release(&s->head, &next, top));
    return 0;
}

/* The last one out frees: the acquire half (the release was the decrement). */
static void free_last(struct rcs_node *n)
{
#ifdef LAB_TSAN
    (void)atomic_load_explicit(&n->internal, memory_order_acquire); /* TSan: no fences */
#else
    atomic_thread_fence(memory_order_acquire);
#endif
    ANNOTATE_HB_AFTER(&n->internal);
    free(n);
}

bool rcs_pop(struct rcs *s, uint64_t *v)
{
    dw_word old = dw_load_relaxed(&s->head);
    for (;;) {
        /* Raise the external count of the head seen: one CAS of the pair. */
        dw_word raised;
        do {
            if (dw_ptr(old) == NULL)
                return false;
            raised = dw_pack(dw_ptr(old), dw_count(old) + 1);
            /* acquire: pairs with the push's release CAS (the head's release
             * sequence), so node->next and node->value are visible below */
        } while (!dw_cas_acquire(&s->head, &old, raised));
        ANNOTATE_HB_AFTER(&s->head);
        old = raised;
        struct rcs_node *node = dw_ptr(old);
        /* node cannot be freed now: this thread's +1 is in its count */
        /* relaxed: the node's fields were made visible by the CAS above */
        if (dw_cas_relaxed(&s->head, &old, node->next)) {
            *v = node->value;
            intptr_t add = (intptr_t)dw_count(old) - 2; /* less the link and this thread */
            ANNOTATE_HB_BEFORE(&node->internal);
            /* release: the read of value happens before whoever frees */
            if (atomic_fetch_add_explicit(&node->internal, add, memory_order_release) == -add)
                free_last(node);
            return true;
        }
        /* Lost (old is now the current head): give this thread's count back. */
        ANNOTATE_HB_BEFORE(&node->internal);
        /* release: the read of node->next happens before whoever frees */
        if (atomic_fetch_sub_explicit(&node->internal, 1, memory_order_release) == 1)
            free_last(node);
    }
}

void rcs_head(struct rcs *s, struct rcs_node **node, uintptr_t *count)
{
    dw_word w = dw_load_relaxed(&s->head);
    *node = dw_ptr(w);
    *count = dw_count(w);
}

bool rcs_head_cas(struct rcs *s, struct rcs_node **node, uintptr_t *count,
                  struct rcs_node *new_node, uintptr_t new_count)
{
    dw_word expected = dw_pack(*node, *count);
    bool ok = dw_cas_acquire(&s->head, &expected, dw_pack(new_node, new_count));
    *node = dw_ptr(expected);
    *count = dw_count(expected);
    return ok;
}

#ifndef LAB_NO_MAIN

static void *split_create(void)
{
    return rcs_new();
}

static void split_destroy(void *s)
{
    rcs_free(s);
}

static int split_push(void *s, uint64_t v)
{
    return rcs_push(s, v);
}

static bool split_pop(void *s, uint64_t *v)
{
    return rcs_pop(s, v);
}

int main(int argc, char **argv)
{
    long threads = lab_ncpus() < 2 ? 2 : (long)lab_ncpus();
    uint64_t iters = 0;
    double seconds = 10;
    bool yield = false, lockstep = false;
    const struct cli_option opts[] = {
        CLI_LONG("threads", &threads, "N",
                 "threads pushing and popping; by default the CPUs, at least 2", 1,
                 RC_DRIVE_MAX_THREADS),
        CLI_U64("iters", &iters, "N",
                "push+pop pairs per thread; 0: 1000000, fewer under qemu or valgrind"),
        CLI_DOUBLE("seconds", &seconds, "S", "stop after S seconds at most", 0.01, 3600),
        CLI_FLAG("yield", &yield,
                 "yield the CPU between push and pop, so that threads run one at a time (by "
                 "valgrind) still meet inside the stack"),
        CLI_FLAG("lockstep", &lockstep,
                 "the threads take strict turns, one push or pop each, so that they meet inside "
                 "the stack in every run, even on a loaded machine (the race matrix's row)"),
    };
    const struct cli cli = {
        .prog = "rc_treiber_split",
        .summary = "A lock-free Treiber stack freed by split reference counts over a double-width "
                   "CAS, under the driver of rc_treiber_book.",
        .epilog = "The last line says whether every pushed value was popped exactly once.",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    if (iters > RC_DRIVE_MAX_ITERS)
        cli_error("--iters %llu: at most %llu", (unsigned long long)iters, RC_DRIVE_MAX_ITERS);
    const struct rc_stack_ops ops = {
        .name = "rc_treiber_split",
        .variant = "split counts",
        .create = split_create,
        .destroy = split_destroy,
        .push = split_push,
        .pop = split_pop,
    };
    const struct rc_drive_config c = {
        threads, iters ? iters : lab_scaled(1000000), seconds, false, yield, lockstep};
    return rc_drive(&ops, &c);
}

#endif
