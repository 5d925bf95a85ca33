/*
 * telem.c - the book's telemetry server: UDP datagrams "name value" in, running
 * statistics out, built from threads and channels only.
 *
 *   UDP -> ingest -> low filter  (value <= limit) -> CKMS egress  (quantiles)
 *                 -> high filter (value >= limit) -> CMA egress   (moving average)
 *
 * Time is a pulse: the main thread sends a Flush down both filter channels once
 * a second, and each egress prints what changed since its last report. At the
 * stop, ingest stops first (after reading what the socket still holds); the
 * channels then close stage by stage, and each egress reports what it has not
 * reported yet: a point accepted just before the stop is still in a report. Unlike
 * the book's version it has back-pressure and does not crash on bad input:
 *   - the channels are bounded (--capacity); when one is full the datagram is
 *     dropped and counted, which is what UDP would do anyway (--unbounded
 *     keeps the book's unbounded channels, to watch memory grow under a flood);
 *   - a malformed, oversized or non-UTF-8 datagram is counted and skipped with
 *     one log line; what was accepted before is not lost.
 *
 *   telem [--port N] [--seconds S] [--flush-ms N] [--limit N] [--capacity N] [--unbounded]
 *         [--sink-us N] [--feed N [--seed N]]
 *
 * --feed N starts a sender thread in the same process that sends N random
 * points to the server's own port (telem_send's stream): the whole pipeline
 * under load in one process, which is how the race detectors run it.
 * --sink-us makes each egress as slow as a real downstream (a disk, a remote
 * store) would be: N microseconds per point. A flood then outruns the egresses,
 * and the difference between bounded and unbounded channels shows in memory.
 *
 * --port 0 picks a free port and prints it. It runs for --seconds (default 10;
 * 0 runs until SIGINT or SIGTERM), then stops ingest, reports and exits.
 */
#include "telem.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "chan.h"
#include "cli.h"
#include "clock.h"
#include "threads.h"

enum event_kind { EV_POINT, EV_FLUSH };

struct event {
    enum event_kind kind;
    struct telem_point p;
};

/* Per name statistics, in small linear tables: a handful of names is the use. */
enum { MAX_NAMES = 64 };

struct ckms_entry {
    char name[TELEM_NAME_MAX + 1];
    struct ckms q;
};
struct cma_entry {
    char name[TELEM_NAME_MAX + 1];
    struct cma m;
};

struct server {
    struct telem_config cfg;
    int sock;
    struct chan *low, *high, *ckms_in, *cma_in;
    _Atomic bool stop;
    _Atomic uint64_t datagrams, accepted, malformed, dropped_full;
};

static void send_or_count(struct server *s, struct chan *c, const struct event *e)
{
    int rc = s->cfg.unbounded || e->kind == EV_FLUSH ? chan_send(c, e) : chan_try_send(c, e);
    if (rc == -EAGAIN)
        atomic_fetch_add_explicit(&s->dropped_full, 1, memory_order_relaxed);
}

/* Datagrams read after the stop, at most: what the socket holds then (a few
 * thousand at most with Linux's default buffer), but not a flood that goes on. */
enum { DRAIN_MAX = 1 << 16 };

static void ingest(struct server *s)
{
    static uint8_t buf[TELEM_DATAGRAM_MAX + 1]; /* one ingest thread */
    for (unsigned drained = 0; drained < DRAIN_MAX;) {
        bool stopping = atomic_load_explicit(&s->stop, memory_order_relaxed);
        ssize_t n = recv(s->sock, buf, sizeof buf, stopping ? MSG_DONTWAIT : 0);
        if (n < 0 && stopping)
            break; /* nothing left in the socket */
        if (n < 0)
            continue; /* the receive timeout: look at stop again */
        drained += stopping;
        atomic_fetch_add_explicit(&s->datagrams, 1, memory_order_relaxed);
        struct event e = {.kind = EV_POINT};
        int rc = telem_parse(buf, (size_t)n, &e.p);
        if (rc != 0) {
            atomic_fetch_add_explicit(&s->malformed, 1, memory_order_relaxed);
            fprintf(stderr, "telem: dropped a datagram of %zd bytes: %s\n", n, strerror(-rc));
            continue;
        }
        atomic_fetch_add_explicit(&s->accepted, 1, memory_order_relaxed);
        send_or_count(s, s->low, &e);
        send_or_count(s, s->high, &e);
    }
    chan_drop_sender(s->low);
    chan_drop_sender(s->high);
}

/* A filter passes points on one side of the limit (the limit itself to both)
 * and every flush. */
static void filter(struct server *s, struct chan *in, struct chan *out, bool low)
{
    struct event e;
    while (chan_recv(in, &e) == 0) {
        if (e.kind == EV_FLUSH || (low ? e.p.value <= s->cfg.limit : e.p.value >= s->cfg.limit))
            send_or_count(s, out, &e);
    }
    chan_drop_receiver(in);
    chan_drop_sender(out);
}

