/*
 * urcu_peers.h - userspace-rcu's lock-free stack (cds_lfs) and queue
 * (cds_lfq) with nodes freed by call_rcu, under two of its flavours, for the
 * reclamation benchmark (chapters/ch07-reclamation/bench/bench_reclaim.c):
 *
 *   memb   readers mark critical sections (rcu_read_lock/unlock: a counter
 *          and a memory barrier, urcu's general-purpose flavour)
 *   qsbr   read-side sections cost nothing; each thread announces a
 *          quiescent state instead, here after every operation
 *
 * A flavour's headers define the unprefixed names (rcu_read_lock, call_rcu),
 * so each flavour is its own compilation unit: urcu_memb.c and urcu_qsbr.c
 * both include urcu_peers.inc. Frees run on urcu's call_rcu thread. Host builds
 * only.
 */
#ifndef LAB_URCU_PEERS_H
#define LAB_URCU_PEERS_H

#include <stdbool.h>
#include <stdint.h>

struct urcu_peer;

#define URCU_PEER_API(f)                                                                           \
    /* NULL when out of memory */                                                                  \
    struct urcu_peer *urcu_##f##_peer_new(void);                                                   \
    /* every thread has gone offline: waits for the callbacks, frees what is left */               \
    void urcu_##f##_peer_free(struct urcu_peer *p);                                                \
    void urcu_##f##_peer_thread_online(void);                                                      \
    void urcu_##f##_peer_thread_offline(void);                                                     \
    /* 0, or -ENOMEM */                                                                            \
    int urcu_##f##_peer_stack_push(struct urcu_peer *p, uint64_t v);                               \
    bool urcu_##f##_peer_stack_pop(struct urcu_peer *p, uint64_t *v);                              \
    int urcu_##f##_peer_queue_push(struct urcu_peer *p, uint64_t v);                               \
    bool urcu_##f##_peer_queue_pop(struct urcu_peer *p, uint64_t *v);                              \
    /* nodes given to call_rcu and not yet freed */                                                \
    uint64_t urcu_##f##_peer_unreclaimed(struct urcu_peer *p);

URCU_PEER_API(memb)
URCU_PEER_API(qsbr)

#endif
