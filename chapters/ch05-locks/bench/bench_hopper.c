/*
 * bench_hopper.c - hopper against the project's channel (the stand-in for
 * Rust's std::sync::mpsc), Boost's lock-free queue and TBB's bounded queue,
 * with the book's parameters; then hopper's disk path alone, in MB/s.
 *
 * One iteration is one whole run, as the book's criterion benchmark: make the
 * queue, start 4 senders that send ITEMS/4 u64 values each and a receiver
 * that takes all ITEMS, join, free. ITEMS is 4096 (hopper "all in memory":
 * its deque holds 4096) and 8192 (the book's "swap to disk" case, the size of
 * its MPSC run). hopper: 8 x 4096 bytes of memory, files of 8 x 32768 bytes,
 * no file limit, in TMPDIR (else /tmp); each sender flushes when done, or the
 * lazy flip would strand its last items. The channel is unbounded (std's
 * mpsc::channel()); Boost's queue starts with nodes for 4096 and grows, its
 * receiver polls and yields when it finds nothing; TBB's queue is bounded at
 * 4096, so at 8192 its senders wait where hopper spills. Every run checks the
 * count and the sum of what was received.
 *
 * Ratios are times, hopper's over the peer's: below 1, hopper is faster. The
 * book says hopper is "approximately three times faster" than std's channel,
 * with no figures; the ratio against chan answers that here.
 *
 * The spill benchmarks: one thread sends ITEMS items into a hopper whose
 * memory holds one, so all but one go to a queue file, flushes, and receives
 * them all: item bytes moved through the disk per second, for 8-byte and
 * 4-KiB items; "raw" is the same records written with one write() each and
 * read back, what the system calls alone cost. No fsync: the page cache.
 */
#define _GNU_SOURCE /* mkdtemp */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "chan.h"
#include "cli.h"
#include "cxx_queues.h"
#include "hopper.h"
#include "threads.h"

enum impl { HOPPER, CHAN, BOOST, TBB, N_IMPLS };
static const char *const impl_names[N_IMPLS] = {"hopper", "chan", "boost", "tbb"};

enum { SENDERS = 4, MEM_ITEMS = 4096, DISK_ITEMS = 32768 };

static char data_dir[256];

struct job {
    enum impl impl;
    size_t items;
};

/* One run's queue and what the threads share. */
struct mpsc_run {
    const struct job *job;
    size_t chunk;
    struct hopper_sender *tx[SENDERS];
    struct hopper_receiver *rx;
    struct chan *chan;
    struct cxx_boost_queue *boost;
    struct cxx_tbb_queue *tbb;
};

static void *sender(struct mpsc_run *r, size_t id)
{
    for (uint64_t v = 1; v <= r->chunk; v++) {
        switch (r->job->impl) {
        case HOPPER: {
            int rc;
            while ((rc = hopper_send(r->tx[id], &v)) == -ENOSPC)
                sched_yield();
            if (rc != 0)
                return "hopper_send failed";
            break;
        }
        case CHAN:
            if (chan_send(r->chan, &v) != 0)
                return "chan_send failed";
            break;
        case BOOST:
            if (!cxx_boost_queue_push(r->boost, v))
                return "boost push failed";
            break;
        case TBB:
            cxx_tbb_queue_push(r->tbb, v);
            break;
        default:
            break;
        }
    }
    if (r->job->impl == HOPPER)
        while (hopper_flush(r->tx[id]) == -EAGAIN)
            sched_yield(); /* the receiver is making room */
    if (r->job->impl == CHAN)
        chan_drop_sender(r->chan);
    return NULL;
}

static void *receiver(struct mpsc_run *r)
{
    size_t want = r->chunk * SENDERS;
    uint64_t sum = 0, v = 0;
    for (size_t got = 0; got < want; got++) {
        switch (r->job->impl) {
        case HOPPER:
            if (hopper_recv(r->rx, &v) != 0)
                return "hopper_recv failed";
            break;
        case CHAN:
            if (chan_recv(r->chan, &v) != 0)
                return "chan_recv failed";
            break;
        case BOOST:
            while (!cxx_boost_queue_try_pop(r->boost, &v))
                sched_yield();
            break;
        case TBB:
            v = cxx_tbb_queue_pop(r->tbb);
            break;
        default:
            break;
        }
        sum += v;
    }
    if (sum != SENDERS * (uint64_t)r->chunk * (r->chunk + 1) / 2)
        return "the receiver's sum is wrong: items lost or duplicated";
    return NULL;
}

