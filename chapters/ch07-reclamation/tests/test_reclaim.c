/* test_reclaim.c - the two schemes that free while threads run, one rule at a
 * time: hazard pointers (a scan frees what no hazard names and keeps the
 * rest, scans at R = 2H, orphans adopted, garbage never above its bound) and
 * epochs (the epoch word, bags of 64, a bag freed only two advances after it
 * was sealed, no advance past a participant pinned in an older epoch, garbage
 * growing behind a stalled pinned thread and draining once it unpins); and why
 * the queue's dequeuer must help a lagging tail once nodes are really freed.
 * Single-threaded tests drive several records by hand, so every step is
 * deterministic. */
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "clock.h"
#include "counted.h"
#include "ebr.h"
#include "env.h"
#include "hp.h"
#include "msqueue.h"
#include "reclaim.h"
#include "test.h"
#include "threads.h"
#include "treiber.h"

/* ---- hazard pointers ---- */

TEST(reclaim, hp_scan_frees_what_no_hazard_names_and_keeps_the_rest)
{
    struct hp_domain d;
    ASSERT_EQ(hp_domain_init(&d), 0);
    struct hp_local *writer = hp_local_register(&d), *reader = hp_local_register(&d);
    int frees = 0;
    struct counted *x = counted_new(&frees), *y = counted_new(&frees);
    ASSERT(x != NULL && y != NULL);
    void *_Atomic shared = x;
    ASSERT(hp_protect(reader, 0, &shared) == x, "protect returns what it read");
    hp_retire(writer, &x->link, counted_free);
    hp_retire(writer, &y->link, counted_free);
    ASSERT_EQ(hp_scan(writer), 1, "y is free to go");
    ASSERT_EQ(frees, 1);
    ASSERT_EQ(hp_unreclaimed(&d), 1, "x is protected: kept");
    hp_clear(reader);
    ASSERT_EQ(hp_scan(writer), 1);
    ASSERT_EQ(frees, 2);
    ASSERT_EQ(hp_unreclaimed(&d), 0);
    hp_domain_destroy(&d);
}

TEST(reclaim, hp_protect_follows_a_pointer_that_moves_until_it_holds_still)
{
    struct hp_domain d;
    ASSERT_EQ(hp_domain_init(&d), 0);
    struct hp_local *l = hp_local_register(&d);
    int a, b;
    void *_Atomic src = &a;
    ASSERT(hp_protect(l, 1, &src) == &a);
    ASSERT(atomic_load(&l->slot[1]) == &a, "the hazard is published");
    atomic_store(&src, &b);
    ASSERT(hp_protect(l, 1, &src) == &b);
    ASSERT(atomic_load(&l->slot[1]) == &b);
    hp_clear(l);
    ASSERT(atomic_load(&l->slot[0]) == NULL && atomic_load(&l->slot[1]) == NULL);
    hp_domain_destroy(&d);
}

TEST(reclaim, hp_scans_when_the_list_reaches_twice_the_hazards)
{
    struct hp_domain d;
    ASSERT_EQ(hp_domain_init(&d), 0);
    struct hp_local *l = hp_local_register(&d);
    size_t r = hp_threshold(&d);
    ASSERT_EQ(r, 2 * HP_SLOTS, "R = 2H with one record");
    int frees = 0;
    for (size_t i = 0; i + 1 < r; i++)
        hp_retire(l, &counted_new(&frees)->link, counted_free);
    ASSERT_EQ(frees, 0, "below R: nothing scanned yet");
    hp_retire(l, &counted_new(&frees)->link, counted_free);
    ASSERT_EQ((size_t)frees, r, "the R-th retire scanned and freed all");
    struct hp_local *other = hp_local_register(&d);
    ASSERT_EQ(hp_threshold(&d), 4 * HP_SLOTS, "each record adds its hazards to H");
    hp_local_release(other);
    hp_domain_destroy(&d);
}

