/*
 * swiss.h - this chapter's fast map: a SwissTable (the design of Abseil's
 * flat_hash_map, and of Rust's HashMap since 1.36 through hashbrown). A
 * template: see map_template.h; one more parameter, MAP_GROUP_PORTABLE,
 * forces the portable group code on any machine (the tests build both).
 *
 * What to look at:
 *   - one control byte per slot, in an array of their own: 0x80 empty, 0xfe
 *     deleted (a tombstone), 0xff the sentinel after the last slot, and for a
 *     full slot 0..127, seven bits of the key's hash (H2). The other 57 bits
 *     (H1) choose where the probe starts;
 *   - a lookup compares H2 with a whole group of control bytes at once: 16
 *     with one SSE2 compare and movemask on x86-64, 8 with plain 64-bit
 *     arithmetic elsewhere (armhf has no guaranteed NEON; the "SWAR" tricks
 *     below work on any 64-bit integer). Only slots whose byte matches, about
 *     one in 128 of the others, have their key compared: a miss usually costs
 *     one group load and no key compare at all;
 *   - the probe moves group by group, 1, 2, 3... groups further each time
 *     (triangular numbers: every group is visited once when the number of
 *     groups is a power of two), and stops at the first group with an empty
 *     byte;
 *   - the first W - 1 control bytes are cloned after the sentinel, so a group
 *     can be loaded at any slot, even the last ones, without wrapping;
 *   - delete leaves a tombstone only when a probe could have passed through
 *     the slot while the group around it was full; otherwise the slot is empty
 *     again. Tombstones count against the load: when they pile up, the table
 *     is rebuilt at the same size, so deletes never make lookups degrade;
 *   - maximum load 7/8; capacity 2^k - 1 slots.
 * Keys are not stored with their hash: a rehash hashes again, which is why the
 * instantiations here use a cheap mixer (map_mix64) rather than SipHash.
 */
#include "map_template.h"

#ifndef CH02_SWISS_GROUPS
#define CH02_SWISS_GROUPS

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "swiss.h's portable group code assumes a little-endian machine"
#endif

enum { SW_EMPTY = -128, SW_DELETED = -2, SW_SENTINEL = -1 };

/* A set of positions in a group: bit i (SSE2), or bit 8i+7 (portable). */
typedef uint64_t sw_mask;

/* ---- the portable group: 8 control bytes in a uint64_t -------------------------------- */

#define SW_LSBS 0x0101010101010101ull
#define SW_MSBS 0x8080808080808080ull

static inline uint64_t sw_load8(const int8_t *p)
{
    uint64_t g;
    memcpy(&g, p, sizeof g);
    return g;
}

/* The bytes equal to h (0..127). A byte becomes zero after the xor exactly
 * where it matched; (x - 1) & ~x sets the top bit of a zero byte. A borrow can
 * make a false positive in the byte above a match, never a miss: the caller
 * compares the key anyway. Empty, deleted and sentinel bytes have their top
 * bit set and never match. */
static inline sw_mask sw_portable_match(const int8_t *p, int8_t h)
{
    uint64_t x = sw_load8(p) ^ (SW_LSBS * (uint8_t)h);
    return (x - SW_LSBS) & ~x & SW_MSBS;
}

/* Empty is the only byte with bit 7 set and bit 1 clear. */
static inline sw_mask sw_portable_empty(const int8_t *p)
{
    uint64_t c = sw_load8(p);
    return c & (~c << 6) & SW_MSBS;
}

/* Empty or deleted: bit 7 set and bit 0 clear (the sentinel has both set). */
static inline sw_mask sw_portable_free(const int8_t *p)
{
    uint64_t c = sw_load8(p);
    return c & (~c << 7) & SW_MSBS;
}

/* ---- the SSE2 group: 16 control bytes in a register ---------------------------------- */

#if defined(__SSE2__)
static inline sw_mask sw_sse2_match(const int8_t *p, int8_t h)
{
    __m128i c = _mm_loadu_si128((const __m128i *)p);
    return (sw_mask)_mm_movemask_epi8(_mm_cmpeq_epi8(c, _mm_set1_epi8(h)));
}

