/*
 * test.h - write a test once, run it under Criterion or under our own runner.
 *
 * A test file includes this header and nothing else of the framework:
 *
 *     TEST(ring, push_then_pop) { ASSERT_EQ(ring_pop(r), 7, "after one push"); }
 *     TEST(ring, slow_case, .timeout = 20) { ... }
 *     TEST(guard, double_free_aborts, .signal = SIGABRT) { ... }
 *     TEST(cli, bad_flag_exits_2, .exit_code = 2) { ... }
 *
 * The build picks the back end:
 *   -DLAB_TEST_CRITERION  Criterion 2.4 (host builds: forks a worker per test,
 *                         TAP/XML reports, --filter, -j).
 *   otherwise             our runner, common/src/test_runner.c (TSan builds and
 *                         cross targets under qemu, where Criterion cannot run, and
 *                         the valgrind pass, where Criterion would hide leaks).
 *
 * Only what both back ends can do is offered: test cases with the options
 * .timeout (seconds), .signal, .exit_code, .disabled, .description, .init, .fini;
 * fatal assertions with an optional printf-style message; SKIP().
 *
 * ASSERT_EQ and friends compare integers after the usual arithmetic conversions of
 * (a) + (b), so ASSERT_EQ(size, 3) works for a size_t; each argument is evaluated
 * once. Use ASSERT_NEAR for floating point and the _PTR/_STR forms for the rest.
 */
#ifndef LAB_TEST_H
#define LAB_TEST_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "env.h"

/* Formats an optional message into buf and returns buf. Callers pass
 * LAB_MSG_ARGS_(...), which puts one space in front of the user's format so that
 * an absent message is not an empty format string; the space is dropped. */
#define LAB_MSG_ARGS_(...) " " __VA_ARGS__
char *lab_test_msg_(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#if defined(LAB_TEST_CRITERION)

#include <criterion/criterion.h>

#define TEST(...) Test(__VA_ARGS__)
#define LAB_TEST_FAIL_(msg) cr_assert_fail("%s", msg)
#define SKIP(...)                                                                                  \
    do {                                                                                           \
        char lab_skip_buf_[512];                                                                   \
        cr_skip_test(                                                                              \
            "%s", lab_test_msg_(lab_skip_buf_, sizeof lab_skip_buf_, LAB_MSG_ARGS_(__VA_ARGS__))); \
    } while (0)

#else /* our runner */

struct lab_test_opts {
    double timeout; /* seconds of wall clock; 0 = the runner's default */
    int signal;     /* the test passes only if it dies of this signal */
    int exit_code;  /* the test passes only if it exits with this code */
    bool disabled;
    const char *description;
    void (*init)(void);
    void (*fini)(void);
    int lab_sentinel_; /* lets TEST(s, n) expand to a valid initializer */
};

struct lab_test {
    const char *suite;
    const char *name;
    const char *file;
    int line;
    void (*fn)(void);
    const struct lab_test_opts *opts;
    struct lab_test *next;
};

void lab_test_register_(struct lab_test *t);
_Noreturn void lab_test_fail_(const char *file, int line, const char *msg);
_Noreturn void lab_test_skip_(const char *msg);

#define TEST(...) LAB_TEST_BASE_(__VA_ARGS__, .lab_sentinel_ = 0)

/* Registration needs code that runs before main; C11 has no such thing, so this
 * one GCC/Clang attribute is the exception, kept inside this header. */
#define LAB_TEST_BASE_(suite, name, ...)                                                           \
    static void lab_test_fn_##suite##_##name(void);                                                \
    static const struct lab_test_opts lab_test_opts_##suite##_##name = {__VA_ARGS__};              \
    __attribute__((constructor)) static void lab_test_reg_##suite##_##name(void)                   \
    {                                                                                              \
        static struct lab_test t = {#suite,                                                        \
                                    #name,                                                         \
                                    __FILE__,                                                      \
                                    __LINE__,                                                      \
                                    lab_test_fn_##suite##_##name,                                  \
                                    &lab_test_opts_##suite##_##name,                               \
                                    NULL};                                                         \
        lab_test_register_(&t);                                                                    \
    }                                                                                              \
    static void lab_test_fn_##suite##_##name(void)

#define LAB_TEST_FAIL_(msg) lab_test_fail_(__FILE__, __LINE__, msg)
#define SKIP(...)                                                                                  \
    do {                                                                                           \
        char lab_skip_buf_[512];                                                                   \
        lab_test_skip_(                                                                            \
            lab_test_msg_(lab_skip_buf_, sizeof lab_skip_buf_, LAB_MSG_ARGS_(__VA_ARGS__)));       \
    } while (0)

#endif

/* ---- assertions (shared by both back ends) ---------------------------- */

#define LAB_MSG_LEN_ 1024

/* Fails with "expr: detail; message" where message is the optional printf tail. */
#define LAB_FAIL_WITH_(detail_fmt, ...)                                                            \
    do {                                                                                           \
        char lab_d_[LAB_MSG_LEN_];                                                                 \
        LAB_TEST_FAIL_(lab_test_msg_(lab_d_, sizeof lab_d_, detail_fmt, __VA_ARGS__));             \
    } while (0)

#define ASSERT(cond, ...)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            char lab_m_[LAB_MSG_LEN_];                                                             \
            lab_test_msg_(lab_m_, sizeof lab_m_, LAB_MSG_ARGS_(__VA_ARGS__));                      \
            LAB_FAIL_WITH_("ASSERT(%s) failed%s%s", #cond, lab_m_[0] ? ": " : "", lab_m_);         \
        }                                                                                          \
    } while (0)

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        char lab_m_[LAB_MSG_LEN_];                                                                 \
        LAB_FAIL_WITH_("FAIL: %s",                                                                 \
                       lab_test_msg_(lab_m_, sizeof lab_m_, LAB_MSG_ARGS_(__VA_ARGS__)));          \
    } while (0)

