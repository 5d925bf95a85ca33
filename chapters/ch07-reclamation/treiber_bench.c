/*
 * treiber_bench.c - the book's conc_stack and epoch_stack in one program: every
 * thread pushes and pops the same Treiber stack as fast as it can, and once an
 * interval main prints the quantiles of the per-thread rate of push+pop pairs
 * and how many popped nodes are retired but not yet freed. Only the
 * reclamation scheme changes between runs (lib/reclaim.h):
 *
 *   hp         hazard pointers: a full fence per protected read, garbage bounded
 *   ebr        epochs: a pin per operation, garbage freed in bags two epochs on
 *   quiescent  nothing freed until the threads have stopped: the cost of
 *              freeing taken away, memory growing with every pop
 *
 * --stall-ms adds one thread that enters an operation, protects the top node
 * and sleeps: under epochs it is a participant pinned in an old epoch, and
 * nothing retired after it can be freed until it wakes; under hazard pointers
 * it holds one node. The unreclaimed column shows the difference.
 *
 *     treiber_bench --reclaim hp                    (the book's conc_stack)
 *     treiber_bench --reclaim ebr                   (the book's epoch_stack)
 *     treiber_bench --reclaim ebr --stall-ms 500 --csv garbage.tsv
 *     treiber_bench --book                          2^26 pairs a thread, as the book
 *
 * The book's runs (4 threads, 2^26 pairs each, x86): 58 s with hazard
 * pointers, 38 s with epochs.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annotate.h"
#include "cacheline.h"
#include "cli.h"
#include "clock.h"
#include "env.h"
#include "reclaim.h"
#include "threads.h"
#include "treiber.h"

struct counter {
    CACHE_ALIGNED _Atomic uint64_t pairs; /* written by its worker only */
    uint64_t start_ns, end_ns;            /* read after the join */
};

struct run {
    struct reclaim_domain d;
    struct treiber s;
    size_t threads;
    uint64_t iters;
    struct counter *done;
    _Atomic size_t finished;
    int64_t stall_ns, stall_at_ns; /* the stalling thread, if stall_ns > 0 */
    _Atomic int stalled;           /* 1 while it sleeps inside its operation */
    _Atomic int stop;              /* --seconds: main tells the workers to stop */
};

static void *worker(size_t id, void *arg)
{
    struct run *r = arg;
    if (id == r->threads) {
        /* the staller: one operation that does not end for stall_ns */
        lab_sleep_until_ns(lab_now_ns() + (uint64_t)r->stall_at_ns);
        struct reclaim_guard g = reclaim_enter(&r->d);
        reclaim_protect(&g, 0, (void *_Atomic *)&r->s.top);
        atomic_store(&r->stalled, 1);
        lab_sleep_until_ns(lab_now_ns() + (uint64_t)r->stall_ns);
        atomic_store(&r->stalled, 0);
        reclaim_exit(&g);
        return NULL;
    }
    _Atomic uint64_t *pairs = &r->done[id].pairs;
    r->done[id].start_ns = lab_now_ns();
    for (uint64_t i = 0; i < r->iters; i++) {
        /* relaxed: a flag that only has to be seen eventually */
        if ((i & 255) == 0 && atomic_load_explicit(&r->stop, memory_order_relaxed))
            break;
        uint64_t v;
        if (treiber_push(&r->s, i) != 0)
            return "out of memory";
        treiber_try_pop(&r->s, &v);
        /* relaxed, and a store: only this thread writes its counter; main
         * reads it once an interval */
        atomic_store_explicit(pairs, atomic_load_explicit(pairs, memory_order_relaxed) + 1,
                              memory_order_relaxed);
    }
    r->done[id].end_ns = lab_now_ns();
    ANNOTATE_HB_BEFORE(&r->finished);
    /* release: our count and end time are final before main sees us finished */
    atomic_fetch_add_explicit(&r->finished, 1, memory_order_release);
    return NULL;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile of sorted[0..n) by nearest rank. */
static double quantile(const double *sorted, size_t n, double q)
{
    size_t rank = (size_t)(q * (double)n + 0.999999);
    return sorted[rank == 0 ? 0 : rank - 1];
}

/* When the last worker finished (its end_ns, made visible by its release
 * increment of finished). */
static uint64_t last_end(const struct run *r)
{
    uint64_t t = 0;
    for (size_t i = 0; i < r->threads; i++)
        t = r->done[i].end_ns > t ? r->done[i].end_ns : t;
    return t;
}

static uint64_t total_pairs(const struct run *r)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < r->threads; i++)
        sum += atomic_load_explicit(&r->done[i].pairs, memory_order_relaxed);
    return sum;
}