TEST(reclaim, hp_a_released_record_leaves_its_protected_nodes_as_orphans)
{
    struct hp_domain d;
    ASSERT_EQ(hp_domain_init(&d), 0);
    struct hp_local *leaving = hp_local_register(&d), *reader = hp_local_register(&d);
    int frees = 0;
    struct counted *x = counted_new(&frees), *y = counted_new(&frees);
    void *_Atomic shared = x;
    hp_protect(reader, 0, &shared);
    hp_retire(leaving, &x->link, counted_free);
    hp_retire(leaving, &y->link, counted_free);
    hp_local_release(leaving);
    ASSERT_EQ(frees, 1, "release scans: y freed");
    ASSERT_EQ(atomic_load(&d.norphans), 1, "x, still protected, is an orphan");
    ASSERT_EQ(hp_unreclaimed(&d), 1);
    ASSERT(hp_local_register(&d) == leaving, "the record is reused");
    hp_clear(reader);
    ASSERT_EQ(hp_scan(reader), 1, "the next scan adopts the orphan and frees it");
    ASSERT_EQ(frees, 2);
    ASSERT_EQ(hp_unreclaimed(&d), 0);
    hp_domain_destroy(&d);
}

/* A scan sizes its buffer of hazards from the number of records, then walks
 * them; records registered in between bring more hazards than it holds. The
 * domain's test hook registers three records there, each protecting one of
 * the three nodes the scanner retired and one other address: six hazards for
 * a buffer of four. None of the three nodes may be freed. */
static struct counted *late_nodes[3];
static int late_decoys[3];
static struct hp_local *late_readers[3], *late_scanner;
static size_t late_sized_for;

static void register_late_readers(struct hp_domain *d)
{
    d->after_sizing = NULL; /* once */
    late_sized_for = late_scanner->scratch_cap;
    for (int i = 0; i < 3; i++) {
        late_readers[i] = hp_local_register(d);
        void *_Atomic node = late_nodes[i], *_Atomic decoy = &late_decoys[i];
        hp_protect(late_readers[i], 0, &node);
        hp_protect(late_readers[i], 1, &decoy);
    }
}

TEST(reclaim, hp_scan_keeps_nodes_protected_by_records_registered_mid_scan)
{
    struct hp_domain d;
    ASSERT_EQ(hp_domain_init(&d), 0);
    struct hp_local *scanner = late_scanner = hp_local_register(&d);
    int frees = 0;
    for (int i = 0; i < 3; i++) {
        late_nodes[i] = counted_new(&frees);
        ASSERT(late_nodes[i] != NULL);
        hp_retire(scanner, &late_nodes[i]->link, counted_free);
    }
    ASSERT_EQ(frees, 0, "3 retired, below R = 4: no scan yet");
    d.after_sizing = register_late_readers;
    size_t freed = hp_scan(scanner);
    ASSERT_LT(late_sized_for, 2 * 3, "the buffer was sized for fewer than the six hazards");
    ASSERT_EQ(freed, 0, "%zu protected node(s) freed: hazards beyond the buffer were dropped",
              freed);
    ASSERT_EQ(frees, 0);
    ASSERT_EQ(hp_unreclaimed(&d), 3);
    for (int i = 0; i < 3; i++)
        hp_clear(late_readers[i]);
    ASSERT_EQ(hp_scan(scanner), 3, "unprotected now: all three go");
    ASSERT_EQ(frees, 3);
    hp_domain_destroy(&d);
}

/* Under threads, the retired nodes not yet freed never exceed N * R (N
 * records, R = 2 * HP_SLOTS * N): each worker checks its own list after every
 * pop, and a watcher samples the total while they push and pop a stack. */
enum { BOUND_WORKERS = 3 };

struct bound_run {
    struct reclaim_domain d;
    struct treiber s;
    uint64_t ops;
    _Atomic int finished;
    _Atomic uint64_t worst, samples;
};

