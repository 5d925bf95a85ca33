/* test_rocket.c - the rocket puzzle keeps its invariants, and the checker
 * catches every way a transcript can break them. */
#include <stdio.h>
#include <stdlib.h>

#include "env.h"
#include "rocket.h"
#include "test.h"

/* The book's sample run, as this program prints it. */
static const char book_run[] = "KSC    ACQUIRE FUEL\n"
                               "WSMR   ACQUIRE FUEL\n"
                               "WSMR   ACQUIRE OXIDIZER\n"
                               "VAB    ACQUIRE FUEL\n"
                               "WSMR   ACQUIRE ASTRONAUTS\n"
                               "KSC    ACQUIRE OXIDIZER\n"
                               "KSC    ACQUIRE ASTRONAUTS\n"
                               "VAB    ACQUIRE OXIDIZER\n"
                               "VAB    ACQUIRE ASTRONAUTS\n"
                               "T-11\n"
                               "  10\n   9\n   8\n   7\n   6\n   5\n   4\n   3\n   2\n   1\n"
                               "VAB    LIFT OFF\n"
                               "WSMR   LIFT OFF\n"
                               "KSC    LIFT OFF\n";

/* The book's run with `from` replaced by `to` (both must be found). */
static char *edited(const char *from, const char *to)
{
    const char *at = strstr(book_run, from);
    if (at == NULL)
        return NULL;
    size_t head = (size_t)(at - book_run), n = sizeof book_run + strlen(to);
    char *s = malloc(n);
    if (s != NULL)
        snprintf(s, n, "%.*s%s%s", (int)head, book_run, to, at + strlen(from));
    return s;
}

static void expect_broken(const char *from, const char *to, const char *reason)
{
    char *s = edited(from, to);
    ASSERT_NOT_NULL(s, "%s", from);
    char why[200] = "";
    int rc = rocket_check(s, why, sizeof why);
    free(s);
    ASSERT_EQ(rc, -1, "replacing \"%s\" should break: %s", from, reason);
    ASSERT_STR_CONTAINS(why, reason);
}

TEST(rocket, the_books_run_passes)
{
    char why[200] = "";
    ASSERT_EQ(rocket_check(book_run, why, sizeof why), 0, "%s", why);
}

TEST(rocket, the_checker_catches_every_broken_invariant)
{
    expect_broken("KSC    ACQUIRE FUEL\n", "KSC    ACQUIRE OXIDIZER\n", "OXIDIZER before FUEL");
    expect_broken("KSC    ACQUIRE OXIDIZER\n", "KSC    ACQUIRE FUEL\n", "took FUEL twice");
    expect_broken("VAB    ACQUIRE ASTRONAUTS\nT-11\n", "T-11\nVAB    ACQUIRE ASTRONAUTS\n",
                  "before VAB was ready");
    expect_broken("   1\nVAB    LIFT OFF\n", "VAB    LIFT OFF\n   1\n", "before the countdown");
    expect_broken("   2\n   1\n", "   1\n   2\n", "out of place");
    expect_broken("   1\nVAB    LIFT OFF\nWSMR   LIFT OFF\nKSC    LIFT OFF\n", "", "stopped at 2");
    expect_broken("   1\n", "", "before the countdown reached 1");
    expect_broken("KSC    LIFT OFF\n", "", "KSC never lifted off");
    expect_broken("KSC    LIFT OFF\n", "KSC    LIFT OFF\nKSC    LIFT OFF\n", "twice");
    expect_broken("T-11\n", "T-11\nT-11\n", "second countdown");
    expect_broken("   1\n", "   1\nKSC    ACQUIRE FUEL\n", "an ACQUIRE after the countdown");
    expect_broken("KSC    ACQUIRE FUEL\n", "KSC ACQUIRE FUEL\n", "not a line");
    expect_broken("T-11\n", "", "out of place");
    char why[200];
    ASSERT_EQ(rocket_check("", why, sizeof why), -1);
    ASSERT_STR_CONTAINS(why, "never began");
}

/* The whole program into a memory stream, with a short countdown, for a few
 * seeds: the transcript it printed and the one it checked itself agree. */
TEST(rocket, runs_keep_the_invariants, .timeout = 300)
{
    const uint32_t seeds[] = {ROCKET_BOOK_SEED, 1, 42, 0xdeadbeef};
    unsigned runs = (unsigned)lab_scaled(20);
    for (unsigned k = 0; k < runs; k++) {
        uint32_t seed = seeds[k % 4] + k / 4;
        char *text = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&text, &len);
        ASSERT_NOT_NULL(out);
        struct rocket_outcome o;
        int rc = rocket_run(seed, k % 2, out, &o);
        fclose(out);
        char why[200] = "";
        int verdict = rocket_check(text, why, sizeof why);
        free(text);
        ASSERT_EQ(rc, 0, "seed %u", seed);
        ASSERT_STR_EQ(o.broken, "", "seed %u", seed);
        ASSERT_EQ(verdict, 0, "seed %u: %s", seed, why);
        for (int r = 0; r < 3; r++)
            ASSERT_GE(o.published[r], 3, "seed %u: resource %d", seed, r);
    }
}

TEST(rocket, seed_zero_is_refused)
{
    struct rocket_outcome o;
    ASSERT_EQ(rocket_run(0, 0, stdout, &o), -1);
}
