/* prop.c - see prop.h. */
#include "prop.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"

enum { DEFAULT_RUNS = 100, DEFAULT_SHRINKS = 20000, DEFAULT_CHOICES = 4096 };
#define DEFAULT_SEED 0x5eed0fa11u

/*
 * A source either generates choices from a generator and records them, or
 * replays a given sequence (past its end every choice is 0, the simplest).
 * Either way `used` counts the choices the property consumed.
 */
struct prop_source {
    bool replaying;
    const uint8_t *bytes; /* fuzzing: choices are read from these bytes */
    size_t n_bytes, at;
    struct splitmix64 rng;
    uint64_t *choice;
    size_t used, cap; /* cap: choices available (replay) or room (generate) */
    bool overrun;     /* generation ran out of room */
    char *log;
    size_t log_len, log_cap;
};

/* A choice of at most max from the fuzzer's bytes: as many bytes as max needs,
 * little-endian; 0 once the bytes run out. */
static uint64_t from_bytes(struct prop_source *s, uint64_t max)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64 && (max >> shift) != 0 && s->at < s->n_bytes; shift += 8)
        v |= (uint64_t)s->bytes[s->at++] << shift;
    return max == UINT64_MAX ? v : v % (max + 1);
}

uint64_t prop_draw(struct prop_source *s, uint64_t max)
{
    uint64_t v;
    if (s->bytes != NULL) {
        v = from_bytes(s, max);
    } else if (s->replaying) {
        v = s->used < s->cap ? s->choice[s->used] : 0;
        if (v > max)
            v = max == UINT64_MAX ? v : v % (max + 1);
    } else {
        v = max == UINT64_MAX ? splitmix64_next(&s->rng) : splitmix64_below(&s->rng, max + 1);
        if (s->used >= s->cap) {
            s->overrun = true;
            v = 0;
        }
    }
    if (s->used < s->cap)
        s->choice[s->used] = v;
    s->used++;
    return v;
}

int64_t prop_int(struct prop_source *s, int64_t lo, int64_t hi)
{
    if (hi <= lo)
        return lo;
    uint64_t span = (uint64_t)hi - (uint64_t)lo;
    if (lo < 0 && hi > 0) {
        /* Shrink towards 0: choice 0 is 0, then 1, -1, 2, -2, ... */
        uint64_t c = prop_draw(s, span);
        int64_t mag = (int64_t)((c + 1) / 2);
        int64_t v = (c % 2) ? mag : -mag;
        return v > hi ? hi : v < lo ? lo : v;
    }
    return (int64_t)((uint64_t)lo + prop_draw(s, span));
}

size_t prop_size(struct prop_source *s, size_t max)
{
    return (size_t)prop_draw(s, max);
}

bool prop_bool(struct prop_source *s)
{
    return prop_draw(s, 1) != 0;
}

size_t prop_one_of(struct prop_source *s, const unsigned *weights, size_t n)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += weights[i];
    if (total == 0)
        return 0;
    uint64_t pick = prop_draw(s, total - 1);
    for (size_t i = 0; i < n; i++) {
        if (pick < weights[i])
            return i;
        pick -= weights[i];
    }
    return n - 1;
}

bool prop_more(struct prop_source *s, unsigned average)
{
    /* Generating: go on with probability average / (average + 1), so lists
     * average `average` items. Replaying: any non-zero choice goes on, and 0
     * (what shrinking drives choices to) ends the list. */
    if (s->bytes != NULL)
        return prop_draw(s, 255) != 0; /* one byte: lists end with the input */
    if (s->replaying)
        return prop_draw(s, UINT64_MAX) != 0;
    uint64_t go = splitmix64_below(&s->rng, (uint64_t)average + 1) != 0;
    if (s->used < s->cap)
        s->choice[s->used] = go;
    else
        s->overrun = true, go = 0;
    s->used++;
    return go != 0;
}