/* The slow downstream of --sink-us: one sleep per 64 points, since a sleep of a
 * few microseconds would last the timer slack (about 50 us) instead. */
static void sink(const struct server *s, unsigned *points)
{
    if (s->cfg.sink_us == 0 || ++*points % 64 != 0)
        return;
    uint64_t ns = 64u * 1000u * (uint64_t)s->cfg.sink_us;
    nanosleep(&(struct timespec){.tv_sec = (time_t)(ns / 1000000000u),
                                 .tv_nsec = (long)(ns % 1000000000u)},
              NULL);
}

static void ckms_report(const struct server *s, const struct ckms_entry *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        static const double qs[] = {0, 0.25, 0.5, 0.75, 0.9, 0.99};
        for (size_t k = 0; k < 6; k++)
            fprintf(s->cfg.out, "[CKMS] %s %g:%g\n", t[i].name, qs[k], ckms_query(&t[i].q, qs[k]));
    }
    fflush(s->cfg.out);
}

/* Reports at each flush, and once more when the channel closes: the points that
 * came after the last flush. */
static void ckms_egress(struct server *s)
{
    static struct ckms_entry t[MAX_NAMES];
    size_t n = 0;
    unsigned points = 0;
    bool fresh = false;
    struct event e;
    while (chan_recv(s->ckms_in, &e) == 0) {
        if (e.kind == EV_FLUSH) {
            if (fresh)
                ckms_report(s, t, n);
            fresh = false;
            continue;
        }
        size_t i = 0;
        while (i < n && strcmp(t[i].name, e.p.name) != 0)
            i++;
        if (i == n) {
            if (n == MAX_NAMES)
                continue;
            snprintf(t[n].name, sizeof t[n].name, "%s", e.p.name);
            ckms_init(&t[n++].q, 0.01);
        }
        ckms_insert(&t[i].q, e.p.value);
        sink(s, &points);
        fresh = true;
    }
    if (fresh)
        ckms_report(s, t, n);
    for (size_t i = 0; i < n; i++)
        ckms_free(&t[i].q);
    chan_drop_receiver(s->ckms_in);
}

static void cma_report(const struct server *s, const struct cma_entry *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(s->cfg.out, "[CMA] %s %g\n", t[i].name, t[i].m.mean);
    fflush(s->cfg.out);
}

static void cma_egress(struct server *s)
{
    static struct cma_entry t[MAX_NAMES];
    size_t n = 0;
    unsigned points = 0;
    bool fresh = false;
    struct event e;
    while (chan_recv(s->cma_in, &e) == 0) {
        if (e.kind == EV_FLUSH) {
            if (fresh)
                cma_report(s, t, n);
            fresh = false;
            continue;
        }
        size_t i = 0;
        while (i < n && strcmp(t[i].name, e.p.name) != 0)
            i++;
        if (i == n) {
            if (n == MAX_NAMES)
                continue;
            snprintf(t[n].name, sizeof t[n].name, "%s", e.p.name);
            t[n++].m = (struct cma){0};
        }
        cma_add(&t[i].m, e.p.value);
        sink(s, &points);
        fresh = true;
    }
    if (fresh)
        cma_report(s, t, n);
    chan_drop_receiver(s->cma_in);
}

static void *stage(size_t id, void *arg)
{
    struct server *s = arg;
    switch (id) {
    case 0:
        ingest(s);
        break;
    case 1:
        filter(s, s->low, s->ckms_in, true);
        break;
    case 2:
        filter(s, s->high, s->cma_in, false);
        break;
    case 3:
        ckms_egress(s);
        break;
    default:
        cma_egress(s);
        break;
    }
    return NULL;
}

int telem_open(struct telem_server_socket *ss, uint16_t port)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        return -errno;
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    struct timeval tv = {.tv_usec = 100000}; /* wake every 100 ms to look at stop */
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    ss->fd = fd;
    ss->port = ntohs(a.sin_port);
    return 0;
}

