/* litmus.h - the litmus runner of litmus.c, for its tests. */
#ifndef CH01_LITMUS_H
#define CH01_LITMUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum litmus_test { LITMUS_SB, LITMUS_MP, LITMUS_LB, LITMUS_IRIW, LITMUS_TESTS };
enum litmus_order { LITMUS_RELAXED, LITMUS_ACQREL, LITMUS_SEQCST, LITMUS_FENCE, LITMUS_ORDERS };

/* How an outcome relates to the flavour it was seen under. */
enum litmus_kind {
    LITMUS_SEQUENTIAL,  /* some order of the threads, one after the other, gives it */
    LITMUS_INTERLEAVED, /* needs the threads to overlap: proof that they raced */
    LITMUS_WEAK,        /* no interleaving gives it, but C11 allows it here */
    LITMUS_FORBIDDEN,   /* C11 forbids it for this flavour */
};

extern const char *const litmus_test_names[];
extern const char *const litmus_order_names[];

int litmus_threads(enum litmus_test t);
int litmus_result_bits(enum litmus_test t);
int litmus_outcomes(enum litmus_test t); /* histogram size, at most 16 */
bool litmus_defined(enum litmus_test t, enum litmus_order o);
enum litmus_kind litmus_classify(enum litmus_test t, enum litmus_order o, int outcome);
void litmus_outcome_name(enum litmus_test t, int outcome, char *buf, size_t len);

/* Runs shape t in flavour o iters times; hist[outcome] counts (litmus_outcomes(t)
 * entries). Returns 0, or -1 if the flavour is undefined or threads failed. */
int litmus_run(enum litmus_test t, enum litmus_order o, unsigned long iters, unsigned max_delay,
               uint64_t seed, unsigned long *hist);

#endif
