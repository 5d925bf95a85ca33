/*
 * bench_readmostly.c - a reader-writer lock against a plain mutex when most
 * operations only read: at 50%, 90%, 99% and 100% reads, with 1 thread and
 * up to as many threads as CPUs, over a short critical section (one cache
 * line, 8 words) and a long one (4 KiB, 512 words).
 *
 * The shared table holds words that are all equal. A read sums them and
 * checks that they are equal (a torn read means the lock failed, and the
 * benchmark stops); a write adds one to each. One iteration is one operation
 * in each thread, reads and writes drawn from a per-thread xorshift; the
 * routine starts the threads (pinned while they fit the CPUs), and their
 * start-up falls into the regression's intercept.
 *
 * Locks: pthread_mutex; pthread_rwlock as glibc makes it by default (readers
 * preferred) and writer-preferring (PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
 * Concurrency Kit's ck_rwlock, a spinning one, as the peer. Ratios are times,
 * each rwlock's over the mutex's: below 1, the rwlock is faster.
 */
#define _GNU_SOURCE /* PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP */
#include <ck_rwlock.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cacheline.h"
#include "cli.h"
#include "rng.h"
#include "threads.h"

enum lock_kind { MUTEX, RWLOCK, RWLOCK_WRITER, CK_RWLOCK, N_LOCKS };
static const char *const lock_names[N_LOCKS] = {"mutex", "rwlock", "rwlock-writer", "ck_rwlock"};

struct table {
    enum lock_kind kind;
    pthread_mutex_t mutex;
    pthread_rwlock_t rwlock;
    ck_rwlock_t ck;
    size_t words;
    int threads;
    uint32_t read_threshold; /* a draw below it reads */
    uint64_t iters;
    CACHE_ALIGNED uint64_t v[512];
};

static void *table_setup(const struct bench_params *p, const void *arg)
{
    (void)p;
    struct table *t = aligned_alloc(64, sizeof *t);
    if (t == NULL)
        die("out of memory");
    memcpy(t, arg, sizeof *t);
    pthread_mutex_init(&t->mutex, NULL);
    pthread_rwlockattr_t a;
    pthread_rwlockattr_init(&a);
    if (t->kind == RWLOCK_WRITER)
        pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&t->rwlock, &a);
    pthread_rwlockattr_destroy(&a);
    ck_rwlock_init(&t->ck);
    memset(t->v, 0, sizeof t->v);
    return t;
}

static void table_teardown(void *state)
{
    struct table *t = state;
    pthread_mutex_destroy(&t->mutex);
    pthread_rwlock_destroy(&t->rwlock);
    free(t);
}

static void lock(struct table *t, bool write)
{
    switch (t->kind) {
    case MUTEX:
        pthread_mutex_lock(&t->mutex);
        break;
    case RWLOCK:
    case RWLOCK_WRITER:
        if (write)
            pthread_rwlock_wrlock(&t->rwlock);
        else
            pthread_rwlock_rdlock(&t->rwlock);
        break;
    default:
        if (write)
            ck_rwlock_write_lock(&t->ck);
        else
            ck_rwlock_read_lock(&t->ck);
        break;
    }
}

static void unlock(struct table *t, bool write)
{
    switch (t->kind) {
    case MUTEX:
        pthread_mutex_unlock(&t->mutex);
        break;
    case RWLOCK:
    case RWLOCK_WRITER:
        pthread_rwlock_unlock(&t->rwlock);
        break;
    default:
        if (write)
            ck_rwlock_write_unlock(&t->ck);
        else
            ck_rwlock_read_unlock(&t->ck);
        break;
    }
}

static void *worker(size_t id, void *arg)
{
    struct table *t = arg;
    struct xorshift128 r = {(uint32_t)id + 1, 1986, 2003, 2011};
    uint64_t sum = 0;
    for (uint64_t i = 0; i < t->iters; i++) {
        bool write = xorshift128_next(&r) >= t->read_threshold;
        lock(t, write);
        if (write) {
            for (size_t w = 0; w < t->words; w++)
                t->v[w]++;
        } else {
            uint64_t first = t->v[0], all = 0;
            for (size_t w = 0; w < t->words; w++)
                all |= t->v[w] ^ first;
            sum += first;
            if (all != 0) {
                unlock(t, write);
                return "a reader saw a half-done write";
            }
        }
        unlock(t, write);
    }
    bench_black_box(&sum);
    return NULL;
}

