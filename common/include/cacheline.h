/*
 * cacheline.h - keep data that different threads write on different cache lines.
 *
 * Two counters written by two threads but sharing one 64-byte line make the
 * line bounce between the cores' caches on every write ("false sharing",
 * chapter 1). Aligning each to CACHE_LINE gives it a line of its own.
 *
 * 64 bytes is the line of every x86-64 CPU and of the Cortex-A53/A72/A76 in the
 * Raspberry Pi 3/4/5. Some big ARM cores (Apple M-series) use 128, and Intel's
 * adjacent-line prefetcher pulls pairs of lines, so CACHE_LINE_PAIR is offered
 * for structures where that matters.
 */
#ifndef LAB_CACHELINE_H
#define LAB_CACHELINE_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>

#define CACHE_LINE 64
#define CACHE_LINE_PAIR (2 * CACHE_LINE)

/* alignas(CACHE_LINE) for a member or variable that must start a line. */
#define CACHE_ALIGNED alignas(CACHE_LINE)

/* A counter alone on its line: sizeof == CACHE_LINE, so arrays of it never share. */
struct padded_counter {
    CACHE_ALIGNED _Atomic uint64_t value;
};
_Static_assert(sizeof(struct padded_counter) == CACHE_LINE,
               "a padded counter fills exactly one cache line");
_Static_assert(alignof(struct padded_counter) == CACHE_LINE,
               "a padded counter starts a cache line");

/* Index of the cache line an address falls in (for tests and diagnostics). */
static inline uintptr_t cache_line_of(const void *p)
{
    return (uintptr_t)p / CACHE_LINE;
}

#endif
