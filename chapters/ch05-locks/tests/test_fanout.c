/* test_fanout.c - the fan-out delivers every value to every reader: exactly
 * wraps * 65536 each, 6,553,600 with the book's 100 wraps. */
#include "env.h"
#include "rwlock.h"
#include "test.h"

TEST(fanout, every_reader_sees_every_value, .timeout = 120)
{
    uint64_t seen[5];
    ASSERT_EQ(fanout_run(5, 1, 64, seen), 0);
    for (int i = 0; i < 5; i++)
        ASSERT_EQ(seen[i], 65536, "reader %d", i);
    ASSERT_EQ(fanout_run(2, 2, 1, seen), 0, "capacity 1: the writer waits on every value");
    ASSERT(seen[0] == 131072 && seen[1] == 131072);
}

TEST(fanout, the_books_count, .timeout = 300)
{
    if (!lab_long())
        SKIP("32.8 million channel operations (92 s beside other tests): ci/long, LAB_LONG=1");
    if (lab_emulated() || lab_under_valgrind() || lab_under_tsan())
        SKIP("32.8 million channel operations: natively only");
    uint64_t seen[5];
    ASSERT_EQ(fanout_run(5, 100, 64, seen), 0);
    for (int i = 0; i < 5; i++)
        ASSERT_EQ(seen[i], 6553600, "reader %d: the book's 100 wraps", i);
}