void prop_log(struct prop_source *s, const char *fmt, ...)
{
    if (s->log == NULL || s->log_len + 1 >= s->log_cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s->log + s->log_len, s->log_cap - s->log_len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    s->log_len += (size_t)n;
    if (s->log_len >= s->log_cap - 1)
        s->log_len = s->log_cap - 1;
    s->log[s->log_len++] = '\n';
    s->log[s->log_len] = '\0';
}

/* ---- running and shrinking --------------------------------------------------------- */

/* Runs fn once on the given choices (replay), returning the result and the
 * number of choices it used; the log goes to log[len] if given. */
static enum prop_result replay(prop_fn fn, void *env, uint64_t *choices, size_t n, size_t *used,
                               char *log, size_t len)
{
    uint64_t *copy = malloc((n ? n : 1) * sizeof *copy);
    if (copy == NULL)
        return PROP_DISCARD;
    memcpy(copy, choices, n * sizeof *copy);
    struct prop_source s = {
        .replaying = true, .choice = copy, .cap = n, .log = log, .log_cap = len};
    if (log && len)
        log[0] = '\0';
    enum prop_result r = fn(&s, env);
    *used = s.used < n ? s.used : n;
    free(copy);
    return r;
}

/* Shortlex: is a (na choices) simpler than b (nb choices)? */
static bool simpler(const uint64_t *a, size_t na, const uint64_t *b, size_t nb)
{
    if (na != nb)
        return na < nb;
    for (size_t i = 0; i < na; i++)
        if (a[i] != b[i])
            return a[i] < b[i];
    return false;
}

struct shrinker {
    prop_fn fn;
    void *env;
    uint64_t *best; /* the simplest failing choices so far */
    size_t n;
    uint64_t *cand;
    unsigned budget, accepted;
};

/* Tries cand[0..m): if it still fails and is simpler, it becomes the best. */
static bool attempt(struct shrinker *k, size_t m)
{
    if (k->budget == 0 || !simpler(k->cand, m, k->best, k->n))
        return false;
    k->budget--;
    size_t used;
    if (replay(k->fn, k->env, k->cand, m, &used, NULL, 0) != PROP_FAIL)
        return false;
    /* Keep only what the property read: the rest never mattered. */
    memcpy(k->best, k->cand, used * sizeof *k->best);
    k->n = used;
    k->accepted++;
    return true;
}

static bool delete_spans(struct shrinker *k)
{
    bool progress = false;
    static const size_t widths[] = {8, 4, 3, 2, 1};
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
        size_t width = widths[w];
        for (size_t i = 0; i + width <= k->n;) {
            size_t m = k->n - width;
            memcpy(k->cand, k->best, i * sizeof *k->cand);
            memcpy(k->cand + i, k->best + i + width, (k->n - i - width) * sizeof *k->cand);
            if (attempt(k, m))
                progress = true; /* the same i now holds what followed */
            else
                i++;
        }
    }
    return progress;
}

static bool zero_spans(struct shrinker *k)
{
    bool progress = false;
    static const size_t widths[] = {8, 4, 2, 1};
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
        for (size_t i = 0; i + widths[w] <= k->n; i++) {
            bool nonzero = false;
            for (size_t j = i; j < i + widths[w]; j++)
                nonzero |= k->best[j] != 0;
            if (!nonzero)
                continue;
            size_t m = k->n;
            memcpy(k->cand, k->best, m * sizeof *k->cand);
            memset(k->cand + i, 0, widths[w] * sizeof *k->cand);
            progress |= attempt(k, m);
        }
    }
    return progress;
}

/* Lowers each choice to the smallest value that still fails (binary search;
 * a failing value is not guaranteed to be monotone, so it only accepts). */
static bool minimise_values(struct shrinker *k)
{
    bool progress = false;
    for (size_t i = 0; i < k->n; i++) {
        uint64_t lo = 0, hi = k->best[i];
        while (lo < hi && k->budget > 0) {
            uint64_t mid = lo + (hi - lo) / 2;
            size_t m = k->n;
            memcpy(k->cand, k->best, m * sizeof *k->cand);
            k->cand[i] = mid;
            if (attempt(k, m)) {
                progress = true;
                if (i >= k->n)
                    break;
                hi = k->best[i];
            } else {
                lo = mid + 1;
            }
        }
    }
    return progress;
}

/* Swaps adjacent choices that are out of order (sorts towards simpler). */
static bool sort_pairs(struct shrinker *k)
{
    bool progress = false;
    for (size_t i = 0; i + 1 < k->n; i++) {
        if (k->best[i] <= k->best[i + 1])
            continue;
        size_t m = k->n;
        memcpy(k->cand, k->best, m * sizeof *k->cand);
        k->cand[i] = k->best[i + 1];
        k->cand[i + 1] = k->best[i];
        progress |= attempt(k, m);
    }
    return progress;
}

static void shrink(struct shrinker *k)
{
    bool progress = true;
    while (progress && k->budget > 0) {
        progress = delete_spans(k);
        progress |= zero_spans(k);
        progress |= minimise_values(k);
        progress |= sort_pairs(k);
    }
}

static void encode_token(const uint64_t *c, size_t n, char *out, size_t len)
{
    size_t at = (size_t)snprintf(out, len, "1:");
    for (size_t i = 0; i < n && at < len; i++)
        at +=
            (size_t)snprintf(out + at, len - at, "%s%llu", i ? "," : "", (unsigned long long)c[i]);
}

