/*
 * registry.h - the per-thread records of a reclamation domain: hazard
 * pointers' records (hp.h) and epochs' participants (ebr.h) are found and
 * reused the same way, written once here.
 *
 *     struct lab_registry reg;   lab_registry_init(&reg, release_fn);
 *     rec = lab_registry_claim(&reg)       an idle record, now held, or NULL:
 *                                          then allocate one and
 *     lab_registry_push(&reg, rec)         publish it, held
 *     lab_registry_release(rec)            idle again, for the next thread
 *     for (rec = lab_registry_first(&reg); rec; rec = rec->next)   scanners
 *
 * A record embeds struct lab_record. Records are never removed while the
 * domain lives, so a scanner may walk the list while threads come and go;
 * a thread that ends gives its record back (the key's destructor calls
 * release_fn), and the next thread to register takes it. Each thread finds
 * its own through a one-entry thread-local cache (registry id, record), in
 * front of the pthread key that runs the destructor.
 */
#ifndef LAB_REGISTRY_H
#define LAB_REGISTRY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "annotate.h"

struct lab_record {
    struct lab_record *next; /* written before the record is published, then never */
    _Atomic bool active;     /* held by a thread */
};

struct lab_registry {
    _Atomic(struct lab_record *) head;
    pthread_key_t key; /* this thread's record; its destructor releases it */
    uint64_t id;       /* tells registries apart in a thread's cache */
};

/* What a thread remembers of the registry it used last. */
struct lab_record_cache {
    uint64_t id;
    struct lab_record *rec;
};

/* 0, or a positive errno (no thread-specific key left). release_at_exit gets
 * the record of a thread that ends while it holds one. */
int lab_registry_init(struct lab_registry *r, void (*release_at_exit)(void *));
/* No destructor runs for r any more; the records are the owner's to free. */
void lab_registry_destroy(struct lab_registry *r);

/* An idle record, now held by the caller, or NULL when every record is held. */
struct lab_record *lab_registry_claim(struct lab_registry *r);
/* Publishes rec, initialised and held by the caller, to the scanners. */
void lab_registry_push(struct lab_registry *r, struct lab_record *rec);
/* Gives rec back: what its holder did to it comes before the next holder. */
void lab_registry_release(struct lab_record *rec);

/* The calling thread's record in r, through cache; on a miss, the record the
 * key holds, or make(r) (claim or allocate, and push), kept under the key.
 * NULL when make(r) returns NULL or the key cannot keep the record (out of
 * memory): then nothing is held, and the caller decides what to do. */
struct lab_record *lab_registry_get_slow(struct lab_registry *r, struct lab_record_cache *cache,
                                         struct lab_record *(*make)(struct lab_registry *r));
/* Forgets r in the calling thread's cache (r is being destroyed). */
static inline void lab_registry_forget(const struct lab_registry *r, struct lab_record_cache *cache)
{
    if (cache->id == r->id)
        *cache = (struct lab_record_cache){0, NULL};
}

/* The first record, for a walk along ->next. */
static inline struct lab_record *lab_registry_first(struct lab_registry *r)
{
    /* acquire: pairs with the push's release; a record reached is initialised */
    struct lab_record *first = atomic_load_explicit(&r->head, memory_order_acquire);
    /* after the load that saw the push: before it, helgrind and DRD could
     * order this scan before a push it then reads (a race on that record's
     * next reported in 3 runs of 141 of a registration mid-scan) */
    ANNOTATE_HB_AFTER(&r->head);
    return first;
}

#endif
