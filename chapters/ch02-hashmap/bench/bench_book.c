/*
 * bench_book.c - the book's own benchmark of its three maps: n random
 * operations on a fresh map, each a coin flip between inserting a random
 * 32-bit value and looking up, on 8-bit keys, for n = 1, 10, ..., 100000.
 * One iteration is one whole run of n operations from the book's xorshift128
 * seed; the estimate is the time of that run (criterion's "HashMap/<n>/naive").
 *
 * With 8-bit keys the naive map never holds more than 256 entries, which is
 * why the book found it only about 5 times slower than std's map. The u16
 * series (16-bit keys, as the runner programs use) lets it grow, and shows
 * the O(n) insert for what it is.
 */
#include "bench.h"
#include "maps.h"
#include "rng.h"

enum width { U8, U16 };

struct job {
    long n;
    enum width width;
};

static uint16_t draw_key(struct xorshift128 *r, enum width w)
{
    uint32_t x = xorshift128_next(r);
    return w == U8 ? (uint8_t)x : (uint16_t)x;
}

#define BOOK_ROUTINE(NAME, M, INIT, FREE)                                                          \
    static void NAME(void *state, uint64_t iters)                                                  \
    {                                                                                              \
        const struct job *j = state;                                                               \
        for (uint64_t it = 0; it < iters; it++) {                                                  \
            struct xorshift128 r = XORSHIFT128_BOOK_SEED;                                          \
            struct M m;                                                                            \
            INIT;                                                                                  \
            uint64_t found = 0;                                                                    \
            for (long i = 0; i < j->n; i++) {                                                      \
                uint16_t k = draw_key(&r, j->width);                                               \
                if (xorshift128_next(&r) & 1)                                                      \
                    M##_insert(&m, k, xorshift128_next(&r), NULL);                                 \
                else                                                                               \
                    found += M##_get(&m, k) != NULL;                                               \
            }                                                                                      \
            bench_black_box(&found);                                                               \
            FREE;                                                                                  \
        }                                                                                          \
    }

BOOK_ROUTINE(run_naive, naive_u16, naive_u16_init(&m, map_hasher_seeded(1)), naive_u16_free(&m))
BOOK_ROUTINE(run_standard, rh_u16, rh_u16_init(&m, map_hasher_seeded(1)), rh_u16_free(&m))

/* The specialised map takes 8-bit keys only. */
static void run_specialized(void *state, uint64_t iters)
{
    const struct job *j = state;
    for (uint64_t it = 0; it < iters; it++) {
        struct xorshift128 r = XORSHIFT128_BOOK_SEED;
        struct u8map_u32 m;
        u8map_u32_init(&m);
        uint64_t found = 0;
        for (long i = 0; i < j->n; i++) {
            uint8_t k = (uint8_t)xorshift128_next(&r);
            if (xorshift128_next(&r) & 1)
                u8map_u32_insert(&m, k, xorshift128_next(&r), NULL);
            else
                found += u8map_u32_get(&m, k) != NULL;
        }
        bench_black_box(&found);
        bench_black_box(&m);
    }
}

static void *setup(const struct bench_params *p, const void *arg)
{
    static struct job jobs[64];
    static size_t next;
    struct job *j = &jobs[next++ % 64];
    *j = (struct job){p->size, *(const enum width *)arg};
    return j;
}

int main(int argc, char **argv)
{
    struct bench_run *run = bench_begin("ch02", "book", argc, argv);
    static const enum width u8 = U8, u16 = U16;
    long top = bench_quick(run) ? 1000 : 100000;
    for (long n = 1; n <= top; n *= 10) {
        const struct bench_result *std8 =
            bench_one(run, &(struct bench_def){.name = "u8/standard",
                                               .params = {.size = n},
                                               .arg = &u8,
                                               .setup = setup,
                                               .routine = run_standard});
        const struct bench_result *naive8 =
            bench_one(run, &(struct bench_def){.name = "u8/naive",
                                               .params = {.size = n},
                                               .arg = &u8,
                                               .setup = setup,
                                               .routine = run_naive});
        const struct bench_result *spec8 =
            bench_one(run, &(struct bench_def){.name = "u8/specialized",
                                               .params = {.size = n},
                                               .arg = &u8,
                                               .setup = setup,
                                               .routine = run_specialized});
        bench_vs(run, naive8, std8);
        bench_vs(run, std8, spec8);
        const struct bench_result *std16 =
            bench_one(run, &(struct bench_def){.name = "u16/standard",
                                               .params = {.size = n},
                                               .arg = &u16,
                                               .setup = setup,
                                               .routine = run_standard});
        const struct bench_result *naive16 =
            bench_one(run, &(struct bench_def){.name = "u16/naive",
                                               .params = {.size = n},
                                               .arg = &u16,
                                               .setup = setup,
                                               .routine = run_naive});
        bench_vs(run, naive16, std16);
    }
    return bench_end(run);
}
