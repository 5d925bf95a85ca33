/*
 * status_demo.c - the book's semaphore demonstration: four workers take a
 * lock, mark themselves busy, count one, mark themselves idle, release; the
 * main thread prints how many each counted per second.
 *
 *   --lock sem2     the book's token semaphore with two tokens: two workers
 *                   inside at once
 *   --lock sem1     one token: a binary semaphore (the book's listing)
 *   --lock bena     the benaphore: a binary semaphore on an atomic count
 *   --lock posix    POSIX sem_t with one unit
 *   --lock pthread  a pthread mutex (the book's std::sync::Mutex)
 *   --lock swap     the book's SwapMutex (spin.h)
 *
 * The book's counts and flags are unsynchronised statics, a data race; here
 * they are relaxed atomics that only their owner writes. By default they sit
 * next to each other as in the book, sharing cache lines; --pad gives each
 * its own line.
 *
 * --check checks what must hold whatever the schedule (exit 1 naming what
 * broke): never more workers inside at once than the lock's capacity (a gauge
 * every section adds itself to), and with capacity 1 a plain counter that
 * every section increments equals the sum of the workers' counts (a lock that
 * let two in would lose increments of it). Off by default: it adds two atomic
 * operations on a shared line to every section, and the rates are the demo.
 *
 * Book, x86 (release builds), per worker per second: capacity two about
 * 170,000; capacity one about 90,000 (the rows equal to within a few: the
 * queue hands the token over in turn); std Mutex about 2,000,000; the swap
 * mutex about 12,000,000.
 */
#include "status_demo.h"

#include <errno.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cacheline.h"
#include "cli.h"
#include "clock.h"
#include "semaphore.h"
#include "spin.h"
#include "threads.h"

static const char *const lock_names[] = {"sem2", "sem1", "bena", "posix", "pthread", "swap", NULL};

struct counter {
    _Atomic uint64_t count;
    _Atomic int busy;
};

/* A counter and its busy flag alone on a cache line (--pad). */
struct lined_counter {
    CACHE_ALIGNED struct counter c;
};

struct demo {
    enum status_lock kind;
    unsigned capacity;
    struct sem_token token;
    struct sem_bena bena;
    sem_t posix;
    pthread_mutex_t mutex;
    struct spin_swap swap;
    bool pad;
    struct counter packed[STATUS_MAX_WORKERS];       /* the book's layout */
    struct lined_counter padded[STATUS_MAX_WORKERS]; /* --pad */
    _Atomic int stop;
    bool checking; /* --check */
    /* The checks, on a line of their own, apart from the book's counters. */
    struct {
        CACHE_ALIGNED _Atomic int inside; /* workers inside now */
        uint64_t sections;                /* capacity 1: plain, every section adds one */
    } check;
    int most_inside[STATUS_MAX_WORKERS]; /* the most each worker saw, written once at its end */
};

static struct counter *counter_of(struct demo *d, size_t id)
{
    return d->pad ? &d->padded[id].c : &d->packed[id];
}

static void take(struct demo *d)
{
    switch (d->kind) {
    case STATUS_SEM2:
    case STATUS_SEM1:
        sem_token_wait(&d->token);
        break;
    case STATUS_BENA:
        sem_bena_wait(&d->bena);
        break;
    case STATUS_POSIX:
        while (sem_wait(&d->posix) != 0) {
        }
        break;
    case STATUS_PTHREAD:
        pthread_mutex_lock(&d->mutex);
        break;
    default:
        spin_swap_lock(&d->swap);
        break;
    }
}

static void give(struct demo *d)
{
    switch (d->kind) {
    case STATUS_SEM2:
    case STATUS_SEM1:
        sem_token_signal(&d->token);
        break;
    case STATUS_BENA:
        sem_bena_signal(&d->bena);
        break;
    case STATUS_POSIX:
        sem_post(&d->posix);
        break;
    case STATUS_PTHREAD:
        pthread_mutex_unlock(&d->mutex);
        break;
    default:
        spin_swap_unlock(&d->swap);
        break;
    }
}

/* --check: a section counts itself in, returning how many are inside now.
 * Relaxed: the lock orders this section's two updates of the gauge with the
 * other sections' (read-modify-writes of one variable follow happens-before),
 * so the gauge counts who is inside. */
