/*
 * robinhood.h - a C rebuild of the HashMap of Rust's standard library of the
 * book's time (before hashbrown): open addressing, linear probing, Robin Hood
 * bucket stealing. A template: see map_template.h.
 *
 * What to look at:
 *   - the layout: one allocation holding every stored hash, then every (key,
 *     value) pair ("unzipped"): a probe walks hashes, 8 bytes each, and touches
 *     a pair only when a hash matches;
 *   - the Robin Hood rule in insert: an entry that has probed further than the
 *     resident of a slot takes the slot, and the resident moves on. Probe lengths
 *     even out, so a lookup may stop as soon as it meets an entry closer to its
 *     home than it is (it would have been placed there);
 *   - the stored hash has its top bit set, so 0 means an empty bucket;
 *   - the policy: capacity a power of two, at least 32, a maximum load of 10/11
 *     (90.9%); and the defence against hash flooding: an insert that probes 128
 *     slots or more sets `long_probes`, and the next insert doubles the table
 *     early if it is at least half full. (Rust hid that flag in bit 0 of the
 *     hashes pointer; a bool here);
 *   - remove by backward shift: no tombstones; the entries after the hole move
 *     back one slot until one is at home or a slot is empty.
 * The hash is the caller's MAP_HASH: SipHash-1-3 with a random key, as Rust's
 * RandomState, for the instantiations of this chapter.
 */
#include "map_template.h"

#define RH_(x) MAP_CAT(MAP_NAME, x)
#define RH_DISPLACEMENT_THRESHOLD 128
#define RH_MIN_CAP 32

struct RH_(pair) {
    MAP_KEY key;
    MAP_VAL val;
};

struct MAP_NAME {
    uint64_t *hashes; /* raw_cap stored hashes (0: empty), then the pairs */
    struct RH_(pair) * pairs;
    size_t raw_cap, mask; /* raw_cap is 0 or a power of two; mask = raw_cap - 1 */
    size_t size;
    bool long_probes; /* an insert probed RH_DISPLACEMENT_THRESHOLD slots or more */
    struct map_hasher hasher;
};

static inline void RH_(init)(struct MAP_NAME *m, struct map_hasher h)
{
    *m = (struct MAP_NAME){.hasher = h};
}

static inline void RH_(free)(struct MAP_NAME *m)
{
    free(m->hashes);
    *m = (struct MAP_NAME){.hasher = m->hasher};
}

static inline size_t RH_(len)(const struct MAP_NAME *m)
{
    return m->size;
}

static inline size_t RH_(bytes)(const struct MAP_NAME *m)
{
    return m->raw_cap * (sizeof(uint64_t) + sizeof(struct RH_(pair)));
}

/* The top bit set: a stored hash is never 0, the empty marker. */
static inline uint64_t RH_(safe_hash)(const struct MAP_NAME *m, MAP_KEY k)
{
    return (MAP_HASH(&m->hasher, k)) | (1ull << 63);
}

/* How far the entry in slot i is from its ideal slot. */
static inline size_t RH_(displacement)(const struct MAP_NAME *m, size_t i)
{
    return (i - (size_t)(m->hashes[i] & m->mask)) & m->mask;
}

/* Usable capacity of a table of raw_cap buckets: 10/11 of it, rounded up. */
static inline size_t RH_(usable)(size_t raw_cap)
{
    return (raw_cap * 10 + 9) / 11;
}

/* The most buckets whose bytes fit in a size_t. */
static inline size_t RH_(max_raw_cap)(void)
{
    return SIZE_MAX / (sizeof(uint64_t) + sizeof(struct RH_(pair)));
}

/* The number of buckets for n > 0 entries: n * 11/10 rounded up to a power of
 * two, at least RH_MIN_CAP; or 0 when their bytes would not fit in a size_t
 * (n * 11 wrapping, or the doubling, would ask calloc for a wrapped size). */
static inline size_t RH_(raw_capacity)(size_t n)
{
    if (n > SIZE_MAX / 11)
        return 0;
    size_t want = n * 11 / 10, cap = RH_MIN_CAP;
    while (cap < want) {
        if (cap > RH_(max_raw_cap)() / 2)
            return 0;
        cap *= 2;
    }
    return cap;
}

/* Moves every entry into a new table of raw_cap buckets. The entries are
 * already in Robin Hood order, so walking the old table from a bucket whose
 * entry is at home, each one can simply go to the first empty bucket from its
 * ideal one: no comparisons, no stealing (Rust's insert_hashed_ordered). */
static int RH_(resize)(struct MAP_NAME *m, size_t raw_cap)
{
    if (raw_cap == 0 || raw_cap > RH_(max_raw_cap)())
        return -ENOMEM;
    size_t bytes = raw_cap * (sizeof(uint64_t) + sizeof(struct RH_(pair)));
    uint64_t *hashes = calloc(1, bytes);
    if (hashes == NULL)
        return -ENOMEM;
    struct MAP_NAME old = *m;
    m->hashes = hashes;
    m->pairs = (struct RH_(pair) *)(hashes + raw_cap);
    m->raw_cap = raw_cap;
    m->mask = raw_cap - 1;
    m->long_probes = false;
    if (old.size > 0) {
        size_t head = 0; /* the head bucket: full, and at home */
        while (old.hashes[head] == 0 || RH_(displacement)(&old, head) != 0)
            head++;
        for (size_t n = 0, i = head; n < old.raw_cap; n++, i = (i + 1) & old.mask) {
            if (old.hashes[i] == 0)
                continue;
            size_t j = old.hashes[i] & m->mask;
            while (m->hashes[j] != 0)
                j = (j + 1) & m->mask;
            m->hashes[j] = old.hashes[i];
            m->pairs[j] = old.pairs[i];
        }
    }
    free(old.hashes);
    return 0;
}

