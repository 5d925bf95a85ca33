/*
 * clock.h - time for measurements: a monotonic clock and a cycle counter.
 *
 * lab_now_ns() is CLOCK_MONOTONIC: never jumps, comparable across threads.
 * lab_cycles() is the cheapest counter the architecture lets user code read:
 *   x86-64   rdtsc       (constant-rate TSC on modern CPUs: ticks at a fixed
 *                         frequency, not the core clock)
 *   aarch64  cntvct_el0  (the generic timer, typically 19.2-54 MHz on a Pi,
 *                         so only useful over thousands of nanoseconds)
 *   other    none readable from user space (armv7 needs a kernel module to
 *            expose PMCCNTR): falls back to lab_now_ns().
 * lab_cycles_source() names which one this build uses.
 */
#ifndef LAB_CLOCK_H
#define LAB_CLOCK_H

#include <errno.h>
#include <stdint.h>
#include <time.h>

static inline uint64_t lab_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
static inline uint64_t lab_cycles(void)
{
    return __rdtsc();
}
static inline const char *lab_cycles_source(void)
{
    return "rdtsc";
}
#elif defined(__aarch64__)
static inline uint64_t lab_cycles(void)
{
    uint64_t v;
    __asm__ __volatile__("isb; mrs %0, cntvct_el0" : "=r"(v)::"memory");
    return v;
}
static inline const char *lab_cycles_source(void)
{
    return "cntvct_el0";
}
#else
static inline uint64_t lab_cycles(void)
{
    return lab_now_ns();
}
static inline const char *lab_cycles_source(void)
{
    return "clock_gettime (no user counter)";
}
#endif

/* Sleeps until lab_now_ns() reaches t (at once if it has): what a program
 * that prints a row every interval waits with, so that the rows keep their
 * pace however long printing took. */
static inline void lab_sleep_until_ns(uint64_t t)
{
    struct timespec at = {.tv_sec = (time_t)(t / 1000000000u), .tv_nsec = (long)(t % 1000000000u)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == EINTR) {
    } /* interrupted by a signal: sleep on */
}

/* The CLOCK_REALTIME time ms milliseconds from now: the absolute deadline
 * pthread_cond_timedwait takes. */
static inline struct timespec lab_deadline_ms(long ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000;
    if (t.tv_nsec >= 1000000000) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000;
    }
    return t;
}

/* Seconds elapsed since t0_ns, as a double. */
static inline double lab_seconds_since(uint64_t t0_ns)
{
    return (double)(lab_now_ns() - t0_ns) / 1e9;
}

#endif
