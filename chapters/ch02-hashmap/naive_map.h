/*
 * naive_map.h - the book's naive hash map: one array of (hash, key, value),
 * kept sorted by hash. A template: see map_template.h.
 *
 * Insert walks the array to the first larger hash and shifts the tail right
 * to make room (memmove): O(n) per insert, O(n^2) to fill. Lookup scans the
 * whole array. It is correct and slow, the starting point the chapter measures
 * everything else against.
 *
 * It also keeps the book's hidden bug: it compares hashes and never keys, so
 * two distinct keys with the same 64-bit hash are one key to it. With SipHash
 * that almost never happens, and the book's property tests never see it;
 * `hash_bits` weakens the hash to its low N bits so that it happens often, and
 * tests/test_properties.c has the property that finds it and shrinks it to
 * two colliding keys. `compare_keys` is the fix: among equal hashes, compare
 * the keys.
 */
#include "map_template.h"

#define NV_(x) MAP_CAT(MAP_NAME, x)

struct NV_(entry) {
    uint64_t hash;
    MAP_KEY key;
    MAP_VAL val;
};

struct MAP_NAME {
    struct NV_(entry) * data; /* sorted by hash, ascending */
    size_t len, cap;
    struct map_hasher hasher;
    uint64_t hash_mask; /* all ones, or the low hash_bits bits */
    bool compare_keys;  /* false: the book's bug */
};

/* The book's map: full 64-bit hashes, keys never compared. */
static inline void NV_(init)(struct MAP_NAME *m, struct map_hasher h)
{
    *m = (struct MAP_NAME){.hasher = h, .hash_mask = ~0ull};
}

/* hash_bits in 1..64 keeps only that many bits of the hash; compare_keys
 * fixes the bug. */
static inline void NV_(init_with)(struct MAP_NAME *m, struct map_hasher h, unsigned hash_bits,
                                  bool compare_keys)
{
    NV_(init)(m, h);
    if (hash_bits < 64)
        m->hash_mask = (1ull << hash_bits) - 1;
    m->compare_keys = compare_keys;
}

static inline void NV_(free)(struct MAP_NAME *m)
{
    free(m->data);
    m->data = NULL;
    m->len = m->cap = 0;
}

static inline size_t NV_(len)(const struct MAP_NAME *m)
{
    return m->len;
}

static inline size_t NV_(bytes)(const struct MAP_NAME *m)
{
    return m->cap * sizeof(struct NV_(entry));
}

static inline uint64_t NV_(hash)(const struct MAP_NAME *m, MAP_KEY k)
{
    return (MAP_HASH(&m->hasher, k)) & m->hash_mask;
}

/* Whether entry i is the key k of hash h: the bug is in this line. */
static inline bool NV_(is)(const struct MAP_NAME *m, size_t i, uint64_t h, MAP_KEY k)
{
    return m->data[i].hash == h && (!m->compare_keys || MAP_EQ(m->data[i].key, k));
}

static inline int NV_(insert)(struct MAP_NAME *m, MAP_KEY k, MAP_VAL v, MAP_VAL *old)
{
    uint64_t h = NV_(hash)(m, k);
    size_t i = 0;
    for (; i < m->len && m->data[i].hash <= h; i++) {
        if (NV_(is)(m, i, h, k)) {
            if (old != NULL)
                *old = m->data[i].val;
            m->data[i].val = v; /* the stored key stays, as in the book */
            return 1;
        }
    }
    if (m->len == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 4;
        struct NV_(entry) *d = realloc(m->data, cap * sizeof *d);
        if (d == NULL)
            return -ENOMEM;
        m->data = d;
        m->cap = cap;
    }
    /* i is the first entry with a larger hash: shift the tail right. */
    memmove(&m->data[i + 1], &m->data[i], (m->len - i) * sizeof m->data[0]);
    m->data[i] = (struct NV_(entry)){h, k, v};
    m->len++;
    return 0;
}

/* The book's lookup: a scan of the whole array, no early exit on the order. */
static inline size_t NV_(find)(const struct MAP_NAME *m, MAP_KEY k)
{
    uint64_t h = NV_(hash)(m, k);
    for (size_t i = 0; i < m->len; i++)
        if (NV_(is)(m, i, h, k))
            return i;
    return SIZE_MAX;
}

static inline MAP_VAL *NV_(get)(const struct MAP_NAME *m, MAP_KEY k)
{
    size_t i = NV_(find)(m, k);
    return i == SIZE_MAX ? NULL : &m->data[i].val;
}

/* Not in the book (a delete would shift the tail left, just as insert shifts
 * it right); here so that every map of the chapter has the same verbs. */
static inline bool NV_(remove)(struct MAP_NAME *m, MAP_KEY k, MAP_KEY *key, MAP_VAL *val)
{
    size_t i = NV_(find)(m, k);
    if (i == SIZE_MAX)
        return false;
    if (key != NULL)
        *key = m->data[i].key;
    if (val != NULL)
        *val = m->data[i].val;
    memmove(&m->data[i], &m->data[i + 1], (m->len - i - 1) * sizeof m->data[0]);
    m->len--;
    return true;
}

static inline bool NV_(next)(const struct MAP_NAME *m, size_t *it, MAP_KEY *k, MAP_VAL *v)
{
    if (*it >= m->len)
        return false;
    *k = m->data[*it].key;
    *v = m->data[*it].val;
    (*it)++;
    return true;
}

#undef NV_
#undef MAP_NAME
#undef MAP_KEY
#undef MAP_VAL
#undef MAP_HASH
#undef MAP_EQ
