/* test_arc.c - arc.h: the counts after each operation, the destructor exactly
 * once and the allocation freed exactly once, get_mut refusing while anything
 * else can reach the data, upgrade refusing after the last strong drop, the
 * weak-count lock, the overflow abort, and a property: threads cloning,
 * dropping, downgrading and upgrading at random end with one destructor call
 * and the memory freed. Under ThreadSanitizer (make check's TSan pass) the
 * property also checks the orderings: the destructor's writes, get_mut's writes
 * and the holders' reads would be reported if an edge were missing. */
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "arc.h"
#include "env.h"
#include "prop.h"
#include "test.h"
#include "threads.h"

/* ---- a counting allocator and a destructor that counts -------------------------------------- */

struct counting {
    _Atomic long allocs, releases;
};

static void *counting_alloc(void *ctx, size_t size)
{
    struct counting *c = ctx;
    atomic_fetch_add(&c->allocs, 1);
    return malloc(size);
}

static void counting_release(void *ctx, void *p)
{
    struct counting *c = ctx;
    atomic_fetch_add(&c->releases, 1);
    free(p);
}

#define MAGIC 0x5a5a5a5a5a5a5a5aULL
#define POISON 0xdeaddeaddeaddeadULL

struct payload {
    uint64_t magic;  /* MAGIC while alive, POISON once destroyed */
    uint64_t writes; /* written only through arc_get_mut (as magic is, there) */
    _Atomic int *dtor_calls;
};

static void payload_dtor(void *data)
{
    struct payload *p = data;
    p->magic = POISON;
    atomic_fetch_add(p->dtor_calls, 1);
}

static struct payload *payload_new(struct counting *c, struct arc_allocator *a,
                                   _Atomic int *dtor_calls)
{
    *a = (struct arc_allocator){counting_alloc, counting_release, c};
    struct payload *p = arc_new_in(sizeof *p, payload_dtor, a);
    if (p != NULL) {
        p->magic = MAGIC;
        p->dtor_calls = dtor_calls;
    }
    return p;
}

/* ---- one thread ----------------------------------------------------------------------------- */

TEST(arc, new_object_is_zeroed_with_one_strong_and_no_weak)
{
    uint64_t *v = arc_new(8 * sizeof *v, NULL);
    ASSERT_NOT_NULL(v);
    for (int i = 0; i < 8; i++)
        ASSERT_EQ(v[i], 0, "word %d", i);
    ASSERT_EQ(arc_strong_count(v), 1);
    ASSERT_EQ(arc_weak_count(v), 0);
    ASSERT_EQ(atomic_load(&arc_inner_of(v)->weak), 1, "the implicit weak reference");
    ASSERT_EQ((uintptr_t)v % alignof(max_align_t), 0, "aligned as malloc's memory");
    arc_drop(v);
}

TEST(arc, clone_and_drop_move_the_strong_count_and_the_last_drop_destroys)
{
    struct counting c = {0};
    struct arc_allocator a;
    _Atomic int dtors = 0;
    struct payload *p = payload_new(&c, &a, &dtors);
    ASSERT_NOT_NULL(p);
    for (size_t i = 2; i <= 5; i++) {
        ASSERT_PTR_EQ(arc_clone(p), p, "a clone is the same object");
        ASSERT_EQ(arc_strong_count(p), i);
    }
    for (size_t i = 4; i >= 1; i--) {
        arc_drop(p);
        ASSERT_EQ(arc_strong_count(p), i);
        ASSERT_EQ(atomic_load(&dtors), 0, "not destroyed while %zu references remain", i);
        ASSERT_EQ(p->magic, MAGIC);
    }
    arc_drop(p);
    ASSERT_EQ(atomic_load(&dtors), 1, "the last drop ran the destructor once");
    ASSERT_EQ(atomic_load(&c.allocs), 1);
    ASSERT_EQ(atomic_load(&c.releases), 1, "and freed the allocation (no weak reference left)");
}

