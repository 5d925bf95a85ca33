/*
 * bench_maps.c - the general maps of chapter 2 against the peers, in one run:
 * insert, lookup hit, lookup miss, mixed and delete on 64-bit keys and values,
 * at 10^3 to 10^7 entries; ns per operation with a 95% interval, bytes per
 * entry, and the ratio of our fast map (swiss) to the best peer.
 *
 *   ours   swiss (swiss.h, SSE2 groups), swiss-portable (8-byte groups),
 *          robinhood (the std rebuild, SipHash-1-3), naive (fixed; up to 10^5)
 *   peers  Abseil flat_hash_map, std::unordered_map (C++, bench/peers/cxx_maps.cc),
 *          Concurrency Kit ck_rhs and ck_hs, glib GHashTable, uthash
 *
 * One repetition at a size builds each map from empty with n inserts (timed:
 * "insert", growth included), then times m lookups of present keys in a
 * random order ("hit"), m of absent keys ("miss"), m mixed operations (half
 * lookups, half of them hits; a quarter inserts of new keys; a quarter
 * removals: the size stays near n), and m removals ("delete"); m = n, except
 * for the naive map (2,000: its operations are O(n); 5 repetitions at most).
 * Maps run in turn within a repetition; repetitions are as many as fit (3 to
 * 30). Every map must return
 * the same checksum for the same operations, or the run fails.
 *
 * Keys are splitmix64 outputs: distinct, and random in every bit. The value of
 * key k is map_op_value(k). Bytes per entry: what malloc holds after the
 * inserts (glibc's mallinfo2: heap blocks and mapped ones), divided by n. The hash each map uses is
 * its own (glib: g_direct_hash; uthash: its Jenkins hash); the two Concurrency Kit tables, which
 * take a hash from the user, get ours (map_mix64), and keep their entries in a pool (one malloc per
 * 4,096), as uthash's do.
 *
 * The sizes end at 10^7 (LAB_MAPS_MAX_SIZE=N lowers the ceiling); --quick runs
 * 10^3 and 10^4 only.
 */
#include <ck_hs.h>
#include <ck_rhs.h>
#include <glib.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "bench.h"
#include "cli.h"
#include "clock.h"
#include "cxx_maps.h"
#include "maps.h"
#include "rng.h"

/* ---- the faces: every map runs an array of operations ------------------------------ */

struct face {
    const char *name;
    bool ours;
    size_t max_size; /* the naive map stops at 10^5 */
    size_t max_ops;  /* operations per timed phase (0: n) */
    size_t max_reps; /* repetitions (0: as many as the size allows) */
    void *(*create)(void);
    void (*destroy)(void *m);
    uint64_t (*run)(void *m, const struct map_op *ops, size_t n);
};

