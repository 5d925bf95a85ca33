/* barrier.h - the pthread_barrier_wait demo of barrier.c, for its tests. */
#ifndef CH05_BARRIER_H
#define CH05_BARRIER_H

#include <stddef.h>
#include <stdint.h>

#define BARRIER_MAX_THREADS 64

struct barrier_outcome {
    uint64_t led[BARRIER_MAX_THREADS]; /* rounds each thread was the leader of */
    uint64_t leaderless, crowded;      /* rounds with no leader / with more than one */
    uint64_t first_bad_round;          /* the first such round (if any) */
    uint64_t stale;                    /* stamps a leader found not yet written */
    double seconds;                    /* wall time of all the rounds */
};

/* Runs `threads` threads (2..BARRIER_MAX_THREADS) through `rounds` rounds of
 * one barrier and counts the leaders (PTHREAD_BARRIER_SERIAL_THREAD) of every
 * round. Returns 0, or -1 if the arguments are out of range or the threads or
 * the barrier cannot be made. */
int barrier_run(size_t threads, uint64_t rounds, struct barrier_outcome *out);

#endif
