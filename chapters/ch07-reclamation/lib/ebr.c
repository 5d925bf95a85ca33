/* ebr.c - epoch-based reclamation (ebr.h): participants, bags, advancing. */
#include "ebr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

_Thread_local struct lab_record_cache ebr_tls;

static void unregister_at_exit(void *p)
{
    ebr_local_unregister(ebr_local_of(p));
}

int ebr_domain_init(struct ebr_domain *d)
{
    atomic_init(&d->epoch, 0);
    d->orphans = d->orphans_tail = NULL;
    atomic_init(&d->have_orphans, false);
    atomic_init(&d->fence, 0);
    d->alloc = aligned_alloc;
    ANNOTATE_ATOMIC(&d->epoch);
    ANNOTATE_ATOMIC(&d->have_orphans);
    int err = pthread_mutex_init(&d->lock, NULL);
    if (err != 0)
        return err;
    err = lab_registry_init(&d->participants, unregister_at_exit);
    if (err != 0)
        pthread_mutex_destroy(&d->lock);
    return err;
}

/* Runs a bag's deferred frees and empties it. Returns how many. */
static size_t run_bag(struct ebr_bag *b)
{
    size_t n = b->len;
    for (size_t i = 0; i < n; i++)
        b->items[i]->free_node(b->items[i]);
    b->len = 0;
    return n;
}

static void free_bags(struct ebr_bag *b)
{
    while (b != NULL) {
        struct ebr_bag *next = b->next;
        run_bag(b);
        free(b);
        b = next;
    }
}

void ebr_domain_destroy(struct ebr_domain *d)
{
    lab_registry_destroy(&d->participants);
    free_bags(d->orphans);
    struct lab_record *rec = lab_registry_first(&d->participants);
    while (rec != NULL) {
        struct lab_record *next = rec->next;
        struct ebr_local *l = ebr_local_of(rec);
        free_bags(l->sealed);
        run_bag(l->bag);
        free(l->bag);
        free(l->spare);
        free(l);
        rec = next;
    }
    pthread_mutex_destroy(&d->lock);
    lab_registry_forget(&d->participants, &ebr_tls);
}

/* An empty bag, or NULL. Its size rounded up to whole lines, as
 * aligned_alloc wants a multiple of the alignment. */
