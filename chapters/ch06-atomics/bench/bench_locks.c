/*
 * bench_locks.c - the locks of chapters/ch06-atomics/spin.h against
 * pthread_mutex, pthread_spinlock and Concurrency Kit's spinlocks.
 *
 * Uncontended: one iteration is lock; counter++; unlock, in one thread (the
 * counter on its own cache line, checked exact after every run), timed by the
 * harness. A dormant second thread exists all along: glibc skips the atomic
 * instructions of pthread_mutex_lock while a process has one thread, which
 * would flatter it.
 *
 * Contended: every thread hammers the lock for a fixed time (0.1 s, 20
 * samples; pinned while the threads fit the CPUs), counting its own
 * acquisitions. An unfair lock lets one thread run alone for long stretches,
 * so a fixed number of iterations per thread would time the scheduler; a
 * fixed time measures throughput (acquisitions per second, all threads) and,
 * from the same samples, fairness: the least served thread's share of the
 * most served one's (1 is perfectly fair), and Jain's index.
 *
 * Pairs compared (time ratio, ours over the peer; below 1, ours is faster):
 * swap and ttas against ck_spinlock_fas (fetch-and-store, waiting on loads),
 * cas against ck_spinlock_cas, ticket against ck_spinlock_ticket, mcs against
 * ck_spinlock_mcs, futex against pthread_mutex.
 *
 * Built with LAB_NO_VALGRIND: the helgrind annotations compile away, as in any
 * build that is not meant for valgrind.
 */
#include <ck_spinlock.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "cacheline.h"
#include "cli.h"
#include "clock.h"
#include "spin.h"
#include "threads.h"

enum { MAX_THREADS = 64 };

struct run {
    CACHE_ALIGNED unsigned char lock[256]; /* any of the locks below */
    CACHE_ALIGNED uint64_t counter;        /* guarded by the lock */
    CACHE_ALIGNED uint64_t iters;
    int threads;
    const struct lock_impl *impl;
    bool timed; /* fairness: run until stop */
    _Atomic int stop;
    _Atomic uint64_t acquired[MAX_THREADS];
};

struct lock_impl {
    const char *name;
    bool ours;
    void (*init)(void *lock);
    void *(*worker)(size_t id, void *arg);
};

/* One worker per lock, so that the loop calls the lock directly. */
#define LOCK_IMPL(NAME, TYPE, INIT, LOCK, UNLOCK)                                                  \
    static void init_##NAME(void *lock)                                                            \
    {                                                                                              \
        TYPE *l = lock;                                                                            \
        INIT;                                                                                      \
    }                                                                                              \
    static void *worker_##NAME(size_t id, void *arg)                                               \
    {                                                                                              \
        struct run *r = arg;                                                                       \
        TYPE *l = (TYPE *)r->lock;                                                                 \
        struct spin_mcs_node node __attribute__((unused));                                         \
        ck_spinlock_mcs_context_t ctx __attribute__((unused));                                     \
        if (!r->timed) {                                                                           \
            for (uint64_t i = 0; i < r->iters; i++) {                                              \
                LOCK;                                                                              \
                r->counter++;                                                                      \
                UNLOCK;                                                                            \
            }                                                                                      \
            return NULL;                                                                           \
        }                                                                                          \
        uint64_t n = 0;                                                                            \
        while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {                            \
            LOCK;                                                                                  \
            r->counter++;                                                                          \
            UNLOCK;                                                                                \
            n++;                                                                                   \
        }                                                                                          \
        atomic_store_explicit(&r->acquired[id], n, memory_order_relaxed);                          \
        return NULL;                                                                               \
    }

LOCK_IMPL(swap, struct spin_swap, spin_swap_init(l), spin_swap_lock(l), spin_swap_unlock(l))
LOCK_IMPL(cas, struct spin_cas, spin_cas_init(l), spin_cas_lock(l), spin_cas_unlock(l))
LOCK_IMPL(ttas, struct spin_ttas, spin_ttas_init(l), spin_ttas_lock(l), spin_ttas_unlock(l))
LOCK_IMPL(ticket, struct spin_ticket, spin_ticket_init(l), spin_ticket_lock(l),
          spin_ticket_unlock(l))
LOCK_IMPL(mcs, struct spin_mcs, spin_mcs_init(l), spin_mcs_lock(l, &node),
          spin_mcs_unlock(l, &node))
LOCK_IMPL(futex, struct spin_futex, spin_futex_init(l), spin_futex_lock(l), spin_futex_unlock(l))
LOCK_IMPL(pthread, pthread_mutex_t, pthread_mutex_init(l, NULL), pthread_mutex_lock(l),
          pthread_mutex_unlock(l))
