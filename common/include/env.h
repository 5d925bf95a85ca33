/*
 * env.h - what the environment a program runs in does to its numbers.
 *
 * Under qemu-user (LAB_EMULATED=1, set by the cross runner), valgrind or
 * ThreadSanitizer a program runs 10-100x slower, and qemu does not even keep the
 * guest's memory ordering. Programs and tests ask here how to scale loop counts
 * and timeouts, and whether a timing or ordering result means anything.
 */
#ifndef LAB_ENV_H
#define LAB_ENV_H

#include <stdbool.h>

/* True when LAB_EMULATED is set to something other than "" or "0". */
bool lab_emulated(void);

/* True when LAB_LONG is set to something other than "" or "0": the long tier
 * (ci/long) runs the soak-sized tests, which make check skips. */
bool lab_long(void);

/* True when running on valgrind's synthetic CPU (any tool). */
bool lab_under_valgrind(void);

/* True in a -fsanitize=thread build. */
bool lab_under_tsan(void);

/* How many times slower than native this run is expected to be: 1 natively,
 * larger under emulation, valgrind or TSan; LAB_TIMEOUT_SCALE overrides it. */
double lab_slowdown(void);

/* n scaled down for a slow environment (never below 1). Property runs, loop
 * counts and litmus iterations go through this. */
unsigned long lab_scaled(unsigned long n);

/* A field of /proc/self/status in KiB ("VmRSS": resident now, "VmHWM": its
 * peak), or -1 where there is none. */
long lab_status_kib(const char *field);

#endif
