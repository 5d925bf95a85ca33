/* test_rc_treiber_split.c - the split-count Treiber stack: its double-width
 * CAS (both halves compared, both written), a property against a sequential
 * model, linearizability of small concurrent histories, and conservation under
 * threads (every value pushed comes out exactly once, the stack ends empty).
 * Memcheck (make check) and the TSan pass check that every node is freed once
 * and never read after; the program's smoke run does the same under load. */
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "env.h"
#include "lincheck.h"
#include "prop.h"
#include "rc_treiber_split.h"
#include "test.h"
#include "threads.h"

/* ---- the double-width CAS ------------------------------------------------------------------- */

TEST(rc_treiber_split, dwcas_compares_and_writes_both_halves)
{
    struct rcs *s = rcs_new();
    ASSERT_NOT_NULL(s);
    struct rcs_node *fake = (struct rcs_node *)(uintptr_t)0x1000; /* never dereferenced */
    struct rcs_node *other = (struct rcs_node *)(uintptr_t)0x2000;
    struct rcs_node *n;
    uintptr_t c;
    rcs_head(s, &n, &c);
    ASSERT(n == NULL && c == 0, "a new stack's head is {NULL, 0}");

    n = NULL, c = 1;
    ASSERT(!rcs_head_cas(s, &n, &c, fake, 7), "the counts differ: must fail");
    ASSERT(n == NULL && c == 0, "and report what is there");
    ASSERT(rcs_head_cas(s, &n, &c, fake, 7), "both halves match");
    rcs_head(s, &n, &c);
    ASSERT(n == fake && c == 7, "both halves written: got %p, %ju", (void *)n, (uintmax_t)c);

    n = fake, c = 6;
    ASSERT(!rcs_head_cas(s, &n, &c, other, 8), "same pointer, stale count: must fail (no ABA)");
    ASSERT(n == fake && c == 7);
    n = other, c = 7;
    ASSERT(!rcs_head_cas(s, &n, &c, other, 8), "same count, other pointer: must fail");
    ASSERT(n == fake && c == 7);

    /* All bits of both halves: nothing is lost or shifted across the middle. */
    n = fake, c = 7;
    ASSERT(rcs_head_cas(s, &n, &c, (struct rcs_node *)UINTPTR_MAX, UINTPTR_MAX));
    rcs_head(s, &n, &c);
    ASSERT(n == (struct rcs_node *)UINTPTR_MAX && c == UINTPTR_MAX, "got %p, %jx", (void *)n,
           (uintmax_t)c);
    ASSERT(rcs_head_cas(s, &n, &c, NULL, 0), "back to empty, so rcs_free has nothing to free");
    rcs_free(s);
}

TEST(rc_treiber_split, the_external_count_rises_only_when_a_pop_raises_it)
{
    struct rcs *s = rcs_new();
    ASSERT_NOT_NULL(s);
    struct rcs_node *n, *first;
    uintptr_t c;
    ASSERT_EQ(rcs_push(s, 1), 0);
    rcs_head(s, &first, &c);
    ASSERT_EQ(c, 1, "a pushed node starts with the stack's own link");
    ASSERT_EQ(rcs_push(s, 2), 0);
    rcs_head(s, &n, &c);
    ASSERT_EQ(c, 1);
    uint64_t v;
    ASSERT(rcs_pop(s, &v) && v == 2);
    rcs_head(s, &n, &c);
    ASSERT_PTR_EQ(n, first, "node 1 is the head again");
    ASSERT_EQ(c, 1, "with the count it had when 2 was pushed over it");
    ASSERT(rcs_pop(s, &v) && v == 1);
    rcs_head(s, &n, &c);
    ASSERT(n == NULL, "empty");
    ASSERT(!rcs_pop(s, &v));
    rcs_head(s, &n, &c);
    ASSERT_EQ(c, 0, "a pop of an empty stack writes nothing");
    rcs_free(s);
}

/* ---- one thread, against a model ------------------------------------------------------------ */

static int64_t real_apply(void *real, size_t op, int64_t arg)
{
    uint64_t v;
    if (op == 0)
        return rcs_push(real, (uint64_t)arg);
    return rcs_pop(real, &v) ? (int64_t)v : -1;
}

static void *real_new(void)
{
    return rcs_new();
}

static void real_free(void *real)
{
    rcs_free(real); /* memcheck: whatever is left is freed here */
}

static const char *const op_names[] = {"push", "pop"};

static struct prop_model sequential = {
    .ops = op_names,
    .n_ops = 2,
    .takes_arg = (bool[]){true, false},
    .arg_lo = 0,
    .arg_hi = UINT32_MAX,
    .average_steps = 100,
    .real_new = real_new,
    .real_free = real_free,
    .real_apply = real_apply,
    .model_new = prop_push_pop_model_new,
    .model_free = prop_push_pop_model_free,
    .model_apply = prop_stack_model_apply,
};