TEST(arc, get_mut_only_while_the_reference_is_the_only_one)
{
    uint64_t *v = arc_new(sizeof *v, NULL);
    ASSERT_NOT_NULL(v);
    ASSERT_PTR_EQ(arc_get_mut(v), v, "alone: writable");
    *(uint64_t *)arc_get_mut(v) = 42;
    arc_clone(v);
    ASSERT_NULL(arc_get_mut(v), "shared by two strong references");
    ASSERT(!arc_is_unique(v));
    arc_drop(v);
    ASSERT_PTR_EQ(arc_get_mut(v), v, "alone again");
    struct arc_weak *w = arc_downgrade(v);
    ASSERT_EQ(arc_weak_count(v), 1);
    ASSERT_NULL(arc_get_mut(v), "a weak reference could upgrade at any time");
    ASSERT_EQ(atomic_load(&arc_inner_of(v)->weak), 2, "the failed check left the lock open");
    arc_weak_drop(w);
    ASSERT_PTR_EQ(arc_get_mut(v), v, "the weak reference is gone");
    ASSERT_EQ(*v, 42);
    arc_drop(v);
}

TEST(arc, get_mut_refuses_while_the_weak_count_is_locked)
{
    uint64_t *v = arc_new(sizeof *v, NULL);
    ASSERT_NOT_NULL(v);
    struct arc_inner *in = arc_inner_of(v);
    atomic_store(&in->weak, ARC_WEAK_LOCKED); /* as another arc_is_unique would, mid-check */
    ASSERT_NULL(arc_get_mut(v));
    ASSERT_EQ(arc_weak_count(v), 0, "a locked count reads as no weak reference");
    ASSERT_EQ(atomic_load(&in->weak), ARC_WEAK_LOCKED, "someone else's lock is left alone");
    atomic_store(&in->weak, 1);
    ASSERT_PTR_EQ(arc_get_mut(v), v);
    arc_drop(v);
}

TEST(arc, upgrade_works_while_strong_and_fails_after_the_last_strong_drop)
{
    struct counting c = {0};
    struct arc_allocator a;
    _Atomic int dtors = 0;
    struct payload *p = payload_new(&c, &a, &dtors);
    ASSERT_NOT_NULL(p);
    struct arc_weak *w = arc_downgrade(p);
    struct arc_weak *w2 = arc_weak_clone(w);
    ASSERT_EQ(arc_weak_count(p), 2);
    struct payload *q = arc_weak_upgrade(w);
    ASSERT_PTR_EQ(q, p, "upgraded while a strong reference lives");
    ASSERT_EQ(arc_strong_count(p), 2);
    arc_drop(q);
    arc_drop(p);
    ASSERT_EQ(atomic_load(&dtors), 1, "the data is destroyed with the last strong reference");
    ASSERT_EQ(atomic_load(&c.releases), 0, "but the allocation lives on for the weak ones");
    ASSERT_NULL(arc_weak_upgrade(w), "no way back from 0");
    ASSERT_NULL(arc_weak_upgrade(w2));
    ASSERT_EQ(atomic_load(&arc_inner_of(p)->strong), 0, "a refused upgrade leaves 0 alone");
    arc_weak_drop(w);
    ASSERT_EQ(atomic_load(&c.releases), 0);
    arc_weak_drop(w2);
    ASSERT_EQ(atomic_load(&c.releases), 1, "the last weak drop frees");
    ASSERT_EQ(atomic_load(&dtors), 1, "and does not destroy again");
}

TEST(arc, clone_aborts_above_the_maximum_count, .signal = SIGABRT)
{
    uint64_t *v = arc_new(sizeof *v, NULL);
    ASSERT_NOT_NULL(v);
    atomic_store(&arc_inner_of(v)->strong, ARC_MAX_REFCOUNT + 1); /* a leak in a loop, fast */
    arc_clone(v);
    FAIL("arc_clone returned with a count above ARC_MAX_REFCOUNT");
}

TEST(arc, clone_at_the_maximum_count_still_works)
{
    uint64_t *v = arc_new(sizeof *v, NULL);
    ASSERT_NOT_NULL(v);
    struct arc_inner *in = arc_inner_of(v);
    atomic_store(&in->strong, ARC_MAX_REFCOUNT);
    arc_clone(v);
    ASSERT_EQ(atomic_load(&in->strong), ARC_MAX_REFCOUNT + 1);
    atomic_store(&in->strong, 1);
    arc_drop(v);
}

/* ---- the weak-count lock against a downgrading thread --------------------------------------- */

struct downgrader {
    void *data;
    struct arc_weak *got;
    _Atomic int started, done;
};

static void *downgrade_thread(void *arg)
{
    struct downgrader *d = arg;
    atomic_store(&d->started, 1);
    d->got = arc_downgrade(d->data);
    atomic_store(&d->done, 1);
    return NULL;
}