static int check_in(struct demo *d)
{
    if (d->capacity == 1)
        d->check.sections++; /* plain: exact only if the lock lets one in at a time */
    return atomic_fetch_add_explicit(&d->check.inside, 1, memory_order_relaxed) + 1;
}

static void check_out(struct demo *d)
{
    atomic_fetch_sub_explicit(&d->check.inside, 1, memory_order_relaxed); /* as in check_in */
}

static void *worker(size_t id, void *arg)
{
    struct demo *d = arg;
    struct counter *c = counter_of(d, id);
    /* relaxed everywhere: only this thread writes its counter; main reads a
     * recent value, which is all a per-second rate needs */
    int most = 0;
    while (!atomic_load_explicit(&d->stop, memory_order_relaxed)) {
        take(d);
        if (d->checking) {
            int now = check_in(d);
            most = now > most ? now : most;
        }
        atomic_store_explicit(&c->busy, 1, memory_order_relaxed);
        uint64_t n = atomic_load_explicit(&c->count, memory_order_relaxed);
        atomic_store_explicit(&c->count, n + 1, memory_order_relaxed);
        atomic_store_explicit(&c->busy, 0, memory_order_relaxed);
        if (d->checking)
            check_out(d);
        give(d);
    }
    d->most_inside[id] = most; /* read after the join */
    return NULL;
}

/* Sets up the lock of the demo: 0 or a positive errno. */
static int lock_init(struct demo *d)
{
    switch (d->kind) {
    case STATUS_SEM2:
    case STATUS_SEM1:
        return -sem_token_init(&d->token, d->capacity);
    case STATUS_BENA:
        sem_bena_init(&d->bena);
        return 0;
    case STATUS_POSIX:
        return sem_init(&d->posix, 0, 1) == 0 ? 0 : errno;
    case STATUS_PTHREAD:
        return pthread_mutex_init(&d->mutex, NULL);
    default:
        spin_swap_init(&d->swap);
        return 0;
    }
}

static void lock_destroy(struct demo *d)
{
    if (d->kind == STATUS_SEM2 || d->kind == STATUS_SEM1)
        sem_token_destroy(&d->token);
    else if (d->kind == STATUS_POSIX)
        sem_destroy(&d->posix);
    else if (d->kind == STATUS_PTHREAD)
        pthread_mutex_destroy(&d->mutex);
}

/* The main thread's part: a row per interval, each worker's count since the
 * last row, summed per worker into reported[]. */
static void print_rows(const struct status_demo_config *cfg, struct demo *d, uint64_t *reported)
{
    uint64_t last[STATUS_MAX_WORKERS] = {0};
    uint64_t step = (uint64_t)cfg->interval_ms * 1000000, start = lab_now_ns();
    uint64_t end = start + (uint64_t)(cfg->seconds * 1e9);
    for (uint64_t next = start + step; next <= end + 1000; next += step) {
        lab_sleep_until_ns(next);
        for (unsigned i = 0; i < cfg->workers; i++) {
            struct counter *c = counter_of(d, i);
            uint64_t n = atomic_load_explicit(&c->count, memory_order_relaxed);
            int busy = atomic_load_explicit(&c->busy, memory_order_relaxed);
            double per_s = (double)(n - last[i]) * 1000.0 / (double)cfg->interval_ms;
            reported[i] += n - last[i];
            last[i] = n;
            if (cfg->rows)
                fprintf(cfg->rows, "| %5s; %010.0f/sec ", busy ? "true" : "false", per_s);
        }
        if (cfg->rows) {
            fprintf(cfg->rows, "|\n");
            fflush(cfg->rows);
        }
    }
}