static inline sw_mask sw_sse2_empty(const int8_t *p)
{
    __m128i c = _mm_loadu_si128((const __m128i *)p);
    return (sw_mask)_mm_movemask_epi8(_mm_cmpeq_epi8(c, _mm_set1_epi8(SW_EMPTY)));
}

/* Empty (-128) and deleted (-2) are the bytes below the sentinel (-1). */
static inline sw_mask sw_sse2_free(const int8_t *p)
{
    __m128i c = _mm_loadu_si128((const __m128i *)p);
    return (sw_mask)_mm_movemask_epi8(_mm_cmpgt_epi8(_mm_set1_epi8(SW_SENTINEL), c));
}
#endif

#endif /* CH02_SWISS_GROUPS */

/* ---- the template ---------------------------------------------------------------------- */

#define SW_(x) MAP_CAT(MAP_NAME, x)

#if defined(__SSE2__) && !defined(MAP_GROUP_PORTABLE)
#define SW_WIDTH 16
#define SW_SHIFT 0 /* one bit per byte */
#define SW_MATCH sw_sse2_match
#define SW_EMPTY_MASK sw_sse2_empty
#define SW_FREE_MASK sw_sse2_free
#define SW_LEADING(mask) ((unsigned)__builtin_clz((unsigned)(mask)) - 16)
#else
#define SW_WIDTH 8
#define SW_SHIFT 3 /* eight bits per byte, the top one set */
#define SW_MATCH sw_portable_match
#define SW_EMPTY_MASK sw_portable_empty
#define SW_FREE_MASK sw_portable_free
#define SW_LEADING(mask) ((unsigned)__builtin_clzll(mask) >> 3)
#endif
#define SW_LOWEST(mask) ((unsigned)__builtin_ctzll(mask) >> SW_SHIFT)

struct SW_(slot) {
    MAP_KEY key;
    MAP_VAL val;
};

struct MAP_NAME {
    int8_t *ctrl; /* cap + 1 + SW_WIDTH - 1 bytes; NULL while cap == 0 */
    struct SW_(slot) * slots;
    size_t cap; /* 0 or 2^k - 1 */
    size_t size;
    size_t growth_left; /* inserts into empty slots before a rehash */
    struct map_hasher hasher;
};

enum { SW_(width) = SW_WIDTH };

static inline void SW_(init)(struct MAP_NAME *m, struct map_hasher h)
{
    *m = (struct MAP_NAME){.hasher = h};
}

static inline void SW_(free)(struct MAP_NAME *m)
{
    free(m->ctrl);
    *m = (struct MAP_NAME){.hasher = m->hasher};
}

static inline size_t SW_(len)(const struct MAP_NAME *m)
{
    return m->size;
}

static inline size_t SW_(ctrl_bytes)(size_t cap)
{
    /* rounded up so that the slots after them are aligned */
    size_t n = cap + SW_WIDTH;
    return (n + 15) & ~(size_t)15;
}

static inline size_t SW_(bytes)(const struct MAP_NAME *m)
{
    return m->cap ? SW_(ctrl_bytes)(m->cap) + m->cap * sizeof(struct SW_(slot)) : 0;
}

/* The bytes of a table of cap slots, or 0 when they do not fit in a size_t:
 * the sum would wrap, and malloc would get a small size for a big table. */
static inline size_t SW_(alloc_bytes)(size_t cap)
{
    /* ctrl_bytes(cap) <= cap + SW_WIDTH + 15 */
    if (cap > (SIZE_MAX - SW_WIDTH - 15) / (1 + sizeof(struct SW_(slot))))
        return 0;
    return SW_(ctrl_bytes)(cap) + cap * sizeof(struct SW_(slot));
}

/* 7/8 of the slots; a table of 7 with 8-byte groups keeps one empty, or a
 * probe of a full table would never meet an empty byte. */
static inline size_t SW_(growth)(size_t cap)
{
    if (SW_WIDTH == 8 && cap == 7)
        return 6;
    return cap - cap / 8;
}

static inline uint64_t SW_(hash)(const struct MAP_NAME *m, MAP_KEY k)
{
    return MAP_HASH(&m->hasher, k);
}

