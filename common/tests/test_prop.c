/*
 * test_prop.c - the property engine finds planted bugs and shrinks them to the
 * smallest failing input, whose replay token reproduces it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planted_insert.h"
#include "planted_stack.h"
#include "prop.h"
#include "test.h"

/* ---- a sorted insert with a planted bug (planted_insert.h) ------------------------ */

TEST(prop, sorted_insert_bug_shrinks_to_1_then_0)
{
    struct prop_report r;
    struct prop_config c = {.runs = 500, .seed = 42};
    ASSERT(!prop_check("insert", insert_keeps_order, NULL, &c, &r), "the bug was not found");
    /* The smallest failing input: insert 1, then 0 (the first must be larger). */
    ASSERT_STR_CONTAINS(r.log, "inserted: 1 0\n", "%s", r.message);
    ASSERT_STR_CONTAINS(r.log, "a[0] = 1 > a[1] = 0");
    /* more=1, value 1, more=1; the value 0 and the final "no more" are the
     * zeros that a replay reads past the end of the choices. */
    ASSERT_STR_EQ(r.token, "1:1,1,1", "the choices of the minimal case");
    ASSERT_GT(r.shrinks, 0);
}

/* ---- a stack that loses an element after push, push, pop, push (planted_stack.h) ---- */

TEST(prop, stack_bug_shrinks_to_push_push_pop_push_size)
{
    struct prop_report r;
    struct prop_config c = {.runs = 1000, .seed = 7};
    ASSERT(!prop_check("stack", prop_model_property, &stack_model, &c, &r), "not found");
    ASSERT_STR_EQ(r.log,
                  "push(0) -> 0\npush(0) -> 0\npop() -> 0\npush(0) -> 0\nsize() -> 1\n"
                  "step 4: the model says 2\n",
                  "%s", r.message);
}

TEST(prop, replay_token_reproduces_the_failure)
{
    struct prop_report r;
    struct prop_config c = {.runs = 1000, .seed = 7};
    ASSERT(!prop_check("stack", prop_model_property, &stack_model, &c, &r));
    char log[4096];
    ASSERT_EQ(prop_replay(prop_model_property, &stack_model, r.token, log, sizeof log), PROP_FAIL);
    ASSERT_STR_EQ(log, r.log, "the replay logs the same case");
    ASSERT_EQ(prop_replay(prop_model_property, &stack_model, "2:nonsense", log, sizeof log),
              PROP_FAIL);
    ASSERT_STR_CONTAINS(log, "malformed");
}

/* ---- the engine on correct code ------------------------------------------------------ */

static void good_sorted_insert(int *a, size_t n, int x)
{
    size_t i = n;
    while (i > 0 && a[i - 1] > x) {
        a[i] = a[i - 1];
        i--;
    }
    a[i] = x;
}

static enum prop_result good_insert_keeps_order(struct prop_source *s, void *env)
{
    (void)env;
    int a[64];
    size_t n = 0;
    while (n < 64 && prop_more(s, 10))
        good_sorted_insert(a, n++, (int)prop_int(s, -50, 50));
    for (size_t i = 1; i < n; i++)
        PROP_REQUIRE(s, a[i - 1] <= a[i], "out of order at %zu", i);
    return PROP_PASS;
}

TEST(prop, correct_code_passes_every_run)
{
    struct prop_report r;
    struct prop_config c = {.runs = 300, .seed = 1};
    ASSERT(prop_check("good", good_insert_keeps_order, NULL, &c, &r), "%s", r.message);
    ASSERT_EQ(r.runs, 300);
    ASSERT_EQ(r.discards, 0);
}

/* ---- health: a property must have tested something ------------------------------------ */

static enum prop_result not_zero(struct prop_source *s, void *env)
{
    (void)env;
    return prop_int(s, 0, 9) == 0 ? PROP_DISCARD : PROP_PASS;
}

TEST(prop, a_few_discards_pass_and_the_valid_runs_are_reported)
{
    struct prop_report r;
    struct prop_config c = {.runs = 200, .seed = 3};
    ASSERT(prop_check("not zero", not_zero, NULL, &c, &r), "%s", r.message);
    ASSERT(r.discards > 5 && r.discards < 40, "about one in ten: %u", r.discards);
    ASSERT_EQ(r.valid, 200 - r.discards);
    ASSERT_EQ(r.overruns, 0);
    char want[64];
    snprintf(want, sizeof want, "%u of 200 runs valid", r.valid);
    ASSERT_STR_CONTAINS(r.message, want);
}

