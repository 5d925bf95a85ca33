/* ring.h - the ring buffers of ring_racy.c and ring_mutex.c, for their tests. */
#ifndef CH04_RING_H
#define CH04_RING_H

#include <stdbool.h>
#include <stdint.h>

/* Runs a writer and a reader over a ring of `capacity` slots until the reader
 * has taken `count` values (0, 1, 2, ...). Returns the number of values the
 * reader found out of sequence (0 for a correct ring); *first_bad gets the
 * first (expected, found) pair, if any. */
struct ring_outcome {
    uint64_t taken, out_of_order, stomped; /* stomped: writer found a full slot */
    uint32_t expected, found;
};

int ring_mutex_run(uint32_t capacity, uint32_t count, struct ring_outcome *out);

#endif
