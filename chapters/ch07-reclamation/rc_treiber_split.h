/*
 * rc_treiber_split.h - a lock-free Treiber stack whose nodes are freed by
 * split reference counts (Williams, C++ Concurrency in Action, ch. 7, after
 * Valois): the correct twin of rc_treiber_book.h.
 *
 *     struct rcs *s = rcs_new();
 *     rcs_push(s, v);  rcs_pop(s, &v);     (any threads)
 *     rcs_free(s);
 *
 * The head is a pair {node, external count} changed by a double-width CAS
 * (dwcas.h); each node also has an internal count. How they work together:
 * rc_treiber_split.c.
 */
#ifndef CH07_RC_TREIBER_SPLIT_H
#define CH07_RC_TREIBER_SPLIT_H

#include <stdbool.h>
#include <stdint.h>

/* The layout is rc_treiber_split.c's own: it needs dwcas.h, and on x86-64
 * that needs -mcx16, which only that file is built with. */
struct rcs;
struct rcs_node;

/* NULL when out of memory. */
struct rcs *rcs_new(void);
/* Frees the nodes still on the stack, then the stack (no thread may use it). */
void rcs_free(struct rcs *s);
int rcs_push(struct rcs *s, uint64_t v); /* 0, or -ENOMEM */
bool rcs_pop(struct rcs *s, uint64_t *v);

/* The head pair, and one CAS of it: the double-width CAS as this build does
 * it, for the tests (a CAS must fail when either half differs). */
void rcs_head(struct rcs *s, struct rcs_node **node, uintptr_t *count);
bool rcs_head_cas(struct rcs *s, struct rcs_node **node, uintptr_t *count,
                  struct rcs_node *new_node, uintptr_t new_count);

#endif
