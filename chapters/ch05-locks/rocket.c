/*
 * rocket.c - the rocket preparation problem: one mutex, three condition
 * variables and two barriers (the book's take on Downey's cigarette smokers).
 *
 * A producer puts one resource at a time on a table, picked at random
 * (xorshift32, seed 2005): fuel, oxidizer or astronauts. Three rockets, KSC,
 * VAB and WSMR, each need all three, taken in that order. When all three are
 * ready, the main thread counts down, and only then do they lift off.
 *
 * The thing to look at is the producer: it sets the resource's flag, and only
 * then broadcasts on that resource's condition variable, both under the lock.
 * A rocket waits in `while (!flag) wait`, so a wake-up without the flag (a
 * spurious one, or one where another rocket took the resource first) sends
 * it back to sleep. Were the flag set after the broadcast, a woken rocket
 * could find nothing and sleep again: the wake-up wasted, the resource missed.
 *
 * Two barriers of four (three rockets and main): all_go holds main until every
 * rocket is ready, lift_off holds the rockets until the countdown is over.
 *
 * Unlike the book's, the producer stops: main closes the table once every
 * rocket is ready, and joins it. The book's spins, publishing resources nobody
 * takes, until the process ends; the summary line counts how many it
 * published for the nine that were taken. Every line goes out whole under one
 * lock, and a copy is checked by rocket_check() (exit 1 if an invariant
 * broke). helgrind, DRD and ThreadSanitizer are clean.
 *
 *   rocket [--countdown-ms N] [--seed N]
 */
#include "rocket.h"

#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "env.h"
#include "rng.h"
#include "threads.h"

enum { ROCKETS = 3, RESOURCES = 3, COUNTDOWN = 10 };

static const char *const rocket_names[ROCKETS] = {"KSC", "VAB", "WSMR"};
static const char *const resource_names[RESOURCES] = {"FUEL", "OXIDIZER", "ASTRONAUTS"};

/* Where the producer puts resources and the rockets take them. */
struct table {
    pthread_mutex_t lock;
    bool on_table[RESOURCES];         /* guarded by lock */
    pthread_cond_t placed[RESOURCES]; /* broadcast when that resource is put down */
    bool closed;                      /* guarded by lock: the producer stops */
    uint64_t published[RESOURCES];    /* guarded by lock */
};

/* Every line goes through here whole: to the caller's stream, and to the copy
 * the checker reads afterwards. */
struct transcript {
    pthread_mutex_t lock;
    FILE *out, *copy;
};

struct launch {
    struct table table;
    struct transcript log;
    pthread_barrier_t all_go, lift_off;
    uint32_t seed;
};

static void say(struct transcript *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), nonnull(2)));

static void say(struct transcript *t, const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    pthread_mutex_lock(&t->lock);
    vfprintf(t->out, fmt, ap);
    fflush(t->out); /* the countdown is meant to be watched */
    vfprintf(t->copy, fmt, again);
    pthread_mutex_unlock(&t->lock);
    va_end(again);
    va_end(ap);
}

static void produce(struct launch *l)
{
    struct table *t = &l->table;
    struct xorshift32 rng = {l->seed};
    /* valgrind runs one thread at a time and rarely switches: a producer that
     * never blocks would starve the rockets there for minutes. */
    bool yield = lab_under_valgrind();
    for (;;) {
        if (yield)
            sched_yield();
        pthread_mutex_lock(&t->lock);
        if (t->closed) {
            pthread_mutex_unlock(&t->lock);
            return;
        }
        for (int r = 0; r < RESOURCES; r++)
            t->on_table[r] = false;
        uint32_t r = xorshift32_next(&rng) % RESOURCES;
        t->on_table[r] = true; /* first the flag, then the wake-up */
        pthread_cond_broadcast(&t->placed[r]);
        t->published[r]++;
        pthread_mutex_unlock(&t->lock);
    }
}

static void take(struct launch *l, size_t rocket, int r)
{
    struct table *t = &l->table;
    pthread_mutex_lock(&t->lock);
    while (!t->on_table[r])
        pthread_cond_wait(&t->placed[r], &t->lock);
    t->on_table[r] = false;
    say(&l->log, "%-6s ACQUIRE %s\n", rocket_names[rocket], resource_names[r]);
    pthread_mutex_unlock(&t->lock);
}