static void *bound_side(size_t id, void *arg)
{
    struct bound_run *b = arg;
    if (id == BOUND_WORKERS) {
        /* at least one sample, even if the scheduler (valgrind's) runs the
         * watcher only after the workers */
        do {
            uint64_t u = reclaim_pending(&b->d);
            if (u > atomic_load(&b->worst))
                atomic_store(&b->worst, u);
            atomic_fetch_add(&b->samples, 1);
            sched_yield();
        } while (atomic_load(&b->finished) < BOUND_WORKERS);
        return NULL;
    }
    const char *err = NULL;
    for (uint64_t i = 0; i < b->ops && err == NULL; i++) {
        uint64_t v;
        if (treiber_push(&b->s, i) != 0)
            err = "out of memory";
        treiber_try_pop(&b->s, &v);
        struct hp_local *l = hp_local_get(&b->d.hp);
        if (l->nretired >= hp_threshold(&b->d.hp))
            err = "a record holds R retired nodes after a retire";
    }
    atomic_fetch_add(&b->finished, 1);
    return (void *)err;
}

TEST(reclaim, hp_garbage_never_exceeds_n_times_r, .timeout = 120)
{
    static struct bound_run b;
    b = (struct bound_run){.ops = lab_scaled(200000)};
    ASSERT_EQ(reclaim_init(&b.d, RECLAIM_HP), 0);
    treiber_init(&b.s, &b.d);
    struct lab_threads ts;
    ASSERT_EQ(lab_threads_start(&ts, BOUND_WORKERS + 1, bound_side, &b, 0), 0);
    const char *err = lab_threads_join(&ts);
    ASSERT(err == NULL, "%s", err);
    uint64_t n = atomic_load(&b.d.hp.nlocals), r = hp_threshold(&b.d.hp);
    /* at most one record per worker (the watcher reads and registers none);
     * fewer when a worker ends before another starts and its record is reused */
    ASSERT(n >= 1 && n <= BOUND_WORKERS, "%llu records", (unsigned long long)n);
    ASSERT(atomic_load(&b.samples) > 0);
    ASSERT(atomic_load(&b.worst) <= n * r, "%llu unreclaimed, bound %llu",
           (unsigned long long)atomic_load(&b.worst), (unsigned long long)(n * r));
    treiber_destroy(&b.s);
    reclaim_destroy(&b.d);
}

/* ---- epochs ---- */

TEST(reclaim, ebr_epoch_words_carry_a_pinned_bit_and_count_advances_across_the_wrap)
{
    ASSERT_EQ(ebr_pinned(4), 5);
    ASSERT(ebr_is_pinned(5) && !ebr_is_pinned(4));
    ASSERT_EQ(ebr_unpinned(5), 4);
    ASSERT_EQ(ebr_advances(8, 4), 2);
    ASSERT_EQ(ebr_advances(ebr_pinned(8), 4), 2, "the pinned bit does not count");
    ASSERT_EQ(ebr_advances(2, UINTPTR_MAX - 1), 2, "two advances across the wrap");
    ASSERT_EQ(ebr_advances(4, 8), -2);
}

TEST(reclaim, ebr_an_unprotected_defer_frees_at_once)
{
    int frees = 0;
    ebr_defer_node(NULL, &counted_new(&frees)->link, counted_free);
    ASSERT_EQ(frees, 1);
}

static size_t count_bags(const struct ebr_bag *b)
{
    size_t n = 0;
    for (; b != NULL; b = b->next)
        n++;
    return n;
}

TEST(reclaim, ebr_a_full_bag_of_64_is_sealed_into_the_participants_queue)
{
    struct ebr_domain d;
    ASSERT_EQ(ebr_domain_init(&d), 0);
    struct ebr_local *l = ebr_local_register(&d);
    int frees = 0;
    ebr_pin(l);
    for (int i = 0; i < EBR_BAG_CAP; i++)
        ebr_defer_node(l, &counted_new(&frees)->link, counted_free);
    ASSERT_EQ(count_bags(l->sealed), 0, "64 fit in the bag");
    ebr_defer_node(l, &counted_new(&frees)->link, counted_free);
    ASSERT_EQ(count_bags(l->sealed), 1, "the 65th seals it");
    ASSERT_EQ(l->sealed->len, EBR_BAG_CAP);
    ASSERT_EQ(l->bag->len, 1);
    ebr_unpin(l);
    ASSERT_EQ(ebr_unreclaimed(&d), EBR_BAG_CAP + 1);
    ebr_domain_destroy(&d);
    ASSERT_EQ(frees, EBR_BAG_CAP + 1, "destroy frees what was deferred");
}

