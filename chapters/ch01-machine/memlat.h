/* memlat.h - the pointer chase of memlat.c, for its tests. */
#ifndef CH01_MEMLAT_H
#define CH01_MEMLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct node; /* one cache line: a pointer to the next node, and padding */

struct memlat_cache {
    int level;
    unsigned long kib;
};

/* n nodes, cache-line aligned (2 MiB aligned and advised for huge pages). */
struct node *memlat_alloc(size_t n, bool hugepages);

/* Links the n nodes into one random cycle through all of them. 0 or -ENOMEM. */
int memlat_link(struct node *nodes, size_t n, uint64_t seed);

/* Steps until back at start, at most limit + 1 steps; returns the steps taken. */
size_t memlat_cycle_length(const struct node *start, size_t limit);

/* ns per dependent load over a working set of `bytes`, the best of `repeat`
 * passes of `loads` loads; -1 if it cannot allocate. */
double memlat_measure(size_t bytes, uint64_t loads, int repeat, uint64_t seed, bool hugepages);

/* A flat stretch of the latency curve: one level of the memory hierarchy. */
struct memlat_plateau {
    size_t from_kib, to_kib;
    double ns; /* median latency over the stretch */
};

/* The flat stretches of a curve of n points (sizes ascending), at most max. */
int memlat_plateaus(const size_t *kib, const double *ns, int n, struct memlat_plateau *out,
                    int max);

/* The data and unified caches of cpu0 from sysfs, smallest level first. */
int memlat_cache_levels(struct memlat_cache *levels, int max);

/* The summary line (without its newline): each plateau named for the cache level
 * it is (then DRAM), or numbered "level N" when sysfs reported no caches. */
void memlat_summary(FILE *out, const struct memlat_plateau *flat, int nflat,
                    const struct memlat_cache *levels, int nlevels);

#endif
