/*
 * memlat.c - how long one load takes, by the size of the data it wanders in.
 *
 * The working set is a chain of cache-line-sized nodes linked in one random
 * cycle (Sattolo's shuffle), and the loop does nothing but `p = p->next`. Each
 * load depends on the one before, so the CPU cannot overlap them and the
 * prefetchers cannot guess the next address: the time per step is the latency
 * of wherever the chain lives. As the working set grows past each cache, the
 * time steps up: L1 (~1 ns), L2 (a few ns), L3 (tens of ns), DRAM (~100 ns).
 * Past the TLB's reach every load also pays a page walk; --hugepages asks the
 * kernel for 2 MiB pages (transparent huge pages) to take most of that away.
 *
 * The one thing to look at: the steps in the table, and where they sit against
 * the cache sizes this machine reports (printed first, from sysfs).
 *
 *   memlat [--min-kib N] [--max-kib N] [--loads N] [--repeat N] [--seed N]
 *          [--tsv FILE] [--hugepages]
 *
 * Output: one line per working-set size (KiB, ns per load), then a summary line
 * with the latency at each cache level. --tsv writes the table for gnuplot.
 */
#define _DEFAULT_SOURCE /* madvise(MADV_HUGEPAGE), a Linux extension */
#include "memlat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cacheline.h"
#include "cli.h"
#include "clock.h"
#include "env.h"
#include "rng.h"

struct node {
    struct node *next;
    char pad[CACHE_LINE - sizeof(struct node *)];
};
_Static_assert(sizeof(struct node) == CACHE_LINE, "one node per cache line");

int memlat_link(struct node *nodes, size_t n, uint64_t seed)
{
    size_t *order = malloc(n * sizeof *order);
    if (order == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    /* Sattolo's algorithm: like Fisher-Yates, but j < i strictly, which yields
     * a permutation that is one single cycle through all n elements. */
    struct splitmix64 rng = {seed};
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)splitmix64_below(&rng, i);
        size_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (size_t i = 0; i < n; i++)
        nodes[i].next = &nodes[order[i]];
    free(order);
    return 0;
}

size_t memlat_cycle_length(const struct node *start, size_t limit)
{
    const struct node *p = start;
    size_t len = 0;
    do {
        p = p->next;
        len++;
    } while (p != start && len <= limit);
    return len;
}

/* Walks the chain `loads` times; returns the last node so the loop stays. */
static struct node *chase(struct node *p, uint64_t loads)
{
    for (uint64_t i = 0; i < loads; i++)
        p = p->next;
    return p;
}

struct node *memlat_alloc(size_t n, bool hugepages)
{
    size_t align = hugepages ? (size_t)2 << 20 : CACHE_LINE;
    size_t bytes = (n * sizeof(struct node) + align - 1) / align * align;
    struct node *nodes = aligned_alloc(align, bytes);
    if (nodes != NULL && hugepages)
        madvise(nodes, bytes, MADV_HUGEPAGE); /* advice only: ignore failure */
    return nodes;
}

double memlat_measure(size_t bytes, uint64_t loads, int repeat, uint64_t seed, bool hugepages)
{
    size_t n = bytes / sizeof(struct node);
    if (n < 2)
        return -1;
    struct node *nodes = memlat_alloc(n, hugepages);
    if (nodes == NULL)
        return -1;
    double best = -1;
    if (memlat_link(nodes, n, seed) == 0) {
        /* Warm up: bring (up to 2M nodes of) the set into the caches and TLB. */
        struct node *volatile sink = chase(nodes, n < (2u << 20) ? n : (2u << 20));
        for (int r = 0; r < repeat; r++) {
            uint64_t t0 = lab_now_ns();
            sink = chase(sink, loads);
            double ns = (double)(lab_now_ns() - t0) / (double)loads;
            if (best < 0 || ns < best)
                best = ns; /* the minimum: noise only ever adds time */
        }
    }
    free(nodes);
    return best;
}