/* Thread 0 receives, threads 1..SENDERS send. */
static void *worker(size_t id, void *arg)
{
    return id == 0 ? receiver(arg) : sender(arg, id - 1);
}

static void open_queue(struct mpsc_run *r)
{
    switch (r->job->impl) {
    case HOPPER: {
        struct hopper_config c = {data_dir,      "bench",        sizeof(uint64_t),
                                  8 * MEM_ITEMS, 8 * DISK_ITEMS, SIZE_MAX};
        int rc = hopper_channel(&c, &r->tx[0], &r->rx);
        if (rc != 0)
            die("hopper_channel in %s: %s", data_dir, strerror(-rc));
        for (int i = 1; i < SENDERS; i++)
            if ((r->tx[i] = hopper_sender_clone(r->tx[0])) == NULL)
                die("out of memory");
        break;
    }
    case CHAN:
        if ((r->chan = chan_create(sizeof(uint64_t), 0)) == NULL)
            die("out of memory");
        for (int i = 1; i < SENDERS; i++)
            chan_clone_sender(r->chan);
        break;
    case BOOST:
        if ((r->boost = cxx_boost_queue_new(MEM_ITEMS)) == NULL)
            die("out of memory");
        break;
    case TBB:
        if ((r->tbb = cxx_tbb_queue_new(MEM_ITEMS)) == NULL)
            die("out of memory");
        break;
    default:
        break;
    }
}

static void close_queue(struct mpsc_run *r)
{
    for (int i = 0; i < SENDERS; i++)
        hopper_sender_free(r->tx[i]);
    hopper_receiver_free(r->rx);
    if (r->chan != NULL)
        chan_drop_receiver(r->chan);
    if (r->boost != NULL)
        cxx_boost_queue_free(r->boost);
    if (r->tbb != NULL)
        cxx_tbb_queue_free(r->tbb);
}

static void mpsc(void *state, uint64_t iters)
{
    const struct job *j = state;
    for (uint64_t it = 0; it < iters; it++) {
        struct mpsc_run r = {.job = j, .chunk = j->items / SENDERS};
        open_queue(&r);
        struct lab_threads ts;
        int rc = lab_threads_start(&ts, SENDERS + 1, worker, &r, 0);
        if (rc != 0)
            die("cannot start threads: %s", strerror(rc));
        const char *err = lab_threads_join(&ts);
        if (err != NULL)
            die("%s with %zu items: %s", impl_names[j->impl], j->items, err);
        close_queue(&r);
    }
}

static void *job_setup(const struct bench_params *p, const void *arg)
{
    (void)p;
    return (void *)arg;
}

/* ---- the disk path alone ---- */

struct spill {
    size_t item_size, items;
    bool raw;
    unsigned char *item, *rec;
};

static void *spill_setup(const struct bench_params *p, const void *arg)
{
    (void)p;
    struct spill *s = malloc(sizeof *s);
    if (s == NULL)
        die("out of memory");
    *s = *(const struct spill *)arg;
    s->item = malloc(s->item_size);
    s->rec = malloc(4 + s->item_size);
    if (s->item == NULL || s->rec == NULL)
        die("out of memory");
    memset(s->item, 0xa5, s->item_size);
    return s;
}

static void spill_teardown(void *state)
{
    struct spill *s = state;
    free(s->item);
    free(s->rec);
    free(s);
}

static void spill_hopper(struct spill *s)
{
    struct hopper_sender *tx;
    struct hopper_receiver *rx;
    /* memory for one item; one file for them all */
    struct hopper_config c = {
        data_dir, "spill", s->item_size, s->item_size, (4 + s->item_size) * s->items, 2};
    int rc = hopper_channel(&c, &tx, &rx);
    if (rc != 0)
        die("hopper_channel in %s: %s", data_dir, strerror(-rc));
    for (size_t i = 0; i < s->items; i++)
        if ((rc = hopper_send(tx, s->item)) != 0)
            die("hopper_send: %s", strerror(-rc));
    for (size_t i = 0; i < s->items; i++) {
        if (i == 1 && (rc = hopper_flush(tx)) != 0) /* room since the first left */
            die("hopper_flush: %s", strerror(-rc));
        if ((rc = hopper_recv(rx, s->item)) != 0)
            die("hopper_recv: %s", strerror(-rc));
    }
    hopper_sender_free(tx);
    hopper_receiver_free(rx);
}

