/*
 * bench_rings.c - the bounded rings of lib/ (ring_spsc.h, ring_mpmc.h)
 * against Concurrency Kit's ck_ring, Boost.Lockfree's spsc_queue and queue,
 * and TBB's concurrent_bounded_queue and concurrent_queue.
 *
 * Throughput: one producer and one consumer, pinned to two CPUs, pass
 * 1,000,000 64-bit values through a ring of 1,024 slots. MPMC throughput: the
 * same with P producers and P consumers, P = CPUs / 2 (at least 1), for the
 * queues that allow it. Round trip: two rings, a ping and its pong, 200,000
 * times. Waits spin with the CPU's spin hint: the threads have a CPU each.
 *
 * The threads time themselves, from the start gate to their last value, and
 * a sample is that span over the values (or round trips): starting threads
 * takes tens of microseconds and varies, which a regression over whole runs
 * could not separate from a few nanoseconds per value. 20 samples each (5 in
 * the quick profile, with a tenth of the values).
 *
 * Every run checks the sum of what was received. Ratios are times, ours over
 * the peer's (below 1, ours is faster). poolqueue is a Michael-Scott queue
 * on lib/'s type-stable node pool with counted references (1,025 nodes, as
 * bounded as the rings), in the MPMC benchmark beside the unbounded queues.
 * (The same queue freed by hazard pointers or epochs is chapter 7's, and its
 * benchmark, bench_reclaim, measures it.) The C++ peers are called through a C
 * shim (bench/peers/cxx_queues.cc): one function call per operation that a
 * C++ program would inline; Concurrency Kit's ring is inline C, like ours.
 */
#include <ck_ring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cli.h"
#include "clock.h"
#include "cxx_queues.h"
#include "nodepool.h"
#include "ring_mpmc.h"
#include "ring_spsc.h"
#include "threads.h"

enum { CAPACITY = 1024, MAX_SIDE = 32 };

enum kind {
    SPSC,
    MPMC,
    CK_SPSC,
    CK_MPMC,
    BOOST_SPSC,
    BOOST_QUEUE,
    TBB_BOUNDED,
    TBB_CQ,
    POOLQ,
    KINDS
};
static const char *const kind_names[KINDS] = {"ring_spsc",   "ring_mpmc",  "ck_spsc",
                                              "ck_mpmc",     "boost_spsc", "boost_queue",
                                              "tbb_bounded", "tbb_queue",  "poolqueue"};
static const bool kind_ours[KINDS] = {[SPSC] = true, [MPMC] = true, [POOLQ] = true};

struct queue {
    enum kind kind;
    struct ring_spsc spsc;
    struct ring_mpmc mpmc;
    struct ck_ring ck;
    struct ck_ring_buffer *ck_buf;
    struct cxx_boost_spsc *bspsc;
    struct cxx_boost_queue *bq;
    struct cxx_tbb_queue *tbq;
    struct cxx_tbb_cq *tcq;
    struct nodepool pool;
    struct poolqueue pq;
};

static void queue_init(struct queue *q, enum kind k)
{
    memset(q, 0, sizeof *q);
    q->kind = k;
    int rc = 0;
    switch (k) {
    case SPSC:
        rc = ring_spsc_init(&q->spsc, CAPACITY);
        break;
    case MPMC:
        rc = ring_mpmc_init(&q->mpmc, CAPACITY);
        break;
    case CK_SPSC:
    case CK_MPMC:
        /* ck_ring keeps one slot empty: 1,023 usable of 1,024 */
        q->ck_buf = aligned_alloc(64, CAPACITY * sizeof *q->ck_buf);
        rc = q->ck_buf == NULL;
        ck_ring_init(&q->ck, CAPACITY);
        break;
    case BOOST_SPSC:
        rc = (q->bspsc = cxx_boost_spsc_new(CAPACITY)) == NULL;
        break;
    case BOOST_QUEUE:
        rc = (q->bq = cxx_boost_queue_new(CAPACITY)) == NULL;
        break;
    case TBB_BOUNDED:
        rc = (q->tbq = cxx_tbb_queue_new(CAPACITY)) == NULL;
        break;
    case POOLQ:
        /* as many nodes as the rings have slots, and the sentinel */
        rc = nodepool_init(&q->pool, CAPACITY + 1) || poolqueue_init(&q->pq, &q->pool);
        break;
    default:
        rc = (q->tcq = cxx_tbb_cq_new()) == NULL;
        break;
    }
    if (rc != 0)
        die("cannot make a %s", kind_names[k]);
}

