/* test_condvar.c - the condvar example ends with no stolen wake when it is
 * written correctly, and the logic bugs no detector sees are caught here:
 * `if` instead of `while` lets readers go on with nothing to read, and a test
 * outside the lock loses a one-shot signal. */
#include <errno.h>

#include "condvar.h"
#include "env.h"
#include "test.h"

TEST(condvar, correct_readers_never_wake_for_nothing, .timeout = 120)
{
    struct condvar_result r;
    ASSERT_EQ(condvar_run("correct", 5, 100, lab_scaled(2000), &r), 0);
    ASSERT_GT(r.wakes, 0);
    ASSERT_EQ(r.stolen, 0, "a correct reader found the flag clear after waking");
}

TEST(condvar, if_instead_of_while_steals_wakes, .timeout = 120)
{
    /* A broadcast wakes every reader; the first clears the flag; with `if`
     * the others go on anyway. */
    struct condvar_result r;
    ASSERT_EQ(condvar_run("if-wait", 5, 100, lab_scaled(2000), &r), 0);
    ASSERT_GT(r.stolen, 0, "no reader woke for nothing in %llu wakes", (unsigned long long)r.wakes);
}

TEST(condvar, the_misuses_still_run_to_the_end, .timeout = 120)
{
    /* They are bugs for the detectors (tests/races.tsv), not hangs. Under TSan only
     * the one it does not report runs: the others are its to catch there. */
    static const char *const v[] = {"broadcast-unlocked", "unlocked-flag", "two-mutexes"};
    for (int i = 0; i < (lab_under_tsan() ? 1 : 3); i++) {
        struct condvar_result r;
        ASSERT_EQ(condvar_run(v[i], 3, 100, lab_scaled(2000), &r), 0, "%s", v[i]);
        ASSERT_GT(r.wakes, 0, "%s", v[i]);
    }
    struct condvar_result r;
    ASSERT_EQ(condvar_run("no-such-variant", 3, 100, 10, &r), -EINVAL);
}

TEST(condvar, a_test_outside_the_lock_loses_the_signal, .timeout = 120)
{
    /* The outcome is forced, not timed: the correct reader gets the signal
     * however late it comes (within 60 s), the buggy one never does. */
    struct condvar_wakeup ok = condvar_lost_wakeup(false, 60000);
    ASSERT(ok.signalled, "the correct reader got no signal in %ld ms", ok.waited_ms);
    for (int run = 0; run < 5; run++) {
        struct condvar_wakeup lost = condvar_lost_wakeup(true, 100);
        ASSERT(!lost.signalled, "run %d: the buggy reader got the signal after all (%ld ms)", run,
               lost.waited_ms);
    }
}
