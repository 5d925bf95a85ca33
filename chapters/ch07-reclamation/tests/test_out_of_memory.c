/* test_out_of_memory.c - the reclamation schemes when memory runs out: an
 * allocator that fails, put in the domain's alloc, makes registering a
 * thread (hp, ebr, the registry under them) and deferring a node (ebr) return
 * an error the caller sees, where they used to abort the process; and the
 * error loses nothing: a node refused is still the caller's, a node the
 * stack retired is freed later. */
#include <errno.h>
#include <stdlib.h>

#include "counted.h"
#include "ebr.h"
#include "hp.h"
#include "reclaim.h"
#include "registry.h"
#include "test.h"

/* Fails every allocation after the first `oom_allow` (counting from when a
 * test sets it), and counts the tries. */
static int oom_allow, oom_tries;

static void *failing_alloc(size_t alignment, size_t size)
{
    oom_tries++;
    if (oom_allow > 0) {
        oom_allow--;
        return aligned_alloc(alignment, size);
    }
    return NULL;
}

static void fail_from(int allow)
{
    oom_allow = allow;
    oom_tries = 0;
}

TEST(out_of_memory, hp_registration_returns_null_and_the_domain_goes_on)
{
    struct hp_domain d;
    ASSERT_EQ(hp_domain_init(&d), 0);
    d.alloc = failing_alloc;
    fail_from(0);
    ASSERT(hp_local_register(&d) == NULL, "no record: NULL, not an abort");
    ASSERT(hp_local_get(&d) == NULL, "nor for the thread's own record");
    ASSERT(hp_local_get(&d) == NULL, "and not cached as a record either");
    ASSERT_EQ(oom_tries, 3, "the register and each get tried");
    fail_from(1000);
    struct hp_local *l = hp_local_get(&d);
    ASSERT(l != NULL, "with memory back, the thread registers");
    ASSERT(hp_local_get(&d) == l);
    hp_domain_destroy(&d);
}

TEST(out_of_memory, ebr_registration_returns_null_without_leaking_half_of_it)
{
    struct ebr_domain d;
    ASSERT_EQ(ebr_domain_init(&d), 0);
    d.alloc = failing_alloc;
    fail_from(0);
    ASSERT(ebr_local_register(&d) == NULL, "no participant");
    fail_from(1);
    ASSERT(ebr_local_register(&d) == NULL, "a participant but no bag: freed again (memcheck)");
    ASSERT_EQ(oom_tries, 2);
    fail_from(0);
    ASSERT(ebr_local_get(&d) == NULL, "the thread's own: NULL, not an abort");
    fail_from(1000);
    struct ebr_local *l = ebr_local_get(&d);
    ASSERT(l != NULL);
    ASSERT(ebr_local_get(&d) == l);
    ebr_domain_destroy(&d);
}

TEST(out_of_memory, ebr_defer_refuses_a_node_it_has_no_bag_for_and_keeps_the_rest)
{
    struct ebr_domain d;
    ASSERT_EQ(ebr_domain_init(&d), 0);
    struct ebr_local *l = ebr_local_register(&d);
    ASSERT(l != NULL);
    d.alloc = failing_alloc;
    fail_from(0);
    int frees = 0;
    ebr_pin(l);
    for (int i = 0; i < EBR_BAG_CAP; i++)
        ASSERT_EQ(ebr_defer_node(l, &counted_new(&frees)->link, counted_free), 0);
    struct counted *refused = counted_new(&frees);
    ASSERT_EQ(ebr_defer_node(l, &refused->link, counted_free), -ENOMEM,
              "the bag is full and no new one can be had");
    ebr_unpin(l);
    ASSERT_EQ(frees, 0, "nothing freed early");
    ASSERT_EQ(ebr_unreclaimed(&d), EBR_BAG_CAP, "the refused node is not counted");
    ebr_flush(l);
    ASSERT_EQ(frees, 0, "flush without memory: the full bag waits, unsealed");
    fail_from(1000);
    ASSERT_EQ(ebr_defer_node(l, &refused->link, counted_free), 0, "the caller tries again");
    ebr_flush(l);
    ASSERT_EQ(frees, EBR_BAG_CAP + 1, "every node freed once memory came back");
    ebr_domain_destroy(&d);
}

/* What the stack sees: a retire that EBR cannot bag is parked and freed by
 * reclaim_destroy, counted as pending meanwhile. */
TEST(out_of_memory, reclaim_retire_parks_what_ebr_cannot_bag)
{
    struct reclaim_domain d;
    ASSERT_EQ(reclaim_init(&d, RECLAIM_EBR), 0);
    struct reclaim_guard g = reclaim_enter(&d);
    d.ebr.alloc = failing_alloc;
    fail_from(0);
    int frees = 0;
    for (int i = 0; i < EBR_BAG_CAP + 3; i++)
        reclaim_retire(&g, &counted_new(&frees)->link, counted_free);
    reclaim_exit(&g);
    ASSERT_EQ(reclaim_pending(&d), EBR_BAG_CAP + 3, "all retired nodes accounted for");
    ASSERT_EQ(frees, 0);
    reclaim_destroy(&d);
    ASSERT_EQ(frees, EBR_BAG_CAP + 3, "and all freed by destroy");
}

/* reclaim_register is the error-returning way in: refused while memory runs
 * out, and once it succeeded, reclaim_enter needs no memory at all. */
TEST(out_of_memory, reclaim_register_returns_the_error_and_enter_then_needs_no_memory)
{
    const enum reclaim_kind kinds[] = {RECLAIM_HP, RECLAIM_EBR};
    for (int k = 0; k < 2; k++) {
        struct reclaim_domain d;
        ASSERT_EQ(reclaim_init(&d, kinds[k]), 0);
        d.hp.alloc = failing_alloc;
        d.ebr.alloc = failing_alloc;
        fail_from(0);
        ASSERT_EQ(reclaim_register(&d), -ENOMEM, "%s: no record, an error",
                  reclaim_kind_name(kinds[k]));
        fail_from(1000);
        ASSERT_EQ(reclaim_register(&d), 0, "%s: with memory back, a record",
                  reclaim_kind_name(kinds[k]));
        fail_from(0);
        int tries = oom_tries;
        struct reclaim_guard g = reclaim_enter(&d); /* would stop the process if it allocated */
        reclaim_exit(&g);
        ASSERT_EQ(oom_tries, tries, "%s: enter allocated nothing", reclaim_kind_name(kinds[k]));
        reclaim_destroy(&d);
    }
    struct reclaim_domain q;
    ASSERT_EQ(reclaim_init(&q, RECLAIM_QUIESCENT), 0);
    ASSERT_EQ(reclaim_register(&q), 0, "quiescent keeps no per-thread record");
    reclaim_destroy(&q);
}

static struct lab_record *make_none(struct lab_registry *r)
{
    (void)r;
    return NULL;
}

static struct lab_record *make_one(struct lab_registry *r)
{
    static struct lab_record rec;
    lab_registry_push(r, &rec);
    return &rec;
}

TEST(out_of_memory, registry_get_slow_caches_no_record_when_make_fails)
{
    struct lab_registry r;
    ASSERT_EQ(lab_registry_init(&r, NULL), 0);
    struct lab_record_cache cache = {0, NULL};
    ASSERT(lab_registry_get_slow(&r, &cache, make_none) == NULL);
    ASSERT(cache.id != r.id, "a failed get leaves nothing in the cache to hit later");
    struct lab_record *rec = lab_registry_get_slow(&r, &cache, make_one);
    ASSERT(rec != NULL && cache.id == r.id && cache.rec == rec);
    lab_registry_destroy(&r);
}