static void queue_free(struct queue *q)
{
    switch (q->kind) {
    case SPSC:
        ring_spsc_destroy(&q->spsc);
        break;
    case MPMC:
        ring_mpmc_destroy(&q->mpmc);
        break;
    case CK_SPSC:
    case CK_MPMC:
        free(q->ck_buf);
        break;
    case BOOST_SPSC:
        cxx_boost_spsc_free(q->bspsc);
        break;
    case BOOST_QUEUE:
        cxx_boost_queue_free(q->bq);
        break;
    case TBB_BOUNDED:
        cxx_tbb_queue_free(q->tbq);
        break;
    case POOLQ:
        nodepool_destroy(&q->pool);
        break;
    default:
        cxx_tbb_cq_free(q->tcq);
        break;
    }
}

/* The switch is on a constant in each generated loop below, so the compiler
 * keeps one case: every queue runs its own straight-line loop. */
static inline __attribute__((always_inline)) bool push(struct queue *q, enum kind k, uint64_t v)
{
    switch (k) {
    case SPSC:
        return ring_spsc_try_push(&q->spsc, v);
    case MPMC:
        return ring_mpmc_try_push(&q->mpmc, v);
    case CK_SPSC:
        return ck_ring_enqueue_spsc(&q->ck, q->ck_buf, (void *)(uintptr_t)v);
    case CK_MPMC:
        return ck_ring_enqueue_mpmc(&q->ck, q->ck_buf, (void *)(uintptr_t)v);
    case BOOST_SPSC:
        return cxx_boost_spsc_push(q->bspsc, v);
    case BOOST_QUEUE:
        return cxx_boost_queue_bounded_push(q->bq, v);
    case TBB_BOUNDED:
        return cxx_tbb_queue_try_push(q->tbq, v);
    case POOLQ:
        return poolqueue_push(&q->pq, v) == 0;
    default:
        cxx_tbb_cq_push(q->tcq, v);
        return true;
    }
}

static inline __attribute__((always_inline)) bool pop(struct queue *q, enum kind k, uint64_t *v)
{
    void *p;
    switch (k) {
    case SPSC:
        return ring_spsc_try_pop(&q->spsc, v);
    case MPMC:
        return ring_mpmc_try_pop(&q->mpmc, v);
    case CK_SPSC:
        if (!ck_ring_dequeue_spsc(&q->ck, q->ck_buf, &p))
            return false;
        *v = (uint64_t)(uintptr_t)p;
        return true;
    case CK_MPMC:
        if (!ck_ring_dequeue_mpmc(&q->ck, q->ck_buf, &p))
            return false;
        *v = (uint64_t)(uintptr_t)p;
        return true;
    case BOOST_SPSC:
        return cxx_boost_spsc_pop(q->bspsc, v);
    case BOOST_QUEUE:
        return cxx_boost_queue_try_pop(q->bq, v);
    case TBB_BOUNDED:
        return cxx_tbb_queue_try_pop(q->tbq, v);
    case POOLQ:
        return poolqueue_try_pop(&q->pq, v);
    default:
        return cxx_tbb_cq_try_pop(q->tcq, v);
    }
}

struct run {
    struct queue q[2]; /* [1]: the pong ring of a round trip */
    enum kind kind;
    int side; /* producers (= consumers) */
    uint64_t iters;
    _Atomic uint64_t sum;
    uint64_t start[2 * MAX_SIDE], end[2 * MAX_SIDE]; /* each thread's own span */
};

/* Threads 0..side-1 produce, side..2*side-1 consume; a producer sends
 * 1..iters, a consumer takes iters values. */
