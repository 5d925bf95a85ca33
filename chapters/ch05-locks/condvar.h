/* condvar.h - the condvar example and its variants (condvar.c), for the tests. */
#ifndef CH05_CONDVAR_H
#define CH05_CONDVAR_H

#include <stdbool.h>
#include <stdint.h>

struct condvar_result {
    uint64_t wakes, zeros, stolen; /* summed over the readers */
};

/* Runs the book's example with `variant` ("correct", "unlocked-flag",
 * "broadcast-unlocked", "two-mutexes", "if-wait"). 0 or -errno. */
int condvar_run(const char *variant, unsigned readers, unsigned zeros, uint64_t max_wakes,
                struct condvar_result *out);

/* One reader waits for one signal, at most timeout_ms. Correct, it waits in
 * the while loop and the writer signals 10 ms after the start; buggy, it tests
 * the flag and then waits without testing again, and the writer signals in
 * between, in every run (a lockstep forces the order). */
struct condvar_wakeup {
    bool signalled; /* the reader saw the flag: the signal reached it */
    long waited_ms; /* how long it waited */
};
struct condvar_wakeup condvar_lost_wakeup(bool buggy, long timeout_ms);

#endif