static void spill_raw(struct spill *s)
{
    char p[300];
    snprintf(p, sizeof p, "%s/raw", data_dir);
    int fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        die_errno("open %s", p);
    size_t rec = 4 + s->item_size;
    memset(s->rec, 0, 4);
    memcpy(s->rec + 4, s->item, s->item_size);
    for (size_t i = 0; i < s->items; i++)
        if (write(fd, s->rec, rec) != (ssize_t)rec)
            die_errno("write %s", p);
    if (lseek(fd, 0, SEEK_SET) != 0)
        die_errno("lseek %s", p);
    for (size_t i = 0; i < s->items; i++)
        if (read(fd, s->rec, rec) != (ssize_t)rec)
            die_errno("read %s", p);
    close(fd);
    unlink(p);
}

static void spill(void *state, uint64_t iters)
{
    struct spill *s = state;
    for (uint64_t it = 0; it < iters; it++) {
        if (s->raw)
            spill_raw(s);
        else
            spill_hopper(s);
    }
}

static void remove_data_dir(void)
{
    rmdir(data_dir);
}

/* A line of the throughput table: items (or MB) per second, its interval. */
static void throughput(FILE *tsv, const char *bench, const struct bench_result *r, double per_iter,
                       const char *unit)
{
    if (r == NULL)
        return;
    struct bench_estimate e = r->a.estimate;
    double x = per_iter * 1e9 / e.point, lo = per_iter * 1e9 / e.hi, hi = per_iter * 1e9 / e.lo;
    printf("  %-24s %-7s %12.3g %s/s [%.3g, %.3g]\n", bench, r->impl, x, unit, lo, hi);
    fprintf(tsv, "%s\t%s\t%s\t%.6g\t%.6g\t%.6g\n", bench, r->impl, unit, x, lo, hi);
}

int main(int argc, char **argv)
{
    struct bench_run *run = bench_begin("ch05", "hopper", argc, argv);
    const char *tmp = getenv("TMPDIR");
    snprintf(data_dir, sizeof data_dir, "%s/bench-hopper-XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(data_dir) == NULL)
        die_errno("mkdtemp %s", data_dir);
    atexit(remove_data_dir);

    static const size_t sizes[] = {4096, 8192};
    static struct job jobs[2][N_IMPLS];
    const struct bench_result *res[2][N_IMPLS] = {{NULL}};
    for (int s = 0; s < 2; s++) {
        char name[64];
        snprintf(name, sizeof name, "mpsc/4x%zu", sizes[s]);
        for (int i = 0; i < N_IMPLS; i++) {
            jobs[s][i] = (struct job){i, sizes[s]};
            res[s][i] = bench_one(
                run, &(struct bench_def){.name = name,
                                         .impl = i == HOPPER ? NULL : impl_names[i],
                                         .params = {.size = (long)sizes[s], .threads = SENDERS + 1},
                                         .arg = &jobs[s][i],
                                         .setup = job_setup,
                                         .routine = mpsc});
        }
        for (int i = 1; i < N_IMPLS; i++)
            bench_vs(run, res[s][HOPPER], res[s][i]);
    }

    static const struct spill spills[] = {{8, 8192, false, NULL, NULL},
                                          {8, 8192, true, NULL, NULL},
                                          {4096, 1024, false, NULL, NULL},
                                          {4096, 1024, true, NULL, NULL}};
    const struct bench_result *sp[4] = {NULL};
    for (int i = 0; i < 4; i++) {
        char name[64];
        snprintf(name, sizeof name, "spill/%zuB", spills[i].item_size);
        sp[i] = bench_one(run, &(struct bench_def){.name = name,
                                                   .impl = spills[i].raw ? "raw" : NULL,
                                                   .params = {.size = (long)spills[i].items},
                                                   .arg = &spills[i],
                                                   .setup = spill_setup,
                                                   .routine = spill,
                                                   .teardown = spill_teardown});
    }
    bench_vs(run, sp[0], sp[1]);
    bench_vs(run, sp[2], sp[3]);

    FILE *tsv = bench_open_extra(run, "throughput");
    if (tsv == NULL)
        die("cannot write the throughput table");
    fprintf(tsv, "bench\timpl\tunit\tper_s\tlo\thi\n");
    printf("throughput (95%% intervals):\n");
    for (int s = 0; s < 2; s++) {
        char name[64];
        snprintf(name, sizeof name, "mpsc/4x%zu", sizes[s]);
        for (int i = 0; i < N_IMPLS; i++)
            throughput(tsv, name, res[s][i], (double)sizes[s], "items");
    }
    for (int i = 0; i < 4; i++) {
        char name[64];
        snprintf(name, sizeof name, "spill/%zuB", spills[i].item_size);
        throughput(tsv, name, sp[i], (double)(spills[i].item_size * spills[i].items) / 1e6, "MB");
    }
    fclose(tsv);
    return bench_end(run);
}