#define GEN(K)                                                                                     \
    static void *traffic_##K(size_t id, void *arg)                                                 \
    {                                                                                              \
        struct run *r = arg;                                                                       \
        uint64_t v, sum = 0;                                                                       \
        r->start[id] = lab_now_ns();                                                               \
        if ((int)id < r->side) {                                                                   \
            for (uint64_t i = 1; i <= r->iters; i++)                                               \
                while (!push(&r->q[0], K, i))                                                      \
                    lab_cpu_relax();                                                               \
        } else {                                                                                   \
            for (uint64_t i = 0; i < r->iters; i++) {                                              \
                while (!pop(&r->q[0], K, &v))                                                      \
                    lab_cpu_relax();                                                               \
                sum += v;                                                                          \
            }                                                                                      \
            atomic_fetch_add(&r->sum, sum);                                                        \
        }                                                                                          \
        r->end[id] = lab_now_ns();                                                                 \
        return NULL;                                                                               \
    }                                                                                              \
    static void *pingpong_##K(size_t id, void *arg)                                                \
    {                                                                                              \
        struct run *r = arg;                                                                       \
        uint64_t v = 0, sum = 0;                                                                   \
        r->start[id] = lab_now_ns();                                                               \
        for (uint64_t i = 1; i <= r->iters; i++) {                                                 \
            if (id == 0) {                                                                         \
                while (!push(&r->q[0], K, i))                                                      \
                    lab_cpu_relax();                                                               \
                while (!pop(&r->q[1], K, &v))                                                      \
                    lab_cpu_relax();                                                               \
                sum += v;                                                                          \
            } else {                                                                               \
                while (!pop(&r->q[0], K, &v))                                                      \
                    lab_cpu_relax();                                                               \
                while (!push(&r->q[1], K, v))                                                      \
                    lab_cpu_relax();                                                               \
            }                                                                                      \
        }                                                                                          \
        if (id == 0)                                                                               \
            atomic_fetch_add(&r->sum, sum);                                                        \
        r->end[id] = lab_now_ns();                                                                 \
        return NULL;                                                                               \
    }

/* clang-format off: one instance a line */
GEN(SPSC)
GEN(MPMC)
GEN(CK_SPSC)
GEN(CK_MPMC)
GEN(BOOST_SPSC)
GEN(BOOST_QUEUE)
GEN(TBB_BOUNDED)
GEN(TBB_CQ)
GEN(POOLQ)
/* clang-format on */

static lab_worker_fn const traffic_fn[KINDS] = {
    traffic_SPSC,        traffic_MPMC,        traffic_CK_SPSC, traffic_CK_MPMC, traffic_BOOST_SPSC,
    traffic_BOOST_QUEUE, traffic_TBB_BOUNDED, traffic_TBB_CQ,  traffic_POOLQ};
static lab_worker_fn const pingpong_fn[KINDS] = {
    pingpong_SPSC,        pingpong_MPMC,       pingpong_CK_SPSC,
    pingpong_CK_MPMC,     pingpong_BOOST_SPSC, pingpong_BOOST_QUEUE,
    pingpong_TBB_BOUNDED, pingpong_TBB_CQ,     pingpong_POOLQ};

struct job {
    enum kind kind;
    int side;
    bool round_trip;
};

static struct run *run_new(const struct job *j)
{
    struct run *r = aligned_alloc(64, sizeof *r);
    if (r == NULL)
        die("out of memory");
    memset(r, 0, sizeof *r);
    r->kind = j->kind;
    r->side = j->side;
    queue_init(&r->q[0], j->kind);
    queue_init(&r->q[1], j->kind);
    return r;
}

static void run_free(struct run *r)
{
    queue_free(&r->q[0]);
    queue_free(&r->q[1]);
    free(r);
}

/* One sample: ns per value (or round trip), from the threads' own clocks. */
static double sample(const struct job *j, uint64_t iters)
{
    struct run *r = run_new(j);
    size_t threads = j->round_trip ? 2 : 2 * (size_t)j->side;
    r->iters = iters;
    struct lab_threads ts;
    int pin = threads <= lab_ncpus() ? LAB_THREADS_PIN : 0;
    int rc = lab_threads_start(&ts, threads, (j->round_trip ? pingpong_fn : traffic_fn)[j->kind], r,
                               pin);
    if (rc != 0)
        die("cannot start %zu threads: %s", threads, strerror(rc));
    lab_threads_join(&ts);
    uint64_t per = iters * (iters + 1) / 2;
    if (atomic_load(&r->sum) != (j->round_trip ? per : per * (uint64_t)j->side))
        die("%s: the values received do not add up", kind_names[j->kind]);
    uint64_t t0 = r->start[0], t1 = r->end[0];
    for (size_t i = 1; i < threads; i++) {
        t0 = r->start[i] < t0 ? r->start[i] : t0;
        t1 = r->end[i] > t1 ? r->end[i] : t1;
    }
    run_free(r);
    return (double)(t1 - t0) / (double)iters;
}

enum { SAMPLES = 20, QUICK_SAMPLES = 5 };

struct measured {
    struct bench_sample s[SAMPLES];
    size_t n;
    struct bench_estimate e;
};

