/*
 * prop.h - properties: tests that draw their own inputs, and shrink them when
 * they fail.
 *
 * A property is a function that draws everything it needs from a source of
 * choices and says whether the code under test behaved:
 *
 *     static enum prop_result sorts(struct prop_source *s, void *env)
 *     {
 *         int v[64]; size_t n = 0;
 *         while (n < 64 && prop_more(s, 8))         // a list of about 8 items
 *             v[n++] = (int)prop_int(s, -100, 100);
 *         my_sort(v, n);
 *         for (size_t i = 1; i < n; i++)
 *             PROP_REQUIRE(s, v[i - 1] <= v[i], "v[%zu]=%d > v[%zu]=%d", i - 1, v[i - 1], i, v[i]);
 *         return PROP_PASS;
 *     }
 *     PROPERTY(sort, sorts_anything, sorts, NULL)   // one line in a test.h file
 *
 * Every choice is recorded. When a run fails, the recorded choices are shrunk
 * (the way Hypothesis does it: delete spans, zero spans, lower each value by
 * binary search, keep whatever still fails), so the counterexample printed is
 * small, with no shrinker to write per type: smaller choices must simply mean
 * simpler inputs (0 is always the simplest; a list ends where prop_more says
 * no). The report gives the seed, the property's own log of the minimal case
 * (prop_log) and a replay token: PROP_REPLAY=<token> re-runs exactly that case.
 *
 * Environment: PROP_RUNS (default 100, scaled down under qemu, valgrind and
 * TSan, never below 10), PROP_SEED (default fixed, so runs repeat),
 * PROP_REPLAY.
 *
 * Health: a property that tested nothing fails. A run is valid when it passed
 * or failed within max_choices draws. A run that returned PROP_DISCARD is a
 * discard; one that drew past max_choices is an overrun (every draw past the
 * limit is 0, so its input was cut short, not the one generated); both are
 * counted in the report, and neither is valid. prop_check fails when fewer
 * than half its runs were valid, even if every run held. Hypothesis draws
 * until it has max_examples valid examples and gives up after ten times as
 * many invalid ones; here the number of runs is fixed, because it is what
 * bounds a test's time under qemu, valgrind and TSan, so the rule is a share
 * of them: at least half, 50 of 100 natively and 5 of 10 under memcheck. A
 * property below it should generate valid inputs rather than filter them, and
 * draw fewer choices or raise max_choices deliberately. A run that failed is a
 * failure even when it overran: a replay reads 0 past the end of its choices
 * too, so its minimal case shrinks and replays exactly.
 */
#ifndef LAB_PROP_H
#define LAB_PROP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "rng.h"

enum prop_result { PROP_PASS, PROP_FAIL, PROP_DISCARD };

struct prop_source;
typedef enum prop_result (*prop_fn)(struct prop_source *s, void *env);

/* ---- drawing ---------------------------------------------------------------- */

/* A uniform integer in [0, max]. Every other draw is built on this one. */
uint64_t prop_draw(struct prop_source *s, uint64_t max);

/* An integer in [lo, hi]; shrinks towards lo, or towards 0 when lo < 0 < hi. */
int64_t prop_int(struct prop_source *s, int64_t lo, int64_t hi);

bool prop_bool(struct prop_source *s); /* shrinks to false */

/* A size or count in [0, max]; shrinks towards 0. */
size_t prop_size(struct prop_source *s, size_t max);

/* Index 0..n-1 chosen with the given weights; shrinks towards index 0. */
size_t prop_one_of(struct prop_source *s, const unsigned *weights, size_t n);

/* Whether a list being drawn goes on: lists drawn with it have about `average`
 * items, and shrink by losing items. */
bool prop_more(struct prop_source *s, unsigned average);

/* The property's own account of what it did; printed for the minimal case. */
void prop_log(struct prop_source *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fails the property with a message (logged) when cond is false. */
#define PROP_REQUIRE(s, cond, ...)                                                                 \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            prop_log(s, "REQUIRE(%s) failed", #cond);                                              \
            prop_log(s, __VA_ARGS__);                                                              \
            return PROP_FAIL;                                                                      \
        }                                                                                          \
    } while (0)

/* ---- running ------------------------------------------------------------------ */

