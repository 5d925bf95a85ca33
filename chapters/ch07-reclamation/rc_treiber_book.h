/*
 * rc_treiber_book.h - the book's reference-counted Treiber stack, flawed on
 * purpose (the book calls it one of its few intentionally flawed examples),
 * ported with its orderings and control flow. WRONG ON PURPOSE: see
 * rc_treiber_book.c for what goes wrong, and rc_treiber_split.h for a stack
 * whose counts do protect its nodes.
 *
 * The hooks let tests stop an operation at a named point and run others right
 * there, on the same thread, and hand nodes out of a pool instead of malloc, so
 * that a schedule that frees a node under another operation is exact and
 * repeatable and never touches freed memory for real. rc_treiber_book
 * --force-uaf pauses a pop at the same point with two real threads, so that
 * the freed memory is touched for real, where ASan can see it.
 */
#ifndef CH07_RC_TREIBER_BOOK_H
#define CH07_RC_TREIBER_BOOK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cacheline.h"

struct rcb_node {
    _Atomic size_t references; /* 1 for itself, +1 while a node above links to it (the intent) */
    struct rcb_node *next;     /* a plain pointer, as in the book */
    uint64_t data;
};

/* Where an operation can be paused by a test (the node pointers it holds). */
enum rcb_point {
    RCB_POP_LOADED_HEAD, /* pop has loaded head, and will read head->next next */
    RCB_POP_BEFORE_CAS,  /* pop has read next, and will CAS head from head to next */
    RCB_PUSH_AFTER_CAS,  /* push has swung head to its node, and will now count head in */
};

struct rcb_hooks {
    void (*at)(void *ctx, enum rcb_point p, struct rcb_node *head, struct rcb_node *next);
    struct rcb_node *(*alloc)(void *ctx);              /* NULL: malloc */
    void (*release)(void *ctx, struct rcb_node *node); /* NULL: free */
    void *ctx;
};

/* The book's two asserts, which the concurrent driver trips. */
enum rcb_assert {
    RCB_ASSERT_NONE,
    RCB_ASSERT_POP,  /* pop: fetch_sub(&next->references) == 2 */
    RCB_ASSERT_PUSH, /* push: fetch_add(&head->references) == 1 */
};

struct rcb {
    CACHE_ALIGNED _Atomic(struct rcb_node *) head;
    bool unpatched; /* keep the book's NULL dereference on the last pop (F1) */
    const struct rcb_hooks *hooks;
    /* A failed assert is recorded, not fatal, so that tests can look at what
     * follows; the programs stop at the first. */
    _Atomic unsigned long failed_asserts;
    _Atomic int first_failed; /* enum rcb_assert */
    _Atomic size_t first_got; /* the count that assert found */
};

/* unpatched: pop as printed in the book, which dereferences NULL when it pops
 * the last node; otherwise that one dereference is skipped. NULL when out of
 * memory. */
struct rcb *rcb_new(bool unpatched);
struct rcb *rcb_new_hooked(bool unpatched, const struct rcb_hooks *hooks);
/* Frees the nodes still on the stack, then the stack (no thread may use it). */
void rcb_free(struct rcb *s);
int rcb_push(struct rcb *s, uint64_t v); /* 0, or -ENOMEM */
bool rcb_pop(struct rcb *s, uint64_t *v);

/* How many of the book's asserts failed so far; the first one in *which and
 * *got when any did. */
unsigned long rcb_failed_asserts(struct rcb *s, enum rcb_assert *which, size_t *got);

#endif