static void measure(const char *bench, const struct job *j, bool quick, struct measured *m)
{
    uint64_t iters = j->round_trip ? 200000 : 1000000;
    if (quick)
        iters /= 10;
    m->n = quick ? QUICK_SAMPLES : SAMPLES;
    for (size_t k = 0; k < m->n; k++)
        m->s[k] = (struct bench_sample){1, sample(j, iters)};
    struct bench_analysis an;
    bench_analyze(m->s, m->n, 2000, 0.95, 7, &an);
    m->e = an.estimate;
    printf("  %-18s %-12s %8.2f ns [%.2f, %.2f]  %.3g/s\n", bench, kind_names[j->kind], m->e.point,
           m->e.lo, m->e.hi, 1e9 / m->e.point * (j->round_trip ? 1 : j->side));
    fflush(stdout);
}

static void compare(struct bench_run *run, const char *bench, const struct job *a,
                    const struct measured *ma, const struct job *b, const struct measured *mb)
{
    char an[96], bn[96];
    snprintf(an, sizeof an, "%s[%s]", bench, kind_names[a->kind]);
    snprintf(bn, sizeof bn, "%s[%s]", bench, kind_names[b->kind]);
    bench_vs_samples(run, an, ma->s, ma->n, bn, mb->s, mb->n);
}

int main(int argc, char **argv)
{
    struct bench_run *run = bench_begin("ch06", "rings", argc, argv);
    bool quick = bench_quick(run);
    int side = (int)lab_ncpus() / 2;
    side = side < 1 ? 1 : side > MAX_SIDE ? MAX_SIDE : side;

    static const enum kind one_to_one[] = {SPSC,        MPMC,        CK_SPSC, BOOST_SPSC,
                                           BOOST_QUEUE, TBB_BOUNDED, TBB_CQ};
    static const enum kind many[] = {MPMC, CK_MPMC, BOOST_QUEUE, TBB_BOUNDED, TBB_CQ, POOLQ};
    enum { N1 = sizeof one_to_one / sizeof one_to_one[0], NM = sizeof many / sizeof many[0] };
    char mpmc_name[64];
    snprintf(mpmc_name, sizeof mpmc_name, "mpmc/%dx%d", side, side);
    const char *benches[3] = {"spsc/throughput", "spsc/round_trip", mpmc_name};
    static struct job jobs[3][N1];
    static struct measured res[3][N1];
    size_t counts[3] = {N1, N1, NM};

    printf("ns per value (round trip), 95%% intervals; %d samples each\n",
           quick ? QUICK_SAMPLES : SAMPLES);
    for (int b = 0; b < 3; b++) {
        for (size_t i = 0; i < counts[b]; i++) {
            jobs[b][i] = (struct job){b < 2 ? one_to_one[i] : many[i], b == 2 ? side : 1, b == 1};
            measure(benches[b], &jobs[b][i], quick, &res[b][i]);
        }
        /* ours (the first) against every peer; in the one-to-one benches
         * ring_mpmc (second) is ours too */
        for (size_t i = b < 2 ? 2 : 1; i < counts[b]; i++)
            if (!kind_ours[jobs[b][i].kind])
                compare(run, benches[b], &jobs[b][0], &res[b][0], &jobs[b][i], &res[b][i]);
    }
    /* the linked queue against the unbounded peers */
    size_t bq = 2, tq = 4;
    size_t m = NM - 1; /* poolqueue */
    compare(run, benches[2], &jobs[2][m], &res[2][m], &jobs[2][bq], &res[2][bq]);
    compare(run, benches[2], &jobs[2][m], &res[2][m], &jobs[2][tq], &res[2][tq]);

    /* For the figure: millions of values (round trips) per second. */
    FILE *tsv = bench_open_extra(run, "per_s");
    if (tsv == NULL)
        die("cannot write the results");
    fprintf(tsv, "bench\tqueue\tours\tper_s\tlo\thi\n");
    for (int b = 0; b < 3; b++)
        for (size_t i = 0; i < counts[b]; i++) {
            struct bench_estimate e = res[b][i].e;
            double scale = b == 2 ? side * 1e9 : 1e9;
            fprintf(tsv, "%s\t%s\t%d\t%.6g\t%.6g\t%.6g\n", benches[b], kind_names[jobs[b][i].kind],
                    kind_ours[jobs[b][i].kind], scale / e.point, scale / e.hi, scale / e.lo);
        }
    fclose(tsv);
    return bench_end(run);
}
