/* hp.c - hazard pointers (hp.h): records, retire, scan, orphans. */
#include "hp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

_Thread_local struct lab_record_cache hp_tls;

static void release_at_exit(void *p)
{
    hp_local_release(hp_local_of(p));
}

int hp_domain_init(struct hp_domain *d)
{
    atomic_init(&d->nlocals, 0);
    atomic_init(&d->orphans, NULL);
    atomic_init(&d->norphans, 0);
    atomic_init(&d->fence, 0);
    d->after_sizing = NULL;
    d->alloc = aligned_alloc;
    ANNOTATE_ATOMIC(&d->nlocals);
    ANNOTATE_ATOMIC(&d->orphans);
    ANNOTATE_ATOMIC(&d->norphans);
    return lab_registry_init(&d->records, release_at_exit);
}

void hp_domain_destroy(struct hp_domain *d)
{
    lab_registry_destroy(&d->records);
    struct lab_record *rec = lab_registry_first(&d->records);
    while (rec != NULL) {
        struct lab_record *next = rec->next;
        struct hp_local *l = hp_local_of(rec);
        reclaim_free_list(l->retired);
        free(l->scratch);
        free(l);
        rec = next;
    }
    reclaim_free_list(atomic_load_explicit(&d->orphans, memory_order_acquire));
    lab_registry_forget(&d->records, &hp_tls);
}

/* A record that no thread holds, or a new one pushed on the registry. */
struct hp_local *hp_local_register(struct hp_domain *d)
{
    struct lab_record *idle = lab_registry_claim(&d->records);
    if (idle != NULL)
        return hp_local_of(idle);
    struct hp_local *l = d->alloc(CACHE_LINE, sizeof *l);
    if (l == NULL)
        return NULL;
    memset(l, 0, sizeof *l);
    for (int i = 0; i < HP_SLOTS; i++) {
        atomic_init(&l->slot[i], NULL);
        ANNOTATE_ATOMIC(&l->slot[i]);
    }
    atomic_init(&l->unreclaimed, 0);
    ANNOTATE_ATOMIC(&l->unreclaimed);
    l->domain = d;
    /* counted before it is reachable: a scan that sees the record also uses
     * a threshold that counts its hazards */
    atomic_fetch_add_explicit(&d->nlocals, 1, memory_order_relaxed);
    lab_registry_push(&d->records, &l->rec);
    return l;
}

void hp_local_release(struct hp_local *l)
{
    struct hp_domain *d = l->domain;
    hp_clear(l);
    hp_scan(l);
    if (l->retired != NULL) {
        /* what other threads still protect: the next scan, anyone's, adopts it */
        struct reclaim_node *last = l->retired;
        while (last->next_retired != NULL)
            last = last->next_retired;
        struct reclaim_node *top = atomic_load_explicit(&d->orphans, memory_order_relaxed);
        do {
            last->next_retired = top;
            ANNOTATE_HB_BEFORE(&d->orphans); /* after the last write it publishes */
            /* release: the list's links are visible to the adopter's exchange */
        } while (!atomic_compare_exchange_weak_explicit(
            &d->orphans, &top, l->retired, memory_order_release, memory_order_relaxed));
        atomic_fetch_add_explicit(&d->norphans, l->nretired, memory_order_relaxed);
        l->retired = NULL;
        l->nretired = 0;
        atomic_store_explicit(&l->unreclaimed, 0, memory_order_relaxed);
    }
    lab_registry_release(&l->rec);
}

static struct lab_record *make_record(struct lab_registry *r)
{
    struct hp_domain *d = CONTAINER_OF(r, struct hp_domain, records);
    struct hp_local *l = hp_local_register(d);
    return l != NULL ? &l->rec : NULL;
}

struct hp_local *hp_local_get_slow(struct hp_domain *d)
{
    struct lab_record *rec = lab_registry_get_slow(&d->records, &hp_tls, make_record);
    return rec != NULL ? hp_local_of(rec) : NULL;
}

void hp_retire(struct hp_local *l, struct reclaim_node *n, void (*free_node)(struct reclaim_node *))
{
    n->free_node = free_node;
    n->next_retired = l->retired;
    l->retired = n;
    l->nretired++;
    atomic_store_explicit(&l->unreclaimed, l->nretired, memory_order_relaxed);
    if (l->nretired >= hp_threshold(l->domain))
        hp_scan(l);
}

static int compare_pointers(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;
    return (x > y) - (x < y);
}

/* Below this many hazards a linear search beats sorting them. */
enum { HP_SORT_ABOVE = 16 };

