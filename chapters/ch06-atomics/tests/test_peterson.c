/* test_peterson.c - Peterson's lock: exact with seq_cst and with the fence;
 * with release/acquire only, both threads get in at once. All three need real
 * hardware: qemu-user runs ARM code on x86 without keeping the store-to-load
 * order that ARMv8 gives seq_cst (chapter 1's litmus shows store buffering's
 * forbidden outcome under qemu), so even the correct variants can fail there;
 * valgrind and TSan run the threads one at a time or too slowly for the
 * broken variant's window. */
#include "env.h"
#include "peterson.h"
#include "test.h"

TEST(peterson, seqcst_excludes, .timeout = 60)
{
    if (lab_emulated())
        SKIP("qemu-user does not keep seq_cst's store-to-load order");
    uint64_t n = lab_scaled(1000000);
    ASSERT_EQ(peterson_run(PETERSON_SEQCST, n), (int64_t)(2 * n));
}

TEST(peterson, a_seqcst_fence_excludes, .timeout = 60)
{
    if (lab_emulated())
        SKIP("qemu-user does not keep seq_cst's store-to-load order");
    uint64_t n = lab_scaled(1000000);
    ASSERT_EQ(peterson_run(PETERSON_FENCE, n), (int64_t)(2 * n));
}

TEST(peterson, release_acquire_lets_both_in, .timeout = 120)
{
    if (lab_emulated() || lab_under_valgrind() || lab_under_tsan())
        SKIP("needs the hardware's own store buffer, at full speed");
    /* 4 of 5 runs of 2,000,000 lost increments on a 2-CPU x86-64 VM */
    int runs = 0;
    for (; runs < 10; runs++) {
        int64_t got = peterson_run(PETERSON_ACQREL, 2000000);
        ASSERT(got >= 0);
        if (got != 4000000)
            break;
    }
    ASSERT(runs < 10, "10 runs of 2,000,000 and never two threads inside at once");
}