TEST(reclaim, ebr_a_bag_is_freed_two_advances_after_it_was_sealed)
{
    struct ebr_domain d;
    ASSERT_EQ(ebr_domain_init(&d), 0);
    struct ebr_local *l = ebr_local_register(&d);
    l->pin_count = 1; /* no automatic collection: this test does each step */
    int frees = 0;
    ebr_pin(l);
    ebr_defer_node(l, &counted_new(&frees)->link, counted_free);
    ebr_push_bag(l);
    uintptr_t sealed = l->sealed->epoch;
    ebr_unpin(l);
    for (int advance = 1; advance <= 2; advance++) {
        ebr_pin(l);
        ebr_collect(l, EBR_COLLECT_STEPS);
        ebr_unpin(l);
        ASSERT_EQ(ebr_advances(atomic_load(&d.epoch), sealed), advance);
        ASSERT_EQ(frees, advance == 2, "after %d advance(s)", advance);
    }
    ASSERT_EQ(ebr_unreclaimed(&d), 0);
    ebr_domain_destroy(&d);
}

TEST(reclaim, ebr_the_epoch_waits_for_a_participant_pinned_in_an_older_one)
{
    struct ebr_domain d;
    ASSERT_EQ(ebr_domain_init(&d), 0);
    struct ebr_local *a = ebr_local_register(&d), *b = ebr_local_register(&d);
    a->pin_count = b->pin_count = 1; /* no automatic collection */
    uintptr_t e = atomic_load(&d.epoch);
    ebr_pin(a);
    ebr_pin(b);
    ASSERT_EQ(ebr_try_advance(&d), e + 2, "both pinned in e: it advances");
    ebr_unpin(b);
    ebr_pin(b);
    ASSERT_EQ(atomic_load(&b->epoch), ebr_pinned(e + 2));
    ASSERT_EQ(ebr_try_advance(&d), e + 2, "a is still pinned in e: refused");
    ASSERT_EQ(atomic_load(&d.epoch), e + 2);
    ebr_unpin(a);
    ASSERT_EQ(ebr_try_advance(&d), e + 4, "a unpinned: it advances");
    ebr_unpin(b);
    ebr_domain_destroy(&d);
}

TEST(reclaim, ebr_pins_nest_and_only_the_outermost_unpin_counts)
{
    struct ebr_domain d;
    ASSERT_EQ(ebr_domain_init(&d), 0);
    struct ebr_local *l = ebr_local_register(&d);
    ebr_pin(l);
    ebr_pin(l);
    ebr_unpin(l);
    ASSERT(ebr_is_pinned(atomic_load(&l->epoch)), "still inside the outer pin");
    ebr_unpin(l);
    ASSERT_EQ(atomic_load(&l->epoch), 0);
    ebr_domain_destroy(&d);
}

TEST(reclaim, ebr_an_ending_participant_leaves_its_bags_to_the_orphans)
{
    struct ebr_domain d;
    ASSERT_EQ(ebr_domain_init(&d), 0);
    struct ebr_local *l = ebr_local_register(&d);
    int frees = 0;
    ebr_pin(l);
    for (int i = 0; i < 3; i++)
        ebr_defer_node(l, &counted_new(&frees)->link, counted_free);
    ebr_unpin(l);
    ebr_local_unregister(l);
    ASSERT_EQ(count_bags(d.orphans), 1, "its bag, sealed");
    ASSERT_EQ(d.orphans->len, 3);
    ASSERT_EQ(count_bags(l->sealed), 0);
    struct ebr_local *other = ebr_local_register(&d);
    ASSERT(other == l, "the record is reused");
    ebr_flush(other);
    ASSERT_EQ(frees, 3, "another participant's collections free the orphans");
    ASSERT_EQ(count_bags(d.orphans), 0);
    ebr_domain_destroy(&d);
}

