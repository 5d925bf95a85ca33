/*
 * rc_treiber_book.c - the book's reference-counted Treiber stack and the
 * companion's driver for it. WRONG ON PURPOSE.
 *
 * Each node carries a count meant as "1 for itself, +1 while the node above
 * links to it": push counts the old head in after linking above it, pop counts
 * the successor out as its predecessor leaves. The counts protect nothing:
 *   F1  pop of the last node decrements next->references with next == NULL: a
 *       crash on one thread (push 1, push 2, pop, pop). Patched here, except
 *       with --unpatched, so that the real lesson can show:
 *   F2  pop frees the node it took at once; nothing ever waits on a count;
 *   F3  pop reads head->next after a relaxed load of head, and by then another
 *       pop may have freed head: a use after free;
 *   F4  ABA: a freed head's address comes back from malloc, and a stale CAS
 *       installs a next read from freed memory;
 *   F5  push counts the old head in after its CAS, when that head may have been
 *       popped and freed already (a write to freed memory), and the asserts
 *       "== 1" in push and "== 2" in pop fail under concurrency;
 *   F6  the relaxed head load gives pop no acquire, so on ARM it may read a
 *       node's next before the pusher's write of it; the acquire fence in push
 *       orders earlier loads and publishes nothing.
 * Single-threaded tests pass (tests/test_rc_treiber_book.c): they cannot find
 * F2-F6. The driver (rc_driver.h) does: a plain build trips one of the book's
 * asserts within a fraction of a second and stops there; with --keep-going it
 * goes on until it crashes or pops a value never pushed. AddressSanitizer
 * reports the use after free (with --keep-going, since an assert fails
 * first); helgrind, DRD and TSan report the races (tests/races.tsv).
 * --force-uaf makes F3 happen with two real threads on a forced schedule, so
 * that one run gives the same report on an idle or a loaded machine: pop A
 * stops after loading head (the hook point RCB_POP_LOADED_HEAD), pop B pops
 * and frees that node, and A then reads head->next from it. Under
 * AddressSanitizer every run reports heap-use-after-free (an 8-byte READ in
 * rcb_pop); natively A's CAS fails, it retries, and the program says so.
 *
 *   rc_treiber_book [--threads N] [--iters N] [--seconds S] [--keep-going] [--yield|--lockstep]
 *   rc_treiber_book --unpatched       (F1: push 1, push 2, pop, pop on one thread)
 *   rc_treiber_book --force-uaf       (F3: two threads on a forced schedule)
 */
#include "rc_treiber_book.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "annotate.h"
#include "fence.h"
#include "cli.h"
#include "crash.h"
#include "env.h"
#include "lockstep.h"
#include "rc_driver.h"
#include "threads.h"

static void at(struct rcb *s, enum rcb_point p, struct rcb_node *head, struct rcb_node *next)
{
    if (s->hooks != NULL && s->hooks->at != NULL)
        s->hooks->at(s->hooks->ctx, p, head, next);
}

/* The book's assert!, recorded instead of fatal (see rcb_failed_asserts). */
static void book_assert(struct rcb *s, bool ok, enum rcb_assert which, size_t got)
{
    if (ok)
        return;
    /* relaxed: tallies, read after the threads are joined */
    if (atomic_fetch_add_explicit(&s->failed_asserts, 1, memory_order_relaxed) == 0) {
        atomic_store_explicit(&s->first_got, got, memory_order_relaxed);
        atomic_store_explicit(&s->first_failed, which, memory_order_relaxed);
    }
}

struct rcb *rcb_new_hooked(bool unpatched, const struct rcb_hooks *hooks)
{
    struct rcb *s = aligned_alloc(64, sizeof *s);
    if (s == NULL)
        return NULL;
    atomic_init(&s->head, NULL);
    s->unpatched = unpatched;
    s->hooks = hooks;
    atomic_init(&s->failed_asserts, 0);
    atomic_init(&s->first_failed, RCB_ASSERT_NONE);
    atomic_init(&s->first_got, 0);
    return s;
}

struct rcb *rcb_new(bool unpatched)
{
    return rcb_new_hooked(unpatched, NULL);
}

static void release_node(struct rcb *s, struct rcb_node *n)
{
    if (s->hooks != NULL && s->hooks->release != NULL)
        s->hooks->release(s->hooks->ctx, n);
    else
        free(n);
}

void rcb_free(struct rcb *s)
{
    struct rcb_node *n = atomic_load_explicit(&s->head, memory_order_relaxed);
    while (n != NULL) {
        struct rcb_node *next = n->next;
        release_node(s, n);
        n = next;
    }
    free(s);
}