TEST(arc, downgrade_waits_while_the_weak_count_is_locked, .timeout = 30)
{
    uint64_t *v = arc_new(sizeof *v, NULL);
    ASSERT_NOT_NULL(v);
    struct arc_inner *in = arc_inner_of(v);
    atomic_store(&in->weak, ARC_WEAK_LOCKED);
    struct downgrader d = {.data = v};
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, NULL, downgrade_thread, &d), 0);
    while (!atomic_load(&d.started))
        sched_yield();
    struct timespec pause = {0, 50 * 1000 * 1000};
    nanosleep(&pause, NULL);
    ASSERT_EQ(atomic_load(&d.done), 0, "downgrade went past the lock");
    ASSERT_EQ(atomic_load(&in->weak), ARC_WEAK_LOCKED);
    atomic_store(&in->weak, 1); /* unlock, as arc_is_unique does */
    pthread_join(t, NULL);
    ASSERT_EQ(atomic_load(&d.done), 1);
    ASSERT_EQ(arc_weak_count(v), 1, "the downgrade happened after the unlock");
    arc_weak_drop(d.got);
    arc_drop(v);
}

/* ---- get_mut after another thread's drop (rust-lang/rust#51780) ----------------------------- */

struct handoff {
    struct payload *p;
    uint64_t seen; /* what the reader read before dropping */
};

static void *read_then_drop(void *arg)
{
    struct handoff *h = arg;
    h->seen = h->p->magic; /* a plain read ... */
    arc_drop(h->p);        /* ... that must happen before the other thread's write */
    return NULL;
}

/* One thread reads the data and drops its reference; the other waits in
 * arc_get_mut until it is the only holder, then writes. Nothing but the
 * counters orders the read before the write: with the book's relaxed load of
 * the strong count in is_unique, ThreadSanitizer reports the two as a race
 * (make check's TSan pass runs this file). */
TEST(arc, get_mut_after_another_threads_drop_orders_its_reads_first, .timeout = 60)
{
    for (int round = 0; round < 50; round++) {
        struct counting c = {0};
        struct arc_allocator a;
        _Atomic int dtors = 0;
        struct handoff h = {payload_new(&c, &a, &dtors), 0};
        ASSERT_NOT_NULL(h.p);
        arc_clone(h.p);
        pthread_t t;
        ASSERT_EQ(pthread_create(&t, NULL, read_then_drop, &h), 0);
        struct payload *m;
        while ((m = arc_get_mut(h.p)) == NULL)
            sched_yield();
        m->magic = MAGIC + 1;
        pthread_join(t, NULL);
        ASSERT_EQ(h.seen, MAGIC, "the reader read before the writer wrote");
        arc_drop(h.p);
        ASSERT_EQ(atomic_load(&dtors), 1);
    }
}

/* ---- the property: threads share one object at random --------------------------------------- */

enum { OP_CLONE, OP_DROP, OP_DOWNGRADE, OP_UPGRADE, OP_WEAK_DROP, OP_GET_MUT, OP_READ, N_OPS };
static const char *const op_names[N_OPS] = {"clone",     "drop",    "downgrade", "upgrade",
                                            "weak_drop", "get_mut", "read"};

#define MAX_THREADS 4
#define MAX_STEPS 64

struct plan {
    struct payload *p; /* the object; each thread starts with one strong reference */
    int steps[MAX_THREADS][MAX_STEPS];
    int n_steps[MAX_THREADS];
    _Atomic int bad_reads; /* a holder saw the data destroyed or not yet made */
};

/* One thread: its own strong and weak references, used by its steps; at the end
 * it drops whatever it still holds. */
