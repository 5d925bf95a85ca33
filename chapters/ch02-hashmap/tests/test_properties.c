/*
 * test_properties.c - the book's properties, and what they miss.
 *
 *   get_what_you_give   insert k v into a new map, then get k gives v;
 *   against_a_model     a random list of actions (51% insert, 49% lookup, as
 *                       the book's generator) applied to the map and to a model
 *                       (a plain array indexed by the key: the specialised map
 *                       in another role), the same answers every time; with
 *                       keys and values in 0..99 (QuickCheck's default size, so
 *                       keys collide and values are replaced) and over the full
 *                       16-bit range;
 *   with_deletes        for every general map: inserts, lookups and removes on
 *                       64-bit keys, enough of them to grow the table, then the
 *                       length and an iteration compared with the model;
 *   the hidden bug      the book's naive map with its hash cut to 4 bits fails
 *                       against_a_model, and the failure shrinks to exactly two
 *                       distinct keys with the same hash; the fixed map passes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maps.h"
#include "prop.h"
#include "test.h"

/* ---- one face for every map, for the properties only ---------------------------------- */

struct map_face {
    const char *name;
    uint64_t key_max; /* the widest key the map takes */
    void *(*create)(void);
    void (*destroy)(void *m);
    int (*insert)(void *m, uint64_t k, uint64_t v, uint64_t *old); /* 1 replaced, 0 new */
    bool (*get)(void *m, uint64_t k, uint64_t *v);
    bool (*remove)(void *m, uint64_t k, uint64_t *v); /* NULL: no remove */
    size_t (*len)(void *m);
    bool (*next)(void *m, size_t *it, uint64_t *k, uint64_t *v);
};

/* The hash the naive map is created with, for the hidden-bug property. */
static unsigned naive_hash_bits = 64;
static bool naive_compare_keys = true;