/* Collections run unpinned, so an advancing thread may hold an epoch others
 * have moved past: its CAS must fail, not store an older epoch. Workers
 * advance from outside any pin while a watcher checks the epoch only grows. */
enum { ADVANCERS = 3 };

struct advance_run {
    struct ebr_domain d;
    uint64_t rounds;
    _Atomic int finished;
};

static void *advance_side(size_t id, void *arg)
{
    struct advance_run *a = arg;
    if (id == ADVANCERS) {
        uintptr_t last = atomic_load(&a->d.epoch);
        do {
            uintptr_t now = atomic_load(&a->d.epoch);
            if (ebr_advances(now, last) < 0)
                return "the epoch moved back";
            last = now;
        } while (atomic_load(&a->finished) < ADVANCERS);
        return NULL;
    }
    struct ebr_local *l = ebr_local_get(&a->d);
    for (uint64_t i = 0; i < a->rounds; i++) {
        if (i % 4 == 0) { /* now and then a pin, so that some advances are refused */
            ebr_pin(l);
            ebr_unpin(l);
        }
        ebr_collect(l, 0);
        if (i % 64 == 0)
            sched_yield(); /* valgrind's scheduler: let the others in between */
    }
    atomic_fetch_add(&a->finished, 1);
    return NULL;
}

TEST(reclaim, ebr_unpinned_advances_never_move_the_epoch_back, .timeout = 120)
{
    static struct advance_run a;
    a.rounds = lab_scaled(400000);
    atomic_init(&a.finished, 0);
    ASSERT_EQ(ebr_domain_init(&a.d), 0);
    struct lab_threads ts;
    ASSERT_EQ(lab_threads_start(&ts, ADVANCERS + 1, advance_side, &a, 0), 0);
    const char *err = lab_threads_join(&ts);
    ASSERT(err == NULL, "%s", err);
    ASSERT(ebr_advances(atomic_load(&a.d.epoch), 0) >= (intptr_t)a.rounds,
           "unpinned collections advance the epoch: %lld advances",
           (long long)ebr_advances(atomic_load(&a.d.epoch), 0));
    ebr_domain_destroy(&a.d);
}

/* The trade-off: a thread that stays pinned stops the epoch one advance
 * later, so everything retired after it pinned stays unreclaimed, and once it
 * unpins the workers' own collections drain the backlog. */
enum { STALL_WORKERS = 2 };

struct stall_run {
    struct reclaim_domain d;
    struct treiber s;
    _Atomic int phase; /* 0 churn, 1 stop */
    _Atomic uint64_t pops;
};

static void *stall_worker(size_t id, void *arg)
{
    (void)id;
    struct stall_run *r = arg;
    for (uint64_t i = 1; atomic_load(&r->phase) == 0; i++) {
        uint64_t v;
        /* valgrind runs one thread at a time and may leave a worker pinned
         * and descheduled for seconds, which stops the epoch as the stall
         * does: yielding now and then hands the CPU round */
        if (i % 1024 == 0)
            sched_yield();
        if (treiber_push(&r->s, 1) != 0)
            return "out of memory";
        if (treiber_try_pop(&r->s, &v))
            atomic_fetch_add(&r->pops, 1);
    }
    return NULL;
}

static void wait_for_pops(struct stall_run *r, uint64_t n)
{
    uint64_t start = atomic_load(&r->pops);
    uint64_t deadline = lab_now_ns() + 20 * 1000000000ull;
    while (atomic_load(&r->pops) - start < n && lab_now_ns() < deadline)
        sched_yield();
}

