/*
 * runner.h - the book's runner programs (standard, naive, specialized): the
 * same 100,000 random operations on a map, and four counts at the end that
 * must come out exactly as the book printed them.
 *
 * Each iteration draws from the book's xorshift128 (seeded 1981, 1986, 2003,
 * 2011): a key (the low 16 bits of a draw, or the low 8 for the specialised
 * map), then a coin (the low bit of a draw); heads draws a 32-bit value and
 * inserts it, counting whether the key was new (empty) or not (present);
 * tails looks the key up (fail or success). The draw order is the book's, so
 * the counts are too:
 *
 *   standard, naive (16-bit keys)   empty 35217  present 15071  fail 34551  success 15161
 *   specialized (8-bit keys)        empty 256    present 50032  fail 199    success 49513
 */
#ifndef CH02_RUNNER_H
#define CH02_RUNNER_H

#include <stdint.h>
#include <stdio.h>

#include "maps.h"
#include "rng.h"

struct runner_counts {
    uint64_t empty, present, fail, success;
};

/* The loop for any map with the shared verbs: M is its prefix, m a pointer to
 * it, KEY_BITS 16 or 8. Insert failing for lack of memory ends the run. */
#define RUNNER_LOOP(M, m, key_type, rng, iters, counts)                                            \
    do {                                                                                           \
        for (uint64_t i_ = 0; i_ < (iters); i_++) {                                                \
            key_type k_ = (key_type)xorshift128_next(rng);                                         \
            if (xorshift128_next(rng) & 1) {                                                       \
                int rc_ = M##_insert((m), k_, xorshift128_next(rng), NULL);                        \
                if (rc_ < 0)                                                                       \
                    break;                                                                         \
                (counts)->empty += rc_ == 0;                                                       \
                (counts)->present += rc_ == 1;                                                     \
            } else if (M##_get((m), k_) != NULL) {                                                 \
                (counts)->success++;                                                               \
            } else {                                                                               \
                (counts)->fail++;                                                                  \
            }                                                                                      \
        }                                                                                          \
    } while (0)

static inline struct runner_counts runner_standard(struct xorshift128 rng, uint64_t iters,
                                                   struct map_hasher h)
{
    struct runner_counts c = {0};
    struct rh_u16 m;
    rh_u16_init(&m, h);
    RUNNER_LOOP(rh_u16, &m, uint16_t, &rng, iters, &c);
    rh_u16_free(&m);
    return c;
}

static inline struct runner_counts runner_naive(struct xorshift128 rng, uint64_t iters,
                                                struct map_hasher h)
{
    struct runner_counts c = {0};
    struct naive_u16 m;
    naive_u16_init(&m, h);
    RUNNER_LOOP(naive_u16, &m, uint16_t, &rng, iters, &c);
    naive_u16_free(&m);
    return c;
}

static inline struct runner_counts runner_specialized(struct xorshift128 rng, uint64_t iters)
{
    struct runner_counts c = {0};
    struct u8map_u32 m;
    u8map_u32_init(&m);
    RUNNER_LOOP(u8map_u32, &m, uint8_t, &rng, iters, &c);
    return c;
}

static inline void runner_print(const struct runner_counts *c, FILE *out)
{
    fprintf(out, "INSERT\n  empty: %llu\n  present: %llu\nLOOKUP\n  fail: %llu\n  success: %llu\n",
            (unsigned long long)c->empty, (unsigned long long)c->present,
            (unsigned long long)c->fail, (unsigned long long)c->success);
}

/* "A,B,C,D": the four seed words of xorshift128 (none may make all four 0). */
int runner_parse_seed(const char *text, struct xorshift128 *out);

/* The command line the three runner programs share; returns the iterations
 * and fills the seed and the hasher. */
uint64_t runner_cli(const char *prog, const char *summary, int argc, char **argv,
                    struct xorshift128 *rng, struct map_hasher *hasher);

#endif