struct prop_config {
    unsigned runs;        /* 0: PROP_RUNS or 100, scaled for slow environments */
    uint64_t seed;        /* 0: PROP_SEED or a fixed default */
    unsigned max_shrinks; /* replays the shrinker may spend; 0: 20000 */
    size_t max_choices;   /* 0: 4096 */
};

struct prop_report {
    bool passed;
    unsigned runs;      /* runs made: valid + discards + overruns */
    unsigned valid;     /* runs that passed or failed within max_choices (a failure always) */
    unsigned discards;  /* runs that returned PROP_DISCARD */
    unsigned overruns;  /* runs that drew past max_choices and did not fail */
    unsigned shrinks;   /* accepted shrinking steps */
    uint64_t seed;      /* the run's seed, for a failure */
    char token[1024];   /* PROP_REPLAY token of the minimal case */
    char log[4096];     /* the property's log of the minimal case */
    char message[6000]; /* everything above; on a pass, the count of valid runs */
};

/* Runs the property: the replay of PROP_REPLAY if set, else `runs` random runs,
 * shrinking the first failure. Returns true when it held on every run and at
 * least half the runs were valid (a replay: when its case passed). */
bool prop_check(const char *name, prop_fn fn, void *env, const struct prop_config *cfg,
                struct prop_report *report);

/* Runs one case from a replay token (the driver of PROP_REPLAY). */
enum prop_result prop_replay(prop_fn fn, void *env, const char *token, char *log, size_t len);

/* Runs one case whose choices are read from a fuzzer's bytes. */
enum prop_result prop_run_bytes(prop_fn fn, void *env, const uint8_t *data, size_t size, char *log,
                                size_t len);

/* The fuzz entry of a property: libFuzzer and AFL++ call it with their inputs,
 * and a failing property aborts, which both record as a crash (fuzz/README.md). */
#define PROP_FUZZ_TARGET(fn, env)                                                                  \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                                  \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                                   \
    {                                                                                              \
        static char log[4096];                                                                     \
        if (prop_run_bytes(fn, env, data, size, log, sizeof log) == PROP_FAIL) {                   \
            fprintf(stderr, "property failed:\n%s", log);                                          \
            abort();                                                                               \
        }                                                                                          \
        return 0;                                                                                  \
    }

/* A property as a test.h test: one line (its timeout covers the shrinking).
 * A property that held but lost runs to discards or overruns says how many of
 * its runs were valid, on stderr beside the runner's other notes. */
#define PROPERTY(suite, name, fn, env)                                                             \
    TEST(suite, name, .timeout = 300)                                                              \
    {                                                                                              \
        static struct prop_report report;                                                          \
        bool ok = prop_check(#suite "/" #name, fn, env, NULL, &report);                            \
        ASSERT(ok, "%s", report.message);                                                          \
        if (report.valid < report.runs)                                                            \
            fprintf(stderr, "    %s\n", report.message);                                           \
    }

/* ---- model-based testing -------------------------------------------------------- */

/*
 * Generates a sequence of operations, applies each to the real structure and to
 * a plain sequential model, and requires the same result from both every time.
 * Results are int64_t: a value, or a code the two sides agree on (-1 = empty).
 */
struct prop_model {
    const char *const *ops; /* names of the operations, for the log */
    size_t n_ops;
    bool *takes_arg;        /* per operation: does it take an argument? (NULL: all) */
    int64_t arg_lo, arg_hi; /* the arguments' range */
    unsigned average_steps; /* about how many operations per case */
    void *(*real_new)(void);
    void (*real_free)(void *real);
    int64_t (*real_apply)(void *real, size_t op, int64_t arg);
    void *(*model_new)(void);
    void (*model_free)(void *model);
    int64_t (*model_apply)(void *model, size_t op, int64_t arg);
};

/* A property (env: the struct prop_model) that runs one generated sequence. */
enum prop_result prop_model_property(struct prop_source *s, void *env);

/* The models of a stack and of a queue, for .model_new/.model_free/.model_apply:
 * operation 0 pushes arg and returns 0 (-ENOMEM if the model cannot grow),
 * operation 1 pops and returns the value (last in, or first in), or -1 when
 * empty. */
void *prop_push_pop_model_new(void);
void prop_push_pop_model_free(void *model);
int64_t prop_stack_model_apply(void *model, size_t op, int64_t arg);
int64_t prop_queue_model_apply(void *model, size_t op, int64_t arg);

#endif