int memlat_cache_levels(struct memlat_cache *levels, int max)
{
    int found = 0;
    for (int i = 0; i < 8 && found < max; i++) {
        char path[128], type[32] = "", size[32] = "";
        int level = 0;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            break;
        if (fscanf(f, "%d", &level) != 1)
            level = 0;
        fclose(f);
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
        if ((f = fopen(path, "r")) != NULL) {
            if (fscanf(f, "%31s", type) != 1)
                type[0] = '\0';
            fclose(f);
        }
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        if ((f = fopen(path, "r")) != NULL) {
            if (fscanf(f, "%31s", size) != 1)
                size[0] = '\0';
            fclose(f);
        }
        if (strcmp(type, "Instruction") == 0 || level <= 0)
            continue;
        char *end;
        unsigned long kib = strtoul(size, &end, 10);
        if (*end == 'M')
            kib *= 1024;
        if (kib == 0)
            continue;
        levels[found++] = (struct memlat_cache){.level = level, .kib = kib};
    }
    return found;
}

/* A point is flat when the curve around it rises less than FLAT_RISE; a flat
 * stretch ends where it climbs more than FLAT_DRIFT above its lowest point. */
#define FLAT_RISE 1.2
#define FLAT_DRIFT 1.3

int memlat_plateaus(const size_t *kib, const double *ns, int n, struct memlat_plateau *out, int max)
{
    int found = 0, start = -1;
    for (int i = 0; i <= n; i++) {
        bool flat = false;
        if (i < n && n >= 2) {
            int lo = i > 0 ? i - 1 : 0, hi = i < n - 1 ? i + 1 : n - 1;
            flat = ns[hi] < ns[lo] * FLAT_RISE;
            if (flat && start >= 0 && ns[i] > ns[start] * FLAT_DRIFT)
                flat = false;
        }
        if (flat && start < 0)
            start = i;
        if (!flat && start >= 0) {
            int end = i - 1; /* a stretch of start..end */
            if (end > start && found < max) {
                double sorted[128];
                int m = 0;
                for (int k = start; k <= end && m < 128; k++) {
                    int j = m++;
                    for (; j > 0 && sorted[j - 1] > ns[k]; j--)
                        sorted[j] = sorted[j - 1];
                    sorted[j] = ns[k];
                }
                double med = sorted[m / 2];
                if (found > 0 && med < out[found - 1].ns * FLAT_DRIFT) {
                    out[found - 1].to_kib = kib[end]; /* the same level after a blip */
                } else {
                    out[found++] = (struct memlat_plateau){kib[start], kib[end], med};
                }
            }
            start = flat ? i : -1;
        }
    }
    return found;
}

/* The flat stretches of the curve are the levels: the first ones are the caches
 * sysfs reported, any beyond them main memory. Without sysfs's cache sizes (a
 * chroot or container without /sys, a device tree that gives none) nothing says
 * how many caches there are, nor which plateau is main memory: the levels are
 * numbered, not named. */
void memlat_summary(FILE *out, const struct memlat_plateau *flat, int nflat,
                    const struct memlat_cache *levels, int nlevels)
{
    fprintf(out, "memlat:");
    for (int i = 0; i < nflat; i++) {
        char name[24];
        if (nlevels == 0)
            snprintf(name, sizeof name, "level %d", i + 1);
        else if (i < nlevels)
            snprintf(name, sizeof name, "L%d", levels[i].level);
        else
            snprintf(name, sizeof name, "%s", i == nlevels ? "DRAM" : "beyond");
        fprintf(out, "%s %s %.1f ns (%zu-%zu KiB)", i ? "," : "", name, flat[i].ns,
                flat[i].from_kib, flat[i].to_kib);
    }
    if (nlevels == 0)
        fprintf(out, "%s cache sizes unavailable (sysfs reports none): levels numbered, not named",
                nflat ? ";" : "");
    else if (nflat <= nlevels)
        fprintf(out, "%s DRAM not reached: raise --max-kib", nflat ? ";" : "");
}