static void *run_thread(size_t id, void *arg)
{
    struct launch *l = arg;
    if (id == ROCKETS) {
        produce(l);
        return NULL;
    }
    for (int r = 0; r < RESOURCES; r++)
        take(l, id, r);
    pthread_barrier_wait(&l->all_go);
    pthread_barrier_wait(&l->lift_off);
    say(&l->log, "%-6s LIFT OFF\n", rocket_names[id]);
    return NULL;
}

static void pause_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Main's part: wait for every rocket, stop the producer, count down, release. */
static void count_down(struct launch *l, unsigned countdown_ms)
{
    pthread_barrier_wait(&l->all_go);
    pthread_mutex_lock(&l->table.lock);
    l->table.closed = true;
    pthread_mutex_unlock(&l->table.lock);
    say(&l->log, "T-11\n"); /* the book's label; its count starts at 10 */
    for (int i = COUNTDOWN; i >= 1; i--) {
        say(&l->log, "%4d\n", i);
        pause_ms(countdown_ms);
    }
    pthread_barrier_wait(&l->lift_off);
}

int rocket_run(uint32_t seed, unsigned countdown_ms, FILE *out, struct rocket_outcome *o)
{
    if (seed == 0)
        return -1;
    struct launch *l = calloc(1, sizeof *l);
    char *text = NULL;
    size_t len = 0;
    int rc = -1;
    if (l == NULL || (l->log.copy = open_memstream(&text, &len)) == NULL)
        goto out;
    l->log.out = out;
    l->seed = seed;
    pthread_mutex_init(&l->log.lock, NULL);
    pthread_mutex_init(&l->table.lock, NULL);
    for (int r = 0; r < RESOURCES; r++)
        pthread_cond_init(&l->table.placed[r], NULL);
    pthread_barrier_init(&l->all_go, NULL, ROCKETS + 1);
    pthread_barrier_init(&l->lift_off, NULL, ROCKETS + 1);
    struct lab_threads ts;
    if (lab_threads_start(&ts, ROCKETS + 1, run_thread, l, 0) == 0) {
        count_down(l, countdown_ms);
        lab_threads_join(&ts);
        rc = 0;
    }
    pthread_barrier_destroy(&l->lift_off);
    pthread_barrier_destroy(&l->all_go);
    for (int r = 0; r < RESOURCES; r++)
        pthread_cond_destroy(&l->table.placed[r]);
    pthread_mutex_destroy(&l->table.lock);
    pthread_mutex_destroy(&l->log.lock);
    if (fclose(l->log.copy) != 0)
        rc = -1;
    if (rc == 0) {
        memcpy(o->published, l->table.published, sizeof o->published);
        if (rocket_check(text, o->broken, sizeof o->broken) == 0)
            o->broken[0] = '\0';
    }
out:
    free(text);
    free(l);
    return rc;
}

/* ---- the checker --------------------------------------------------------- */

struct check {
    int next[ROCKETS]; /* the resource each rocket takes next; RESOURCES when ready */
    bool lifted[ROCKETS];
    enum { ACQUIRING, COUNTING, LAUNCHING } phase;
    int count; /* the countdown's next number */
};

