/* test_maps.c - the same unit tests for every general map of the chapter
 * (the fixed naive map, the Robin Hood rebuild of std's map, the SwissTable
 * with SSE2 groups and with portable groups): empty and one-element maps,
 * replacement, removal, growth, heavy deletion with resizes, iteration; and
 * what is particular to each (Robin Hood's early resize on long probes, the
 * SwissTable's tombstones), with hashes made bad on purpose. */
#include <signal.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "env.h"
#include "maps.h"
#include "test.h"

/* A Robin Hood map and a SwissTable whose hash puts every key in a few
 * buckets: a flood of collisions. */
static inline uint64_t bad_hash(const struct map_hasher *hs, uint64_t k)
{
    (void)hs; /* a fixed hash: the key does not matter */
    return k % 3 * 0x100000001ull;
}
#define BAD_HASH(hs, k) bad_hash((hs), (k))
#define MAP_NAME rh_bad
#define MAP_KEY uint64_t
#define MAP_VAL uint64_t
#define MAP_HASH(hs, k) BAD_HASH(hs, k)
#define MAP_EQ MAPS_INT_EQ
#include "robinhood.h"
#define MAP_NAME sw_bad
#define MAP_KEY uint64_t
#define MAP_VAL uint64_t
#define MAP_HASH(hs, k) BAD_HASH(hs, k)
#define MAP_EQ MAPS_INT_EQ
#include "swiss.h"
#define MAP_NAME sw_bad_portable
#define MAP_KEY uint64_t
#define MAP_VAL uint64_t
#define MAP_HASH(hs, k) BAD_HASH(hs, k)
#define MAP_EQ MAPS_INT_EQ
#define MAP_GROUP_PORTABLE
#include "swiss.h"

/* naive_u64 with its bug fixed, under the shared verbs. */
static inline void naive_fixed_init(struct naive_u64 *m, struct map_hasher h)
{
    naive_u64_init_with(m, h, 64, true);
}
#define naive_fixed naive_u64
#define naive_fixed_free naive_u64_free
#define naive_fixed_insert naive_u64_insert
#define naive_fixed_get naive_u64_get
#define naive_fixed_remove naive_u64_remove
#define naive_fixed_len naive_u64_len
#define naive_fixed_next naive_u64_next

/* The tests of one map; `many` entries for the big ones (smaller for the
 * naive map, O(n) per operation, and for the maps with a flooded hash). */
