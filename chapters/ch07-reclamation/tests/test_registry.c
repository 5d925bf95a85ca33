/* test_registry.c - registry.h: records claimed, pushed, released and found
 * again through the thread's cache and key. */
#include <pthread.h>
#include <stdlib.h>

#include "registry.h"
#include "test.h"

static int released;
static void count_release(void *p)
{
    released++;
    lab_registry_release(p);
}

static struct lab_record *make_new(struct lab_registry *r)
{
    struct lab_record *rec = lab_registry_claim(r);
    if (rec == NULL) {
        rec = calloc(1, sizeof *rec);
        if (rec == NULL)
            abort();
        lab_registry_push(r, rec);
    }
    return rec;
}

static size_t count_records(struct lab_registry *r)
{
    size_t n = 0;
    for (struct lab_record *rec = lab_registry_first(r); rec != NULL; rec = rec->next)
        n++;
    return n;
}

static void free_records(struct lab_registry *r)
{
    struct lab_record *rec = lab_registry_first(r);
    while (rec != NULL) {
        struct lab_record *next = rec->next;
        free(rec);
        rec = next;
    }
}

TEST(registry, a_released_record_is_claimed_again_and_a_held_one_never)
{
    struct lab_registry r;
    ASSERT_EQ(lab_registry_init(&r, count_release), 0);
    ASSERT(lab_registry_claim(&r) == NULL, "an empty registry has nothing to claim");
    struct lab_record *a = make_new(&r), *b = make_new(&r);
    ASSERT(a != b);
    ASSERT_EQ(count_records(&r), 2);
    ASSERT(lab_registry_claim(&r) == NULL, "both are held");
    lab_registry_release(a);
    ASSERT(lab_registry_claim(&r) == a, "the idle one is taken");
    ASSERT(lab_registry_claim(&r) == NULL, "and is held again");
    ASSERT_EQ(count_records(&r), 2, "nothing new was pushed");
    lab_registry_destroy(&r);
    free_records(&r);
}

static struct lab_registry shared;
static _Thread_local struct lab_record_cache cache;

static void *use_record(void *arg)
{
    struct lab_record **out = arg;
    out[0] = lab_registry_get_slow(&shared, &cache, make_new);
    out[1] = cache.id == shared.id ? cache.rec : NULL; /* what the fast path would return */
    return NULL;
}

TEST(registry, a_thread_finds_its_record_and_gives_it_back_when_it_ends)
{
    ASSERT_EQ(lab_registry_init(&shared, count_release), 0);
    released = 0;
    struct lab_record *first[2], *second[2];
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, NULL, use_record, first), 0);
    ASSERT_EQ(pthread_join(t, NULL), 0);
    ASSERT(first[0] != NULL && first[1] == first[0], "the cache holds the thread's record");
    ASSERT_EQ(released, 1, "the key's destructor released it at the thread's end");
    ASSERT_EQ(pthread_create(&t, NULL, use_record, second), 0);
    ASSERT_EQ(pthread_join(t, NULL), 0);
    ASSERT(second[0] == first[0], "the next thread reuses it");
    ASSERT_EQ(count_records(&shared), 1);
    struct lab_record *mine = lab_registry_get_slow(&shared, &cache, make_new);
    ASSERT(lab_registry_get_slow(&shared, &cache, make_new) == mine, "the key keeps it");
    lab_registry_destroy(&shared);
    lab_registry_forget(&shared, &cache);
    ASSERT(cache.rec == NULL && cache.id == 0, "forgotten");
    free_records(&shared);
}