static enum prop_result always_discards(struct prop_source *s, void *env)
{
    (void)env;
    (void)prop_int(s, 0, 9);
    return PROP_DISCARD;
}

TEST(prop, a_property_that_discards_every_run_fails)
{
    struct prop_report r;
    struct prop_config c = {.runs = 100, .seed = 1};
    ASSERT(!prop_check("discards", always_discards, NULL, &c, &r), "it tested nothing");
    ASSERT_EQ(r.valid, 0);
    ASSERT_EQ(r.discards, 100);
    ASSERT_STR_CONTAINS(r.message, "0 of 100 runs valid");
}

/* Runs are discarded by their number, so the rule is pinned exactly whatever
 * the seed: the first `discard` runs are discarded, the rest pass. */
struct numbered_runs {
    unsigned discard, run;
};

static enum prop_result first_runs_discarded(struct prop_source *s, void *env)
{
    struct numbered_runs *n = env;
    (void)prop_bool(s);
    return n->run++ < n->discard ? PROP_DISCARD : PROP_PASS;
}

TEST(prop, half_the_runs_valid_passes_one_fewer_fails)
{
    struct prop_report r;
    struct prop_config c = {.runs = 10, .seed = 1};
    struct numbered_runs half = {.discard = 5}, fewer = {.discard = 6};
    ASSERT(prop_check("5 of 10", first_runs_discarded, &half, &c, &r), "%s", r.message);
    ASSERT_EQ(r.valid, 5);
    ASSERT(!prop_check("4 of 10", first_runs_discarded, &fewer, &c, &r), "4 of 10 were valid");
    ASSERT_EQ(r.valid, 4);
    ASSERT_STR_CONTAINS(r.message, "4 of 10 runs valid");
}

/* Draws far more choices than max_choices allows; fails when asked to, so a
 * run that overran is seen to be reported rather than dropped. */
static enum prop_result draws_too_much(struct prop_source *s, void *env)
{
    const bool *fail = env;
    int64_t sum = 0;
    for (int i = 0; i < 100; i++)
        sum += prop_int(s, 0, 9);
    prop_log(s, "sum %lld", (long long)sum);
    return *fail ? PROP_FAIL : PROP_PASS;
}

TEST(prop, a_property_that_overruns_every_run_fails)
{
    struct prop_report r;
    struct prop_config c = {.runs = 50, .seed = 1, .max_choices = 64};
    bool fail = false;
    ASSERT(!prop_check("overruns", draws_too_much, &fail, &c, &r), "every run was cut short");
    ASSERT_EQ(r.overruns, 50);
    ASSERT_EQ(r.valid, 0);
    ASSERT_EQ(r.discards, 0, "an overrun is not a discard");
    ASSERT_STR_CONTAINS(r.message, "0 of 50 runs valid");
    ASSERT_STR_CONTAINS(r.message, "50 overran");
}

TEST(prop, a_run_that_overran_and_failed_is_a_failure)
{
    struct prop_report r;
    struct prop_config c = {.runs = 50, .seed = 1, .max_choices = 64};
    bool fail = true;
    ASSERT(!prop_check("overrun fails", draws_too_much, &fail, &c, &r), "the failure was dropped");
    ASSERT_STR_CONTAINS(r.message, "failed on run 1 of 50 (1 valid, 0 discarded, 0 overran", "%s",
                        r.message);
    /* Past max_choices every draw was 0, as in a replay past its token, so the
     * minimal case replays exactly: all zeros. */
    ASSERT_STR_CONTAINS(r.log, "sum 0");
    ASSERT_EQ(prop_replay(draws_too_much, &fail, r.token, r.log, sizeof r.log), PROP_FAIL);
}

TEST(prop, a_replay_that_discards_fails)
{
    struct prop_report r;
    setenv("PROP_REPLAY", "1:3", 1);
    bool ok = prop_check("discards", always_discards, NULL, NULL, &r);
    unsetenv("PROP_REPLAY");
    ASSERT(!ok, "the replayed case tested nothing");
    ASSERT_EQ(r.valid, 0);
    ASSERT_STR_CONTAINS(r.message, "discarded");
}