LOCK_IMPL(pthread_spin, pthread_spinlock_t, pthread_spin_init(l, PTHREAD_PROCESS_PRIVATE),
          pthread_spin_lock(l), pthread_spin_unlock(l))
LOCK_IMPL(ck_fas, ck_spinlock_fas_t, ck_spinlock_fas_init(l), ck_spinlock_fas_lock(l),
          ck_spinlock_fas_unlock(l))
LOCK_IMPL(ck_cas, ck_spinlock_cas_t, ck_spinlock_cas_init(l), ck_spinlock_cas_lock(l),
          ck_spinlock_cas_unlock(l))
LOCK_IMPL(ck_ticket, ck_spinlock_ticket_t, ck_spinlock_ticket_init(l), ck_spinlock_ticket_lock(l),
          ck_spinlock_ticket_unlock(l))
LOCK_IMPL(ck_mcs, ck_spinlock_mcs_t, ck_spinlock_mcs_init(l), ck_spinlock_mcs_lock(l, &ctx),
          ck_spinlock_mcs_unlock(l, &ctx))

#define IMPL(NAME, OURS)                                                                           \
    {                                                                                              \
#NAME, OURS, init_##NAME, worker_##NAME                                                    \
    }
static const struct lock_impl impls[] = {
    IMPL(swap, true),    IMPL(cas, true),     IMPL(ttas, true),       IMPL(ticket, true),
    IMPL(mcs, true),     IMPL(futex, true),   IMPL(pthread, false),   IMPL(pthread_spin, false),
    IMPL(ck_fas, false), IMPL(ck_cas, false), IMPL(ck_ticket, false), IMPL(ck_mcs, false),
};
enum { N_IMPLS = sizeof impls / sizeof impls[0] };
_Static_assert(sizeof(struct spin_mcs) <= 256 && sizeof(pthread_mutex_t) <= 256,
               "every lock fits struct run's lock bytes");

/* Ours against its counterpart: indices into impls. */
static const int pairs[][2] = {{0, 8}, {1, 9}, {2, 8}, {3, 10}, {4, 11}, {5, 6}};

struct job {
    const struct lock_impl *impl;
    int threads;
};

static void *setup(const struct bench_params *p, const void *arg)
{
    (void)p;
    const struct job *j = arg;
    struct run *r = aligned_alloc(64, sizeof *r);
    if (r == NULL)
        die("out of memory");
    memset(r, 0, sizeof *r);
    j->impl->init(r->lock);
    r->threads = j->threads;
    r->impl = j->impl;
    return r;
}

static void run_threads(struct run *r)
{
    const struct lock_impl *impl = r->impl;
    if (r->threads == 1) {
        impl->worker(0, r);
        return;
    }
    struct lab_threads ts;
    int pin = (size_t)r->threads <= lab_ncpus() ? LAB_THREADS_PIN : 0;
    int rc = lab_threads_start(&ts, (size_t)r->threads, impl->worker, r, pin);
    if (rc != 0)
        die("cannot start %d threads: %s", r->threads, strerror(rc));
    lab_threads_join(&ts);
}

static void locked_increments(void *state, uint64_t iters)
{
    struct run *r = state;
    r->iters = iters;
    r->counter = 0;
    run_threads(r);
    if (r->counter != iters * (uint64_t)r->threads)
        die("%s lost increments: %llu of %llu", r->impl->name, (unsigned long long)r->counter,
            (unsigned long long)(iters * (uint64_t)r->threads));
}

/* One timed sample: every thread hammers the lock for `seconds`. Returns ns
 * per acquisition (all threads together) and the sample's fairness. */
static double timed_sample(const struct lock_impl *impl, int threads, double seconds,
                           double *min_share, double *jain)
{
    struct job j = {impl, threads};
    struct run *r = setup(NULL, &j);
    r->timed = true;
    struct lab_threads ts;
    int pin = (size_t)threads <= lab_ncpus() ? LAB_THREADS_PIN : 0;
    if (lab_threads_start(&ts, (size_t)threads, impl->worker, r, pin) != 0)
        die("cannot start %d threads", threads);
    uint64_t t0 = lab_now_ns();
    nanosleep(&(struct timespec){.tv_sec = (time_t)seconds,
                                 .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9)},
              NULL);
    atomic_store(&r->stop, 1);
    lab_threads_join(&ts);
    double elapsed = (double)(lab_now_ns() - t0);
    double lo = 0, hi = 0, sum = 0, sum2 = 0;
    for (int i = 0; i < threads; i++) {
        double a = (double)atomic_load(&r->acquired[i]);
        lo = i == 0 || a < lo ? a : lo;
        hi = a > hi ? a : hi;
        sum += a, sum2 += a * a;
    }
    if (r->counter != (uint64_t)sum)
        die("%s lost increments", impl->name);
    *min_share = hi > 0 ? lo / hi : 0;
    *jain = sum2 > 0 ? sum * sum / (threads * sum2) : 0;
    free(r);
    return sum > 0 ? elapsed / sum : elapsed;
}

