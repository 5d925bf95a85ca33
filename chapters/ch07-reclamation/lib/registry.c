/* registry.c - records of a domain, claimed, pushed and released (registry.h). */
#include "registry.h"

static _Atomic uint64_t next_registry_id = 1;

int lab_registry_init(struct lab_registry *r, void (*release_at_exit)(void *))
{
    atomic_init(&r->head, NULL);
    ANNOTATE_ATOMIC(&r->head);
    r->id = atomic_fetch_add_explicit(&next_registry_id, 1, memory_order_relaxed);
    return pthread_key_create(&r->key, release_at_exit);
}

void lab_registry_destroy(struct lab_registry *r)
{
    /* threads that still hold a record keep a stale cache entry, which no
     * later registry's id matches */
    pthread_key_delete(r->key);
}

struct lab_record *lab_registry_claim(struct lab_registry *r)
{
    for (struct lab_record *rec = lab_registry_first(r); rec != NULL; rec = rec->next) {
        bool idle = false;
        /* acquire: what the last holder did to the record comes before us */
        if (atomic_compare_exchange_strong_explicit(&rec->active, &idle, true, memory_order_acquire,
                                                    memory_order_relaxed)) {
            ANNOTATE_HB_AFTER(&rec->active);
            return rec;
        }
    }
    return NULL;
}

void lab_registry_push(struct lab_registry *r, struct lab_record *rec)
{
    atomic_init(&rec->active, true);
    ANNOTATE_ATOMIC(&rec->active);
    rec->next = atomic_load_explicit(&r->head, memory_order_relaxed);
    /* release: the record's fields are initialised before scanners reach it */
    do
        ANNOTATE_HB_BEFORE(&r->head); /* again after a failed CAS rewrote next */
    while (!atomic_compare_exchange_weak_explicit(&r->head, &rec->next, rec, memory_order_release,
                                                  memory_order_relaxed));
}

void lab_registry_release(struct lab_record *rec)
{
    ANNOTATE_HB_BEFORE(&rec->active);
    /* release: the next holder of the record sees it as we left it */
    atomic_store_explicit(&rec->active, false, memory_order_release);
}

struct lab_record *lab_registry_get_slow(struct lab_registry *r, struct lab_record_cache *cache,
                                         struct lab_record *(*make)(struct lab_registry *r))
{
    struct lab_record *rec = pthread_getspecific(r->key);
    if (rec == NULL) {
        rec = make(r);
        if (rec == NULL)
            return NULL;
        if (pthread_setspecific(r->key, rec) != 0) {
            lab_registry_release(rec); /* idle: the next thread may take it */
            return NULL;
        }
    }
    *cache = (struct lab_record_cache){r->id, rec};
    return rec;
}