#define FACE(M, K, V, KEY_MAX, INIT)                                                               \
    static void *M##_create(void)                                                                  \
    {                                                                                              \
        struct M *m = malloc(sizeof *m);                                                           \
        INIT;                                                                                      \
        return m;                                                                                  \
    }                                                                                              \
    static void M##_destroy(void *m)                                                               \
    {                                                                                              \
        M##_free(m);                                                                               \
        free(m);                                                                                   \
    }                                                                                              \
    static int M##_finsert(void *m, uint64_t k, uint64_t v, uint64_t *old)                         \
    {                                                                                              \
        V o = 0;                                                                                   \
        int rc = M##_insert(m, (K)k, (V)v, &o);                                                    \
        *old = o;                                                                                  \
        return rc;                                                                                 \
    }                                                                                              \
    static bool M##_fget(void *m, uint64_t k, uint64_t *v)                                         \
    {                                                                                              \
        V *p = M##_get(m, (K)k);                                                                   \
        if (p != NULL)                                                                             \
            *v = *p;                                                                               \
        return p != NULL;                                                                          \
    }                                                                                              \
    static bool M##_fremove(void *m, uint64_t k, uint64_t *v)                                      \
    {                                                                                              \
        V o = 0;                                                                                   \
        bool r = M##_remove(m, (K)k, NULL, &o);                                                    \
        *v = o;                                                                                    \
        return r;                                                                                  \
    }                                                                                              \
    static size_t M##_flen(void *m)                                                                \
    {                                                                                              \
        return M##_len(m);                                                                         \
    }                                                                                              \
    static bool M##_fnext(void *m, size_t *it, uint64_t *k, uint64_t *v)                           \
    {                                                                                              \
        K kk;                                                                                      \
        V vv;                                                                                      \
        if (!M##_next(m, it, &kk, &vv))                                                            \
            return false;                                                                          \
        *k = kk, *v = vv;                                                                          \
        return true;                                                                               \
    }                                                                                              \
    static const struct map_face face_##M = {#M,          KEY_MAX,     M##_create,                 \
                                             M##_destroy, M##_finsert, M##_fget,                   \
                                             M##_fremove, M##_flen,    M##_fnext};

FACE(naive_u16, uint16_t, uint32_t, 0xffff,
     naive_u16_init_with(m, map_hasher_seeded(11), naive_hash_bits, naive_compare_keys))
FACE(rh_u16, uint16_t, uint32_t, 0xffff, rh_u16_init(m, map_hasher_seeded(12)))
FACE(naive_u64, uint64_t, uint64_t, UINT64_MAX,
     naive_u64_init_with(m, map_hasher_seeded(13), 64, true))
FACE(rh_u64, uint64_t, uint64_t, UINT64_MAX, rh_u64_init(m, map_hasher_seeded(14)))
FACE(sw_u64, uint64_t, uint64_t, UINT64_MAX, sw_u64_init(m, map_hasher_seeded(15)))
FACE(sw_u64_portable, uint64_t, uint64_t, UINT64_MAX,
     sw_u64_portable_init(m, map_hasher_seeded(16)))

/* The u8 map has no hasher and no iteration order to speak of. */
static void *u8_create(void)
{
    struct u8map_u32 *m = malloc(sizeof *m);
    u8map_u32_init(m);
    return m;
}
static void u8_destroy(void *m)
{
    free(m);
}
static int u8_insert(void *m, uint64_t k, uint64_t v, uint64_t *old)
{
    uint32_t o = 0;
    int rc = u8map_u32_insert(m, (uint8_t)k, (uint32_t)v, &o);
    *old = o;
    return rc;
}
static bool u8_get(void *m, uint64_t k, uint64_t *v)
{
    uint32_t *p = u8map_u32_get(m, (uint8_t)k);
    if (p != NULL)
        *v = *p;
    return p != NULL;
}
static bool u8_remove(void *m, uint64_t k, uint64_t *v)
{
    uint32_t o = 0;
    bool r = u8map_u32_remove(m, (uint8_t)k, &o);
    *v = o;
    return r;
}
static size_t u8_len(void *m)
{
    return u8map_u32_len(m);
}
static const struct map_face face_u8map = {"u8map_u32", 0xff,      u8_create, u8_destroy, u8_insert,
                                           u8_get,      u8_remove, u8_len,    NULL};

/* ---- the model: an array indexed by a key in 0..key_span ----------------------------- */

struct model {
    bool *present;
    uint64_t *val;
    size_t span, len;
};

static struct model model_new(size_t span)
{
    return (struct model){calloc(span, sizeof(bool)), calloc(span, sizeof(uint64_t)), span, 0};
}

static void model_free(struct model *m)
{
    free(m->present);
    free(m->val);
}

/* ---- get what you give ------------------------------------------------------------------ */

static enum prop_result get_what_you_give(struct prop_source *s, void *env)
{
    const struct map_face *f = env;
    uint64_t k = (uint64_t)prop_int(s, 0, 99), v = (uint64_t)prop_int(s, 0, 99);
    prop_log(s, "insert(%llu, %llu), get(%llu)", (unsigned long long)k, (unsigned long long)v,
             (unsigned long long)k);
    void *m = f->create();
    uint64_t old, got = 0;
    int rc = f->insert(m, k, v, &old);
    bool found = f->get(m, k, &got);
    f->destroy(m);
    PROP_REQUIRE(s, rc == 0, "insert into a new map said the key was there");
    PROP_REQUIRE(s, found && got == v, "get gave %s %llu", found ? "" : "nothing, not",
                 (unsigned long long)got);
    return PROP_PASS;
}

PROPERTY(get_what_you_give, naive, get_what_you_give, (void *)&face_naive_u16)
PROPERTY(get_what_you_give, standard, get_what_you_give, (void *)&face_rh_u16)
PROPERTY(get_what_you_give, swiss, get_what_you_give, (void *)&face_sw_u64)
PROPERTY(get_what_you_give, swiss_portable, get_what_you_give, (void *)&face_sw_u64_portable)
PROPERTY(get_what_you_give, specialized, get_what_you_give, (void *)&face_u8map)

/* ---- actions against a model ----------------------------------------------------------- */

struct actions_env {
    const struct map_face *face;
    uint64_t key_max;   /* keys and values drawn in 0..key_max */
    bool deletes;       /* remove among the actions, and a final comparison */
    unsigned average;   /* about how many actions (at most MAX_ACTIONS) */
    uint64_t key_scale; /* key k is stored as k * key_scale (spreads 64-bit keys) */
    /* the keys of the last run, for the hidden-bug test */
    uint64_t keys[4096];
    size_t n_keys;
};

/* An action draws at most 4 choices (go on, which, key, value): 1,000 of them
 * stay within the engine's 4,096 choices, where a longer run would be cut
 * short and not count. A list of 400 on average passes 1,000 in 8% of runs. */
enum { MAX_ACTIONS = 1000 };

static enum prop_result against_a_model(struct prop_source *s, void *env)
{
    struct actions_env *e = env;
    const struct map_face *f = e->face;
    void *m = f->create();
    struct model model = model_new((size_t)e->key_max + 1);
    enum prop_result result = PROP_PASS;
    /* 51 insert, 49 lookup (the book); with deletes, 40/35/25. */
    static const unsigned book[] = {51, 49}, with_removes[] = {40, 35, 25};
    e->n_keys = 0;
    for (unsigned n = 0; result == PROP_PASS && n < MAX_ACTIONS && prop_more(s, e->average); n++) {
        size_t op = e->deletes ? prop_one_of(s, with_removes, 3) : prop_one_of(s, book, 2);
        uint64_t k = (uint64_t)prop_int(s, 0, (int64_t)e->key_max);
        uint64_t key = k * e->key_scale, got = 0;
        if (e->n_keys < sizeof e->keys / sizeof e->keys[0])
            e->keys[e->n_keys++] = key;
        if (op == 0) {
            uint64_t v = (uint64_t)prop_int(s, 0, (int64_t)e->key_max);
            int rc = f->insert(m, key, v, &got);
            prop_log(s, "insert(%llu, %llu) -> %s %llu", (unsigned long long)key,
                     (unsigned long long)v, rc == 1 ? "replaced" : "new", (unsigned long long)got);
            bool was = model.present[k];
            if (rc != (was ? 1 : 0) || (was && got != model.val[k])) {
                prop_log(s, "the model says %s %llu", was ? "replaced" : "new",
                         (unsigned long long)model.val[k]);
                result = PROP_FAIL;
            }
            model.len += !was;
            model.present[k] = true;
            model.val[k] = v;
        } else if (op == 1) {
            bool found = f->get(m, key, &got);
            prop_log(s, "lookup(%llu) -> %s %llu", (unsigned long long)key,
                     found ? "found" : "none", (unsigned long long)(found ? got : 0));
            if (found != model.present[k] || (found && got != model.val[k])) {
                prop_log(s, "the model says %s %llu", model.present[k] ? "found" : "none",
                         (unsigned long long)model.val[k]);
                result = PROP_FAIL;
            }
        } else {
            bool found = f->remove(m, key, &got);
            prop_log(s, "remove(%llu) -> %s", (unsigned long long)key, found ? "found" : "none");
            if (found != model.present[k] || (found && got != model.val[k])) {
                prop_log(s, "the model says %s", model.present[k] ? "found" : "none");
                result = PROP_FAIL;
            }
            model.len -= model.present[k];
            model.present[k] = false;
        }
    }
    if (result == PROP_PASS && e->deletes) {
        size_t len = f->len(m), it = 0, seen = 0;
        if (len != model.len) {
            prop_log(s, "len %zu, the model %zu", len, model.len);
            result = PROP_FAIL;
        }
        uint64_t k, v;
        while (result == PROP_PASS && f->next != NULL && f->next(m, &it, &k, &v)) {
            uint64_t i = 0; /* the model's index of key k (k = i * key_scale, wrapping) */
            while (i <= e->key_max && i * e->key_scale != k)
                i++;
            if (i > e->key_max || !model.present[i] || model.val[i] != v) {
                prop_log(s, "iteration gave (%llu, %llu), not in the model", (unsigned long long)k,
                         (unsigned long long)v);
                result = PROP_FAIL;
            }
            seen++;
        }
        if (result == PROP_PASS && f->next != NULL && seen != model.len) {
            prop_log(s, "iteration gave %zu entries, the model has %zu", seen, model.len);
            result = PROP_FAIL;
        }
    }
    model_free(&model);
    f->destroy(m);
    return result;
}

#define ACTIONS(suite, name, face, key_max_, deletes_, average_, scale)                            \
    static struct actions_env env_##suite##_##name = {&(face), key_max_, deletes_, average_,       \
                                                      scale,   {0},      0};                       \
    PROPERTY(suite, name, against_a_model, &env_##suite##_##name)

/* The book's generator: small keys (0..99) and then the full range. */
ACTIONS(against_a_model, naive_small_keys, face_naive_u16, 99, false, 60, 1)
ACTIONS(against_a_model, naive_full_range, face_naive_u16, 0xffff, false, 60, 1)
ACTIONS(against_a_model, standard_small_keys, face_rh_u16, 99, false, 60, 1)
ACTIONS(against_a_model, standard_full_range, face_rh_u16, 0xffff, false, 60, 1)
ACTIONS(against_a_model, specialized_small_keys, face_u8map, 99, false, 60, 1)
ACTIONS(against_a_model, specialized_full_range, face_u8map, 0xff, false, 60, 1)
ACTIONS(against_a_model, swiss_small_keys, face_sw_u64, 99, false, 60, 1)
ACTIONS(against_a_model, swiss_full_range, face_sw_u64, 0xffff, false, 60, 1)

/* Every general map with removes, growing past several resizes (about 400
 * actions, at most 1,000, on up to 300 distinct keys), on keys spread over 64
 * bits. */
#define SPREAD 0x9e3779b97f4a7c15ull
ACTIONS(with_deletes, naive, face_naive_u64, 300, true, 400, SPREAD)
ACTIONS(with_deletes, standard, face_rh_u64, 300, true, 400, SPREAD)
ACTIONS(with_deletes, swiss, face_sw_u64, 300, true, 400, SPREAD)
ACTIONS(with_deletes, swiss_portable, face_sw_u64_portable, 300, true, 400, SPREAD)
ACTIONS(with_deletes, specialized, face_u8map, 255, true, 400, 1)

/* ---- the hidden bug ------------------------------------------------------------------- */

TEST(hidden_bug, found_and_shrunk_to_two_colliding_keys, .timeout = 300)
{
    static struct actions_env env = {&face_naive_u16, 99, false, 60, 1, {0}, 0};
    static struct prop_report report;
    naive_hash_bits = 4;
    naive_compare_keys = false; /* the book's map */
    bool held = prop_check("hidden_bug/book_map_4_bit_hash", against_a_model, &env, NULL, &report);
    ASSERT(!held, "the book's map with a 4-bit hash passed: the property missed the bug");

    /* Replay the minimal case and look at its keys. */
    char log[4096];
    enum prop_result r = prop_replay(against_a_model, &env, report.token, log, sizeof log);
    ASSERT_EQ(r, PROP_FAIL, "the replay token does not reproduce the failure");
    uint64_t distinct[2];
    size_t n = 0;
    for (size_t i = 0; i < env.n_keys; i++) {
        size_t j = 0;
        while (j < n && distinct[j] != env.keys[i])
            j++;
        if (j == n) {
            ASSERT_LT(n, 2, "a third distinct key in the minimal case:\n%s", log);
            distinct[n++] = env.keys[i];
        }
    }
    ASSERT_EQ(n, 2, "the minimal case should need two keys:\n%s", log);
    struct naive_u16 probe;
    naive_u16_init_with(&probe, map_hasher_seeded(11), 4, false);
    uint64_t h0 = naive_u16_hash(&probe, (uint16_t)distinct[0]);
    uint64_t h1 = naive_u16_hash(&probe, (uint16_t)distinct[1]);
    ASSERT_EQ(h0, h1, "the two keys do not collide:\n%s", log);
    printf("hidden bug, minimal case (keys %llu and %llu share the 4-bit hash %llu):\n%s",
           (unsigned long long)distinct[0], (unsigned long long)distinct[1], (unsigned long long)h0,
           log);

    /* The fix: the same weak hash, keys compared. */
    naive_compare_keys = true;
    held = prop_check("hidden_bug/fixed_map_4_bit_hash", against_a_model, &env, NULL, &report);
    naive_hash_bits = 64;
    ASSERT(held, "the fixed map failed:\n%s", report.message);
}
