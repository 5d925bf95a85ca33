/* test_rings.c - the bounded rings (ring_spsc.h, ring_mpmc.h): sequential
 * behaviour against a model at random capacities, order and nothing lost
 * under threads (small capacities, so the rings fill, drain and wrap all the
 * time), and linearizability of the MPMC ring. */
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "env.h"
#include "lincheck.h"
#include "load_mpmc.h"
#include "prop.h"
#include "ring_mpmc.h"
#include "ring_spsc.h"
#include "test.h"
#include "threads.h"

/* ---- one thread, against a model ---- */

enum { MODEL_MAX = 64 };

struct model {
    uint64_t v[MODEL_MAX];
    size_t head, len, cap;
};

static enum prop_result ring_vs_model(struct prop_source *s, void *env)
{
    bool mpmc = env != NULL;
    uint64_t cap = UINT64_C(1) << prop_int(s, mpmc ? 1 : 0, 6);
    struct ring_spsc sp;
    struct ring_mpmc mp;
    if ((mpmc ? ring_mpmc_init(&mp, cap) : ring_spsc_init(&sp, cap)) != 0)
        return PROP_DISCARD;
    struct model m = {.cap = cap};
    prop_log(s, "capacity %llu:", (unsigned long long)cap);
    enum prop_result result = PROP_PASS;
    for (uint64_t next = 1; result == PROP_PASS && prop_more(s, 40); next++) {
        if (prop_bool(s)) {
            bool ok = mpmc ? ring_mpmc_try_push(&mp, next) : ring_spsc_try_push(&sp, next);
            prop_log(s, " push(%llu)->%d", (unsigned long long)next, ok);
            if (ok != (m.len < m.cap)) {
                prop_log(s, " but the model has %zu of %zu", m.len, m.cap);
                result = PROP_FAIL;
            } else if (ok) {
                m.v[(m.head + m.len++) % m.cap] = next;
            }
        } else {
            uint64_t got = 0;
            bool ok = mpmc ? ring_mpmc_try_pop(&mp, &got) : ring_spsc_try_pop(&sp, &got);
            prop_log(s, " pop->%d:%llu", ok, (unsigned long long)got);
            if (ok != (m.len > 0) || (ok && got != m.v[m.head])) {
                prop_log(s, " but the model says %s%llu", m.len ? "" : "empty ",
                         (unsigned long long)(m.len ? m.v[m.head] : 0));
                result = PROP_FAIL;
            } else if (ok) {
                m.head = (m.head + 1) % m.cap, m.len--;
            }
        }
    }
    if (mpmc)
        ring_mpmc_destroy(&mp);
    else
        ring_spsc_destroy(&sp);
    return result;
}

static int mpmc_flag;
PROPERTY(rings, spsc_agrees_with_a_model, ring_vs_model, NULL)
PROPERTY(rings, mpmc_agrees_with_a_model, ring_vs_model, &mpmc_flag)

TEST(rings, refuse_capacities_not_powers_of_two)
{
    struct ring_spsc sp;
    struct ring_mpmc mp;
    ASSERT_EQ(ring_spsc_init(&sp, 0), -EINVAL);
    ASSERT_EQ(ring_spsc_init(&sp, 3), -EINVAL);
    ASSERT_EQ(ring_mpmc_init(&mp, 0), -EINVAL);
    ASSERT_EQ(ring_mpmc_init(&mp, 1), -EINVAL, "one slot: Vyukov's sequences need two");
    ASSERT_EQ(ring_mpmc_init(&mp, 100), -EINVAL);
}

/* 1 = 2^0 is a power of two, as the header says: a one-slot SPSC ring is
 * full after one push and empty after one pop, lap after lap. */
TEST(rings, spsc_of_capacity_one)
{
    struct ring_spsc sp;
    ASSERT_EQ(ring_spsc_init(&sp, 1), 0, "capacity 1 is 2^0");
    for (uint64_t v = 1; v <= 3; v++) {
        ASSERT(ring_spsc_try_push(&sp, v));
        ASSERT(!ring_spsc_try_push(&sp, v + 100), "full after one push");
        ASSERT_EQ(ring_spsc_len(&sp), 1);
        uint64_t got = 0;
        ASSERT(ring_spsc_try_pop(&sp, &got) && got == v);
        ASSERT(!ring_spsc_try_pop(&sp, &got), "empty after one pop");
    }
    ring_spsc_destroy(&sp);
}

/* A capacity whose slot array does not fit in size_t is out of memory, not a
 * wrapped size: 2^61 slots of 8 bytes are 2^64 bytes, which wrapped to 0 and
 * got one cache line, with a mask of 2^61 - 1 to write through. */
