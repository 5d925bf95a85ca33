/* poll.h - the pieces of poll_atomics.c that its tests exercise. */
#ifndef POLL_H
#define POLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rng.h"

/* A standard normal deviate (Box-Muller, one of the pair). */
double poll_normal(struct splitmix64 *r);

/* A skew-normal deviate with location xi, scale omega and shape alpha,
 * clamped at 0: xi + omega * (delta |u0| + sqrt(1 - delta^2) u1). */
double poll_skew_normal(struct splitmix64 *r, double xi, double omega, double alpha);

/* Runs `threads` workers that increment a counter as fast as they can while a
 * poller swaps it out every `interval_ns`, for `duration_ns`; then stops them
 * and swaps out the residual. *read gets everything the poller read plus the
 * residual, *made the increments the workers counted themselves: conservation
 * says they are equal. The duration counts from the first increment, so that
 * every run counts something however loaded the machine. Returns 0, or -1 if
 * the threads could not start or made no increment in 30 s. */
int poll_conservation(int threads, int64_t interval_ns, int64_t duration_ns, uint64_t *read,
                      uint64_t *made);

#endif