PROPERTY(rc_treiber_split, one_thread_matches_a_model, prop_model_property, &sequential)

/* ---- linearizability ------------------------------------------------------------------------ */

static void *lin_new(void)
{
    return rcs_new();
}

static void lin_free(void *p)
{
    rcs_free(p);
}

static int64_t lin_apply(void *p, int op, int64_t arg)
{
    uint64_t v;
    if (op == LIN_S_PUSH)
        return rcs_push(p, (uint64_t)arg);
    return rcs_pop(p, &v) ? (int64_t)v : -1;
}

TEST(rc_treiber_split, is_linearizable, .timeout = 120)
{
    static const unsigned mix[] = {1, 1};
    struct lin_target t = {&lin_stack, lin_new, lin_free, lin_apply, 1, 99, mix, 2, NULL};
    struct lin_run_config c = {.threads = 3,
                               .ops_per_thread = 8,
                               .runs = (unsigned)lab_scaled(300),
                               .seed = 41,
                               .yields = true};
    struct lin_run_report r;
    ASSERT_EQ(lin_run(&t, &c, &r), 0, "%s", r.history);
    ASSERT_EQ(r.runs, c.runs);
}

/* ---- conservation under threads ------------------------------------------------------------- */

#define THREADS 4

struct load {
    struct rcs *s;
    uint64_t per_thread;
    bool pairs;                  /* true: each thread push, pop; false: 2 push only, 2 pop only */
    _Atomic unsigned char *seen; /* pops per value */
    _Atomic uint64_t popped, empty_pops, strangers;
};

static void count_pop(struct load *l, uint64_t v)
{
    if (v >= THREADS * l->per_thread)
        atomic_fetch_add(&l->strangers, 1);
    else
        atomic_fetch_add_explicit(&l->seen[v], 1, memory_order_relaxed); /* read after join */
    atomic_fetch_add(&l->popped, 1);
}

static void *load_side(size_t id, void *arg)
{
    struct load *l = arg;
    uint64_t v;
    if (l->pairs) {
        for (uint64_t i = 0; i < l->per_thread; i++) {
            if (rcs_push(l->s, id * l->per_thread + i) != 0)
                return "out of memory";
            if (rcs_pop(l->s, &v))
                count_pop(l, v);
            else
                atomic_fetch_add(&l->empty_pops, 1);
        }
        return NULL;
    }
    if (id < THREADS / 2) { /* producers push their own values and the other half's */
        for (uint64_t i = 0; i < 2 * l->per_thread; i++)
            if (rcs_push(l->s, (2 * id + i % 2) * l->per_thread + i / 2) != 0)
                return "out of memory";
        return NULL;
    }
    while (atomic_load(&l->popped) < THREADS * l->per_thread) {
        if (rcs_pop(l->s, &v))
            count_pop(l, v);
        else
            sched_yield(); /* empty for now: let a producer run */
    }
    return NULL;
}

static void under_load(bool pairs)
{
    static struct load l;
    l = (struct load){.s = rcs_new(), .per_thread = lab_scaled(50000), .pairs = pairs};
    ASSERT_NOT_NULL(l.s);
    l.seen = calloc(THREADS * l.per_thread, sizeof *l.seen);
    ASSERT_NOT_NULL(l.seen);
    struct lab_threads ts;
    ASSERT_EQ(lab_threads_start(&ts, THREADS, load_side, &l, 0), 0);
    const char *err = lab_threads_join(&ts);
    ASSERT(err == NULL, "%s", err);
    uint64_t v;
    while (rcs_pop(l.s, &v)) /* none, if conserved: counted all the same */
        count_pop(&l, v);
    ASSERT_EQ(atomic_load(&l.empty_pops), 0, "a thread's pop after its own push found nothing");
    ASSERT_EQ(atomic_load(&l.strangers), 0, "values that were never pushed came out");
    for (uint64_t i = 0; i < THREADS * l.per_thread; i++)
        ASSERT_EQ(atomic_load(&l.seen[i]), 1, "value %llu came out that many times",
                  (unsigned long long)i);
    ASSERT_EQ(atomic_load(&l.popped), THREADS * l.per_thread);
    free(l.seen);
    rcs_free(l.s);
}

TEST(rc_treiber_split, push_pop_pairs_on_four_threads_conserve_every_value, .timeout = 120)
{
    under_load(true);
}

TEST(rc_treiber_split, producers_and_consumers_conserve_every_value, .timeout = 120)
{
    under_load(false);
}