static inline int8_t SW_(h2)(uint64_t h)
{
    return (int8_t)(h & 0x7f);
}
static inline size_t SW_(h1)(uint64_t h)
{
    return (size_t)(h >> 7);
}

/* Sets control byte i and its clone after the sentinel (for i < W - 1; for
 * the others the two writes are to the same byte). */
static inline void SW_(set_ctrl)(struct MAP_NAME *m, size_t i, int8_t c)
{
    m->ctrl[i] = c;
    m->ctrl[((i - (SW_WIDTH - 1)) & m->cap) + ((SW_WIDTH - 1) & m->cap)] = c;
}

/* The slot of k, or SIZE_MAX. */
static inline size_t SW_(find)(const struct MAP_NAME *m, MAP_KEY k)
{
    if (m->size == 0)
        return SIZE_MAX;
    uint64_t h = SW_(hash)(m, k);
    int8_t h2 = SW_(h2)(h);
    size_t pos = SW_(h1)(h) & m->cap;
    for (size_t step = SW_WIDTH;; step += SW_WIDTH) {
        const int8_t *g = m->ctrl + pos;
        for (sw_mask hit = SW_MATCH(g, h2); hit != 0; hit &= hit - 1) {
            size_t i = (pos + SW_LOWEST(hit)) & m->cap;
            if (MAP_EQ(m->slots[i].key, k))
                return i;
        }
        if (SW_EMPTY_MASK(g) != 0)
            return SIZE_MAX;
        pos = (pos + step) & m->cap;
    }
}

static inline MAP_VAL *SW_(get)(const struct MAP_NAME *m, MAP_KEY k)
{
    size_t i = SW_(find)(m, k);
    return i == SIZE_MAX ? NULL : &m->slots[i].val;
}

/* The first empty or deleted slot on h's probe sequence. */
static inline size_t SW_(first_free)(const struct MAP_NAME *m, uint64_t h)
{
    size_t pos = SW_(h1)(h) & m->cap;
    for (size_t step = SW_WIDTH;; step += SW_WIDTH) {
        sw_mask free_ = SW_FREE_MASK(m->ctrl + pos);
        if (free_ != 0)
            return (pos + SW_LOWEST(free_)) & m->cap;
        pos = (pos + step) & m->cap;
    }
}

/* Rebuilds the table with new_cap slots, hashing every key again. Tombstones
 * are dropped on the way. */
static int SW_(resize)(struct MAP_NAME *m, size_t new_cap)
{
    size_t bytes = SW_(alloc_bytes)(new_cap);
    if (bytes == 0)
        return -ENOMEM;
    size_t cb = SW_(ctrl_bytes)(new_cap);
    int8_t *ctrl = malloc(bytes);
    if (ctrl == NULL)
        return -ENOMEM;
    memset(ctrl, SW_EMPTY, cb);
    ctrl[new_cap] = SW_SENTINEL;
    struct MAP_NAME old = *m;
    m->ctrl = ctrl;
    m->slots = (struct SW_(slot) *)(ctrl + cb);
    m->cap = new_cap;
    for (size_t i = 0; i < old.cap; i++) {
        if (old.ctrl[i] < 0)
            continue; /* empty or deleted */
        uint64_t h = SW_(hash)(m, old.slots[i].key);
        size_t j = SW_(first_free)(m, h);
        SW_(set_ctrl)(m, j, SW_(h2)(h));
        m->slots[j] = old.slots[i];
    }
    m->growth_left = SW_(growth)(new_cap) - m->size;
    free(old.ctrl);
    return 0;
}

/* Out of growth: double, unless tombstones are what fills the table (the
 * live entries would fit in 25/32 of it), then rebuild at the same size. */
static inline int SW_(grow)(struct MAP_NAME *m)
{
    if (m->cap == 0)
        return SW_(resize)(m, 1);
    if (m->cap > SW_WIDTH && m->size * 32 <= m->cap * 25)
        return SW_(resize)(m, m->cap);
    return SW_(resize)(m, m->cap * 2 + 1);
}

