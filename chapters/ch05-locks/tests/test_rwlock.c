/* test_rwlock.c - the rwlock example ends with every reader having read its
 * zeros and the writer having written exactly wraps * 65536 values, with
 * either preference. */
#include <stdbool.h>

#include "env.h"
#include "rwlock.h"
#include "test.h"

static void check_rw(enum rw_kind kind)
{
    struct rw_result r;
    /* Spinning readers crawl under valgrind's one-thread-at-a-time scheduler,
     * under TSan and under qemu: fewer readers and one wrap there. */
    bool slow = lab_emulated() || lab_under_valgrind() || lab_under_tsan();
    unsigned wraps = slow ? 1 : 3, readers = slow ? 2 : 5;
    ASSERT_EQ(rw_run(readers, wraps, 100, kind, &r), 0);
    ASSERT_EQ(r.writes, (uint64_t)wraps * 65536);
    for (unsigned i = 0; i < readers; i++) {
        ASSERT_EQ(r.zeros[i], 100, "reader %u", i);
        ASSERT_GE(r.successes[i], 100, "reader %u", i);
    }
}

TEST(rwlock, readers_finish_prefer_reader, .timeout = 120)
{
    check_rw(RW_PREFER_READER);
}
TEST(rwlock, readers_finish_prefer_writer, .timeout = 120)
{
    check_rw(RW_PREFER_WRITER);
}