#define MAP_TESTS(M, many)                                                                         \
    TEST(M, empty_map)                                                                             \
    {                                                                                              \
        struct M m;                                                                                \
        M##_init(&m, map_hasher_seeded(1));                                                        \
        ASSERT_EQ(M##_len(&m), 0);                                                                 \
        ASSERT(M##_get(&m, 0) == NULL);                                                            \
        ASSERT(M##_get(&m, 42) == NULL);                                                           \
        ASSERT(!M##_remove(&m, 42, NULL, NULL));                                                   \
        size_t it = 0;                                                                             \
        uint64_t k, v;                                                                             \
        ASSERT(!M##_next(&m, &it, &k, &v));                                                        \
        M##_free(&m);                                                                              \
    }                                                                                              \
    TEST(M, one_element_replace_remove)                                                            \
    {                                                                                              \
        struct M m;                                                                                \
        M##_init(&m, map_hasher_seeded(2));                                                        \
        uint64_t old = 0, key = 0, val = 0;                                                        \
        ASSERT_EQ(M##_insert(&m, 7, 70, &old), 0, "a new key");                                    \
        ASSERT_EQ(M##_len(&m), 1);                                                                 \
        ASSERT_EQ(*M##_get(&m, 7), 70);                                                            \
        ASSERT(M##_get(&m, 8) == NULL);                                                            \
        ASSERT_EQ(M##_insert(&m, 7, 71, &old), 1, "the same key again");                           \
        ASSERT_EQ(old, 70);                                                                        \
        ASSERT_EQ(M##_len(&m), 1);                                                                 \
        ASSERT_EQ(*M##_get(&m, 7), 71);                                                            \
        ASSERT(M##_remove(&m, 7, &key, &val));                                                     \
        ASSERT(key == 7 && val == 71);                                                             \
        ASSERT_EQ(M##_len(&m), 0);                                                                 \
        ASSERT(M##_get(&m, 7) == NULL);                                                            \
        ASSERT(!M##_remove(&m, 7, NULL, NULL));                                                    \
        ASSERT_EQ(M##_insert(&m, 7, 72, NULL), 0, "new again after removal");                      \
        M##_free(&m);                                                                              \
    }                                                                                              \
    TEST(M, grows_and_keeps_everything)                                                            \
    {                                                                                              \
        struct M m;                                                                                \
        M##_init(&m, map_hasher_seeded(3));                                                        \
        size_t n = (size_t)lab_scaled(many);                                                       \
        for (uint64_t i = 0; i < n; i++)                                                           \
            ASSERT_EQ(M##_insert(&m, i * 2654435761u, i, NULL), 0);                                \
        ASSERT_EQ(M##_len(&m), n);                                                                 \
        for (uint64_t i = 0; i < n; i++) {                                                         \
            uint64_t *v = M##_get(&m, i * 2654435761u);                                            \
            ASSERT(v != NULL && *v == i, "key %llu", (unsigned long long)i);                       \
            ASSERT(M##_get(&m, i * 2654435761u + 1) == NULL);                                      \
        }                                                                                          \
        M##_free(&m);                                                                              \
    }                                                                                              \
    TEST(M, iteration_visits_each_entry_once)                                                      \
    {                                                                                              \
        struct M m;                                                                                \
        M##_init(&m, map_hasher_seeded(4));                                                        \
        enum { N = 1000 };                                                                         \
        static bool seen[N];                                                                       \
        memset(seen, 0, sizeof seen);                                                              \
        for (uint64_t i = 0; i < N; i++)                                                           \
            M##_insert(&m, i, i + 1, NULL);                                                        \
        for (uint64_t i = 0; i < N; i += 3)                                                        \
            M##_remove(&m, i, NULL, NULL);                                                         \
        size_t it = 0, count = 0;                                                                  \
        uint64_t k, v;                                                                             \
        while (M##_next(&m, &it, &k, &v)) {                                                        \
            ASSERT(k < N && !seen[k] && k % 3 != 0 && v == k + 1);                                 \
            seen[k] = true;                                                                        \
            count++;                                                                               \
        }                                                                                          \
        ASSERT_EQ(count, M##_len(&m));                                                             \
        ASSERT_EQ(count, N - (N + 2) / 3);                                                         \
        M##_free(&m);                                                                              \
    }                                                                                              \
    TEST(M, heavy_deletion_with_resizes)                                                           \
    {                                                                                              \
        struct M m;                                                                                \
        M##_init(&m, map_hasher_seeded(5));                                                        \
        size_t n = (size_t)lab_scaled(many);                                                       \
        for (int round = 0; round < 4; round++) {                                                  \
            uint64_t base = (uint64_t)round * 1000000;                                             \
            for (uint64_t i = 0; i < n; i++)                                                       \
                M##_insert(&m, base + i, i, NULL);                                                 \
            for (uint64_t i = 0; i < n; i++)                                                       \
                if (i % 16 != 0)                                                                   \
                    ASSERT(M##_remove(&m, base + i, NULL, NULL));                                  \
        }                                                                                          \
        ASSERT_EQ(M##_len(&m), 4 * ((n + 15) / 16));                                               \
        for (int round = 0; round < 4; round++)                                                    \
            for (uint64_t i = 0; i < n; i++) {                                                     \
                uint64_t *v = M##_get(&m, (uint64_t)round * 1000000 + i);                          \
                ASSERT(i % 16 == 0 ? v != NULL && *v == i : v == NULL);                            \
            }                                                                                      \
        M##_free(&m);                                                                              \
    }

MAP_TESTS(naive_fixed, 2000)
MAP_TESTS(rh_u64, 50000)
MAP_TESTS(sw_u64, 50000)
MAP_TESTS(sw_u64_portable, 50000)
MAP_TESTS(rh_bad, 1000)
MAP_TESTS(sw_bad, 1000)
MAP_TESTS(sw_bad_portable, 1000)

TEST(rh_u64, policy_of_the_book)
{
    struct rh_u64 m;
    rh_u64_init(&m, map_hasher_seeded(6));
    rh_u64_insert(&m, 1, 1, NULL);
    ASSERT_EQ(m.raw_cap, 32, "the smallest table");
    for (uint64_t i = 2; i <= 29; i++)
        rh_u64_insert(&m, i, i, NULL);
    ASSERT_EQ(m.raw_cap, 32, "29 entries fit in 32 buckets: (32 * 10 + 9) / 11 = 29");
    rh_u64_insert(&m, 30, 30, NULL);
    ASSERT_EQ(m.raw_cap, 64, "the 30th grows it");
    ASSERT(!m.long_probes);
    ASSERT_LT(rh_u64_max_displacement(&m), 16);
    rh_u64_free(&m);
}

TEST(rh_bad, long_probes_double_the_table_early)
{
    /* Every key hashes to one of three buckets: the probes grow with the map. */
    struct rh_bad m;
    rh_bad_init(&m, map_hasher_seeded(7));
    uint64_t i = 0;
    while (!m.long_probes)
        rh_bad_insert(&m, i++, 0, NULL);
    ASSERT_GE(rh_bad_max_displacement(&m), 128);
    size_t cap = m.raw_cap;
    /* The next insert doubles the table if it is at least half full, long
     * before the load factor would. */
    while (m.raw_cap == cap)
        rh_bad_insert(&m, i++, 0, NULL);
    ASSERT_EQ(m.raw_cap, 2 * cap);
    ASSERT_LT(m.size * 11, cap * 10, "the load was below 10/11 when it grew");
    ASSERT(!m.long_probes, "a fresh table forgets the flag");
    rh_bad_free(&m);
}

TEST(sw_u64, tombstones_are_bounded_and_swept)
{
    struct sw_u64 m;
    sw_u64_init(&m, map_hasher_seeded(8));
    /* A map that stays at 1,000 entries under churn: insert one, remove the
     * oldest, a million times. The table must not grow without bound, and
     * tombstones must not pile up past the load limit. */
    for (uint64_t i = 0; i < 1000; i++)
        sw_u64_insert(&m, i, i, NULL);
    size_t cap = m.cap;
    uint64_t n = (uint64_t)lab_scaled(1000000);
    for (uint64_t i = 1000; i < 1000 + n; i++) {
        sw_u64_insert(&m, i, i, NULL);
        ASSERT(sw_u64_remove(&m, i - 1000, NULL, NULL));
    }
    ASSERT_EQ(sw_u64_len(&m), 1000);
    ASSERT_LE(m.cap, 2 * cap + 1, "churn at a constant size must not keep growing the table");
    /* Tombstones take the place of empty slots until growth runs out; then
     * the rebuild sweeps them. So they never pass the 7/8 load with the live
     * entries, and every probe still meets an empty slot. */
    ASSERT_LE(sw_u64_len(&m) + sw_u64_tombstones(&m), m.cap - m.cap / 8);
    for (uint64_t i = n; i < n + 1000; i++)
        ASSERT(sw_u64_get(&m, i) != NULL && *sw_u64_get(&m, i) == i);
    sw_u64_free(&m);
}

TEST(sw_u64, reserve_avoids_rehash)
{
    struct sw_u64 m;
    sw_u64_init(&m, map_hasher_seeded(9));
    ASSERT_EQ(sw_u64_reserve(&m, 10000), 0);
    size_t cap = m.cap;
    ASSERT_GE(m.growth_left, 10000);
    for (uint64_t i = 0; i < 10000; i++)
        sw_u64_insert(&m, i, i, NULL);
    ASSERT_EQ(m.cap, cap);
    sw_u64_free(&m);
}

/* reserve(n) for the open-addressing maps: room for n entries more than the
 * map holds (map_template.h), whatever deletes left behind; and a request
 * too big for a size_t of bytes is refused at once, the map intact. `table`
 * names the map's one allocation: a rehash always allocates the new table
 * while the old one is still held, so a rehash changes that pointer. */
#define RESERVE_TESTS(M, table)                                                                    \
    TEST(M, reserve_is_for_more_entries_whatever_deletes_left)                                     \
    {                                                                                              \
        struct M m;                                                                                \
        M##_init(&m, map_hasher_seeded(10));                                                       \
        for (uint64_t i = 0; i < 1000; i++)                                                        \
            ASSERT_EQ(M##_insert(&m, i, i, NULL), 0);                                              \
        for (uint64_t i = 0; i < 900; i++)                                                         \
            ASSERT(M##_remove(&m, i, NULL, NULL));                                                 \
        ASSERT_EQ(M##_reserve(&m, 1750), 0);                                                       \
        const void *before = m.table;                                                              \
        for (uint64_t i = 0; i < 1750; i++) {                                                      \
            ASSERT_EQ(M##_insert(&m, 10000 + i, i, NULL), 0);                                      \
            ASSERT(m.table == before,                                                              \
                   "insert %llu of the 1750 that reserve(1750) made room for "                     \
                   "rehashed the table (100 entries held when reserving)",                         \
                   (unsigned long long)i + 1);                                                     \
        }                                                                                          \
        ASSERT_EQ(M##_len(&m), 1850);                                                              \
        for (uint64_t i = 900; i < 1000; i++)                                                      \
            ASSERT(M##_get(&m, i) != NULL && *M##_get(&m, i) == i);                                \
        for (uint64_t i = 0; i < 1750; i++)                                                        \
            ASSERT(M##_get(&m, 10000 + i) != NULL && *M##_get(&m, 10000 + i) == i);                \
        M##_free(&m);                                                                              \
    }                                                                                              \
    /* In a child with an alarm: the old SwissTable looped forever on SIZE_MAX.                    \
     * Exits 0, or the number of the first request that was not refused. */                        \
    static int M##_huge_reserves(void)                                                             \
    {                                                                                              \
        const size_t huge[] = {SIZE_MAX / 16 + 1, SIZE_MAX / 2 + 1, SIZE_MAX};                     \
        struct M m;                                                                                \
        M##_init(&m, map_hasher_seeded(11));                                                       \
        for (uint64_t i = 0; i < 10; i++)                                                          \
            M##_insert(&m, i, i, NULL);                                                            \
        for (int r = 0; r < 3; r++) {                                                              \
            if (M##_reserve(&m, huge[r]) != -ENOMEM || M##_len(&m) != 10)                          \
                return r + 1;                                                                      \
            for (uint64_t i = 0; i < 10; i++)                                                      \
                if (M##_get(&m, i) == NULL || *M##_get(&m, i) != i)                                \
                    return r + 1;                                                                  \
        }                                                                                          \
        int rc = M##_insert(&m, 10, 10, NULL) == 0 && M##_len(&m) == 11 ? 0 : 4;                   \
        M##_free(&m);                                                                              \
        return rc;                                                                                 \
    }                                                                                              \
    TEST(M, reserve_refuses_huge_requests_at_once)                                                 \
    {                                                                                              \
        fflush(NULL);                                                                              \
        pid_t pid = fork();                                                                        \
        ASSERT(pid >= 0, "fork");                                                                  \
        if (pid == 0) {                                                                            \
            alarm((unsigned)(10 * lab_slowdown()) + 1);                                            \
            _exit(M##_huge_reserves());                                                            \
        }                                                                                          \
        int st = 0;                                                                                \
        ASSERT_EQ(waitpid(pid, &st, 0), pid);                                                      \
        ASSERT(!WIFSIGNALED(st), "the child died of signal %d (%s)", WTERMSIG(st),                 \
               WTERMSIG(st) == SIGALRM ? "a reserve that never returned" : "a crash");             \
        ASSERT(WEXITSTATUS(st) == 0,                                                               \
               "request %d of (2^60, 2^63, SIZE_MAX on 64 bits) was not refused with -ENOMEM, "    \
               "or lost an entry (4: the map was unusable after)",                                 \
               WEXITSTATUS(st));                                                                   \
    }

RESERVE_TESTS(rh_u64, hashes)
RESERVE_TESTS(sw_u64, ctrl)
RESERVE_TESTS(sw_u64_portable, ctrl)
RESERVE_TESTS(sw_bad, ctrl)
RESERVE_TESTS(sw_bad_portable, ctrl)

/* The flooded SwissTable is where the test above meets tombstones: its
 * deletes leave them, and they had spent growth the old reserve ignored. */
TEST(sw_bad, deletes_leave_tombstones_for_reserve_to_count)
{
    struct sw_bad m;
    sw_bad_init(&m, map_hasher_seeded(10));
    for (uint64_t i = 0; i < 1000; i++)
        sw_bad_insert(&m, i, i, NULL);
    for (uint64_t i = 0; i < 900; i++)
        sw_bad_remove(&m, i, NULL, NULL);
    ASSERT_GT(sw_bad_tombstones(&m), 0);
    size_t before = m.growth_left;
    ASSERT_EQ(sw_bad_reserve(&m, m.growth_left + 1), 0);
    ASSERT_GT(m.growth_left, before, "a reserve beyond the growth left rebuilds");
    ASSERT_EQ(sw_bad_tombstones(&m), 0, "and the rebuild sweeps the tombstones");
    sw_bad_free(&m);
}

TEST(u8map, all_256_keys)
{
    struct u8map_u32 m;
    u8map_u32_init(&m);
    ASSERT_EQ(u8map_u32_len(&m), 0);
    for (int k = 0; k < 256; k++) {
        ASSERT(u8map_u32_get(&m, (uint8_t)k) == NULL);
        ASSERT_EQ(u8map_u32_insert(&m, (uint8_t)k, (uint32_t)k * 3, NULL), 0);
    }
    ASSERT_EQ(u8map_u32_len(&m), 256, "full");
    uint32_t old = 0;
    ASSERT_EQ(u8map_u32_insert(&m, 255, 1, &old), 1);
    ASSERT_EQ(old, 765);
    ASSERT(u8map_u32_remove(&m, 0, &old) && old == 0);
    ASSERT(u8map_u32_get(&m, 0) == NULL);
    ASSERT_EQ(*u8map_u32_get(&m, 1), 3);
    ASSERT_EQ(u8map_u32_len(&m), 255);
}