/* Room for `additional` more entries: the next `additional` inserts of new
 * keys rehash nothing (map_template.h). growth_left already counts what
 * tombstones took: an insert into an empty slot spends growth, and a deleted
 * slot gave none back. So when growth_left is short, the table is rebuilt,
 * at the same size if dropping the tombstones makes room, else larger.
 * 0, or -ENOMEM, also when a table that large would not fit in a size_t. */
static inline int SW_(reserve)(struct MAP_NAME *m, size_t additional)
{
    if (additional <= m->growth_left)
        return 0;
    if (additional > SIZE_MAX - m->size)
        return -ENOMEM;
    size_t need = m->size + additional;
    size_t cap = m->cap ? m->cap : 1;
    while (SW_(growth)(cap) < need) {
        if (cap > SIZE_MAX / 2)
            return -ENOMEM; /* cap * 2 + 1 would wrap */
        cap = cap * 2 + 1;
    }
    return SW_(resize)(m, cap);
}

static inline int SW_(insert)(struct MAP_NAME *m, MAP_KEY k, MAP_VAL v, MAP_VAL *old)
{
    size_t i = SW_(find)(m, k);
    if (i != SIZE_MAX) {
        if (old != NULL)
            *old = m->slots[i].val;
        m->slots[i].val = v;
        return 1;
    }
    if (m->growth_left == 0 && SW_(grow)(m) != 0)
        return -ENOMEM;
    uint64_t h = SW_(hash)(m, k);
    i = SW_(first_free)(m, h);
    /* Reusing a tombstone costs no growth; an empty slot does. When the probe
     * finds a tombstone first the table still has growth left, or it would
     * have been rebuilt above. */
    m->growth_left -= m->ctrl[i] == SW_EMPTY;
    SW_(set_ctrl)(m, i, SW_(h2)(h));
    m->slots[i] = (struct SW_(slot)){k, v};
    m->size++;
    return 0;
}

static inline bool SW_(remove)(struct MAP_NAME *m, MAP_KEY k, MAP_KEY *key, MAP_VAL *val)
{
    size_t i = SW_(find)(m, k);
    if (i == SIZE_MAX)
        return false;
    if (key != NULL)
        *key = m->slots[i].key;
    if (val != NULL)
        *val = m->slots[i].val;
    m->size--;
    /* A probe that passed slot i saw a full group around it. If the group
     * starting at i and the one ending just before it both have an empty byte,
     * and those two empties are less than a group apart, no group containing i
     * was ever full: no probe went past i, and the slot can be empty again. */
    size_t before = (i - SW_WIDTH) & m->cap;
    sw_mask empty_after = SW_EMPTY_MASK(m->ctrl + i);
    sw_mask empty_before = SW_EMPTY_MASK(m->ctrl + before);
    bool never_full = empty_after != 0 && empty_before != 0 &&
                      SW_LOWEST(empty_after) + SW_LEADING(empty_before) < SW_WIDTH;
    SW_(set_ctrl)(m, i, never_full ? SW_EMPTY : SW_DELETED);
    m->growth_left += never_full;
    return true;
}

static inline bool SW_(next)(const struct MAP_NAME *m, size_t *it, MAP_KEY *k, MAP_VAL *v)
{
    for (; *it < m->cap; (*it)++) {
        if (m->ctrl[*it] >= 0) {
            *k = m->slots[*it].key;
            *v = m->slots[*it].val;
            (*it)++;
            return true;
        }
    }
    return false;
}

/* Deleted slots now in the table (for tests). */
static inline size_t SW_(tombstones)(const struct MAP_NAME *m)
{
    size_t n = 0;
    for (size_t i = 0; i < m->cap; i++)
        n += m->ctrl[i] == SW_DELETED;
    return n;
}

#undef SW_
#undef SW_WIDTH
#undef SW_SHIFT
#undef SW_MATCH
#undef SW_EMPTY_MASK
#undef SW_FREE_MASK
#undef SW_LEADING
#undef SW_LOWEST
#undef MAP_NAME
#undef MAP_KEY
#undef MAP_VAL
#undef MAP_HASH
#undef MAP_EQ
#undef MAP_GROUP_PORTABLE