#define LAB_IS_UNSIGNED_(e)                                                                        \
    _Generic((e), unsigned int : 1, unsigned long : 1, unsigned long long : 1, default : 0)

/* Integer comparison: both sides converted once, as the expression (a) + (b)
 * would convert them, then printed in the matching signedness. */
#define LAB_ICMP_(a, op, b, ...)                                                                   \
    do {                                                                                           \
        char lab_m_[LAB_MSG_LEN_];                                                                 \
        if (LAB_IS_UNSIGNED_((a) + (b))) {                                                         \
            unsigned long long lab_a_ = (unsigned long long)(a);                                   \
            unsigned long long lab_b_ = (unsigned long long)(b);                                   \
            if (!(lab_a_ op lab_b_)) {                                                             \
                lab_test_msg_(lab_m_, sizeof lab_m_, LAB_MSG_ARGS_(__VA_ARGS__));                  \
                LAB_FAIL_WITH_("expected %s %s %s, got %llu vs %llu%s%s", #a, #op, #b, lab_a_,     \
                               lab_b_, lab_m_[0] ? ": " : "", lab_m_);                             \
            }                                                                                      \
        } else {                                                                                   \
            long long lab_a_ = (long long)(a);                                                     \
            long long lab_b_ = (long long)(b);                                                     \
            if (!(lab_a_ op lab_b_)) {                                                             \
                lab_test_msg_(lab_m_, sizeof lab_m_, LAB_MSG_ARGS_(__VA_ARGS__));                  \
                LAB_FAIL_WITH_("expected %s %s %s, got %lld vs %lld%s%s", #a, #op, #b, lab_a_,     \
                               lab_b_, lab_m_[0] ? ": " : "", lab_m_);                             \
            }                                                                                      \
        }                                                                                          \
    } while (0)

