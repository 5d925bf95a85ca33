/*
 * map_template.h - how the maps of this chapter are written once and built
 * for any key and value type: C's answer to generics is the preprocessor.
 *
 * A map header (naive_map.h, robinhood.h, swiss.h) is a template. Define its
 * parameters, include it, and it emits `struct NAME` and functions with the
 * NAME_ prefix, specialised for the types: no void pointers, no function
 * pointer per comparison, everything inlinable (what C++ templates and Rust
 * generics give for free):
 *
 *     #define MAP_NAME rh_u64                 // the prefix
 *     #define MAP_KEY uint64_t
 *     #define MAP_VAL uint64_t
 *     #define MAP_HASH(hasher, key) siphash13((hasher)->k, &(key), sizeof(key))
 *     #define MAP_EQ(a, b) ((a) == (b))
 *     #include "robinhood.h"                  // undefines the parameters again
 *
 * MAP_HASH gets a `const struct map_hasher *` and an lvalue of MAP_KEY.
 * Every general map has the same verbs:
 *
 *     void   NAME_init(struct NAME *m, struct map_hasher h);
 *     void   NAME_free(struct NAME *m);            // the table; keys and values are the caller's
 *     int    NAME_insert(struct NAME *m, K k, V v, V *old); // 1 replaced (*old, k not kept),
 *                                                   // 0 added, -ENOMEM
 *     V     *NAME_get(const struct NAME *m, K k);  // NULL when absent
 *     bool   NAME_remove(struct NAME *m, K k, K *key, V *val); // the stored key and value
 *     size_t NAME_len(const struct NAME *m);
 *     bool   NAME_next(const struct NAME *m, size_t *it, K *k, V *v); // *it = 0 to start
 *     size_t NAME_bytes(const struct NAME *m);    // memory of the table itself
 *
 * The open-addressing maps (robinhood.h, swiss.h) also have
 *
 *     int    NAME_reserve(struct NAME *m, size_t additional); // 0, or -ENOMEM
 *
 * with one meaning for both, Rust's HashMap::reserve: room for `additional`
 * MORE entries than the map holds now, so that the next `additional` inserts
 * of new keys rehash nothing (deleted slots counted; for Robin Hood, barring
 * its early doubling under a flood of collisions). Not C++'s
 * unordered_map::reserve(count), which counts the entries in all. A request
 * whose table would not fit in a size_t gets -ENOMEM at once, the map as it
 * was.
 */
#ifndef CH02_MAP_TEMPLATE_H
#define CH02_MAP_TEMPLATE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "siphash.h"

#define MAP_CAT2(a, b) a##_##b
#define MAP_CAT(a, b) MAP_CAT2(a, b)

/* A fast hash of a 64-bit integer for the tables that need speed more than a
 * PRF (swiss.h): a keyed multiply whose 128-bit product folds its high half
 * into the low one, so every input bit reaches every output bit (the mixer of
 * wyhash and Abseil). 32-bit targets have no 128-bit product: there, the
 * finalizer of MurmurHash3 on the keyed input. */
static inline uint64_t map_mix64(uint64_t x, uint64_t seed)
{
#ifdef __SIZEOF_INT128__
    __uint128_t p = (__uint128_t)(x ^ seed) * 0x9e3779b97f4a7c15ull;
    return (uint64_t)(p >> 64) ^ (uint64_t)p;
#else
    x ^= seed;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
#endif
}

#endif

#if defined(MAP_NAME) &&                                                                           \
    !(defined(MAP_KEY) && defined(MAP_VAL) && defined(MAP_HASH) && defined(MAP_EQ))
#error "a map template needs MAP_NAME, MAP_KEY, MAP_VAL, MAP_HASH and MAP_EQ"
#endif
