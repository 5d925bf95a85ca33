/* rocket.h - the rocket preparation problem of rocket.c, for its tests. */
#ifndef CH05_ROCKET_H
#define CH05_ROCKET_H

#include <stdint.h>
#include <stdio.h>

#define ROCKET_BOOK_SEED 2005

struct rocket_outcome {
    uint64_t published[3]; /* resources the producer put on the table: fuel, oxidizer,
                              astronauts (the rockets took 3 of each) */
    char broken[200];      /* "" when the transcript kept every invariant, else why not */
};

/* Runs the puzzle once: three rockets, a producer seeded with `seed` (not 0),
 * the countdown with `countdown_ms` between its steps. Every line goes to
 * `out`, whole, and the transcript is checked with rocket_check() at the end.
 * Returns 0 when it ran (broken[] says whether it behaved), -1 when the
 * threads or the transcript's buffer could not be made. */
int rocket_run(uint32_t seed, unsigned countdown_ms, FILE *out, struct rocket_outcome *o);

/* Checks a transcript, lines separated by '\n':
 *   - each rocket (KSC, VAB, WSMR) acquires FUEL, then OXIDIZER, then
 *     ASTRONAUTS, each exactly once;
 *   - every ACQUIRE line comes before "T-11", which comes once, after all nine;
 *   - the countdown runs 10, 9, ..., 1, each right-aligned in 4 columns;
 *   - every rocket's LIFT OFF comes after "1", exactly once;
 *   - there is no other line.
 * Returns 0, or -1 with the first broken invariant (and its line) in why[]. */
int rocket_check(const char *transcript, char *why, size_t len);

#endif