TEST(rings, refuse_capacities_too_big_to_allocate)
{
    struct ring_spsc sp;
    struct ring_mpmc mp;
    ASSERT_EQ(ring_spsc_init(&sp, UINT64_C(1) << 63), -ENOMEM);
    ASSERT_EQ(ring_spsc_init(&sp, UINT64_C(1) << 61), -ENOMEM);
    ASSERT_EQ(ring_mpmc_init(&mp, UINT64_C(1) << 63), -ENOMEM);
    ASSERT_EQ(ring_mpmc_init(&mp, UINT64_C(1) << 60), -ENOMEM);
}

/* ---- threads ---- */

struct traffic {
    struct ring_spsc sp;
    uint64_t per_producer;
};

static void *spsc_side(size_t id, void *arg)
{
    struct traffic *t = arg;
    if (id == 0) {
        for (uint64_t v = 0; v < t->per_producer; v++)
            while (!ring_spsc_try_push(&t->sp, v))
                sched_yield();
        return NULL;
    }
    for (uint64_t want = 0; want < t->per_producer; want++) {
        uint64_t v;
        while (!ring_spsc_try_pop(&t->sp, &v))
            sched_yield();
        if (v != want)
            return "out of order";
    }
    return NULL;
}

TEST(rings, spsc_delivers_in_order_through_a_small_ring, .timeout = 120)
{
    static struct traffic t;
    t = (struct traffic){.per_producer = lab_scaled(1000000)};
    ASSERT_EQ(ring_spsc_init(&t.sp, 8), 0);
    struct lab_threads ts;
    ASSERT_EQ(lab_threads_start(&ts, 2, spsc_side, &t, 0), 0);
    const char *err = lab_threads_join(&ts);
    ASSERT(err == NULL, "%s", err);
    ASSERT_EQ(ring_spsc_len(&t.sp), 0);
    ring_spsc_destroy(&t.sp);
}

static bool mpmc_push(void *r, uint64_t v)
{
    return ring_mpmc_try_push(r, v);
}
static bool mpmc_pop(void *r, uint64_t *v)
{
    return ring_mpmc_try_pop(r, v);
}

TEST(rings, mpmc_loses_nothing_and_keeps_each_producers_order, .timeout = 120)
{
    static struct ring_mpmc mp;
    ASSERT_EQ(ring_mpmc_init(&mp, 8), 0);
    struct load_target t = {&mp, mpmc_push, mpmc_pop, true};
    struct load_result r;
    const char *err = load_mpmc_run(&t, 2, 2, lab_scaled(200000), &r);
    ASSERT(err == NULL, "%s", err);
    ASSERT_EQ(r.out_of_order, 0);
    ASSERT_EQ(r.sum, r.expected_sum, "every value exactly once");
    uint64_t v;
    ASSERT(!ring_mpmc_try_pop(&mp, &v), "empty at the end");
    ring_mpmc_destroy(&mp);
}

/* Linearizability against a FIFO queue; "empty" is -1. A bare try_pop is not
 * linearizable: while one producer sits between winning position p and
 * publishing it, a later producer may complete p + 1, and try_pop at p says
 * empty although p + 1 is in (this test found it, 2 histories in 300, when
 * it used one try_pop). So a dequeue here tries again for a while before it
 * says empty, and that answer is then true at some instant of its call. */
static void *lin_mpmc_new(void)
{
    /* The ring keeps its indices on lines of their own (alignas 64), more
     * than malloc promises (alignof(max_align_t): 16 on x86-64). sizeof is a
     * multiple of the alignment, as aligned_alloc wants. */
    struct ring_mpmc *r = aligned_alloc(alignof(struct ring_mpmc), sizeof *r);
    if (r != NULL && ring_mpmc_init(r, 64) != 0) {
        free(r);
        r = NULL;
    }
    return r;
}

static void lin_mpmc_free(void *r)
{
    ring_mpmc_destroy(r);
    free(r);
}

static int64_t lin_mpmc_apply(void *r, int op, int64_t arg)
{
    if (op == LIN_Q_ENQ)
        return ring_mpmc_try_push(r, (uint64_t)arg) ? 0 : -2;
    uint64_t v;
    for (int tries = 0; tries < 1000; tries++) {
        if (ring_mpmc_try_pop(r, &v))
            return (int64_t)v;
        sched_yield();
    }
    return -1;
}

TEST(rings, mpmc_is_linearizable, .timeout = 120)
{
    static const unsigned mix[] = {1, 1};
    struct lin_target t = {&lin_queue, lin_mpmc_new, lin_mpmc_free, lin_mpmc_apply, 1, 99, mix,
                           2,          NULL};
    struct lin_run_config c = {.threads = 3,
                               .ops_per_thread = 8,
                               .runs = (unsigned)lab_scaled(300),
                               .seed = 21,
                               .yields = true};
    struct lin_run_report r;
    ASSERT_EQ(lin_run(&t, &c, &r), 0, "%s", r.history);
    ASSERT_EQ(r.runs, c.runs);
}
