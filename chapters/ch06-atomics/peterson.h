/* peterson.h - Peterson's lock, three ways (peterson.c). */
#ifndef CH06_PETERSON_H
#define CH06_PETERSON_H

#include <stdint.h>

enum peterson_variant { PETERSON_SEQCST, PETERSON_ACQREL, PETERSON_FENCE };

/* Two threads take the lock `iters` times each and increment a plain counter
 * inside; returns the counter (2 * iters when the lock excluded), or -1 when
 * the threads could not be started. */
int64_t peterson_run(enum peterson_variant v, uint64_t iters);

#endif
