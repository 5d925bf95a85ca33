/* false_sharing.h - the runs of false_sharing.c, for its tests. */
#ifndef CH01_FALSE_SHARING_H
#define CH01_FALSE_SHARING_H

#include <stdatomic.h>
#include <stdint.h>

#define FS_MAX_THREADS 8

enum fs_layout { FS_PACKED, FS_PADDED };
enum fs_op { FS_RMW, FS_STORE };

/* Points out[0..n) at the n counters of `layout` inside storage (which must be
 * CACHE_LINE aligned and FS_MAX_THREADS lines long). */
int fs_counter_addresses(enum fs_layout layout, void *storage, _Atomic uint64_t **out, int n);

/* threads threads, each incrementing (with op) its counter iters times. Returns wall
 * nanoseconds per increment per thread (or -1), the sum of the counters in *total. */
double fs_run(enum fs_layout layout, enum fs_op op, int threads, uint64_t iters, uint64_t *total);

#endif
