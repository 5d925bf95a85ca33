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
 * Book, x86 (release builds), per worker per second: capacity two about
 * 170,000; capacity one about 90,000 (the rows equal to within a few: the
 * queue hands the token over in turn); std Mutex about 2,000,000; the swap
 * mutex about 12,000,000.
 */
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "clock.h"
#include "semaphore.h"
#include "spin.h"
#include "threads.h"

enum lock_kind { SEM2, SEM1, BENA, POSIX, PTHREAD, SWAP };
static const char *const lock_names[] = {"sem2", "sem1", "bena", "posix", "pthread", "swap", NULL};

enum { MAX_WORKERS = 16 };

struct counter {
    _Atomic uint64_t count;
    _Atomic int busy;
};

struct padded_counter {
    _Alignas(64) struct counter c;
};

struct demo {
    enum lock_kind kind;
    struct sem_token token;
    struct sem_bena bena;
    sem_t posix;
    pthread_mutex_t mutex;
    struct spin_swap swap;
    bool pad;
    struct counter packed[MAX_WORKERS];        /* the book's layout */
    struct padded_counter padded[MAX_WORKERS]; /* --pad */
    _Atomic int stop;
};

static struct counter *counter_of(struct demo *d, size_t id)
{
    return d->pad ? &d->padded[id].c : &d->packed[id];
}

static void take(struct demo *d)
{
    switch (d->kind) {
    case SEM2:
    case SEM1:
        sem_token_wait(&d->token);
        break;
    case BENA:
        sem_bena_wait(&d->bena);
        break;
    case POSIX:
        while (sem_wait(&d->posix) != 0) {
        }
        break;
    case PTHREAD:
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
    case SEM2:
    case SEM1:
        sem_token_signal(&d->token);
        break;
    case BENA:
        sem_bena_signal(&d->bena);
        break;
    case POSIX:
        sem_post(&d->posix);
        break;
    case PTHREAD:
        pthread_mutex_unlock(&d->mutex);
        break;
    default:
        spin_swap_unlock(&d->swap);
        break;
    }
}

static void *worker(size_t id, void *arg)
{
    struct demo *d = arg;
    struct counter *c = counter_of(d, id);
    /* relaxed everywhere: only this thread writes its counter; main reads a
     * recent value, which is all a per-second rate needs */
    while (!atomic_load_explicit(&d->stop, memory_order_relaxed)) {
        take(d);
        atomic_store_explicit(&c->busy, 1, memory_order_relaxed);
        uint64_t n = atomic_load_explicit(&c->count, memory_order_relaxed);
        atomic_store_explicit(&c->count, n + 1, memory_order_relaxed);
        atomic_store_explicit(&c->busy, 0, memory_order_relaxed);
        give(d);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int kind = SEM2;
    long workers = 4, interval_ms = 1000;
    double seconds = 5;
    bool pad = false;
    const struct cli_option opts[] = {
        CLI_CHOICE("lock", &kind,
                   "sem2 (the book's text), sem1 (its listing), bena, posix, "
                   "pthread or swap",
                   lock_names),
        CLI_LONG("workers", &workers, "N", "worker threads (the book: 4)", 1, MAX_WORKERS),
        CLI_DOUBLE("seconds", &seconds, "S", "how long to run (the book: for ever)", 0.01, 3600),
        CLI_LONG("interval-ms", &interval_ms, "MS", "one row per interval", 10, 60000),
        CLI_FLAG("pad", &pad, "each worker's counter on its own cache line"),
    };
    const struct cli cli = {
        .prog = "status_demo",
        .summary = "The book's status demo: workers counting under a semaphore or a mutex.",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);

    static struct demo d;
    d.kind = (enum lock_kind)kind;
    d.pad = pad;
    if ((kind == SEM2 || kind == SEM1) && sem_token_init(&d.token, kind == SEM2 ? 2 : 1) != 0)
        die("cannot make the token semaphore");
    sem_bena_init(&d.bena);
    if (sem_init(&d.posix, 0, 1) != 0)
        die_errno("sem_init");
    pthread_mutex_init(&d.mutex, NULL);
    spin_swap_init(&d.swap);
    ANNOTATE_ATOMIC(&d.stop);

    struct lab_threads ts;
    int rc = lab_threads_start(&ts, (size_t)workers, worker, &d, 0);
    if (rc != 0)
        die("cannot start %ld workers: %s", workers, strerror(rc));
    printf("status_demo: %ld workers, lock %s%s, a row every %ld ms\n", workers, lock_names[kind],
           pad ? ", padded counters" : "", interval_ms);
    uint64_t last[MAX_WORKERS] = {0}, total[MAX_WORKERS] = {0};
    uint64_t step = (uint64_t)interval_ms * 1000000, start = lab_now_ns();
    uint64_t end = start + (uint64_t)(seconds * 1e9);
    for (uint64_t next = start + step; next <= end + 1000; next += step) {
        lab_sleep_until_ns(next);
        for (long i = 0; i < workers; i++) {
            struct counter *c = counter_of(&d, (size_t)i);
            uint64_t n = atomic_load_explicit(&c->count, memory_order_relaxed);
            int busy = atomic_load_explicit(&c->busy, memory_order_relaxed);
            double per_s = (double)(n - last[i]) * 1000.0 / (double)interval_ms;
            total[i] += n - last[i];
            last[i] = n;
            printf("| %5s; %010.0f/sec ", busy ? "true" : "false", per_s);
        }
        printf("|\n");
        fflush(stdout);
    }
    atomic_store_explicit(&d.stop, 1, memory_order_relaxed);
    lab_threads_join(&ts);
    uint64_t lo = UINT64_MAX, hi = 0, sum = 0;
    for (long i = 0; i < workers; i++) {
        lo = total[i] < lo ? total[i] : lo;
        hi = total[i] > hi ? total[i] : hi;
        sum += total[i];
    }
    printf("per worker: %.0f/s on average; least served %.3f of the most\n",
           (double)sum / (double)workers / seconds, hi ? (double)lo / (double)hi : 0.0);
    if (kind == SEM2 || kind == SEM1)
        sem_token_destroy(&d.token);
    sem_destroy(&d.posix);
    pthread_mutex_destroy(&d.mutex);
    return 0;
}