#define ASSERT_EQ(a, b, ...) LAB_ICMP_(a, ==, b, __VA_ARGS__)
#define ASSERT_NE(a, b, ...) LAB_ICMP_(a, !=, b, __VA_ARGS__)
#define ASSERT_LT(a, b, ...) LAB_ICMP_(a, <, b, __VA_ARGS__)
#define ASSERT_LE(a, b, ...) LAB_ICMP_(a, <=, b, __VA_ARGS__)
#define ASSERT_GT(a, b, ...) LAB_ICMP_(a, >, b, __VA_ARGS__)
#define ASSERT_GE(a, b, ...) LAB_ICMP_(a, >=, b, __VA_ARGS__)

#define ASSERT_NEAR(a, b, eps, ...)                                                                \
    do {                                                                                           \
        double lab_a_ = (a), lab_b_ = (b), lab_e_ = (eps);                                         \
        if (!(lab_a_ - lab_b_ <= lab_e_ && lab_b_ - lab_a_ <= lab_e_)) {                           \
            char lab_m_[LAB_MSG_LEN_];                                                             \
            lab_test_msg_(lab_m_, sizeof lab_m_, LAB_MSG_ARGS_(__VA_ARGS__));                      \
            LAB_FAIL_WITH_("expected |%s - %s| <= %g, got %g vs %g%s%s", #a, #b, lab_e_, lab_a_,   \
                           lab_b_, lab_m_[0] ? ": " : "", lab_m_);                                 \
        }                                                                                          \
    } while (0)

#define ASSERT_STR_EQ(a, b, ...)                                                                   \
    do {                                                                                           \
        const char *lab_a_ = (a), *lab_b_ = (b);                                                   \
        if (lab_a_ == NULL || lab_b_ == NULL || strcmp(lab_a_, lab_b_) != 0) {                     \
            char lab_m_[LAB_MSG_LEN_];                                                             \
            lab_test_msg_(lab_m_, sizeof lab_m_, LAB_MSG_ARGS_(__VA_ARGS__));                      \
            LAB_FAIL_WITH_("expected %s == %s, got \"%s\" vs \"%s\"%s%s", #a, #b,                  \
                           lab_a_ ? lab_a_ : "(null)", lab_b_ ? lab_b_ : "(null)",                 \
                           lab_m_[0] ? ": " : "", lab_m_);                                         \
        }                                                                                          \
    } while (0)

#define ASSERT_STR_CONTAINS(hay, needle, ...)                                                      \
    do {                                                                                           \
        const char *lab_h_ = (hay), *lab_n_ = (needle);                                            \
        if (lab_h_ == NULL || strstr(lab_h_, lab_n_) == NULL) {                                    \
            char lab_m_[LAB_MSG_LEN_];                                                             \
            lab_test_msg_(lab_m_, sizeof lab_m_, LAB_MSG_ARGS_(__VA_ARGS__));                      \
            LAB_FAIL_WITH_("expected %s to contain \"%s\", got \"%.300s\"%s%s", #hay, lab_n_,      \
                           lab_h_ ? lab_h_ : "(null)", lab_m_[0] ? ": " : "", lab_m_);             \
        }                                                                                          \
    } while (0)

#define ASSERT_PTR_EQ(a, b, ...)                                                                   \
    do {                                                                                           \
        const void *lab_a_ = (a), *lab_b_ = (b);                                                   \
        if (lab_a_ != lab_b_) {                                                                    \
            char lab_m_[LAB_MSG_LEN_];                                                             \
            lab_test_msg_(lab_m_, sizeof lab_m_, LAB_MSG_ARGS_(__VA_ARGS__));                      \
            LAB_FAIL_WITH_("expected %s == %s, got %p vs %p%s%s", #a, #b, lab_a_, lab_b_,          \
                           lab_m_[0] ? ": " : "", lab_m_);                                         \
        }                                                                                          \
    } while (0)

#define ASSERT_NULL(p, ...) ASSERT_PTR_EQ(p, NULL, __VA_ARGS__)
#define ASSERT_NOT_NULL(p, ...) ASSERT((p) != NULL, __VA_ARGS__)

#endif /* LAB_TEST_H */