int rcb_push(struct rcb *s, uint64_t v)
{
    struct rcb_node *node = s->hooks != NULL && s->hooks->alloc != NULL
                                ? s->hooks->alloc(s->hooks->ctx)
                                : malloc(sizeof *node);
    if (node == NULL)
        return -ENOMEM;
    atomic_init(&node->references, 1);
    node->next = NULL;
    node->data = v;
    for (;;) {
        /* relaxed, as the book */
        struct rcb_node *head = atomic_load_explicit(&s->head, memory_order_relaxed);
        node->next = head;
        /* The book's acquire fence: it orders the loads above before what
         * follows, and publishes nothing (F6). Under TSan, which does not model
         * fences, the same as an acquire load. */
#ifdef LAB_TSAN
        (void)atomic_load_explicit(&s->head, memory_order_acquire);
#else
        atomic_thread_fence(memory_order_acquire);
#endif
        /* release, as the book: publishes node->next and node->data */
        if (atomic_compare_exchange_strong_explicit(&s->head, &head, node, memory_order_release,
                                                    memory_order_relaxed)) {
            at(s, RCB_PUSH_AFTER_CAS, head, NULL);
            /* F5: too late. head may be popped and freed by now. */
            if (head != NULL) {
                size_t old = atomic_fetch_add_explicit(&head->references, 1, memory_order_release);
                book_assert(s, old == 1, RCB_ASSERT_PUSH, old);
            }
            return 0;
        }
    }
}

bool rcb_pop(struct rcb *s, uint64_t *v)
{
    for (;;) {
        /* relaxed, as the book: no acquire for the reads below (F6) */
        struct rcb_node *head = atomic_load_explicit(&s->head, memory_order_relaxed);
        if (head == NULL)
            return false;
        at(s, RCB_POP_LOADED_HEAD, head, NULL);
        struct rcb_node *next = head->next; /* F3: head may be freed by now */
        at(s, RCB_POP_BEFORE_CAS, head, next);
        /* relaxed, as the book; F4: head may be a new node at an old address */
        if (atomic_compare_exchange_strong_explicit(&s->head, &head, next, memory_order_relaxed,
                                                    memory_order_relaxed)) {
            *v = head->data;
            /* F1: the book has no test for NULL here; --unpatched keeps it so. */
            if (next != NULL || s->unpatched) {
                size_t old = atomic_fetch_sub_explicit(&next->references, 1, memory_order_release);
                book_assert(s, old == 2, RCB_ASSERT_POP, old);
            }
            release_node(s, head); /* F2: at once, whatever the counts say */
            return true;
        }
    }
}

unsigned long rcb_failed_asserts(struct rcb *s, enum rcb_assert *which, size_t *got)
{
    /* relaxed: a tally; the caller has joined the threads, or reads a snapshot */
    unsigned long n = atomic_load_explicit(&s->failed_asserts, memory_order_relaxed);
    if (which != NULL)
        *which = (enum rcb_assert)atomic_load_explicit(&s->first_failed, memory_order_relaxed);
    if (got != NULL)
        *got = atomic_load_explicit(&s->first_got, memory_order_relaxed);
    return n;
}

#ifndef LAB_NO_MAIN

/* ---- the driver's view of this stack -------------------------------------------------------- */

static void *book_create(void)
{
    return rcb_new(false);
}

static void book_destroy(void *s)
{
    rcb_free(s);
}

static int book_push(void *s, uint64_t v)
{
    return rcb_push(s, v);
}

static bool book_pop(void *s, uint64_t *v)
{
    return rcb_pop(s, v);
}

static const char *book_broken(void *s, char *buf, size_t len)
{
    enum rcb_assert which;
    size_t got;
    unsigned long n = rcb_failed_asserts(s, &which, &got);
    if (n == 0)
        return NULL;
    snprintf(buf, len,
             "the book's assert %s failed (it found %zu): a node's count went wrong "
             "while another thread used it (F5)",
             which == RCB_ASSERT_PUSH ? "fetch_add(&head->references) == 1 in push"
                                      : "fetch_sub(&next->references) == 2 in pop",
             got);
    return buf;
}

/* F1 on one thread: the book's own pop on the last node. */
static int run_unpatched(void)
{
    struct rcb *s = rcb_new(true);
    uint64_t v;
    if (s == NULL || rcb_push(s, 1) != 0 || rcb_push(s, 2) != 0)
        die("out of memory");
    setvbuf(stdout, NULL, _IOLBF, 0); /* every line out before the crash */
    static const struct lab_crash_report report = {"rc_treiber_book --unpatched", NULL, "", ""};
    lab_catch_crashes(&report);
    printf("rc_treiber_book --unpatched: the book's pop, on one thread\n");
    printf("push(1); push(2)\n");
    if (!rcb_pop(s, &v))
        die("pop found the stack empty");
    printf("pop() -> %llu (next is node 1: fine)\n", (unsigned long long)v);
    printf("pop(): next is NULL, and the book's pop now decrements next->references (F1)...\n");
    bool ok = rcb_pop(s, &v);
    printf("rc_treiber_book --unpatched: survived the NULL dereference (pop -> %d, %llu): "
           "unexpected\n",
           ok, (unsigned long long)v);
    rcb_free(s);
    return 1;
}

