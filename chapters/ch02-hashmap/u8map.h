/*
 * u8map.h - the book's specialised map for 8-bit keys: no hashing at all, the
 * key is the index into 256 slots. A template over the value type:
 *
 *     #define U8MAP_NAME u8map_u32
 *     #define U8MAP_VAL uint32_t
 *     #include "u8map.h"
 *
 * What to look at: the trade. Knowing the domain (256 keys) buys an array
 * lookup instead of a hash, a probe and a compare, for a fixed 256 slots of
 * memory (1 KiB of uint32_t plus a 32-byte bitmap of which keys are present).
 * The presence bits live apart from the values (structure of arrays): a miss
 * touches one 32-byte bitmap, not the values. Indexing by a uint8_t cannot go
 * out of bounds, so the book's get_unchecked needs no counterpart here.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#ifndef U8MAP_CAT
#define U8MAP_CAT2(a, b) a##_##b
#define U8MAP_CAT(a, b) U8MAP_CAT2(a, b)
#endif
#define U8_(x) U8MAP_CAT(U8MAP_NAME, x)

struct U8MAP_NAME {
    uint64_t present[4]; /* bit k: key k is in the map */
    U8MAP_VAL val[256];
};

static inline void U8_(init)(struct U8MAP_NAME *m)
{
    memset(m->present, 0, sizeof m->present);
}

static inline bool U8_(has)(const struct U8MAP_NAME *m, uint8_t k)
{
    return m->present[k >> 6] >> (k & 63) & 1;
}

/* 1 replaced (*old), 0 added: the same contract as the general maps. */
static inline int U8_(insert)(struct U8MAP_NAME *m, uint8_t k, U8MAP_VAL v, U8MAP_VAL *old)
{
    int replaced = U8_(has)(m, k);
    if (replaced && old != NULL)
        *old = m->val[k];
    m->present[k >> 6] |= 1ull << (k & 63);
    m->val[k] = v;
    return replaced;
}

static inline U8MAP_VAL *U8_(get)(struct U8MAP_NAME *m, uint8_t k)
{
    return U8_(has)(m, k) ? &m->val[k] : NULL;
}

static inline bool U8_(remove)(struct U8MAP_NAME *m, uint8_t k, U8MAP_VAL *val)
{
    if (!U8_(has)(m, k))
        return false;
    if (val != NULL)
        *val = m->val[k];
    m->present[k >> 6] &= ~(1ull << (k & 63));
    return true;
}

static inline size_t U8_(len)(const struct U8MAP_NAME *m)
{
    size_t n = 0;
    for (int i = 0; i < 4; i++)
        n += (size_t)__builtin_popcountll(m->present[i]);
    return n;
}

#undef U8_
#undef U8MAP_NAME
#undef U8MAP_VAL
