/* test_runners.c - the runner programs print the book's counts exactly, with
 * any hash key (the counts depend on the seed only), and the seed parser. */
#include "env.h"
#include "runner.h"
#include "test.h"

static const struct xorshift128 book = XORSHIFT128_BOOK_SEED;

static void assert_counts(struct runner_counts c, uint64_t e, uint64_t p, uint64_t f, uint64_t s)
{
    ASSERT_EQ(c.empty, e);
    ASSERT_EQ(c.present, p);
    ASSERT_EQ(c.fail, f);
    ASSERT_EQ(c.success, s);
}

TEST(runners, standard_prints_the_books_counts)
{
    assert_counts(runner_standard(book, 100000, map_hasher_random()), 35217, 15071, 34551, 15161);
    assert_counts(runner_standard(book, 100000, map_hasher_seeded(3)), 35217, 15071, 34551, 15161);
}

TEST(runners, naive_prints_the_books_counts, .timeout = 120)
{
    if (lab_under_valgrind())
        SKIP("15 billion instructions: minutes under valgrind (Criterion runs it natively)");
    assert_counts(runner_naive(book, 100000, map_hasher_seeded(1)), 35217, 15071, 34551, 15161);
}

TEST(runners, specialized_prints_the_books_counts)
{
    assert_counts(runner_specialized(book, 100000), 256, 50032, 199, 49513);
}

TEST(runners, seed_parser)
{
    struct xorshift128 r;
    ASSERT_EQ(runner_parse_seed("1981,1986,2003,2011", &r), 0);
    ASSERT(r.x == 1981 && r.y == 1986 && r.z == 2003 && r.w == 2011);
    ASSERT_EQ(runner_parse_seed("1,2,3", &r), -1, "three words");
    ASSERT_EQ(runner_parse_seed("1,2,3,4,5", &r), -1, "five words");
    ASSERT_EQ(runner_parse_seed("0,0,0,0", &r), -1, "xorshift's one bad seed");
    ASSERT_EQ(runner_parse_seed("1,2,3,4294967296", &r), -1, "over 32 bits");
    ASSERT_EQ(runner_parse_seed("1,-2,3,4", &r), -1);
    ASSERT_EQ(runner_parse_seed("", &r), -1);
}
