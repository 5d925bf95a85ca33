/* reclaim.c - the verbs of reclaim.h that are not inline. */
#include "reclaim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {
    [RECLAIM_QUIESCENT] = "quiescent",
    [RECLAIM_HP] = "hp",
    [RECLAIM_EBR] = "ebr",
};

const char *reclaim_kind_name(enum reclaim_kind kind)
{
    return kind_names[kind];
}

int reclaim_kind_parse(const char *name, enum reclaim_kind *kind)
{
    for (size_t i = 0; i < sizeof kind_names / sizeof *kind_names; i++) {
        if (strcmp(name, kind_names[i]) == 0) {
            *kind = (enum reclaim_kind)i;
            return 0;
        }
    }
    return -EINVAL;
}

int reclaim_init(struct reclaim_domain *d, enum reclaim_kind kind)
{
    d->kind = kind;
    atomic_init(&d->retired, NULL);
    atomic_init(&d->pending, 0);
    if (kind == RECLAIM_HP)
        return hp_domain_init(&d->hp);
    if (kind == RECLAIM_EBR)
        return ebr_domain_init(&d->ebr);
    return 0;
}

static uint64_t collect_quiescent(struct reclaim_domain *d)
{
    /* acquire: pairs with retire's release; the list is complete */
    uint64_t freed =
        reclaim_free_list(atomic_exchange_explicit(&d->retired, NULL, memory_order_acquire));
    atomic_fetch_sub_explicit(&d->pending, freed, memory_order_relaxed);
    return freed;
}

void reclaim_destroy(struct reclaim_domain *d)
{
    if (d->kind == RECLAIM_HP)
        hp_domain_destroy(&d->hp);
    else if (d->kind == RECLAIM_EBR)
        ebr_domain_destroy(&d->ebr);
    collect_quiescent(d); /* EBR parks here what no bag could take */
}

int reclaim_register(struct reclaim_domain *d)
{
    if (d->kind == RECLAIM_HP)
        return hp_local_get(&d->hp) != NULL ? 0 : -ENOMEM;
    if (d->kind == RECLAIM_EBR)
        return ebr_local_get(&d->ebr) != NULL ? 0 : -ENOMEM;
    return 0; /* QUIESCENT keeps no per-thread state */
}

void reclaim_no_record(const struct reclaim_domain *d)
{
    fprintf(stderr, "reclaim: out of memory registering a thread in the %s domain\n",
            reclaim_kind_name(d->kind));
    abort();
}

uint64_t reclaim_collect(struct reclaim_domain *d)
{
    if (d->kind == RECLAIM_HP)
        return hp_scan(hp_local_get(&d->hp));
    if (d->kind == RECLAIM_EBR) {
        struct ebr_local *l = ebr_local_get(&d->ebr);
        uint64_t before = atomic_load_explicit(&l->freed, memory_order_relaxed);
        ebr_flush(l);
        return atomic_load_explicit(&l->freed, memory_order_relaxed) - before;
    }
    return collect_quiescent(d);
}

uint64_t reclaim_pending(struct reclaim_domain *d)
{
    if (d->kind == RECLAIM_HP)
        return hp_unreclaimed(&d->hp);
    uint64_t parked = atomic_load_explicit(&d->pending, memory_order_relaxed);
    if (d->kind == RECLAIM_EBR)
        return ebr_unreclaimed(&d->ebr) + parked;
    return parked;
}