/* Room for `additional` more entries (map_template.h): grow when the load
 * would pass 10/11, and double early when long probes were seen and the table
 * is at least half full (the one rehash a reserve does not rule out: a flood
 * of collisions may still double the table on the way). 0, or -ENOMEM, also
 * when a table that large would not fit in a size_t. */
static inline int RH_(reserve)(struct MAP_NAME *m, size_t additional)
{
    size_t remaining = RH_(usable)(m->raw_cap) - m->size;
    if (remaining < additional) {
        if (additional > SIZE_MAX - m->size)
            return -ENOMEM;
        return RH_(resize)(m, RH_(raw_capacity)(m->size + additional));
    }
    if (m->long_probes && remaining <= m->size)
        return RH_(resize)(m, m->raw_cap * 2);
    return 0;
}

/* The slot holding k, or SIZE_MAX. A lookup stops at an empty bucket, or at an
 * entry closer to its home than the probe has come: k would have taken that
 * slot from it. */
static inline size_t RH_(find)(const struct MAP_NAME *m, MAP_KEY k)
{
    if (m->size == 0)
        return SIZE_MAX;
    uint64_t h = RH_(safe_hash)(m, k);
    for (size_t i = h & m->mask, d = 0;; i = (i + 1) & m->mask, d++) {
        if (m->hashes[i] == 0 || RH_(displacement)(m, i) < d)
            return SIZE_MAX;
        if (m->hashes[i] == h && MAP_EQ(m->pairs[i].key, k))
            return i;
    }
}

static inline MAP_VAL *RH_(get)(const struct MAP_NAME *m, MAP_KEY k)
{
    size_t i = RH_(find)(m, k);
    return i == SIZE_MAX ? NULL : &m->pairs[i].val;
}

/* Puts (h, k, v) into slot i, whose resident is `disp` from home, and carries
 * the resident on: at each following slot it settles in an empty one, or
 * takes the place of an entry nearer its home than itself, which is carried
 * on in turn. */
static void RH_(robin_hood)(struct MAP_NAME *m, size_t i, size_t disp, uint64_t h,
                            struct RH_(pair) p)
{
    for (;;) {
        uint64_t carried_h = m->hashes[i];
        struct RH_(pair) carried = m->pairs[i];
        m->hashes[i] = h;
        m->pairs[i] = p;
        h = carried_h, p = carried;
        for (;;) {
            i = (i + 1) & m->mask;
            disp++;
            if (m->hashes[i] == 0) {
                m->hashes[i] = h;
                m->pairs[i] = p;
                return;
            }
            size_t resident = RH_(displacement)(m, i);
            if (resident < disp) {
                disp = resident;
                break; /* steal slot i too */
            }
        }
    }
}

static inline int RH_(insert)(struct MAP_NAME *m, MAP_KEY k, MAP_VAL v, MAP_VAL *old)
{
    if (RH_(reserve)(m, 1) != 0)
        return -ENOMEM;
    uint64_t h = RH_(safe_hash)(m, k);
    for (size_t i = h & m->mask, d = 0;; i = (i + 1) & m->mask, d++) {
        if (m->hashes[i] == 0) {
            m->hashes[i] = h;
            m->pairs[i] = (struct RH_(pair)){k, v};
        } else if (RH_(displacement)(m, i) < d) {
            RH_(robin_hood)(m, i, RH_(displacement)(m, i), h, (struct RH_(pair)){k, v});
        } else if (m->hashes[i] == h && MAP_EQ(m->pairs[i].key, k)) {
            if (old != NULL)
                *old = m->pairs[i].val;
            m->pairs[i].val = v;
            return 1;
        } else {
            continue;
        }
        if (d >= RH_DISPLACEMENT_THRESHOLD)
            m->long_probes = true;
        m->size++;
        return 0;
    }
}

/* Backward-shift deletion: empty the slot, then pull each following entry one
 * slot back while it is away from home. */
static inline bool RH_(remove)(struct MAP_NAME *m, MAP_KEY k, MAP_KEY *key, MAP_VAL *val)
{
    size_t i = RH_(find)(m, k);
    if (i == SIZE_MAX)
        return false;
    if (key != NULL)
        *key = m->pairs[i].key;
    if (val != NULL)
        *val = m->pairs[i].val;
    m->size--;
    for (size_t next = (i + 1) & m->mask; m->hashes[next] != 0 && RH_(displacement)(m, next) != 0;
         i = next, next = (next + 1) & m->mask) {
        m->hashes[i] = m->hashes[next];
        m->pairs[i] = m->pairs[next];
    }
    m->hashes[i] = 0;
    return true;
}

static inline bool RH_(next)(const struct MAP_NAME *m, size_t *it, MAP_KEY *k, MAP_VAL *v)
{
    for (; *it < m->raw_cap; (*it)++) {
        if (m->hashes[*it] != 0) {
            *k = m->pairs[*it].key;
            *v = m->pairs[*it].val;
            (*it)++;
            return true;
        }
    }
    return false;
}

/* The longest probe sequence in the table (for tests and the README). */
static inline size_t RH_(max_displacement)(const struct MAP_NAME *m)
{
    size_t max = 0;
    for (size_t i = 0; i < m->raw_cap; i++)
        if (m->hashes[i] != 0 && RH_(displacement)(m, i) > max)
            max = RH_(displacement)(m, i);
    return max;
}

#undef RH_
#undef MAP_NAME
#undef MAP_KEY
#undef MAP_VAL
#undef MAP_HASH
#undef MAP_EQ
