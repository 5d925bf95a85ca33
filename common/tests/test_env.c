/* test_env.c - emulation, valgrind and TSan scale counts down and timeouts up. */
#include <stdlib.h>

#include "env.h"
#include "test.h"

TEST(env, emulated_flag)
{
    setenv("LAB_EMULATED", "1", 1);
    ASSERT(lab_emulated());
    setenv("LAB_EMULATED", "0", 1);
    ASSERT(!lab_emulated(), "\"0\" means not emulated");
    setenv("LAB_EMULATED", "", 1);
    ASSERT(!lab_emulated(), "empty means not emulated");
}

TEST(env, emulation_scales_counts_by_ten)
{
    unsetenv("LAB_EMULATED");
    unsigned long native = lab_scaled(1000000);
    setenv("LAB_EMULATED", "1", 1);
    ASSERT_EQ(lab_scaled(1000000), native / 10);
    ASSERT_EQ(lab_scaled(0), 1, "never below one");
    ASSERT_EQ(lab_scaled(3), 1);
}

TEST(env, timeout_scale_override)
{
    setenv("LAB_TIMEOUT_SCALE", "2.5", 1);
    ASSERT_NEAR(lab_slowdown(), 2.5, 1e-12);
    unsetenv("LAB_TIMEOUT_SCALE");
    unsetenv("LAB_EMULATED");
    double native = lab_slowdown();
    ASSERT(native >= 1);
    setenv("LAB_EMULATED", "1", 1);
    ASSERT_NEAR(lab_slowdown(), native * 10, 1e-9);
}

TEST(env, tsan_is_known_at_compile_time)
{
#if defined(__SANITIZE_THREAD__)
    ASSERT(lab_under_tsan());
#else
    ASSERT(!lab_under_tsan());
#endif
}