static void operations(void *state, uint64_t iters)
{
    struct table *t = state;
    t->iters = iters;
    struct lab_threads ts;
    int pin = (size_t)t->threads <= lab_ncpus() ? LAB_THREADS_PIN : 0;
    int rc = lab_threads_start(&ts, (size_t)t->threads, worker, t, pin);
    if (rc != 0)
        die("cannot start %d threads: %s", t->threads, strerror(rc));
    const char *err = lab_threads_join(&ts);
    if (err != NULL)
        die("%s: %s", lock_names[t->kind], err);
}

int main(int argc, char **argv)
{
    struct bench_run *run = bench_begin("ch05", "readmostly", argc, argv);
    bool quick = bench_quick(run);
    static const double reads[] = {0.5, 0.9, 0.99, 1.0};
    static const size_t sizes[] = {8, 512};
    enum { N_READS = sizeof reads / sizeof reads[0], N_SIZES = sizeof sizes / sizeof sizes[0] };
    /* 1 thread, then powers of two up to the CPUs (the CPUs themselves last) */
    int threads[8], n_threads = 0;
    int ncpus = (int)lab_ncpus();
    for (int n = 1; n < ncpus && n_threads < 7; n *= 2)
        threads[n_threads++] = n;
    threads[n_threads++] = ncpus;
    if (quick) /* the smoke profile: the most threads, two ratios */
        threads[0] = ncpus, n_threads = 1;

    static struct table defs[N_SIZES][8][N_READS][N_LOCKS];
    const struct bench_result *res[N_SIZES][8][N_READS][N_LOCKS] = {{{{NULL}}}};
    for (size_t s = 0; s < N_SIZES; s++)
        for (int ti = 0; ti < n_threads; ti++)
            for (size_t ri = 0; ri < N_READS; ri++) {
                if (quick && ri % 2 == 0)
                    continue;
                char name[64];
                snprintf(name, sizeof name, "%zuw/%g%%reads", sizes[s], reads[ri] * 100);
                for (int k = 0; k < N_LOCKS; k++) {
                    struct table *d = &defs[s][ti][ri][k];
                    d->kind = k;
                    d->words = sizes[s];
                    d->threads = threads[ti];
                    d->read_threshold =
                        reads[ri] >= 1.0 ? UINT32_MAX : (uint32_t)(reads[ri] * 4294967296.0);
                    res[s][ti][ri][k] =
                        bench_one(run, &(struct bench_def){.name = name,
                                                           .impl = lock_names[k],
                                                           .params = {.size = (long)sizes[s],
                                                                      .threads = threads[ti]},
                                                           .arg = d,
                                                           .setup = table_setup,
                                                           .routine = operations,
                                                           .teardown = table_teardown});
                }
                for (int k = RWLOCK; k < N_LOCKS; k++)
                    bench_vs(run, res[s][ti][ri][k], res[s][ti][ri][MUTEX]);
            }

    /* For the figure: operations per second, all threads together. */
    FILE *tsv = bench_open_extra(run, "ops");
    if (tsv == NULL)
        die("cannot write the results");
    fprintf(tsv, "lock\twords\tthreads\treads_pct\tops_per_s\tlo\thi\n");
    for (size_t s = 0; s < N_SIZES; s++)
        for (int ti = 0; ti < n_threads; ti++)
            for (size_t ri = 0; ri < N_READS; ri++)
                for (int k = 0; k < N_LOCKS; k++) {
                    const struct bench_result *r = res[s][ti][ri][k];
                    if (r == NULL)
                        continue;
                    struct bench_estimate e = r->a.estimate;
                    double ops = threads[ti] * 1e9;
                    fprintf(tsv, "%s\t%zu\t%d\t%g\t%.6g\t%.6g\t%.6g\n", lock_names[k], sizes[s],
                            threads[ti], reads[ri] * 100, ops / e.point, ops / e.hi, ops / e.lo);
                }
    fclose(tsv);
    return bench_end(run);
}
