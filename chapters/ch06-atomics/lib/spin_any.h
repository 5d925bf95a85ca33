/*
 * spin_any.h - any lock of spin.h, or a pthread mutex or spinlock, chosen by
 * name at run time: what the programs and tests use to run the same code on
 * every lock. (Benchmarks call the locks directly, so that nothing but the
 * lock is measured.)
 *
 *     struct spin_any l;
 *     if (spin_any_init(&l, spin_kind_from_name("mcs")) != 0) ...
 *     struct spin_mcs_node me;            // MCS's queue node; others ignore it
 *     spin_any_lock(&l, &me); ... spin_any_unlock(&l, &me);
 *     spin_any_destroy(&l);
 */
#ifndef CH06_SPIN_ANY_H
#define CH06_SPIN_ANY_H

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "spin.h"

enum spin_kind {
    SPIN_SWAP,
    SPIN_CAS,
    SPIN_TTAS,
    SPIN_TICKET,
    SPIN_MCS,
    SPIN_FUTEX,
    SPIN_PTHREAD_MUTEX,
    SPIN_PTHREAD_SPIN,
    SPIN_KINDS
};

static const char *const spin_kind_names[SPIN_KINDS] = {"swap", "cas",   "ttas",    "ticket",
                                                        "mcs",  "futex", "pthread", "pthread_spin"};

struct spin_any {
    enum spin_kind kind;
    union {
        struct spin_swap swap;
        struct spin_cas cas;
        struct spin_ttas ttas;
        struct spin_ticket ticket;
        struct spin_mcs mcs;
        struct spin_futex futex;
        pthread_mutex_t mutex;
        pthread_spinlock_t spin;
    } u;
};

/* The kind named, or SPIN_KINDS when there is none of that name. */
static inline enum spin_kind spin_kind_from_name(const char *name)
{
    for (int k = 0; k < SPIN_KINDS; k++)
        if (strcmp(name, spin_kind_names[k]) == 0)
            return (enum spin_kind)k;
    return SPIN_KINDS;
}

static inline int spin_any_init(struct spin_any *l, enum spin_kind kind)
{
    l->kind = kind;
    switch (kind) {
    case SPIN_SWAP:
        spin_swap_init(&l->u.swap);
        return 0;
    case SPIN_CAS:
        spin_cas_init(&l->u.cas);
        return 0;
    case SPIN_TTAS:
        spin_ttas_init(&l->u.ttas);
        return 0;
    case SPIN_TICKET:
        spin_ticket_init(&l->u.ticket);
        return 0;
    case SPIN_MCS:
        spin_mcs_init(&l->u.mcs);
        return 0;
    case SPIN_FUTEX:
        spin_futex_init(&l->u.futex);
        return 0;
    case SPIN_PTHREAD_MUTEX:
        return -pthread_mutex_init(&l->u.mutex, NULL);
    case SPIN_PTHREAD_SPIN:
        return -pthread_spin_init(&l->u.spin, PTHREAD_PROCESS_PRIVATE);
    default:
        return -EINVAL;
    }
}

static inline void spin_any_destroy(struct spin_any *l)
{
    if (l->kind == SPIN_PTHREAD_MUTEX)
        pthread_mutex_destroy(&l->u.mutex);
    else if (l->kind == SPIN_PTHREAD_SPIN)
        pthread_spin_destroy(&l->u.spin);
}

static inline void spin_any_lock(struct spin_any *l, struct spin_mcs_node *me)
{
    switch (l->kind) {
    case SPIN_SWAP:
        spin_swap_lock(&l->u.swap);
        break;
    case SPIN_CAS:
        spin_cas_lock(&l->u.cas);
        break;
    case SPIN_TTAS:
        spin_ttas_lock(&l->u.ttas);
        break;
    case SPIN_TICKET:
        spin_ticket_lock(&l->u.ticket);
        break;
    case SPIN_MCS:
        spin_mcs_lock(&l->u.mcs, me);
        break;
    case SPIN_FUTEX:
        spin_futex_lock(&l->u.futex);
        break;
    case SPIN_PTHREAD_MUTEX:
        pthread_mutex_lock(&l->u.mutex);
        break;
    default:
        pthread_spin_lock(&l->u.spin);
        break;
    }
}

static inline bool spin_any_trylock(struct spin_any *l, struct spin_mcs_node *me)
{
    switch (l->kind) {
    case SPIN_SWAP:
        return spin_swap_trylock(&l->u.swap);
    case SPIN_CAS:
        return spin_cas_trylock(&l->u.cas);
    case SPIN_TTAS:
        return spin_ttas_trylock(&l->u.ttas);
    case SPIN_TICKET:
        return spin_ticket_trylock(&l->u.ticket);
    case SPIN_MCS:
        return spin_mcs_trylock(&l->u.mcs, me);
    case SPIN_FUTEX:
        return spin_futex_trylock(&l->u.futex);
    case SPIN_PTHREAD_MUTEX:
        return pthread_mutex_trylock(&l->u.mutex) == 0;
    default:
        return pthread_spin_trylock(&l->u.spin) == 0;
    }
}

static inline void spin_any_unlock(struct spin_any *l, struct spin_mcs_node *me)
{
    switch (l->kind) {
    case SPIN_SWAP:
        spin_swap_unlock(&l->u.swap);
        break;
    case SPIN_CAS:
        spin_cas_unlock(&l->u.cas);
        break;
    case SPIN_TTAS:
        spin_ttas_unlock(&l->u.ttas);
        break;
    case SPIN_TICKET:
        spin_ticket_unlock(&l->u.ticket);
        break;
    case SPIN_MCS:
        spin_mcs_unlock(&l->u.mcs, me);
        break;
    case SPIN_FUTEX:
        spin_futex_unlock(&l->u.futex);
        break;
    case SPIN_PTHREAD_MUTEX:
        pthread_mutex_unlock(&l->u.mutex);
        break;
    default:
        pthread_spin_unlock(&l->u.spin);
        break;
    }
}

#endif