/* ---- --force-uaf: F3 with two threads on a forced schedule ---------------------------------- */

/* The stages of the schedule. Pop A (thread 0) runs first and stops at the
 * hook once it holds head; pop B (thread 1) waits for that, pops, and lets A
 * go on. */
enum force_stage { FORCE_START, FORCE_A_HOLDS_HEAD, FORCE_B_POPPED };

struct force {
    struct rcb *s;
    struct lab_lockstep stage; /* enum force_stage (lockstep.h: it orders no memory,
                                  so B's free and A's read stay unordered to TSan) */
    bool ok[2];
    uint64_t got[2];
};

/* The stack's hook. Only A can arrive here at FORCE_START (B waits for A
 * first); B's own pop and A's retry pass straight through. */
static void force_at(void *ctx, enum rcb_point p, struct rcb_node *head, struct rcb_node *next)
{
    (void)head, (void)next;
    struct force *f = ctx;
    if (p != RCB_POP_LOADED_HEAD || lab_lockstep_now(&f->stage) != FORCE_START)
        return;
    lab_lockstep_set(&f->stage, FORCE_A_HOLDS_HEAD);
    lab_lockstep_wait(&f->stage, FORCE_B_POPPED); /* meanwhile B pops that head and frees it */
}

static void *force_worker(size_t id, void *arg)
{
    struct force *f = arg;
    if (id == 1)
        lab_lockstep_wait(&f->stage, FORCE_A_HOLDS_HEAD);
    f->ok[id] = rcb_pop(f->s, &f->got[id]); /* A: stops at the hook, then reads head->next */
    if (id == 1)
        lab_lockstep_set(&f->stage, FORCE_B_POPPED);
    return NULL;
}

static int run_force_uaf(void)
{
    static struct force f; /* shared with the two threads */
    static const struct rcb_hooks hooks = {.at = force_at, .ctx = &f};
    lab_lockstep_init(&f.stage, FORCE_START);
    f.s = rcb_new_hooked(false, &hooks);
    if (f.s == NULL || rcb_push(f.s, 1) != 0 || rcb_push(f.s, 2) != 0)
        die("out of memory");
    struct lab_threads ts;
    if (lab_threads_start(&ts, 2, force_worker, &f, 0) != 0)
        die("could not start 2 threads");
    lab_threads_join(&ts);
    unsigned long failed = rcb_failed_asserts(f.s, NULL, NULL);
    rcb_free(f.s);
    if (!f.ok[0] || !f.ok[1] || f.got[1] != 2 || f.got[0] != 1 || failed != 0)
        die("the forced schedule went wrong: A %d %llu, B %d %llu, %lu failed asserts", f.ok[0],
            (unsigned long long)f.got[0], f.ok[1], (unsigned long long)f.got[1], failed);
    printf("rc_treiber_book --force-uaf: pop A stopped after loading head; pop B took 2 and freed "
           "that node; A then read head->next from the freed node (F3), its CAS failed and it "
           "retried: 1\n");
    return 1;
}

int main(int argc, char **argv)
{
    long threads = lab_ncpus() < 2 ? 2 : (long)lab_ncpus();
    uint64_t iters = 0;
    double seconds = 10;
    bool unpatched = false, keep_going = false, yield = false, lockstep = false, force_uaf = false;
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
        CLI_FLAG("unpatched", &unpatched,
                 "keep the book's NULL dereference: push 1, push 2, pop, pop crashes (F1)"),
        CLI_FLAG("keep-going", &keep_going,
                 "go on after the book's asserts fail (reported at the end): under ASan an "
                 "assert usually fails before a use after free is caught"),
        CLI_FLAG("force-uaf", &force_uaf,
                 "F3 on a forced schedule, two threads: pop A stops after loading head, pop B "
                 "frees that node, A reads head->next from it (heap-use-after-free under ASan in "
                 "every run); the other options are ignored"),
    };
    const struct cli cli = {
        .prog = "rc_treiber_book",
        .summary = "The book's reference-counted Treiber stack under the companion's driver "
                   "(incorrect on purpose).",
        .epilog = "It crashes, trips one of the book's asserts or pops a value never pushed;\n"
                  "build with SAN=asan to see the use after free reported (by chance, or in\n"
                  "one run with --force-uaf).",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    if (unpatched)
        return run_unpatched();
    if (force_uaf)
        return run_force_uaf();
    if (iters > RC_DRIVE_MAX_ITERS)
        cli_error("--iters %llu: at most %llu", (unsigned long long)iters, RC_DRIVE_MAX_ITERS);
    const struct rc_stack_ops ops = {
        .name = "rc_treiber_book",
        .variant = "the book's stack (F1 patched)",
        .create = book_create,
        .destroy = book_destroy,
        .push = book_push,
        .pop = book_pop,
        .broken = book_broken,
    };
    const struct rc_drive_config c = {
        threads, iters ? iters : lab_scaled(1000000), seconds, keep_going, yield, lockstep};
    return rc_drive(&ops, &c);
}

#endif