/* Parses a token into a malloc'ed array; NULL if malformed. */
static uint64_t *decode_token(const char *token, size_t *n)
{
    if (strncmp(token, "1:", 2) != 0)
        return NULL;
    const char *p = token + 2;
    size_t cap = 16, k = 0;
    uint64_t *v = malloc(cap * sizeof *v);
    while (v != NULL && *p != '\0') {
        char *end;
        errno = 0;
        unsigned long long x = strtoull(p, &end, 10);
        if (end == p || errno != 0 || (*end != ',' && *end != '\0')) {
            free(v);
            return NULL;
        }
        if (k == cap) {
            uint64_t *bigger = realloc(v, (cap *= 2) * sizeof *v);
            if (bigger == NULL) {
                free(v);
                return NULL;
            }
            v = bigger;
        }
        v[k++] = x;
        p = *end == ',' ? end + 1 : end;
    }
    *n = k;
    return v;
}

enum prop_result prop_run_bytes(prop_fn fn, void *env, const uint8_t *data, size_t size, char *log,
                                size_t len)
{
    enum { CAP = 4096 };
    static uint64_t choice[CAP]; /* fuzzers call this millions of times: no malloc */
    uint8_t empty = 0;
    struct prop_source s = {.bytes = size ? data : &empty,
                            .n_bytes = size,
                            .choice = choice,
                            .cap = CAP,
                            .log = log,
                            .log_cap = len};
    if (log && len)
        log[0] = '\0';
    return fn(&s, env);
}

enum prop_result prop_replay(prop_fn fn, void *env, const char *token, char *log, size_t len)
{
    size_t n, used;
    uint64_t *c = decode_token(token, &n);
    if (c == NULL) {
        if (log && len)
            snprintf(log, len, "malformed replay token '%.60s'", token);
        return PROP_FAIL;
    }
    enum prop_result r = replay(fn, env, c, n, &used, log, len);
    free(c);
    return r;
}

static uint64_t env_u64(const char *name, uint64_t fallback)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0')
        return fallback;
    char *end;
    unsigned long long x = strtoull(v, &end, 0);
    return *end == '\0' ? x : fallback;
}

/* Runs that all held still fail the property when fewer than half of them
 * were valid (prop.h says why half). */
static void judge_health(const char *name, unsigned runs, size_t cap, struct prop_report *r)
{
    r->passed = 2 * (uint64_t)r->valid >= runs;
    snprintf(r->message, sizeof r->message,
             "%s: %s%u of %u runs valid (%u discarded, %u overran max_choices %zu)%s", name,
             r->passed ? "" : "only ", r->valid, runs, r->discards, r->overruns, cap,
             r->passed ? ""
                       : ": a property must test at least half its runs; generate valid inputs "
                         "instead of discarding them, and draw fewer choices or raise "
                         "max_choices");
}

