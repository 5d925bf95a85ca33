/*
 * siphash.h - SipHash-c-d, the keyed hash behind Rust's HashMap (SipHash-1-3)
 * and Python's str hash, and the map hasher built on it.
 *
 * A keyed hash makes the bucket of a key unpredictable to whoever chooses the
 * keys: without the key an attacker cannot send thousands of keys that land in
 * one bucket (Crosby and Wallach, 2003). SipHash-2-4 is the conservative PRF;
 * SipHash-1-3 (one compression round per word, three at the end) is what hash
 * tables use, since an attacker sees only bucket positions, never the hash.
 */
#ifndef CH02_SIPHASH_H
#define CH02_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* SipHash with `c` compression and `d` finalization rounds, 128-bit key
 * (k[0] little-endian bytes 0..7, k[1] bytes 8..15). */
uint64_t siphash(unsigned c, unsigned d, const uint64_t k[2], const void *data, size_t len);

static inline uint64_t siphash13(const uint64_t k[2], const void *data, size_t len)
{
    return siphash(1, 3, k, data, len);
}

/* A map's hasher: the key of its SipHash, as Rust's RandomState. */
struct map_hasher {
    uint64_t k[2];
};

/* A hasher with a random key from getrandom(2): the default, as in Rust. */
struct map_hasher map_hasher_random(void);

/* A hasher with a key derived from `seed`: runs that repeat (tests, benchmarks). */
struct map_hasher map_hasher_seeded(uint64_t seed);

#endif