static int fail(char *why, size_t len, unsigned lineno, const char *line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int fail(char *why, size_t len, unsigned lineno, const char *line, const char *fmt, ...)
{
    int n = lineno ? snprintf(why, len, "line %u \"%s\": ", lineno, line) : 0;
    if (n < 0 || (size_t)n >= len)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why + n, len - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Which rocket's line this is, as "%-6s <what>"; -1 if none. */
static int rocket_line(const char *line, const char *what)
{
    char expect[64];
    for (int i = 0; i < ROCKETS; i++) {
        snprintf(expect, sizeof expect, "%-6s %s", rocket_names[i], what);
        if (strcmp(line, expect) == 0)
            return i;
    }
    return -1;
}

/* One line against the state of the check so far. */
static int check_line(struct check *c, const char *line, unsigned lineno, char *why, size_t len)
{
    char what[32], number[12];
    for (int r = 0; r < RESOURCES; r++) {
        snprintf(what, sizeof what, "ACQUIRE %s", resource_names[r]);
        int i = rocket_line(line, what);
        if (i < 0)
            continue;
        if (c->phase != ACQUIRING)
            return fail(why, len, lineno, line, "an ACQUIRE after the countdown began");
        if (r < c->next[i])
            return fail(why, len, lineno, line, "%s took %s twice", rocket_names[i],
                        resource_names[r]);
        if (r > c->next[i])
            return fail(why, len, lineno, line, "%s took %s before %s", rocket_names[i],
                        resource_names[r], resource_names[c->next[i]]);
        c->next[i]++;
        return 0;
    }
    if (strcmp(line, "T-11") == 0) {
        if (c->phase != ACQUIRING)
            return fail(why, len, lineno, line, "a second countdown");
        for (int i = 0; i < ROCKETS; i++)
            if (c->next[i] != RESOURCES)
                return fail(why, len, lineno, line, "the countdown began before %s was ready",
                            rocket_names[i]);
        c->phase = COUNTING;
        return 0;
    }
    for (int k = 1; k <= COUNTDOWN; k++) {
        snprintf(number, sizeof number, "%4d", k);
        if (strcmp(line, number) != 0)
            continue;
        if (c->phase != COUNTING || k != c->count)
            return fail(why, len, lineno, line, "a countdown step out of place");
        if (--c->count == 0)
            c->phase = LAUNCHING;
        return 0;
    }
    int i = rocket_line(line, "LIFT OFF");
    if (i < 0)
        return fail(why, len, lineno, line, "not a line of this program");
    if (c->phase != LAUNCHING)
        return fail(why, len, lineno, line, "%s lifted off before the countdown reached 1",
                    rocket_names[i]);
    if (c->lifted[i])
        return fail(why, len, lineno, line, "%s lifted off twice", rocket_names[i]);
    c->lifted[i] = true;
    return 0;
}

int rocket_check(const char *transcript, char *why, size_t len)
{
    struct check c = {.phase = ACQUIRING, .count = COUNTDOWN};
    unsigned lineno = 0;
    char line[64];
    for (const char *p = transcript; *p != '\0';) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        lineno++;
        if (n >= sizeof line)
            return fail(why, len, lineno, "...", "a line too long for this program");
        memcpy(line, p, n);
        line[n] = '\0';
        if (check_line(&c, line, lineno, why, len) != 0)
            return -1;
        p += n + (eol != NULL);
    }
    if (c.phase == ACQUIRING)
        return fail(why, len, 0, NULL, "the countdown never began");
    if (c.phase == COUNTING)
        return fail(why, len, 0, NULL, "the countdown stopped at %d", c.count + 1);
    for (int i = 0; i < ROCKETS; i++)
        if (!c.lifted[i])
            return fail(why, len, 0, NULL, "%s never lifted off", rocket_names[i]);
    return 0;
}

#ifndef LAB_NO_MAIN
int main(int argc, char **argv)
{
    long countdown_ms = 1000;
    uint64_t seed = ROCKET_BOOK_SEED;
    const struct cli_option opts[] = {
        CLI_LONG("countdown-ms", &countdown_ms, "N", "milliseconds between countdown steps", 0,
                 10000),
        CLI_U64("seed", &seed, "N", "xorshift32 seed of the producer (2005: the book's)"),
    };
    const struct cli cli = {
        .prog = "rocket",
        .summary = "The rocket preparation problem: one mutex, three condvars, two barriers.",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    if (seed == 0 || seed > UINT32_MAX)
        cli_error("--seed must be in [1, 2^32 - 1] (xorshift32 stays at 0 forever)");
    struct rocket_outcome o;
    if (rocket_run((uint32_t)seed, (unsigned)countdown_ms, stdout, &o) != 0)
        die("could not start the rockets");
    if (o.broken[0] != '\0')
        die("the transcript broke an invariant: %s", o.broken);
    uint64_t total = o.published[0] + o.published[1] + o.published[2];
    printf("rocket: 3 rockets lifted off; the producer published %llu resources (fuel %llu, "
           "oxidizer %llu, astronauts %llu) for the 9 taken\n",
           (unsigned long long)total, (unsigned long long)o.published[0],
           (unsigned long long)o.published[1], (unsigned long long)o.published[2]);
    return 0;
}
#endif