int status_demo_run(const struct status_demo_config *cfg, struct status_demo_outcome *out)
{
    if (cfg->lock > STATUS_SWAP || cfg->workers < 1 || cfg->workers > STATUS_MAX_WORKERS ||
        cfg->interval_ms < 1)
        return EINVAL;
    static struct demo d;
    memset(&d, 0, sizeof d);
    d.kind = cfg->lock;
    d.capacity = cfg->lock == STATUS_SEM2 ? 2 : 1;
    d.pad = cfg->pad;
    d.checking = cfg->check;
    int rc = lock_init(&d);
    if (rc != 0)
        return rc;
    ANNOTATE_ATOMIC(&d.stop);
    ANNOTATE_ATOMIC(&d.check.inside);
    struct lab_threads ts;
    rc = lab_threads_start(&ts, cfg->workers, worker, &d, 0);
    if (rc != 0) {
        lock_destroy(&d);
        return rc;
    }
    if (cfg->rows)
        fprintf(cfg->rows, "status_demo: %u workers, lock %s%s, a row every %ld ms\n", cfg->workers,
                lock_names[cfg->lock], cfg->pad ? ", padded counters" : "", cfg->interval_ms);
    *out = (struct status_demo_outcome){.capacity = d.capacity};
    print_rows(cfg, &d, out->reported);
    atomic_store_explicit(&d.stop, 1, memory_order_relaxed);
    lab_threads_join(&ts);
    /* after the join, which orders everything */
    for (unsigned i = 0; i < cfg->workers; i++) {
        out->counted[i] = atomic_load_explicit(&counter_of(&d, i)->count, memory_order_relaxed);
        out->most_inside =
            d.most_inside[i] > out->most_inside ? d.most_inside[i] : out->most_inside;
    }
    out->sections = d.check.sections;
    lock_destroy(&d);
    return 0;
}

#ifndef LAB_NO_MAIN
int main(int argc, char **argv)
{
    int kind = STATUS_SEM2;
    long workers = 4, interval_ms = 1000;
    double seconds = 5;
    bool pad = false, check = false;
    const struct cli_option opts[] = {
        CLI_CHOICE("lock", &kind,
                   "sem2 (the book's text), sem1 (its listing), bena, posix, "
                   "pthread or swap",
                   lock_names),
        CLI_LONG("workers", &workers, "N", "worker threads (the book: 4)", 1, STATUS_MAX_WORKERS),
        CLI_DOUBLE("seconds", &seconds, "S", "how long to run (the book: for ever)", 0.01, 3600),
        CLI_LONG("interval-ms", &interval_ms, "MS", "one row per interval", 10, 60000),
        CLI_FLAG("pad", &pad, "each worker's counter on its own cache line"),
        CLI_FLAG("check", &check,
                 "count who is inside: never more than the lock's capacity, and with capacity "
                 "1 a plain count of the sections equal to the workers' (slows the demo)"),
    };
    const struct cli cli = {
        .prog = "status_demo",
        .summary = "The book's status demo: workers counting under a semaphore or a mutex.",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);

    const struct status_demo_config cfg = {.lock = (enum status_lock)kind,
                                           .workers = (unsigned)workers,
                                           .pad = pad,
                                           .seconds = seconds,
                                           .interval_ms = interval_ms,
                                           .rows = stdout,
                                           .check = check};
    struct status_demo_outcome o;
    int rc = status_demo_run(&cfg, &o);
    if (rc != 0)
        die("cannot set up the lock and %ld workers: %s", workers, strerror(rc));
    uint64_t lo = UINT64_MAX, hi = 0, sum = 0, counted = 0;
    for (long i = 0; i < workers; i++) {
        lo = o.reported[i] < lo ? o.reported[i] : lo;
        hi = o.reported[i] > hi ? o.reported[i] : hi;
        sum += o.reported[i];
        counted += o.counted[i];
    }
    printf("per worker: %.0f/s on average; least served %.3f of the most",
           (double)sum / (double)workers / seconds, hi ? (double)lo / (double)hi : 0.0);
    if (check && o.capacity == 1)
        printf("; checked: at most %d inside at once, %llu sections under the lock and %llu "
               "counted",
               o.most_inside, (unsigned long long)o.sections, (unsigned long long)counted);
    else if (check)
        printf("; checked: at most %d inside at once", o.most_inside);
    printf("\n");
    if (check && o.most_inside > (int)o.capacity) {
        fprintf(stderr, "status_demo: %d workers were inside at once; lock %s lets in %u\n",
                o.most_inside, lock_names[kind], o.capacity);
        return 1;
    }
    if (check && o.capacity == 1 && o.sections != counted) {
        fprintf(stderr,
                "status_demo: %llu sections under the lock, %llu counted by the workers: lock "
                "%s let two in at once\n",
                (unsigned long long)o.sections, (unsigned long long)counted, lock_names[kind]);
        return 1;
    }
    return 0;
}
#endif
