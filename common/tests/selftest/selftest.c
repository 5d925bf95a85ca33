/*
 * selftest.c - tests that are meant to fail, to check the test back ends.
 *
 * Not part of the normal suite: tests/selftest/check.sh runs it under our
 * runner, under memcheck and under Criterion, and checks that each back end
 * gives every test the verdict written next to it.
 */
#include <stdlib.h>
#include <unistd.h>

#include "test.h"

TEST(selftest, pass_plain) /* PASS */
{
    ASSERT_EQ(1 + 1, 2);
    ASSERT_STR_EQ("a", "a");
}

TEST(selftest, fail_assert) /* FAIL: the message names both values */
{
    int four = 2 + 2;
    ASSERT_EQ(four, 5, "arithmetic still works");
}

TEST(selftest, fail_unsigned) /* FAIL: printed unsigned, not as -1 */
{
    size_t big = (size_t)-1;
    ASSERT_EQ(big, 0);
}

TEST(selftest, crash) /* FAIL: a crash is a failure */
{
    raise(SIGSEGV);
}

TEST(selftest, expected_signal, .signal = SIGABRT) /* PASS */
{
    abort();
}

TEST(selftest, wrong_signal, .signal = SIGABRT) /* FAIL */
{
    raise(SIGSEGV);
}

TEST(selftest, expected_exit, .exit_code = 3) /* PASS */
{
    exit(3);
}

TEST(selftest, hang, .timeout = 1) /* FAIL: the timeout names this test */
{
    for (;;)
        sleep(1);
}

static char *volatile lost;
TEST(selftest, leak) /* PASS natively; FAIL under memcheck (definite leak) */
{
    lost = malloc(100);
    lost[0] = 1;
    lost = NULL;
}

TEST(selftest, skipped) /* SKIP */
{
    SKIP("skips %s", "cleanly");
}