/* The hazards of every record in l->scratch, sorted when there are many.
 * Returns how many, or SIZE_MAX if there is no room for them.
 *
 * The buffer is sized from nlocals before the walk, and a thread may register
 * and protect a node in between: the walk then meets more hazards than the
 * buffer holds. Dropping the extra ones would free a node they protect, so
 * the walk counts them all, and when they did not fit, the buffer grows to
 * the count and the walk starts again. */
static size_t collect_hazards(struct hp_local *l)
{
    struct hp_domain *d = l->domain;
    size_t need = HP_SLOTS * atomic_load_explicit(&d->nlocals, memory_order_relaxed);
    size_t n;
    for (;;) {
        if (need > l->scratch_cap) {
            void **grown = realloc(l->scratch, 2 * need * sizeof *grown);
            if (grown == NULL)
                return SIZE_MAX; /* free nothing this time */
            l->scratch = grown;
            l->scratch_cap = 2 * need;
        }
        if (d->after_sizing != NULL)
            d->after_sizing(d);
        n = 0;
        for (struct lab_record *rec = lab_registry_first(&d->records); rec != NULL;
             rec = rec->next) {
            struct hp_local *r = hp_local_of(rec);
            for (int i = 0; i < HP_SLOTS; i++) {
                /* acquire: pairs with the release that last changed the slot;
                 * the reads its owner made of the node it named before come first */
                void *p = atomic_load_explicit(&r->slot[i], memory_order_acquire);
                ANNOTATE_HB_AFTER(&r->slot[i]);
                if (p == NULL)
                    continue;
                if (n < l->scratch_cap)
                    l->scratch[n] = p;
                n++;
            }
        }
        if (n <= l->scratch_cap)
            break;
        need = n; /* records registered after the sizing: grow, walk again */
    }
    if (n > HP_SORT_ABOVE)
        qsort(l->scratch, n, sizeof *l->scratch, compare_pointers);
    return n;
}

static bool is_hazard(void *const *hazards, size_t n, void *node)
{
    if (n > HP_SORT_ABOVE)
        return bsearch(&node, hazards, n, sizeof *hazards, compare_pointers) != NULL;
    for (size_t i = 0; i < n; i++)
        if (hazards[i] == node)
            return true;
    return false;
}

size_t hp_scan(struct hp_local *l)
{
    struct hp_domain *d = l->domain;
    if (atomic_load_explicit(&d->orphans, memory_order_relaxed) != NULL) {
        /* acquire: pairs with the release that pushed the orphans */
        struct reclaim_node *o = atomic_exchange_explicit(&d->orphans, NULL, memory_order_acquire);
        ANNOTATE_HB_AFTER(&d->orphans);
        size_t adopted = 0;
        for (struct reclaim_node *n = o; n != NULL; n = n->next_retired) {
            adopted++;
            if (n->next_retired == NULL) {
                n->next_retired = l->retired;
                break;
            }
        }
        if (o != NULL) {
            l->retired = o;
            l->nretired += adopted;
            atomic_fetch_sub_explicit(&d->norphans, adopted, memory_order_relaxed);
        }
    }
    /* the other side of hp_protect's fence: the nodes on our list were
     * unlinked before it, so a reader whose hazard we miss below must see them
     * gone when it validates, and retry */
    lab_fence_seq_cst(&d->fence);
    size_t nhaz = collect_hazards(l);
    if (nhaz == SIZE_MAX)
        return 0;
    struct reclaim_node *keep = NULL;
    size_t kept = 0, freed = 0;
    struct reclaim_node *n = l->retired;
    while (n != NULL) {
        struct reclaim_node *next = n->next_retired;
        /* the link is the node's first member, so its address is the node's,
         * the address a hazard names */
        if (is_hazard(l->scratch, nhaz, n)) {
            n->next_retired = keep;
            keep = n;
            kept++;
        } else {
            n->free_node(n);
            freed++;
        }
        n = next;
    }
    l->retired = keep;
    l->nretired = kept;
    l->scans++;
    l->freed += freed;
    atomic_store_explicit(&l->unreclaimed, kept, memory_order_relaxed);
    return freed;
}

uint64_t hp_unreclaimed(struct hp_domain *d)
{
    uint64_t total = atomic_load_explicit(&d->norphans, memory_order_relaxed);
    for (struct lab_record *rec = lab_registry_first(&d->records); rec != NULL; rec = rec->next)
        total += atomic_load_explicit(&hp_local_of(rec)->unreclaimed, memory_order_relaxed);
    return total;
}
