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

/* One reader waits for one signal, sent 10 ms after it starts; buggy: it
 * tests the flag and waits in two steps, 50 ms apart. The ms it waited. */
long condvar_lost_wakeup(bool buggy, long timeout_ms);

#endif
