/*
 * bench_false_sharing.c - per-thread counters, packed into one cache line or
 * one line each, timed by the harness; and our C11 atomic increment beside the
 * same increment in Concurrency Kit (ck_pr_inc_64) and C++ (std::atomic).
 *
 * Every routine runs `iters` increments in each of 2 threads (started together
 * behind the start gate); the estimate is ns per increment per thread, with
 * the thread start-up falling into the regression's intercept.
 */
#include <ck_pr.h>
#include <stdlib.h>

#include "bench.h"
#include "cacheline.h"
#include "cli.h"
#include "cxx_counters.h"
#include "false_sharing.h"
#include "threads.h"

enum { THREADS = 2 };

/* ---- ours: the program's own run (false_sharing.c) ------------------------- */
static void ours(enum fs_layout layout, enum fs_op op, uint64_t iters)
{
    uint64_t total;
    if (fs_run(layout, op, THREADS, iters, &total) < 0 || total != iters * THREADS)
        die("false_sharing: lost increments or no threads");
}
static void rmw_packed(void *s, uint64_t n)
{
    (void)s;
    ours(FS_PACKED, FS_RMW, n);
}
static void rmw_padded(void *s, uint64_t n)
{
    (void)s;
    ours(FS_PADDED, FS_RMW, n);
}
static void store_packed(void *s, uint64_t n)
{
    (void)s;
    ours(FS_PACKED, FS_STORE, n);
}
static void store_padded(void *s, uint64_t n)
{
    (void)s;
    ours(FS_PADDED, FS_STORE, n);
}

/* ---- the peers: same layout, same threads, their increment -------------------- */
struct peer_job {
    uint64_t iters;
    int padded;
    struct padded_counter *ck_slots; /* Concurrency Kit works on plain uint64_t */
    struct cxx_counters *cxx;
};

static uint64_t *ck_counter(struct peer_job *j, size_t id)
{
    /* packed: the ids' words of the first line; padded: a line each */
    return j->padded ? (uint64_t *)&j->ck_slots[id].value : (uint64_t *)j->ck_slots + id;
}

static void *ck_worker(size_t id, void *arg)
{
    struct peer_job *j = arg;
    uint64_t *c = ck_counter(j, id);
    for (uint64_t k = 0; k < j->iters; k++)
        ck_pr_inc_64(c); /* lock incq */
    return NULL;
}

static void *cxx_worker(size_t id, void *arg)
{
    struct peer_job *j = arg;
    cxx_counters_add_loop(j->cxx, (int)id, j->iters);
    return NULL;
}

static void run_peer(struct peer_job *j, lab_worker_fn fn)
{
    struct lab_threads ts;
    if (lab_threads_start(&ts, THREADS, fn, j, LAB_THREADS_PIN) != 0)
        die("cannot start %d threads", THREADS);
    lab_threads_join(&ts);
}

static void ck_run(uint64_t n, int padded)
{
    struct padded_counter *slots = aligned_alloc(CACHE_LINE, THREADS * sizeof *slots);
    if (slots == NULL)
        die("out of memory");
    struct peer_job j = {.iters = n, .padded = padded, .ck_slots = slots};
    for (size_t i = 0; i < THREADS; i++) {
        atomic_init(&slots[i].value, 0);
        *ck_counter(&j, i) = 0;
    }
    run_peer(&j, ck_worker);
    free(slots);
}
static void ck_packed(void *s, uint64_t n)
{
    (void)s;
    ck_run(n, 0);
}
static void ck_padded(void *s, uint64_t n)
{
    (void)s;
    ck_run(n, 1);
}

static void cxx_run(uint64_t n, int padded)
{
    struct peer_job j = {.iters = n, .cxx = cxx_counters_new(THREADS, padded)};
    if (j.cxx == NULL)
        die("out of memory");
    run_peer(&j, cxx_worker);
    if (cxx_counters_sum(j.cxx) != n * THREADS)
        die("std::atomic counters lost increments");
    cxx_counters_free(j.cxx);
}
static void cxx_packed(void *s, uint64_t n)
{
    (void)s;
    cxx_run(n, 0);
}
static void cxx_padded(void *s, uint64_t n)
{
    (void)s;
    cxx_run(n, 1);
}

int main(int argc, char **argv)
{
    struct bench_run *run = bench_begin("ch01", "false_sharing", argc, argv);
    const struct bench_params p = {.threads = THREADS};
#define B(nm, im, fn)                                                                              \
    bench_one(run, &(struct bench_def){.name = nm, .impl = im, .params = p, .routine = fn})
    const struct bench_result *rp = B("rmw/packed", NULL, rmw_packed);
    const struct bench_result *rd = B("rmw/padded", NULL, rmw_padded);
    const struct bench_result *sp = B("store/packed", NULL, store_packed);
    const struct bench_result *sd = B("store/padded", NULL, store_padded);
    const struct bench_result *kp = B("rmw/packed", "ck", ck_packed);
    const struct bench_result *kd = B("rmw/padded", "ck", ck_padded);
    const struct bench_result *xp = B("rmw/packed", "c++", cxx_packed);
    const struct bench_result *xd = B("rmw/padded", "c++", cxx_padded);
#undef B
    bench_vs(run, rp, rd); /* the false-sharing penalty of a locked increment */
    bench_vs(run, sp, sd); /* ... and of a plain store, which the store buffer hides */
    bench_vs(run, rd, kd); /* ours vs Concurrency Kit, same layout */
    bench_vs(run, rd, xd); /* ours vs C++ std::atomic */
    bench_vs(run, rp, kp);
    bench_vs(run, rp, xp);
    return bench_end(run);
}