bool prop_check(const char *name, prop_fn fn, void *env, const struct prop_config *cfg,
                struct prop_report *r)
{
    struct prop_config c = cfg ? *cfg : (struct prop_config){0};
    *r = (struct prop_report){.passed = true};
    const char *token = getenv("PROP_REPLAY");
    if (token != NULL && *token != '\0') {
        enum prop_result res = prop_replay(fn, env, token, r->log, sizeof r->log);
        r->runs = 1;
        r->valid = res != PROP_DISCARD;
        r->discards = res == PROP_DISCARD;
        r->passed = res == PROP_PASS; /* a discarded case tested nothing */
        snprintf(r->token, sizeof r->token, "%s", token);
        snprintf(r->message, sizeof r->message, "%s: replay of %s %s\n%s", name, token,
                 res == PROP_PASS   ? "passed"
                 : res == PROP_FAIL ? "failed"
                                    : "was discarded",
                 r->log);
        return r->passed;
    }
    unsigned runs = c.runs ? c.runs : (unsigned)env_u64("PROP_RUNS", DEFAULT_RUNS);
    if (c.runs == 0) {
        unsigned long scaled = lab_scaled(runs);
        runs = scaled < 10 ? (runs < 10 ? runs : 10) : (unsigned)scaled;
    }
    uint64_t seed = c.seed ? c.seed : env_u64("PROP_SEED", DEFAULT_SEED);
    size_t cap = c.max_choices ? c.max_choices : DEFAULT_CHOICES;
    uint64_t *choice = malloc(cap * sizeof *choice), *cand = malloc(cap * sizeof *cand);
    if (choice == NULL || cand == NULL) {
        free(choice);
        free(cand);
        r->passed = false;
        snprintf(r->message, sizeof r->message, "%s: out of memory", name);
        return false;
    }
    struct splitmix64 seeds = {seed};
    for (unsigned i = 0; i < runs; i++) {
        uint64_t run_seed = splitmix64_next(&seeds);
        struct prop_source s = {.rng = {run_seed}, .choice = choice, .cap = cap};
        enum prop_result res = fn(&s, env);
        r->runs++;
        if (res != PROP_FAIL) {
            /* An overrun drew zeros past max_choices: its input was cut short. */
            if (s.overrun)
                r->overruns++;
            else if (res == PROP_DISCARD)
                r->discards++;
            else
                r->valid++;
            continue;
        }
        /* A failure, overrun or not (its choices past max_choices were 0, as
         * a replay past the end of its choices reads them): shrink its
         * choices, then replay the minimum for its log. */
        r->valid++;
        struct shrinker k = {.fn = fn,
                             .env = env,
                             .best = choice,
                             .n = s.used < cap ? s.used : cap,
                             .cand = cand,
                             .budget = c.max_shrinks ? c.max_shrinks : DEFAULT_SHRINKS};
        shrink(&k);
        size_t used;
        replay(fn, env, k.best, k.n, &used, r->log, sizeof r->log);
        encode_token(k.best, k.n, r->token, sizeof r->token);
        r->passed = false;
        r->seed = run_seed;
        r->shrinks = k.accepted;
        snprintf(r->message, sizeof r->message,
                 "%s failed on run %u of %u (%u valid, %u discarded, %u overran; seed 0x%llx; "
                 "run seed 0x%llx), shrunk in %u steps to %zu choices:\n%s  replay: "
                 "PROP_REPLAY='%s'",
                 name, i + 1, runs, r->valid, r->discards, r->overruns, (unsigned long long)seed,
                 (unsigned long long)run_seed, k.accepted, k.n, r->log, r->token);
        break;
    }
    free(choice);
    free(cand);
    if (r->passed)
        judge_health(name, runs, cap, r);
    return r->passed;
}

/* ---- model-based testing ------------------------------------------------------------ */

enum prop_result prop_model_property(struct prop_source *s, void *env)
{
    const struct prop_model *m = env;
    void *real = m->real_new(), *model = m->model_new();
    enum prop_result result = PROP_PASS;
    if (real == NULL || model == NULL) {
        result = PROP_DISCARD;
        goto out;
    }
    for (unsigned step = 0; prop_more(s, m->average_steps); step++) {
        size_t op = (size_t)prop_draw(s, m->n_ops - 1);
        bool with_arg = m->takes_arg == NULL || m->takes_arg[op];
        int64_t arg = with_arg ? prop_int(s, m->arg_lo, m->arg_hi) : 0;
        int64_t got = m->real_apply(real, op, arg), want = m->model_apply(model, op, arg);
        if (with_arg)
            prop_log(s, "%s(%lld) -> %lld", m->ops[op], (long long)arg, (long long)got);
        else
            prop_log(s, "%s() -> %lld", m->ops[op], (long long)got);
        if (got != want) {
            prop_log(s, "step %u: the model says %lld", step, (long long)want);
            result = PROP_FAIL;
            break;
        }
    }
out:
    if (real)
        m->real_free(real);
    if (model)
        m->model_free(model);
    return result;
}

/* A growing array: a stack pops from its end, a queue from its head. */
struct push_pop_model {
    int64_t *items;
    size_t head, len, cap;
};

void *prop_push_pop_model_new(void)
{
    return calloc(1, sizeof(struct push_pop_model));
}

void prop_push_pop_model_free(void *model)
{
    struct push_pop_model *m = model;
    free(m->items);
    free(m);
}

static int64_t model_push(struct push_pop_model *m, int64_t v)
{
    if (m->len == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 16;
        int64_t *grown = realloc(m->items, cap * sizeof *grown);
        if (grown == NULL)
            return -ENOMEM;
        m->items = grown;
        m->cap = cap;
    }
    m->items[m->len++] = v;
    return 0;
}

int64_t prop_stack_model_apply(void *model, size_t op, int64_t arg)
{
    struct push_pop_model *m = model;
    if (op == 0)
        return model_push(m, arg);
    return m->len > 0 ? m->items[--m->len] : -1;
}

int64_t prop_queue_model_apply(void *model, size_t op, int64_t arg)
{
    struct push_pop_model *m = model;
    if (op == 0)
        return model_push(m, arg);
    return m->head < m->len ? m->items[m->head++] : -1;
}
