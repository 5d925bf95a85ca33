/* contention.h - counter designs of contention.c, for its tests and benchmark. */
#ifndef CONTENTION_H
#define CONTENTION_H

#include <stdint.h>

enum counter_design {
    COUNTER_SHARED,     /* one atomic: every thread fetch_adds it, the poller swaps it */
    COUNTER_LOAD_DELTA, /* one atomic, never reset: the poller loads it and subtracts */
    COUNTER_SHARDED,    /* one padded atomic per thread: the poller loads and sums them */
    COUNTER_DESIGNS
};

extern const char *const counter_design_names[];

/* threads threads make iters increments each on the design's counter, while a
 * poller reads it every poll_ns (0: as fast as it can; -1: no poller). *read is
 * what the poller accounted for plus the residual after the threads stopped;
 * *made the increments made. Returns wall ns, or -1 if threads failed. */
double contention_run(enum counter_design d, int threads, uint64_t iters, int64_t poll_ns,
                      uint64_t *read, uint64_t *made, uint64_t *polls);

#endif
