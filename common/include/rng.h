/*
 * rng.h - small, fast, seedable pseudo-random generators (not for cryptography).
 *
 *   splitmix64   64-bit state, full period 2^64; the generator to reach for, and
 *                the standard way to turn one seed into many (seed other
 *                generators, per-thread streams).
 *   xorshift128  Marsaglia's xor128 on four 32-bit words: the book's XorShiftRng
 *                (Rust rand 0.4), so the ports reproduce the book's numbers from
 *                its seed {1981, 1986, 2003, 2011}.
 *   xorshift32   Marsaglia's 32-bit xorshift (13, 17, 5): the book's tiny
 *                generator for the rocket problem (seed 2005).
 *
 * Every program that draws random numbers takes --seed and defaults to a fixed
 * one, so a run can be repeated.
 */
#ifndef LAB_RNG_H
#define LAB_RNG_H

#include <stdint.h>

struct splitmix64 {
    uint64_t state;
};

static inline uint64_t splitmix64_next(struct splitmix64 *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* A uniform integer in [0, n), n > 0, without modulo bias: draws below
 * 2^64 mod n are rejected so that every residue is equally likely. */
static inline uint64_t splitmix64_below(struct splitmix64 *r, uint64_t n)
{
    uint64_t threshold = -n % n;
    for (;;) {
        uint64_t x = splitmix64_next(r);
        if (x >= threshold)
            return x % n;
    }
}

struct xorshift128 {
    uint32_t x, y, z, w;
};

/* The book's seed for XorShiftRng. */
#define XORSHIFT128_BOOK_SEED                                                                      \
    {                                                                                              \
        1981, 1986, 2003, 2011                                                                     \
    }

static inline uint32_t xorshift128_next(struct xorshift128 *r)
{
    uint32_t t = r->x ^ (r->x << 11);
    r->x = r->y;
    r->y = r->z;
    r->z = r->w;
    r->w = r->w ^ (r->w >> 19) ^ (t ^ (t >> 8));
    return r->w;
}

struct xorshift32 {
    uint32_t state; /* must not be 0 */
};

static inline uint32_t xorshift32_next(struct xorshift32 *r)
{
    uint32_t x = r->state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return r->state = x;
}

#endif