int telem_serve(const struct telem_config *cfg, int fd, _Atomic bool *stop,
                struct telem_counts *counts)
{
    size_t cap = cfg->unbounded ? 0 : cfg->capacity;
    struct server s = {.cfg = *cfg, .sock = fd};
    s.low = chan_create(sizeof(struct event), cap);
    s.high = chan_create(sizeof(struct event), cap);
    s.ckms_in = chan_create(sizeof(struct event), cap);
    s.cma_in = chan_create(sizeof(struct event), cap);
    if (!s.low || !s.high || !s.ckms_in || !s.cma_in)
        return -ENOMEM; /* (a leak on this path only; the process is about to exit) */
    /* This thread sends the pulse: a sender of both filter channels beside ingest. */
    chan_clone_sender(s.low);
    chan_clone_sender(s.high);
    struct lab_threads ts;
    if (lab_threads_start(&ts, 5, stage, &s, 0) != 0)
        return -EAGAIN;
    /* The flush pulse, until told to stop. */
    for (uint64_t next = lab_now_ns() + (uint64_t)cfg->flush_ms * 1000000u;;
         next += (uint64_t)cfg->flush_ms * 1000000u) {
        while (lab_now_ns() < next && !atomic_load(stop))
            nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
        if (atomic_load(stop))
            break;
        struct event flush = {.kind = EV_FLUSH};
        chan_send(s.low, &flush);
        chan_send(s.high, &flush);
    }
    /* Then stop ingest; the filters and egresses end when their channels close
     * behind it, each egress with a last report. (The book flushed first and
     * stopped ingest after: what came in between was counted, never reported.) */
    chan_drop_sender(s.low);
    chan_drop_sender(s.high);
    atomic_store(&s.stop, true);
    lab_threads_join(&ts);
    *counts = (struct telem_counts){atomic_load(&s.datagrams), atomic_load(&s.accepted),
                                    atomic_load(&s.malformed), atomic_load(&s.dropped_full)};
    return 0;
}

#ifndef LAB_NO_MAIN
static _Atomic bool stop_flag;

struct feed {
    uint16_t port;
    uint64_t count, seed, sent;
    int rc;
};

static void *feed_thread(size_t id, void *arg)
{
    (void)id;
    struct feed *f = arg;
    f->rc = telem_send_random(f->port, f->count, 4, 200, 0, f->seed, &f->sent);
    return NULL;
}

static void on_signal(int sig)
{
    (void)sig;
    atomic_store(&stop_flag, true);
}

int main(int argc, char **argv)
{
    long port = 1990, flush_ms = 1000, capacity = 1024, sink_us = 0;
    double seconds = 10;
    uint64_t limit = 100, feed = 0, seed = 1;
    bool unbounded = false;
    const struct cli_option opts[] = {
        CLI_LONG("port", &port, "N", "UDP port on 127.0.0.1 (0: any free one)", 0, 65535),
        CLI_DOUBLE("seconds", &seconds, "S", "run this long (0: until SIGINT/SIGTERM)", 0, 1e6),
        CLI_LONG("flush-ms", &flush_ms, "N", "milliseconds between reports", 1, 3600000),
        CLI_U64("limit", &limit, "N", "filter limit: <= to CKMS, >= to CMA"),
        CLI_LONG("capacity", &capacity, "N", "capacity of each channel", 1, 1 << 24),
        CLI_FLAG("unbounded", &unbounded, "the book's unbounded channels (no back-pressure)"),
        CLI_LONG("sink-us", &sink_us, "N", "a slow downstream: microseconds per point", 0, 1000000),
        CLI_U64("feed", &feed, "N", "send N random points to itself from a thread"),
        CLI_U64("seed", &seed, "N", "random seed of --feed"),
    };
    const struct cli cli = {
        .prog = "telem",
        .summary = "The book's telemetry server: UDP 'name value' in, CKMS and CMA out.",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    if (limit > UINT32_MAX)
        cli_error("--limit must fit in 32 bits");
    struct telem_server_socket ss;
    int rc = telem_open(&ss, (uint16_t)port);
    if (rc != 0)
        die("cannot bind 127.0.0.1:%ld: %s", port, strerror(-rc));
    printf("telem: listening on 127.0.0.1:%u\n", ss.port);
    fflush(stdout);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    struct telem_config cfg = {stdout,    (uint32_t)limit,    (size_t)capacity,
                               unbounded, (unsigned)flush_ms, (unsigned)sink_us};
    if (seconds > 0) {
        /* Whole seconds: the alarm's resolution. */
        struct sigaction sa = {.sa_handler = on_signal};
        sigaction(SIGALRM, &sa, NULL);
        alarm((unsigned)(seconds < 1 ? 1 : seconds));
    }
    struct feed f = {.port = ss.port, .count = feed, .seed = seed};
    struct lab_threads feeder;
    if (feed > 0 && lab_threads_start(&feeder, 1, feed_thread, &f, 0) != 0)
        die("could not start the feed thread");
    struct telem_counts n;
    rc = telem_serve(&cfg, ss.fd, &stop_flag, &n);
    if (feed > 0)
        lab_threads_join(&feeder);
    close(ss.fd);
    if (rc != 0)
        die("cannot run the server: %s", strerror(-rc));
    if (feed > 0)
        printf("telem: fed %llu datagrams to itself%s%s\n", (unsigned long long)f.sent,
               f.rc != 0 ? ", then " : "", f.rc != 0 ? strerror(-f.rc) : "");
    printf("telem: %llu datagrams, %llu accepted, %llu malformed, %llu dropped on full channels\n",
           (unsigned long long)n.datagrams, (unsigned long long)n.accepted,
           (unsigned long long)n.malformed, (unsigned long long)n.dropped_full);
    return 0;
}
#endif