static void *holder(size_t id, void *arg)
{
    struct plan *pl = arg;
    struct payload *p = pl->p;
    struct arc_weak *weak[MAX_STEPS];
    int strong = 1, n_weak = 0;
    for (int i = 0; i < pl->n_steps[id]; i++) {
        switch (pl->steps[id][i]) {
        case OP_CLONE:
            if (strong > 0)
                strong++, arc_clone(p);
            break;
        case OP_DROP:
            if (strong > 0)
                strong--, arc_drop(p);
            break;
        case OP_DOWNGRADE:
            if (strong > 0)
                weak[n_weak++] = arc_downgrade(p);
            break;
        case OP_UPGRADE:
            if (n_weak > 0 && arc_weak_upgrade(weak[n_weak - 1]) != NULL)
                strong++;
            break;
        case OP_WEAK_DROP:
            if (n_weak > 0)
                arc_weak_drop(weak[--n_weak]);
            break;
        case OP_GET_MUT:
            if (strong > 0) {
                struct payload *m = arc_get_mut(p);
                if (m != NULL) { /* plain writes: TSan checks that nobody else reads now */
                    m->magic = MAGIC;
                    m->writes++;
                }
            }
            break;
        case OP_READ:
            if (strong > 0 && p->magic != MAGIC)
                atomic_fetch_add(&pl->bad_reads, 1);
            break;
        }
    }
    while (strong-- > 0)
        arc_drop(p);
    while (n_weak > 0)
        arc_weak_drop(weak[--n_weak]);
    return NULL;
}

static enum prop_result shared_at_random(struct prop_source *s, void *env)
{
    (void)env;
    static struct plan pl;
    memset(&pl, 0, sizeof pl);
    size_t threads = (size_t)prop_int(s, 2, MAX_THREADS);
    static const unsigned weights[N_OPS] = {4, 3, 2, 2, 2, 1, 2};
    for (size_t t = 0; t < threads; t++) {
        prop_log(s, "thread %zu:", t);
        while (pl.n_steps[t] < MAX_STEPS && prop_more(s, 16)) {
            int op = (int)prop_one_of(s, weights, N_OPS);
            pl.steps[t][pl.n_steps[t]++] = op;
            prop_log(s, "  %s", op_names[op]);
        }
    }
    struct counting c = {0};
    struct arc_allocator a;
    _Atomic int dtors = 0;
    pl.p = payload_new(&c, &a, &dtors);
    if (pl.p == NULL)
        return PROP_DISCARD;
    for (size_t t = 1; t < threads; t++) /* one strong reference per thread, handed over */
        arc_clone(pl.p);
    struct lab_threads ts;
    if (lab_threads_start(&ts, threads, holder, &pl, 0) != 0) {
        for (size_t t = 0; t < threads; t++)
            arc_drop(pl.p);
        return PROP_DISCARD;
    }
    lab_threads_join(&ts);
    PROP_REQUIRE(s, atomic_load(&dtors) == 1, "destructor ran %d times", atomic_load(&dtors));
    PROP_REQUIRE(s, atomic_load(&c.allocs) == 1 && atomic_load(&c.releases) == 1,
                 "%ld allocations, %ld frees", atomic_load(&c.allocs), atomic_load(&c.releases));
    PROP_REQUIRE(s, atomic_load(&pl.bad_reads) == 0, "%d reads saw a destroyed object",
                 atomic_load(&pl.bad_reads));
    return PROP_PASS;
}

PROPERTY(arc, threads_sharing_at_random_destroy_once_and_free_once, shared_at_random, NULL)

/* A heavier, fixed shape: every thread clones and drops many times while all
 * hold a reference, then each drops its own; one of them is the last. */
struct churn {
    struct payload *p;
    unsigned long rounds;
};

static void *churner(size_t id, void *arg)
{
    (void)id;
    struct churn *ch = arg;
    for (unsigned long i = 0; i < ch->rounds; i++) {
        struct payload *q = arc_clone(ch->p);
        if (q->magic != MAGIC)
            return "a holder saw the object destroyed";
        arc_drop(q);
    }
    arc_drop(ch->p); /* this thread's own reference: one of these is the last */
    return NULL;
}

TEST(arc, many_clones_and_drops_across_threads_destroy_exactly_once, .timeout = 120)
{
    for (int round = 0; round < 20; round++) {
        struct counting c = {0};
        struct arc_allocator a;
        _Atomic int dtors = 0;
        struct churn ch = {payload_new(&c, &a, &dtors), lab_scaled(20000)};
        ASSERT_NOT_NULL(ch.p);
        arc_clone(ch.p); /* two threads, a reference each */
        struct lab_threads ts;
        ASSERT_EQ(lab_threads_start(&ts, 2, churner, &ch, 0), 0);
        const char *err = lab_threads_join(&ts);
        ASSERT(err == NULL, "%s", err);
        ASSERT_EQ(atomic_load(&dtors), 1, "round %d", round);
        ASSERT_EQ(atomic_load(&c.releases), 1, "round %d", round);
    }
}