/* Draws map choice 0 to the simplest value, so that shrinking simplifies. */
static enum prop_result record_zero_draws(struct prop_source *s, void *env)
{
    int64_t *out = env;
    out[0] = prop_int(s, -5, 5);
    out[1] = prop_int(s, 3, 9);
    out[2] = prop_bool(s);
    out[3] = prop_more(s, 4);
    out[4] = (int64_t)prop_size(s, 10);
    return PROP_PASS;
}

TEST(prop, choice_zero_is_the_simplest_value)
{
    int64_t got[5] = {9, 9, 9, 9, 9};
    char log[64];
    ASSERT_EQ(prop_replay(record_zero_draws, got, "1:", log, sizeof log), PROP_PASS);
    ASSERT_EQ(got[0], 0, "towards 0 when the range spans it");
    ASSERT_EQ(got[1], 3, "towards the low end otherwise");
    ASSERT_EQ(got[2], 0);
    ASSERT_EQ(got[3], 0, "a list ends");
    ASSERT_EQ(got[4], 0, "a size shrinks to 0");
    ASSERT_EQ(prop_replay(record_zero_draws, got, "1:1,0,0,0,13", log, sizeof log), PROP_PASS);
    ASSERT_EQ(got[0], 1);
    ASSERT_EQ(got[4], 2, "an out-of-range choice wraps into range (13 mod 11)");
    ASSERT_EQ(prop_replay(record_zero_draws, got, "1:2,0,0,0", log, sizeof log), PROP_PASS);
    ASSERT_EQ(got[0], -1);
}

static enum prop_result always_holds(struct prop_source *s, void *env)
{
    (void)env;
    int64_t a = prop_int(s, -1000, 1000), b = prop_int(s, -1000, 1000);
    PROP_REQUIRE(s, a + b == b + a, "addition commutes");
    return PROP_PASS;
}

PROPERTY(prop, one_line_property, always_holds, NULL)

/* ---- the stack and queue models ------------------------------------------------------- */

TEST(prop, the_stack_model_is_last_in_first_out_and_the_queue_first_in_first_out)
{
    void *s = prop_push_pop_model_new(), *q = prop_push_pop_model_new();
    ASSERT_NOT_NULL(s);
    ASSERT_NOT_NULL(q);
    ASSERT_EQ(prop_stack_model_apply(s, 1, 0), -1, "empty");
    ASSERT_EQ(prop_queue_model_apply(q, 1, 0), -1, "empty");
    for (int64_t v = 1; v <= 100; v++) { /* past the first growth */
        ASSERT_EQ(prop_stack_model_apply(s, 0, v), 0);
        ASSERT_EQ(prop_queue_model_apply(q, 0, v), 0);
    }
    for (int64_t v = 1; v <= 100; v++) {
        ASSERT_EQ(prop_stack_model_apply(s, 1, 0), 101 - v);
        ASSERT_EQ(prop_queue_model_apply(q, 1, 0), v);
    }
    ASSERT_EQ(prop_stack_model_apply(s, 1, 0), -1, "empty again");
    ASSERT_EQ(prop_queue_model_apply(q, 1, 0), -1, "empty again");
    prop_push_pop_model_free(s);
    prop_push_pop_model_free(q);
}

/* A queue passed off as a stack: the stack model must tell them apart. */
static const char *const push_pop_ops[] = {"push", "pop"};
static struct prop_model queue_as_stack = {
    .ops = push_pop_ops,
    .n_ops = 2,
    .takes_arg = (bool[]){true, false},
    .arg_lo = 0,
    .arg_hi = 1000,
    .average_steps = 20,
    .real_new = prop_push_pop_model_new,
    .real_free = prop_push_pop_model_free,
    .real_apply = prop_queue_model_apply,
    .model_new = prop_push_pop_model_new,
    .model_free = prop_push_pop_model_free,
    .model_apply = prop_stack_model_apply,
};

TEST(prop, the_stack_model_catches_a_queue_in_two_pushes_and_a_pop)
{
    struct prop_report r;
    struct prop_config c = {.runs = 1000, .seed = 3};
    ASSERT(!prop_check("queue as stack", prop_model_property, &queue_as_stack, &c, &r),
           "not found");
    ASSERT_STR_EQ(r.log, "push(0) -> 0\npush(1) -> 0\npop() -> 0\nstep 2: the model says 1\n", "%s",
                  r.message);
}