#ifndef LAB_NO_MAIN
/* Sizes from min to max KiB in steps of about sqrt(2): 1, 1.5, 2, 3, 4, 6, 8... */
static size_t next_size(size_t kib)
{
    size_t pow2 = 1;
    while (pow2 * 2 <= kib)
        pow2 *= 2;
    return kib == pow2 && pow2 >= 2 ? pow2 + pow2 / 2 : pow2 * 2;
}

int main(int argc, char **argv)
{
    struct memlat_cache levels[6];
    int nlevels = memlat_cache_levels(levels, 6);
    /* 512 MiB is past the last-level cache of nearly every machine (pass more
     * for the largest server parts); under emulation stay small. */
    uint64_t min_kib = 1, max_kib = lab_emulated() ? 16384 : 524288, loads = 2u << 20, seed = 1;
    long repeat = 3;
    bool hugepages = false;
    const char *tsv = NULL;
    const struct cli_option opts[] = {
        CLI_U64("min-kib", &min_kib, "N", "smallest working set, KiB"),
        CLI_U64("max-kib", &max_kib, "N", "largest working set, KiB"),
        CLI_U64("loads", &loads, "N", "loads timed per pass"),
        CLI_LONG("repeat", &repeat, "N", "timed passes per size; the minimum is kept", 1, 100),
        CLI_U64("seed", &seed, "N", "seed of the random chain"),
        CLI_STRING("tsv", &tsv, "FILE", "also write the table as TSV for gnuplot"),
        CLI_FLAG("hugepages", &hugepages, "ask for transparent 2 MiB pages (fewer TLB misses)"),
    };
    const struct cli cli = {
        .prog = "memlat",
        .summary = "Measure load latency by pointer chasing over growing working sets.",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    if (min_kib < 1 || max_kib < min_kib)
        cli_error("need 1 <= --min-kib <= --max-kib, got %llu and %llu",
                  (unsigned long long)min_kib, (unsigned long long)max_kib);
    if (max_kib > (uint64_t)64 << 20)
        cli_error("--max-kib %llu is over 64 GiB", (unsigned long long)max_kib);

    printf("# caches (sysfs, cpu0):");
    for (int i = 0; i < nlevels; i++)
        printf(" L%d %lu KiB", levels[i].level, levels[i].kib);
    printf("%s\n# kib\tns_per_load\n", nlevels ? "" : " none reported");

    FILE *out = NULL;
    if (tsv != NULL && (out = fopen(tsv, "w")) == NULL)
        die_errno("cannot write %s", tsv);
    if (out)
        fprintf(out, "# memlat: ns per dependent load by working-set size\n# kib\tns_per_load\n");

    size_t sizes[128];
    double ns[128];
    int n = 0;
    for (size_t kib = (size_t)min_kib; kib <= max_kib && n < 128; kib = next_size(kib)) {
        size_t bytes = kib * 1024;
        double t = memlat_measure(bytes, lab_scaled(loads), (int)repeat, seed, hugepages);
        if (t < 0)
            die("cannot allocate a %zu KiB working set", kib);
        sizes[n] = kib;
        ns[n++] = t;
        printf("%zu\t%.2f\n", kib, t);
        fflush(stdout);
        if (out)
            fprintf(out, "%zu\t%.3f\n", kib, t);
    }
    if (out && fclose(out) != 0)
        die_errno("cannot write %s", tsv);

    struct memlat_plateau flat[16];
    int nflat = memlat_plateaus(sizes, ns, n, flat, 16);
    memlat_summary(stdout, flat, nflat, levels, nlevels);
    printf("%s\n", lab_emulated() ? " [emulated: not the target's latencies]" : "");
    return 0;
}
#endif