TEST(reclaim, ebr_garbage_grows_behind_a_stalled_pinned_thread_and_drains_after, .timeout = 120)
{
    static struct stall_run r;
    r = (struct stall_run){0};
    ASSERT_EQ(reclaim_init(&r.d, RECLAIM_EBR), 0);
    treiber_init(&r.s, &r.d);
    struct lab_threads ts;
    ASSERT_EQ(lab_threads_start(&ts, STALL_WORKERS, stall_worker, &r, 0), 0);
    uint64_t n = lab_scaled(20000);
    wait_for_pops(&r, n);
    /* this thread pins and stays pinned */
    struct ebr_local *stalled = ebr_local_get(&r.d.ebr);
    ebr_pin(stalled);
    uint64_t before = atomic_load(&r.pops);
    wait_for_pops(&r, 4 * n);
    uint64_t during = atomic_load(&r.pops) - before;
    uint64_t held = reclaim_pending(&r.d);
    ASSERT(during >= 4 * n, "the workers made progress: %llu pops", (unsigned long long)during);
    /* a pop counted in `during` may have retired its node just before the
     * pin (one per worker): that node could still be freed */
    ASSERT(held + STALL_WORKERS >= during,
           "%llu unreclaimed while %llu pops happened behind the pin", (unsigned long long)held,
           (unsigned long long)during);
    ebr_unpin(stalled);
    /* each collection frees up to 8 bags every 128 pins, faster than the
     * workers fill them: the backlog drains */
    uint64_t bound = STALL_WORKERS * 8 * EBR_BAG_CAP, left = held;
    uint64_t deadline = lab_now_ns() + 20 * 1000000000ull;
    while ((left = reclaim_pending(&r.d)) > bound && lab_now_ns() < deadline)
        sched_yield();
    atomic_store(&r.phase, 1);
    const char *err = lab_threads_join(&ts);
    ASSERT(err == NULL, "%s", err);
    ASSERT(left <= bound, "%llu still unreclaimed after the unpin (held %llu)",
           (unsigned long long)left, (unsigned long long)held);
    treiber_destroy(&r.s);
    reclaim_destroy(&r.d);
}

/* ---- the queue's dequeuer helps a lagging tail ---- */

/* A push stalled between linking its node and swinging the tail, replayed
 * by hand on an empty queue: the sentinel S is head and tail, S->next is the
 * new node. A pop must swing the tail before it moves the head past S and
 * retires it; without that help the tail names S, which the scheme then
 * frees, and the next push would write through it. */
static void dequeue_behind_a_lagging_tail(enum reclaim_kind kind, bool help)
{
    struct reclaim_domain d;
    ASSERT_EQ(reclaim_init(&d, kind), 0);
    struct msqueue q;
    ASSERT_EQ(msqueue_init(&q, &d), 0);
    q.no_dequeue_help = !help;
    struct msqueue_node *sentinel = atomic_load(&q.head);
    struct msqueue_node *n = malloc(sizeof *n);
    ASSERT(n != NULL);
    atomic_init(&n->next, NULL);
    n->value = 42;
    atomic_store(&sentinel->next, n); /* linked; the tail not swung */
    uint64_t v = 0;
    ASSERT(msqueue_try_pop(&q, &v) && v == 42);
    ASSERT(atomic_load(&q.head) == n);
    reclaim_collect(&d);
    ASSERT_EQ(reclaim_pending(&d), 0, "the old sentinel is freed");
    if (help) {
        ASSERT(atomic_load(&q.tail) == n, "the pop swung the tail first");
        ASSERT_EQ(msqueue_push(&q, 7), 0);
        ASSERT(msqueue_try_pop(&q, &v) && v == 7);
    } else {
        ASSERT(atomic_load(&q.tail) == sentinel, "without help the tail names the freed node");
        atomic_store(&q.tail, n); /* repair it, so that destroy stays safe */
    }
    msqueue_destroy(&q);
    reclaim_destroy(&d);
}

TEST(reclaim, msqueue_hp_dequeuer_helps_the_tail_before_retiring_the_sentinel)
{
    dequeue_behind_a_lagging_tail(RECLAIM_HP, true);
    dequeue_behind_a_lagging_tail(RECLAIM_HP, false);
}

TEST(reclaim, msqueue_ebr_dequeuer_helps_the_tail_before_retiring_the_sentinel)
{
    dequeue_behind_a_lagging_tail(RECLAIM_EBR, true);
    dequeue_behind_a_lagging_tail(RECLAIM_EBR, false);
}
