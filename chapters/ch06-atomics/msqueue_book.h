/*
 * msqueue_book.h - the book's Michael-Scott queue, WRONG ON PURPOSE.
 *
 * An unbounded lock-free FIFO after Michael and Scott (PODC 1996): a linked
 * list whose head is always a sentinel, an atomic head and an atomic tail, and
 * compare-and-swap (CAS) loops in enq and deq. This port keeps the book's
 * orderings and control flow exactly, defects included, so that each defect can
 * be shown by the tool or test that really shows it. Its fixed twin is the
 * queue with safe memory reclamation of chapter 7.
 *
 * The one thing to look at: msqb_deq() frees the old sentinel right after its
 * head CAS, while other threads may still hold that node, and nothing in the
 * algorithm tells them.
 *
 * What goes wrong, and what shows it:
 *
 *   D1 use after free. deq frees the old head at once; a thread that loaded
 *      that head (or its next) a moment earlier then reads freed memory.
 *      Shown by: AddressSanitizer (heap-use-after-free in msqb_deq within a
 *      fraction of a second; queue_spin --force-uaf on a forced schedule,
 *      every run: tests/races.tsv), memcheck ("Invalid read"),
 *      a plain build of queue_spin that may die of SIGSEGV; deterministically,
 *      with a recycling pool instead of malloc, by test_msqueue_book's
 *      d1_deq_holds_a_node_another_deq_freed.
 *   D2 ABA. malloc hands a freed node's address to a new node; a stale CAS
 *      on the head (or the tail) compares addresses, not meanings, and wins.
 *      The queue then hands out an item twice and its head points at a node it
 *      no longer owns. Shown by: test d2_aba_stale_head_cas_wins_and_an_item_comes_out_twice
 *      (a scripted interleaving over a recycling pool); the same script with
 *      free_nodes off is harmless (d2_no_free_no_reuse_no_aba).
 *   D3 relaxed publication. The new node's fields are written with plain
 *      stores and published by a relaxed CAS on tail->next; deq finds the
 *      node through a relaxed load of head->next and reads next->value.
 *      Nothing orders the initialisation before that read (the acquire loads
 *      of head and tail do not help: the node came through ->next). x86 hides
 *      it; ARM may not. Shown by: ThreadSanitizer on queue_spin --no-free
 *      --shape producers-consumers (tests/races.tsv); not by the every-thread-does-
 *      both shape, where each thread's acquire load of the tail happens to
 *      supply the missing edge.
 *   D4 the helping CAS in the wrong branch. The paper swings a lagging tail
 *      forward when the snapshot is consistent (tail still Q.tail) and
 *      tail->next is set. The book does nothing there, so an enqueuer spins
 *      behind a stalled one (not lock-free), and does the CAS when the
 *      snapshot is inconsistent instead, where it can succeed only through
 *      ABA and then installs a stale next, NULL included: every later
 *      tail->next load then faults at address 8. Shown by: tests
 *      d4_enq_spins_behind_a_lagging_tail_instead_of_helping and
 *      d4_misplaced_help_installs_a_null_tail; live, by queue_spin runs that end
 *      "stuck" with every thread looping in enq.
 *   D5 minor: the queue has no owner count (msqb_free may be called only when
 *      no thread uses it: the book's handle is a bare pointer and is never
 *      freed), and every value costs a second allocation, its box (test
 *      d5_every_enq_allocates_a_node_and_a_box).
 *
 * free_nodes chooses at creation between the book's immediate free(head) (D1
 * and D2 live) and the companion code's "never free" (the old sentinels stay
 * linked from the first one, so msqb_free can still release them at the end:
 * memory grows with every deq, but nothing is freed under a reader and no
 * address is reused, so D1 and D2 cannot happen; D3 and D4's spinning stay).
 *
 * Test hooks: msqb_new_hooked() takes a callback run at named points inside
 * enq and deq (a test can pause an operation there and run others, even from
 * inside the callback, to script an interleaving) and an allocator, so that a
 * test pool can recycle addresses deterministically. Unset, each costs one
 * NULL test.
 *
 *   q = msqb_new(true);  msqb_enq(q, 7);  msqb_deq(q, &v);  msqb_free(q);
 */
#ifndef MSQUEUE_BOOK_H
#define MSQUEUE_BOOK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct msqb_node {
    uint64_t *value;                  /* the boxed value; NULL in the first sentinel */
    _Atomic(struct msqb_node *) next; /* NULL at the tail */
};

/* Where the callback runs, named by what the operation is about to do. */
enum msqb_point {
    MSQB_ENQ_BEFORE_TAIL,    /* top of the loop: about to load Q.tail */
    MSQB_ENQ_BEFORE_RECHECK, /* tail and tail->next loaded: about to re-read Q.tail */
    MSQB_ENQ_BEFORE_LINK,    /* snapshot consistent, next NULL: about to CAS tail->next */
    MSQB_ENQ_BEFORE_SWING,   /* linked: about to CAS Q.tail to the new node */
    MSQB_ENQ_BEFORE_HELP,    /* snapshot inconsistent: about to CAS Q.tail to next (D4) */
    MSQB_DEQ_BEFORE_HEAD,    /* top of the loop: about to load Q.head */
    MSQB_DEQ_BEFORE_NEXT,    /* head and tail loaded: about to load head->next */
    MSQB_DEQ_BEFORE_VALUE,   /* consistent, head != tail: about to read next->value */
    MSQB_DEQ_BEFORE_CAS,     /* value read: about to CAS Q.head from head to next */
};

/* What the operation holds at that point (NULL where not loaded yet). */
struct msqb_view {
    struct msqb_node *head, *tail, *next, *node; /* node: enq's new node */
    uint64_t *value;                             /* deq's value box */
};

enum msqb_kind { MSQB_NODE, MSQB_BOX };

struct msqb_hooks {
    void (*at)(void *ctx, enum msqb_point point, const struct msqb_view *view);
    /* Both or neither: memory for a node or a box, and its release. */
    void *(*alloc)(void *ctx, enum msqb_kind kind);
    void (*release)(void *ctx, enum msqb_kind kind, void *p);
    void *ctx;
};

struct msqb;

/* A new empty queue, or NULL when out of memory. */
struct msqb *msqb_new(bool free_nodes);
struct msqb *msqb_new_hooked(bool free_nodes, const struct msqb_hooks *hooks);

/* Frees the queue, the values still in it and (free_nodes off) every old
 * sentinel. No thread may be inside enq or deq. With a test allocator, that
 * allocator owns the nodes and boxes: only the queue itself is freed. */
void msqb_free(struct msqb *q);

/* 0, or -ENOMEM (the queue is unchanged). */
int msqb_enq(struct msqb *q, uint64_t value);

/* true and *out set, or false when the queue was seen empty. */
bool msqb_deq(struct msqb *q, uint64_t *out);

/* For tests and reports: where the head and tail point now (relaxed loads,
 * meaningful only while no operation runs). */
struct msqb_node *msqb_head(struct msqb *q);
struct msqb_node *msqb_tail(struct msqb *q);

#endif
