/* rc_race.h - the racy reference count of rc_race.c, run whole, for its test. */
#ifndef CH04_RC_RACE_H
#define CH04_RC_RACE_H

#include <stdbool.h>

/* What a run did to the count. */
struct rc_race_outcome {
    long count;                  /* without drop: where the count ended (10 is right) */
    unsigned frees, early_frees; /* drop: frees, and frees while another thread used it */
};

/* The most iters with lockstep: its steps, 3 x threads x iters at most, are
 * counted in a 32-bit futex word. */
#define RC_RACE_LOCKSTEP_MAX_ITERS 1000000

/* Runs `threads` threads of `iters` retains then releases on one object, as
 * rc_race does: free-running, or with lockstep in the order its gate forces
 * (rc_race.c). Returns 0, EINVAL for lockstep with iters 0 or above the
 * most, or another positive errno when the threads did not start.
 * With lockstep and without drop the count ends at exactly
 * 10 - (threads - 1) * iters. */
int rc_race_run(unsigned threads, unsigned long iters, bool drop, bool lockstep,
                struct rc_race_outcome *out);

#endif