#define OUR_FACE(M, INIT)                                                                          \
    static void *M##_create(void)                                                                  \
    {                                                                                              \
        struct M *m = malloc(sizeof *m);                                                           \
        if (m == NULL)                                                                             \
            die("out of memory");                                                                  \
        INIT;                                                                                      \
        return m;                                                                                  \
    }                                                                                              \
    static void M##_destroy(void *m)                                                               \
    {                                                                                              \
        M##_free(m);                                                                               \
        free(m);                                                                                   \
    }                                                                                              \
    static uint64_t M##_run(void *mp, const struct map_op *ops, size_t n)                          \
    {                                                                                              \
        struct M *m = mp;                                                                          \
        uint64_t sum = 0;                                                                          \
        for (size_t i = 0; i < n; i++) {                                                           \
            uint64_t k = ops[i].key, *v;                                                           \
            switch (ops[i].kind) {                                                                 \
            case MAP_OP_INSERT: {                                                                  \
                int rc = M##_insert(m, k, map_op_value(k), NULL);                                  \
                if (rc < 0)                                                                        \
                    die("out of memory");                                                          \
                sum += (uint64_t)rc;                                                               \
                break;                                                                             \
            }                                                                                      \
            case MAP_OP_GET:                                                                       \
                if ((v = M##_get(m, k)) != NULL)                                                   \
                    sum += 1 + *v;                                                                 \
                break;                                                                             \
            default:                                                                               \
                sum += M##_remove(m, k, NULL, NULL);                                               \
            }                                                                                      \
        }                                                                                          \
        return sum;                                                                                \
    }

OUR_FACE(sw_u64, sw_u64_init(m, map_hasher_seeded(1)))
OUR_FACE(sw_u64_portable, sw_u64_portable_init(m, map_hasher_seeded(1)))
OUR_FACE(rh_u64, rh_u64_init(m, map_hasher_seeded(1)))
OUR_FACE(naive_u64, naive_u64_init_with(m, map_hasher_seeded(1), 64, true))

/* ---- a pool of entries, for the peers that store pointers to them ---------------------- */

enum { POOL_CHUNK = 4096 };

struct pool {
    void **chunks;
    size_t n_chunks, used, size; /* used: entries taken from the last chunk */
};

static void *pool_take(struct pool *p)
{
    if (p->n_chunks == 0 || p->used == POOL_CHUNK) {
        void **c = realloc(p->chunks, (p->n_chunks + 1) * sizeof *c);
        if (c == NULL || (c[p->n_chunks] = malloc(POOL_CHUNK * p->size)) == NULL)
            die("out of memory");
        p->chunks = c;
        p->n_chunks++;
        p->used = 0;
    }
    return (char *)p->chunks[p->n_chunks - 1] + p->size * p->used++;
}

static void pool_free(struct pool *p)
{
    for (size_t i = 0; i < p->n_chunks; i++)
        free(p->chunks[i]);
    free(p->chunks);
}

struct kv {
    uint64_t key, val;
};

/* ---- Concurrency Kit: ck_hs and ck_rhs hold pointers to entries ---------------------- */

static void *ck_malloc_cb(size_t r)
{
    return malloc(r);
}
static void ck_free_cb(void *p, size_t b, bool r)
{
    (void)b, (void)r;
    free(p);
}
static struct ck_malloc ck_alloc = {.malloc = ck_malloc_cb, .free = ck_free_cb};

static unsigned long ck_hash_cb(const void *object, unsigned long seed)
{
    return (unsigned long)map_mix64(((const struct kv *)object)->key, seed);
}

static bool ck_compare_cb(const void *a, const void *b)
{
    return ((const struct kv *)a)->key == ((const struct kv *)b)->key;
}

#define CK_FACE(T, PFX, HASHM)                                                                     \
    struct bm_##T##_map {                                                                          \
        PFX##_t t;                                                                                 \
        struct pool pool;                                                                          \
    };                                                                                             \
    static void *bm_##T##_create(void)                                                             \
    {                                                                                              \
        struct bm_##T##_map *m = calloc(1, sizeof *m);                                             \
        if (m == NULL || !PFX##_init(&m->t, PFX##_MODE_OBJECT | PFX##_MODE_SPMC, ck_hash_cb,       \
                                     ck_compare_cb, &ck_alloc, 8, 1))                              \
            die("%s_init failed", #T);                                                             \
        m->pool.size = sizeof(struct kv);                                                          \
        return m;                                                                                  \
    }                                                                                              \
    static void bm_##T##_destroy(void *mp)                                                         \
    {                                                                                              \
        struct bm_##T##_map *m = mp;                                                               \
        PFX##_destroy(&m->t);                                                                      \
        pool_free(&m->pool);                                                                       \
        free(m);                                                                                   \
    }                                                                                              \
    static uint64_t bm_##T##_run(void *mp, const struct map_op *ops, size_t n)                     \
    {                                                                                              \
        struct bm_##T##_map *m = mp;                                                               \
        uint64_t sum = 0;                                                                          \
        for (size_t i = 0; i < n; i++) {                                                           \
            struct kv probe = {ops[i].key, 0}, *e;                                                 \
            unsigned long h = HASHM(&m->t, ck_hash_cb, &probe);                                    \
            switch (ops[i].kind) {                                                                 \
            case MAP_OP_INSERT:                                                                    \
                if ((e = PFX##_get(&m->t, h, &probe)) != NULL) {                                   \
                    e->val = map_op_value(probe.key);                                              \
                    sum++;                                                                         \
                } else {                                                                           \
                    e = pool_take(&m->pool);                                                       \
                    *e = (struct kv){probe.key, map_op_value(probe.key)};                          \
                    if (!PFX##_put(&m->t, h, e))                                                   \
                        die("%s_put failed", #T);                                                  \
                }                                                                                  \
                break;                                                                             \
            case MAP_OP_GET:                                                                       \
                if ((e = PFX##_get(&m->t, h, &probe)) != NULL)                                     \
                    sum += 1 + e->val;                                                             \
                break;                                                                             \
            default:                                                                               \
                sum += PFX##_remove(&m->t, h, &probe) != NULL;                                     \
            }                                                                                      \
        }                                                                                          \
        return sum;                                                                                \
    }

#define ck_hs_MODE_OBJECT CK_HS_MODE_OBJECT
#define ck_hs_MODE_SPMC CK_HS_MODE_SPMC
#define ck_rhs_MODE_OBJECT CK_RHS_MODE_OBJECT
#define ck_rhs_MODE_SPMC CK_RHS_MODE_SPMC
CK_FACE(ck_hs, ck_hs, CK_HS_HASH)
CK_FACE(ck_rhs, ck_rhs, CK_RHS_HASH)

/* ---- glib: keys and values stored in the pointers themselves ------------------------- */

_Static_assert(sizeof(gpointer) == sizeof(uint64_t), "64-bit keys in pointers: a 64-bit host");

static void *glib_create(void)
{
    return g_hash_table_new(g_direct_hash, g_direct_equal);
}
static void glib_destroy(void *m)
{
    g_hash_table_destroy(m);
}
static uint64_t glib_run(void *m, const struct map_op *ops, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        gpointer k = (gpointer)(uintptr_t)ops[i].key, v;
        switch (ops[i].kind) {
        case MAP_OP_INSERT:
            sum += !g_hash_table_insert(m, k, (gpointer)(uintptr_t)map_op_value(ops[i].key));
            break;
        case MAP_OP_GET:
            if (g_hash_table_lookup_extended(m, k, NULL, &v))
                sum += 1 + (uint64_t)(uintptr_t)v;
            break;
        default:
            sum += g_hash_table_remove(m, k);
        }
    }
    return sum;
}

/* ---- uthash: an intrusive handle in each entry -------------------------------------- */

struct ut_entry {
    uint64_t key, val;
    UT_hash_handle hh;
};

struct ut_map {
    struct ut_entry *head;
    struct pool pool;
};

static void *ut_create(void)
{
    struct ut_map *m = calloc(1, sizeof *m);
    if (m == NULL)
        die("out of memory");
    m->pool.size = sizeof(struct ut_entry);
    return m;
}

static void ut_destroy(void *mp)
{
    struct ut_map *m = mp;
    HASH_CLEAR(hh, m->head);
    pool_free(&m->pool);
    free(m);
}

static uint64_t ut_run(void *mp, const struct map_op *ops, size_t n)
{
    struct ut_map *m = mp;
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = ops[i].key;
        struct ut_entry *e;
        HASH_FIND(hh, m->head, &k, sizeof k, e);
        switch (ops[i].kind) {
        case MAP_OP_INSERT:
            if (e != NULL) {
                e->val = map_op_value(k);
                sum++;
            } else {
                e = pool_take(&m->pool);
                e->key = k;
                e->val = map_op_value(k);
                HASH_ADD(hh, m->head, key, sizeof e->key, e);
            }
            break;
        case MAP_OP_GET:
            if (e != NULL)
                sum += 1 + e->val;
            break;
        default:
            if (e != NULL) {
                HASH_DEL(m->head, e);
                sum++;
            }
        }
    }
    return sum;
}

static const struct face faces[] = {
    {"swiss", true, 0, 0, 0, sw_u64_create, sw_u64_destroy, sw_u64_run},
    {"swiss-portable", true, 0, 0, 0, sw_u64_portable_create, sw_u64_portable_destroy,
     sw_u64_portable_run},
    {"robinhood", true, 0, 0, 0, rh_u64_create, rh_u64_destroy, rh_u64_run},
    {"naive", true, 100000, 2000, 5, naive_u64_create, naive_u64_destroy, naive_u64_run},
    {"absl", false, 0, 0, 0, cxx_absl_new, cxx_absl_free, cxx_absl_run},
    {"unordered_map", false, 0, 0, 0, cxx_umap_new, cxx_umap_free, cxx_umap_run},
    {"ck_rhs", false, 0, 0, 0, bm_ck_rhs_create, bm_ck_rhs_destroy, bm_ck_rhs_run},
    {"ck_hs", false, 0, 0, 0, bm_ck_hs_create, bm_ck_hs_destroy, bm_ck_hs_run},
    {"glib", false, 0, 0, 0, glib_create, glib_destroy, glib_run},
    {"uthash", false, 0, 0, 0, ut_create, ut_destroy, ut_run},
};
enum { N_FACES = sizeof faces / sizeof faces[0] };

/* ---- the operations ---------------------------------------------------------------- */

enum phase { INSERT, HIT, MISS, MIXED, DELETE, N_PHASES };
static const char *const phase_names[] = {"insert", "hit", "miss", "mixed", "delete"};

/* The distinct random key number i. */
static uint64_t key_of(uint64_t i)
{
    struct splitmix64 g = {i};
    return splitmix64_next(&g);
}

static void shuffle(uint64_t *v, size_t n, struct splitmix64 *g)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)splitmix64_below(g, i);
        uint64_t t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

/* The five phases' operations for n entries and m operations a phase. Keys
 * 0..n-1 are inserted, n..n+m-1 are absent, n+m.. are inserted by the mixed
 * phase. */
struct phases {
    struct map_op *op[N_PHASES];
    size_t len[N_PHASES];
};

static struct phases make_phases(size_t n, size_t m, uint64_t seed)
{
    struct phases p;
    struct splitmix64 g = {seed};
    uint64_t *perm = malloc(n * sizeof *perm);
    for (size_t i = 0; i < N_PHASES; i++)
        p.op[i] = malloc((i == INSERT ? n : m) * sizeof(struct map_op));
    if (perm == NULL || p.op[N_PHASES - 1] == NULL)
        die("out of memory");
    for (size_t i = 0; i < n; i++) {
        perm[i] = i;
        p.op[INSERT][i] = (struct map_op){key_of(i), MAP_OP_INSERT};
    }
    p.len[INSERT] = n;
    shuffle(perm, n, &g);
    for (size_t i = 0; i < m; i++) {
        p.op[HIT][i] = (struct map_op){key_of(perm[i % n]), MAP_OP_GET};
        p.op[MISS][i] = (struct map_op){key_of(n + i), MAP_OP_GET};
    }
    /* mixed: removals take keys from the end of the permutation, lookups from
     * its start (hits) or the absent keys (misses) */
    size_t removed = 0, added = 0;
    for (size_t i = 0; i < m; i++) {
        uint64_t r = splitmix64_next(&g) % 4;
        if (r == 0 && removed < n / 2)
            p.op[MIXED][i] = (struct map_op){key_of(perm[n - 1 - removed++]), MAP_OP_REMOVE};
        else if (r == 1)
            p.op[MIXED][i] = (struct map_op){key_of(n + m + added++), MAP_OP_INSERT};
        else if (i % 2 == 0)
            p.op[MIXED][i] = (struct map_op){key_of(perm[i % (n - n / 2)]), MAP_OP_GET};
        else
            p.op[MIXED][i] = (struct map_op){key_of(n + i), MAP_OP_GET};
    }
    /* delete: keys still present, in a random order: m of them, or all */
    p.len[DELETE] = m < n - removed ? m : n - removed;
    for (size_t i = 0; i < p.len[DELETE]; i++)
        p.op[DELETE][i] = (struct map_op){key_of(perm[i]), MAP_OP_REMOVE};
    p.len[HIT] = p.len[MISS] = p.len[MIXED] = m;
    free(perm);
    return p;
}

static void free_phases(struct phases *p)
{
    for (size_t i = 0; i < N_PHASES; i++)
        free(p->op[i]);
}

/* ---- the run ------------------------------------------------------------------------ */

enum { MAX_REPS = 30, N_SIZES = 5 };
static const size_t sizes[N_SIZES] = {1000, 10000, 100000, 1000000, 10000000};

struct cell {
    struct bench_sample s[MAX_REPS];
    size_t n;
    uint64_t checksum;
    double bytes[MAX_REPS];
};

static size_t reps_for(size_t n, bool quick)
{
    if (quick)
        return 3;
    size_t r = 20000000 / n;
    return r < 3 ? 3 : r > MAX_REPS ? MAX_REPS : r;
}

/* What malloc holds: small blocks on the heap, big ones mapped on their own. */
static size_t heap_bytes(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static double median(double *v, size_t n)
{
    return bench_quantile_sorted(v, n, 0.5);
}

int main(int argc, char **argv)
{
    struct bench_run *run = bench_begin("ch02", "maps", argc, argv);
    bool quick = bench_quick(run);
    size_t max_size = 10000000;
    const char *env = getenv("LAB_MAPS_MAX_SIZE");
    if (env != NULL && (max_size = strtoull(env, NULL, 10)) < 1000)
        die("LAB_MAPS_MAX_SIZE must be 1000 or more");
    FILE *tsv = bench_open_extra(run, "ns");
    FILE *rt = bench_open_extra(run, "vs_best_peer");
    if (tsv == NULL || rt == NULL)
        die("cannot write the result files");
    fprintf(tsv, "map\timpl\tsize\top\tns\tlo\thi\tbytes_per_entry\n");
    fprintf(rt, "size\top\tbest_peer\tratio\tlo\thi\n");
    static struct cell cells[N_SIZES][N_FACES][N_PHASES];
    for (size_t si = 0; si < N_SIZES; si++) {
        size_t n = sizes[si];
        if (n > max_size || (quick && n > 10000))
            break;
        size_t reps = reps_for(n, quick);
        printf("== %zu entries, %zu repetitions\n", n, reps);
        fflush(stdout);
        for (size_t rep = 0; rep < reps; rep++) {
            for (size_t f = 0; f < N_FACES; f++) {
                const struct face *fc = &faces[f];
                if ((fc->max_size && n > fc->max_size) || (fc->max_reps && rep >= fc->max_reps))
                    continue;
                size_t m = fc->max_ops && fc->max_ops < n ? fc->max_ops : n;
                struct phases p = make_phases(n, m, 1000 + rep);
                size_t before = heap_bytes();
                void *map = fc->create();
                for (size_t ph = 0; ph < N_PHASES; ph++) {
                    uint64_t t0 = lab_now_ns();
                    uint64_t sum = fc->run(map, p.op[ph], p.len[ph]);
                    uint64_t t = lab_now_ns() - t0;
                    /* One sample: ns per operation of this phase (the
                     * analysis then estimates their mean). */
                    struct cell *c = &cells[si][f][ph];
                    c->s[c->n++] = (struct bench_sample){1, (double)t / (double)p.len[ph]};
                    if (ph == INSERT)
                        c->bytes[c->n - 1] = (double)(heap_bytes() - before) / (double)n;
                    /* The same operations give the same checksum in every map
                     * with the same m. */
                    struct cell *ref = &cells[si][0][ph];
                    if (m == n && rep == 0 && f > 0 && sum != ref->checksum)
                        die("%s gave checksum %llu for %s at %zu, swiss %llu", fc->name,
                            (unsigned long long)sum, phase_names[ph], n,
                            (unsigned long long)ref->checksum);
                    c->checksum = sum;
                }
                fc->destroy(map);
                free_phases(&p);
            }
        }
        /* Report this size. */
        printf("%-15s", "ns/op");
        for (size_t ph = 0; ph < N_PHASES; ph++)
            printf(" %22s", phase_names[ph]);
        printf(" %9s\n", "bytes/e");
        struct bench_analysis an[N_FACES][N_PHASES];
        for (size_t f = 0; f < N_FACES; f++) {
            if (cells[si][f][INSERT].n == 0)
                continue;
            printf("%-15s", faces[f].name);
            double b = median(cells[si][f][INSERT].bytes, cells[si][f][INSERT].n);
            for (size_t ph = 0; ph < N_PHASES; ph++) {
                struct cell *c = &cells[si][f][ph];
                bench_analyze(c->s, c->n, 2000, 0.95, 7, &an[f][ph]);
                struct bench_estimate e = an[f][ph].estimate;
                printf("  %6.1f [%6.1f, %6.1f]", e.point, e.lo, e.hi);
                fprintf(tsv, "%s\t%s\t%zu\t%s\t%.3f\t%.3f\t%.3f\t%.1f\n", faces[f].name,
                        faces[f].ours ? "ours" : "peer", n, phase_names[ph], e.point, e.lo, e.hi,
                        b);
            }
            printf(" %9.1f\n", b);
        }
        /* swiss against the fastest peer of each phase */
        printf("swiss / best peer:");
        for (size_t ph = 0; ph < N_PHASES; ph++) {
            size_t best = 0;
            for (size_t f = 0; f < N_FACES; f++)
                if (!faces[f].ours && cells[si][f][ph].n > 0 &&
                    (best == 0 || an[f][ph].estimate.point < an[best][ph].estimate.point))
                    best = f;
            struct cell *a = &cells[si][0][ph], *b = &cells[si][best][ph];
            struct bench_estimate r = bench_ratio(a->s, a->n, b->s, b->n, 2000, 0.95, 9);
            printf("  %s %.2fx [%.2f, %.2f] (%s)", phase_names[ph], r.point, r.lo, r.hi,
                   faces[best].name);
            fprintf(rt, "%zu\t%s\t%s\t%.3f\t%.3f\t%.3f\n", n, phase_names[ph], faces[best].name,
                    r.point, r.lo, r.hi);
            if (ph == HIT || ph == INSERT) {
                char a[64], b[64];
                snprintf(a, sizeof a, "swiss/%s/%zu", phase_names[ph], n);
                snprintf(b, sizeof b, "%s", faces[best].name);
                bench_record_ratio(run, a, b, r);
            }
        }
        printf("\n\n");
        fflush(stdout);
        fflush(tsv);
        fflush(rt);
    }
    fclose(tsv);
    fclose(rt);
    return bench_end(run);
}