static struct ebr_bag *bag_new(struct ebr_domain *d)
{
    size_t size = (sizeof(struct ebr_bag) + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
    struct ebr_bag *b = d->alloc(CACHE_LINE, size);
    if (b == NULL)
        return NULL;
    b->next = NULL;
    b->epoch = 0;
    b->len = 0;
    return b;
}

struct ebr_local *ebr_local_register(struct ebr_domain *d)
{
    struct lab_record *idle = lab_registry_claim(&d->participants);
    if (idle != NULL)
        return ebr_local_of(idle);
    struct ebr_local *l = d->alloc(CACHE_LINE, sizeof *l);
    if (l == NULL)
        return NULL;
    memset(l, 0, sizeof *l);
    l->bag = bag_new(d);
    if (l->bag == NULL) {
        free(l);
        return NULL;
    }
    atomic_init(&l->epoch, 0);
    ANNOTATE_ATOMIC(&l->epoch);
    atomic_init(&l->deferred, 0);
    atomic_init(&l->freed, 0);
    ANNOTATE_ATOMIC(&l->deferred);
    ANNOTATE_ATOMIC(&l->freed);
    l->domain = d;
    lab_registry_push(&d->participants, &l->rec);
    return l;
}

void ebr_local_unregister(struct ebr_local *l)
{
    if (l->guard_count != 0) {
        /* a thread that ends pinned would stop the epoch for good */
        l->guard_count = 1;
        ebr_unpin(l);
    }
    /* Out of memory, the bag stays with the record, unsealed: its nodes wait
     * for the record's next holder, or for the domain's destruction. */
    if (l->bag->len != 0)
        (void)ebr_push_bag(l);
    if (l->sealed != NULL) {
        /* its garbage outlives it: any collection frees it when it is ripe */
        struct ebr_domain *d = l->domain;
        pthread_mutex_lock(&d->lock);
        if (d->orphans_tail == NULL)
            d->orphans = l->sealed;
        else
            d->orphans_tail->next = l->sealed;
        d->orphans_tail = l->sealed_tail;
        atomic_store_explicit(&d->have_orphans, true, memory_order_relaxed);
        pthread_mutex_unlock(&d->lock);
        l->sealed = l->sealed_tail = NULL;
    }
    lab_registry_release(&l->rec);
}

static struct lab_record *make_participant(struct lab_registry *r)
{
    struct ebr_domain *d = CONTAINER_OF(r, struct ebr_domain, participants);
    struct ebr_local *l = ebr_local_register(d);
    return l != NULL ? &l->rec : NULL;
}

struct ebr_local *ebr_local_get_slow(struct ebr_domain *d)
{
    struct lab_record *rec = lab_registry_get_slow(&d->participants, &ebr_tls, make_participant);
    return rec != NULL ? ebr_local_of(rec) : NULL;
}

int ebr_push_bag(struct ebr_local *l)
{
    struct ebr_domain *d = l->domain;
    struct ebr_bag *fresh = l->spare != NULL ? l->spare : bag_new(d);
    if (fresh == NULL)
        return -ENOMEM;
    struct ebr_bag *b = l->bag;
    l->bag = fresh;
    l->spare = NULL;
    /* the nodes in the bag were unlinked before this fence; the epoch read
     * after it is at least the one any reader of them could be pinned in */
    lab_fence_seq_cst(&d->fence);
    b->epoch = atomic_load_explicit(&d->epoch, memory_order_relaxed);
    b->next = NULL;
    if (l->sealed_tail == NULL)
        l->sealed = b;
    else
        l->sealed_tail->next = b;
    l->sealed_tail = b;
    return 0;
}

int ebr_push_full_bag(struct ebr_local *l)
{
    if (ebr_push_bag(l) == 0)
        return 0;
    /* a collection keeps one emptied bag as the spare, if any bag is ripe */
    ebr_collect(l, 1);
    return ebr_push_bag(l);
}

uintptr_t ebr_try_advance(struct ebr_domain *d)
{
    /* acquire: the frees this epoch allows come after the unpins that let the
     * thread that stored it advance */
    uintptr_t g = atomic_load_explicit(&d->epoch, memory_order_acquire);
    ANNOTATE_HB_AFTER(&d->epoch);
    /* pairs with the fence of every pin: a participant we see unpinned
     * below will, when it pins, read an epoch at least this one */
    lab_fence_seq_cst(&d->fence);
    for (struct lab_record *rec = lab_registry_first(&d->participants); rec != NULL;
         rec = rec->next) {
        struct ebr_local *l = ebr_local_of(rec);
        /* acquire: its reads in the critical section it has left come
         * before whatever our advance lets be freed */
        uintptr_t le = atomic_load_explicit(&l->epoch, memory_order_acquire);
        ANNOTATE_HB_AFTER(&l->epoch);
        if (ebr_is_pinned(le) && ebr_unpinned(le) != g)
            return g; /* someone is still in the previous epoch */
    }
    /* A CAS, not crossbeam's plain store: the caller need not be pinned, so
     * others may have moved the epoch on since we read g, and g + 2 stored
     * now would move it back. The annotation comes before the CAS whatever
     * its outcome: on a failure helgrind and DRD get one edge more than the
     * program has, which can hide a race from them but never invent one. */
    ANNOTATE_HB_BEFORE(&d->epoch);
    /* release: the unpins we saw come before any free that sees g + 2;
     * acquire on failure: the epoch another thread advanced to, and the
     * unpins it saw, come before the frees we make by it (acq_rel on success,
     * as C11 wants the failure order no stronger than the success order) */
    if (atomic_compare_exchange_strong_explicit(&d->epoch, &g, g + 2, memory_order_acq_rel,
                                                memory_order_acquire))
        return g + 2;
    ANNOTATE_HB_AFTER(&d->epoch);
    return g;
}

/* Takes up to max bags that g has made ripe off the front of the queue
 * *head .. *tail (sealed in order, so the first young one ends the search),
 * chains them onto *ripe, and returns how many it took. */
static unsigned take_ripe(struct ebr_bag **head, struct ebr_bag **tail, uintptr_t g, unsigned max,
                          struct ebr_bag **ripe)
{
    unsigned n = 0;
    while (n < max && *head != NULL && ebr_advances(g, (*head)->epoch) >= 2) {
        struct ebr_bag *b = *head;
        *head = b->next;
        if (*head == NULL)
            *tail = NULL;
        b->next = *ripe;
        *ripe = b;
        n++;
    }
    return n;
}

void ebr_collect(struct ebr_local *l, unsigned max_bags)
{
    struct ebr_domain *d = l->domain;
    uintptr_t g = ebr_try_advance(d);
    struct ebr_bag *ripe = NULL;
    unsigned n = take_ripe(&l->sealed, &l->sealed_tail, g, max_bags, &ripe);
    /* relaxed: a hint; the lock orders the orphans themselves. One collector
     * at a time: a busy lock means someone else is at it */
    if (n < max_bags && atomic_load_explicit(&d->have_orphans, memory_order_relaxed) &&
        pthread_mutex_trylock(&d->lock) == 0) {
        take_ripe(&d->orphans, &d->orphans_tail, g, max_bags - n, &ripe);
        atomic_store_explicit(&d->have_orphans, d->orphans != NULL, memory_order_relaxed);
        pthread_mutex_unlock(&d->lock);
    }
    uint64_t freed = 0;
    while (ripe != NULL) {
        struct ebr_bag *next = ripe->next;
        freed += run_bag(ripe);
        if (l->spare == NULL)
            l->spare = ripe;
        else
            free(ripe);
        ripe = next;
    }
    if (freed != 0)
        atomic_store_explicit(&l->freed,
                              atomic_load_explicit(&l->freed, memory_order_relaxed) + freed,
                              memory_order_relaxed);
}

void ebr_flush(struct ebr_local *l)
{
    /* out of memory, the bag waits for a later flush; the rest still goes */
    if (l->bag->len != 0)
        (void)ebr_push_bag(l);
    /* Each round advances the epoch once more, if nobody is pinned in an
     * older one; with nobody pinned, the second frees what was sealed above. */
    for (int round = 0; round < 3; round++) {
        ebr_collect(l, UINT32_MAX);
        if (l->sealed == NULL &&
            !atomic_load_explicit(&l->domain->have_orphans, memory_order_relaxed))
            break;
    }
}

uint64_t ebr_unreclaimed(struct ebr_domain *d)
{
    uint64_t deferred = 0, freed = 0;
    /* the frees first: each free follows its defer, so reading the defers
     * after them never counts a node freed and not deferred */
    for (struct lab_record *rec = lab_registry_first(&d->participants); rec != NULL;
         rec = rec->next)
        freed += atomic_load_explicit(&ebr_local_of(rec)->freed, memory_order_relaxed);
    for (struct lab_record *rec = lab_registry_first(&d->participants); rec != NULL;
         rec = rec->next)
        deferred += atomic_load_explicit(&ebr_local_of(rec)->deferred, memory_order_relaxed);
    return deferred > freed ? deferred - freed : 0;
}