int main(int argc, char **argv)
{
    const char *reclaim_name = "ebr";
    long threads = 0, interval_ms = 1000;
    uint64_t iters = 1u << 21;
    double seconds = 0;
    int64_t stall_ns = 0, stall_at_ns = -1;
    bool book = false;
    const char *csv_path = NULL;
    const struct cli_option opts[] = {
        CLI_STRING("reclaim", &reclaim_name, "SCHEME", "hp, ebr or quiescent (default ebr)"),
        CLI_LONG("threads", &threads, "N", "worker threads (default: one per CPU)", 1, 1024),
        CLI_U64("iters", &iters, "N", "push+pop pairs per thread (default 2^21)"),
        CLI_FLAG("book", &book, "2^26 pairs per thread, the book's run (about a minute)"),
        CLI_DOUBLE("seconds", &seconds, "S", "run this long instead of a number of pairs", 0.01,
                   3600),
        CLI_LONG("interval-ms", &interval_ms, "MS", "one row per interval (default 1000)", 10,
                 60000),
        CLI_DURATION("stall", &stall_ns, "one more thread stays inside an operation this long"),
        CLI_DURATION("stall-at", &stall_at_ns, "when the stall starts (default: one interval in)"),
        CLI_STRING("csv", &csv_path, "FILE",
                   "one line per interval: seconds, pairs/s per thread, unreclaimed, RSS KiB"),
    };
    const struct cli cli = {
        .prog = "treiber_bench",
        .summary = "A Treiber stack hammered by every CPU under hazard pointers, epochs or no "
                   "reclamation: pairs per second and garbage held.",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
        .epilog = "Durations take units: --stall 500ms --stall-at 1s.",
    };
    cli_parse(&cli, argc, argv);

    static struct run r;
    enum reclaim_kind kind;
    if (reclaim_kind_parse(reclaim_name, &kind) != 0)
        cli_error("no scheme named '%s': hp, ebr or quiescent", reclaim_name);
    if (book)
        iters = 1ull << 26;
    if (iters == 0)
        cli_error("--iters must be at least 1");
    r.threads = threads > 0 ? (size_t)threads : lab_ncpus();
    r.iters = seconds > 0 ? UINT64_MAX : book ? iters : lab_scaled(iters);
    r.stall_ns = stall_ns;
    r.stall_at_ns = stall_at_ns >= 0 ? stall_at_ns : (int64_t)interval_ms * 1000000;
    FILE *csv = NULL;
    if (csv_path != NULL && (csv = fopen(csv_path, "w")) == NULL)
        die_errno("cannot write %s", csv_path);
    int rc = reclaim_init(&r.d, kind);
    if (rc != 0)
        die("cannot set up %s reclamation: %s", reclaim_name, strerror(rc));
    treiber_init(&r.s, &r.d);
    r.done = aligned_alloc(CACHE_LINE, r.threads * sizeof *r.done);
    if (r.done == NULL)
        die("out of memory");
    for (size_t i = 0; i < r.threads; i++) {
        atomic_init(&r.done[i].pairs, 0);
        ANNOTATE_ATOMIC(&r.done[i].pairs); /* relaxed tallies, read by main by design */
    }
    ANNOTATE_ATOMIC(&r.stop);
    ANNOTATE_ATOMIC(&r.finished);
    ANNOTATE_ATOMIC(&r.stalled);

    size_t cap = 64, n = 0;
    double *samples = malloc(cap * sizeof *samples), *sorted = malloc(cap * sizeof *sorted);
    if (samples == NULL || sorted == NULL)
        die("out of memory");
    if (csv != NULL)
        fprintf(csv, "# seconds\tpairs_per_s_per_thread\tunreclaimed\trss_kib\tstalled\n");
    char amount[64];
    if (seconds > 0)
        snprintf(amount, sizeof amount, "push+pop pairs for %.2f s", seconds);
    else
        snprintf(amount, sizeof amount, "%llu push+pop pairs", (unsigned long long)r.iters);
    printf("treiber_bench: %s, %zu threads x %s%s, a row every %ld ms\n", reclaim_name, r.threads,
           amount, stall_ns > 0 ? ", one more thread stalled inside an operation" : "",
           interval_ms);

    struct lab_threads ts;
    rc = lab_threads_start(&ts, r.threads + (stall_ns > 0), worker, &r, LAB_THREADS_PIN);
    if (rc != 0)
        die("cannot start the threads: %s", strerror(rc));
    uint64_t start = lab_now_ns(), step = (uint64_t)interval_ms * 1000000, last_pairs = 0;
    uint64_t last_t = start, max_unreclaimed = 0;
    uint64_t stop_at = seconds > 0 ? start + (uint64_t)(seconds * 1e9) : UINT64_MAX;
    for (uint64_t next = start + step;; next += step) {
        /* in slices of 10 ms, so that a run that ends early is not kept
         * waiting for the rest of its interval */
        while (lab_now_ns() < next &&
               atomic_load_explicit(&r.finished, memory_order_relaxed) < r.threads) {
            uint64_t slice = lab_now_ns() + 10000000;
            lab_sleep_until_ns(slice < next ? slice : next);
        }
        if (lab_now_ns() >= stop_at)
            atomic_store_explicit(&r.stop, 1, memory_order_relaxed);
        /* acquire: the finished workers' final counts are visible below */
        bool all_done = atomic_load_explicit(&r.finished, memory_order_acquire) == r.threads;
        ANNOTATE_HB_AFTER(&r.finished);
        uint64_t now = lab_now_ns(), pairs = total_pairs(&r);
        if (all_done && last_end(&r) > last_t)
            now = last_end(&r); /* the last interval: the rate over the time they worked */
        uint64_t unreclaimed = reclaim_pending(&r.d);
        if (unreclaimed > max_unreclaimed)
            max_unreclaimed = unreclaimed;
        double rate =
            (double)(pairs - last_pairs) / ((double)(now - last_t) / 1e9) / (double)r.threads;
        last_pairs = pairs, last_t = now;
        if (n == cap) {
            cap *= 2;
            samples = realloc(samples, cap * sizeof *samples);
            sorted = realloc(sorted, cap * sizeof *sorted);
            if (samples == NULL || sorted == NULL)
                die("out of memory");
        }
        samples[n++] = rate;
        memcpy(sorted, samples, n * sizeof *sorted);
        qsort(sorted, n, sizeof *sorted, compare_doubles);
        long rss = lab_status_kib("VmRSS");
        int stalled = atomic_load(&r.stalled);
        printf("pairs per second per thread (%zu): 25th %.0f 50th %.0f 75th %.0f 90th %.0f max "
               "%.0f | unreclaimed %llu%s\n",
               n, quantile(sorted, n, 0.25), quantile(sorted, n, 0.5), quantile(sorted, n, 0.75),
               quantile(sorted, n, 0.9), sorted[n - 1], (unsigned long long)unreclaimed,
               stalled ? " (stalled)" : "");
        fflush(stdout);
        if (csv != NULL)
            fprintf(csv, "%.3f\t%.0f\t%llu\t%ld\t%d\n", (double)(now - start) / 1e9, rate,
                    (unsigned long long)unreclaimed, rss, stalled);
        if (all_done)
            break;
    }
    const char *err = lab_threads_join(&ts);
    if (err != NULL)
        die("a worker failed: %s", err);
    /* the workers' own span: from the first start to the last end */
    uint64_t t0 = r.done[0].start_ns, t1 = r.done[0].end_ns;
    for (size_t i = 1; i < r.threads; i++) {
        t0 = r.done[i].start_ns < t0 ? r.done[i].start_ns : t0;
        t1 = r.done[i].end_ns > t1 ? r.done[i].end_ns : t1;
    }
    double secs = (double)(t1 - t0) / 1e9;
    uint64_t pairs = total_pairs(&r);
    if (seconds == 0 && pairs != r.iters * r.threads)
        die("%llu pairs counted, %llu expected", (unsigned long long)pairs,
            (unsigned long long)(r.iters * r.threads));
    uint64_t v;
    if (treiber_try_pop(&r.s, &v))
        die("the stack is not empty after as many pops as pushes");
    uint64_t left = reclaim_pending(&r.d);
    reclaim_collect(&r.d);
    if (reclaim_pending(&r.d) != 0)
        die("%llu retired nodes not freed at the end", (unsigned long long)reclaim_pending(&r.d));
    char bound[64] = "";
    if (kind == RECLAIM_HP) {
        size_t records = atomic_load(&r.d.hp.nlocals);
        snprintf(bound, sizeof bound, " (bound N*R = %zu)", records * hp_threshold(&r.d.hp));
    }
    qsort(samples, n, sizeof *samples, compare_doubles);
    printf("treiber_bench: %s, %zu threads: %llu pairs in %.2f s, %.2f M pairs/s in all; median "
           "%.0f pairs/s per thread; unreclaimed at most %llu%s, %llu at the end; peak RSS %ld "
           "KiB\n",
           reclaim_name, r.threads, (unsigned long long)pairs, secs, (double)pairs / secs / 1e6,
           quantile(samples, n, 0.5), (unsigned long long)max_unreclaimed, bound,
           (unsigned long long)left, lab_status_kib("VmHWM"));
    treiber_destroy(&r.s);
    reclaim_destroy(&r.d);
    free(r.done);
    free(samples);
    free(sorted);
    if (csv != NULL && fclose(csv) != 0)
        die_errno("cannot write %s", csv_path);
    return 0;
}