/* A thread that exists and does nothing, so the process is multi-threaded. */
static void *dormant(void *arg)
{
    pthread_mutex_t *m = arg;
    pthread_mutex_lock(m); /* blocks until main exits */
    return NULL;
}

enum { SAMPLES = 20, QUICK_SAMPLES = 5 };

int main(int argc, char **argv)
{
    struct bench_run *run = bench_begin("ch06", "locks", argc, argv);
    bool quick = bench_quick(run);
    static pthread_mutex_t hold = PTHREAD_MUTEX_INITIALIZER;
    pthread_t sleeper;
    pthread_mutex_lock(&hold);
    if (pthread_create(&sleeper, NULL, dormant, &hold) != 0)
        die("cannot start the dormant thread");
    pthread_detach(sleeper);

    /* uncontended, timed by the harness */
    static struct job jobs[N_IMPLS];
    const struct bench_result *res[N_IMPLS] = {NULL};
    for (int i = 0; i < N_IMPLS; i++) {
        jobs[i] = (struct job){&impls[i], 1};
        res[i] = bench_one(run, &(struct bench_def){.name = "uncontended",
                                                    .impl = impls[i].name,
                                                    .params = {.threads = 1},
                                                    .arg = &jobs[i],
                                                    .setup = setup,
                                                    .routine = locked_increments,
                                                    .teardown = free});
    }
    for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++)
        bench_vs(run, res[pairs[p][0]], res[pairs[p][1]]);

    FILE *tsv = bench_open_extra(run, "throughput");
    if (tsv == NULL)
        die("cannot write the result files");
    fprintf(tsv, "lock\tours\tthreads\tper_s\tlo\thi\tmin_share\tjain\n");
    for (int i = 0; i < N_IMPLS; i++) {
        struct bench_estimate e = res[i]->a.estimate;
        fprintf(tsv, "%s\t%d\t1\t%.6g\t%.6g\t%.6g\t1\t1\n", impls[i].name, impls[i].ours,
                1e9 / e.point, 1e9 / e.hi, 1e9 / e.lo);
    }

    /* contended, timed here: 2 threads and up to the CPUs */
    int ncpus = (int)lab_ncpus();
    int n = quick ? QUICK_SAMPLES : SAMPLES;
    double secs = quick ? 0.02 : 0.1;
    static struct bench_sample samples[N_IMPLS][SAMPLES];
    double share[SAMPLES], jain[SAMPLES];
    for (int t = 2; t <= (ncpus > 2 ? ncpus : 2) && t <= MAX_THREADS; t *= 2) {
        printf("contended, %d threads: %d samples of %.2f s; ns per acquisition (all threads), "
               "fairness (median over the samples)\n",
               t, n, secs);
        for (int i = 0; i < N_IMPLS; i++) {
            for (int k = 0; k < n; k++)
                samples[i][k] =
                    (struct bench_sample){1, timed_sample(&impls[i], t, secs, &share[k], &jain[k])};
            struct bench_analysis an;
            bench_analyze(samples[i], (size_t)n, 2000, 0.95, 7, &an);
            struct bench_estimate e = an.estimate;
            double ms = bench_quantile_sorted(share, (size_t)n, 0.5);
            double mj = bench_quantile_sorted(jain, (size_t)n, 0.5);
            printf("  %-13s %8.2f ns [%.2f, %.2f]  %.3g/s  min/max %.3f  Jain %.4f\n",
                   impls[i].name, e.point, e.lo, e.hi, 1e9 / e.point, ms, mj);
            fprintf(tsv, "%s\t%d\t%d\t%.6g\t%.6g\t%.6g\t%.4f\t%.5f\n", impls[i].name, impls[i].ours,
                    t, 1e9 / e.point, 1e9 / e.hi, 1e9 / e.lo, ms, mj);
        }
        for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
            int a = pairs[p][0], b = pairs[p][1];
            char an_[64], bn_[64];
            snprintf(an_, sizeof an_, "contended[%s]/threads=%d", impls[a].name, t);
            snprintf(bn_, sizeof bn_, "contended[%s]/threads=%d", impls[b].name, t);
            bench_vs_samples(run, an_, samples[a], (size_t)n, bn_, samples[b], (size_t)n);
        }
        if (t == ncpus)
            break;
        if (t * 2 > ncpus)
            t = ncpus / 2; /* the CPUs themselves last */
    }
    fclose(tsv);
    return bench_end(run);
}
