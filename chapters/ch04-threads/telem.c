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
 *     one log line, at most 10 a second (a flood cannot fill the log); what
 *     was accepted before is not lost;
 *   - each summary keeps up to --max-names names (4096); the points of more
 *     names are dropped and counted. The last line accounts for every point:
 *     accepted + at the limit (due to both summaries) = reported + dropped.
 *
 *   telem [--port N] [--seconds S] [--flush-ms N] [--limit N] [--capacity N] [--unbounded]
 *         [--max-names N] [--sink-us N] [--feed N [--seed N]]
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
#include <pthread.h>
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

/* ---- each egress's summaries, by name ---------------------------------------------------- */

struct summary {
    char *name;
    bool fresh;    /* changed since its last report */
    struct ckms q; /* the CKMS egress's */
    struct cma m;  /* the CMA egress's */
};

/* An egress's summaries: an array in order of arrival (the order of the report)
 * and an open-addressing index into it, each doubling as it fills, up to
 * --max-names names. */
struct summaries {
    struct summary *v;
    size_t len, cap;
    uint32_t *slot;   /* 1 + an index into v; 0: empty */
    size_t nslots;    /* a power of two, at least twice len */
    uint64_t refused; /* points of new names past --max-names */
};

static uint64_t name_hash(const char *name)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
    for (; *name; name++)
        h = (h ^ (uint8_t)*name) * 0x100000001b3u;
    return h;
}

static void summaries_place(struct summaries *t, size_t i)
{
    size_t k = name_hash(t->v[i].name) & (t->nslots - 1);
    while (t->slot[k] != 0)
        k = (k + 1) & (t->nslots - 1);
    t->slot[k] = (uint32_t)(i + 1);
}

/* Room for one more name: 0 or -ENOMEM. */
static int summaries_reserve(struct summaries *t)
{
    if (t->len == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        struct summary *v = realloc(t->v, cap * sizeof *v);
        if (v == NULL)
            return -ENOMEM;
        t->v = v;
        t->cap = cap;
    }
    if (2 * (t->len + 1) > t->nslots) {
        size_t n = t->nslots ? 2 * t->nslots : 32;
        uint32_t *slot = calloc(n, sizeof *slot);
        if (slot == NULL)
            return -ENOMEM;
        free(t->slot);
        t->slot = slot;
        t->nslots = n;
        for (size_t i = 0; i < t->len; i++)
            summaries_place(t, i);
    }
    return 0;
}

/* The summary of name, added if new: 0, -ENOSPC when max names are there
 * already, -ENOMEM. */
static int summaries_get(struct summaries *t, const char *name, size_t max, struct summary **out)
{
    size_t mask = t->nslots - 1;
    for (size_t k = name_hash(name) & mask; t->nslots > 0 && t->slot[k] != 0; k = (k + 1) & mask) {
        if (strcmp(t->v[t->slot[k] - 1].name, name) == 0) {
            *out = &t->v[t->slot[k] - 1];
            return 0;
        }
    }
    if (t->len >= max)
        return -ENOSPC;
    char *copy = strdup(name);
    if (copy == NULL || summaries_reserve(t) != 0) {
        free(copy);
        return -ENOMEM;
    }
    t->v[t->len] = (struct summary){.name = copy};
    ckms_init(&t->v[t->len].q, 0.01); /* the book's epsilon (the CMA egress leaves it empty) */
    summaries_place(t, t->len);
    *out = &t->v[t->len++];
    return 0;
}

static void summaries_free(struct summaries *t)
{
    for (size_t i = 0; i < t->len; i++) {
        free(t->v[i].name);
        ckms_free(&t->v[i].q);
    }
    free(t->v);
    free(t->slot);
    *t = (struct summaries){0};
}

/* ---- a log that a flood cannot fill ------------------------------------------------------- */

/* At most LOG_PER_SECOND lines in any one-second window; the rest are counted
 * and the next line says how many. A line per malformed datagram was 69,000
 * lines a second under a flood, and a reader that did not drain stderr
 * blocked ingest. */
enum { LOG_PER_SECOND = 10 };

struct log_limit {
    uint64_t window_ns; /* when the current window began */
    unsigned lines;     /* logged in it */
    uint64_t unlogged;  /* not logged since the last line */
};

static bool log_allowed(struct log_limit *l)
{
    uint64_t now = lab_now_ns();
    if (now - l->window_ns >= 1000000000u) {
        l->window_ns = now;
        l->lines = 0;
    }
    if (l->lines == LOG_PER_SECOND) {
        l->unlogged++;
        return false;
    }
    l->lines++;
    return true;
}

/* ---- the server ------------------------------------------------------------------------ */

/* Everything a server has lives here, none of it static: two servers can run
 * in one process. */
struct server {
    struct telem_config cfg;
    int sock;
    struct chan *low, *high, *ckms_in, *cma_in;
    _Atomic bool stop;
    _Atomic uint64_t datagrams, accepted, malformed, at_limit, reported;
    _Atomic uint64_t dropped_full, dropped_names, dropped_nomem;
    uint8_t datagram[TELEM_DATAGRAM_MAX]; /* ingest's receive buffer */
    struct log_limit malformed_log;       /* ingest's */
    struct summaries ckms, cma;           /* each egress's own */
    /* One report at a time on cfg.out: each is one block, and the race
     * detectors see the lock (glibc's own, inside stdio, they do not). */
    pthread_mutex_t out_lock;
};

/* Relaxed: a tally, read once the threads are joined. */
static void count(_Atomic uint64_t *n)
{
    atomic_fetch_add_explicit(n, 1, memory_order_relaxed);
}

/* Sends a point on, or counts it as dropped when a bounded channel is full and
 * the point was due on that side (a point the filter would pass over is no loss). */
static void send_or_count(struct server *s, struct chan *c, const struct event *e, bool due)
{
    int rc = s->cfg.unbounded || e->kind == EV_FLUSH ? chan_send(c, e) : chan_try_send(c, e);
    if (rc == -EAGAIN && due)
        count(&s->dropped_full);
}

/* Datagrams read after the stop, at most: what the socket holds then (a few
 * thousand at most with Linux's default buffer), but not a flood that goes on. */
enum { DRAIN_MAX = 1 << 16 };

static void log_malformed(struct server *s, ssize_t n, int rc)
{
    struct log_limit *l = &s->malformed_log;
    uint64_t before = l->unlogged;
    if (!log_allowed(l))
        return;
    if (before == 0)
        fprintf(stderr, "telem: dropped a datagram of %zd bytes: %s\n", n, strerror(-rc));
    else
        fprintf(stderr,
                "telem: dropped a datagram of %zd bytes: %s (and %llu more since the last line)\n",
                n, strerror(-rc), (unsigned long long)before);
    l->unlogged = 0;
}

static void ingest(struct server *s)
{
    uint8_t *buf = s->datagram;
    for (unsigned drained = 0; drained < DRAIN_MAX;) {
        bool stopping = atomic_load_explicit(&s->stop, memory_order_relaxed);
        /* MSG_TRUNC: n is the datagram's real size, even when it is larger than
         * the buffer (which keeps its first bytes). */
        ssize_t n =
            recv(s->sock, buf, sizeof s->datagram, MSG_TRUNC | (stopping ? MSG_DONTWAIT : 0));
        if (n < 0 && stopping)
            break; /* nothing left in the socket */
        if (n < 0)
            continue; /* the receive timeout: look at stop again */
        drained += stopping;
        count(&s->datagrams);
        struct event e = {.kind = EV_POINT};
        int rc = n > TELEM_DATAGRAM_MAX ? -EMSGSIZE : telem_parse(buf, (size_t)n, &e.p);
        if (rc != 0) {
            count(&s->malformed);
            log_malformed(s, n, rc);
            continue;
        }
        count(&s->accepted);
        bool low = e.p.value <= s->cfg.limit, high = e.p.value >= s->cfg.limit;
        if (low && high)
            count(&s->at_limit);
        send_or_count(s, s->low, &e, low);
        send_or_count(s, s->high, &e, high);
    }
    if (s->malformed_log.unlogged > 0)
        fprintf(stderr,
                "telem: %llu more malformed datagrams not logged (at most %d lines a second)\n",
                (unsigned long long)s->malformed_log.unlogged, LOG_PER_SECOND);
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
            send_or_count(s, out, &e, true);
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

/* The summary of a point's name, or NULL with the point counted as dropped: a
 * new name past --max-names (said once per egress), or no memory. */
static struct summary *summary_of(struct server *s, struct summaries *t, const char *name,
                                  const char *egress)
{
    struct summary *m;
    int rc = summaries_get(t, name, s->cfg.max_names, &m);
    if (rc == 0)
        return m;
    if (rc == -ENOMEM) {
        count(&s->dropped_nomem);
        return NULL;
    }
    count(&s->dropped_names);
    if (t->refused++ == 0)
        fprintf(stderr,
                "telem: %s has %zu names (--max-names): dropping the points of new ones, "
                "first '%s'\n",
                egress, s->cfg.max_names, name);
    return NULL;
}

static void ckms_report(struct server *s)
{
    pthread_mutex_lock(&s->out_lock);
    for (size_t i = 0; i < s->ckms.len; i++) {
        struct summary *m = &s->ckms.v[i];
        static const double qs[] = {0, 0.25, 0.5, 0.75, 0.9, 0.99};
        char v[TELEM_VALUE_CHARS];
        for (size_t k = 0; m->fresh && k < 6; k++)
            fprintf(s->cfg.out, "[CKMS] %s %g:%s\n", m->name, qs[k],
                    telem_format_value(v, ckms_query(&m->q, qs[k])));
        m->fresh = false;
    }
    fflush(s->cfg.out);
    pthread_mutex_unlock(&s->out_lock);
}

/* Reports the names that changed at each flush, and once more when the channel
 * closes: the points that came after the last flush. */
static void ckms_egress(struct server *s)
{
    unsigned points = 0;
    struct event e;
    while (chan_recv(s->ckms_in, &e) == 0) {
        if (e.kind == EV_FLUSH) {
            ckms_report(s);
            continue;
        }
        struct summary *m = summary_of(s, &s->ckms, e.p.name, "CKMS");
        if (m == NULL)
            continue;
        if (ckms_insert(&m->q, e.p.value) != 0) {
            count(&s->dropped_nomem);
            continue;
        }
        count(&s->reported);
        m->fresh = true;
        sink(s, &points);
    }
    ckms_report(s);
    chan_drop_receiver(s->ckms_in);
}

static void cma_report(struct server *s)
{
    pthread_mutex_lock(&s->out_lock);
    for (size_t i = 0; i < s->cma.len; i++) {
        struct summary *m = &s->cma.v[i];
        char v[TELEM_VALUE_CHARS];
        if (m->fresh)
            fprintf(s->cfg.out, "[CMA] %s %s\n", m->name, telem_format_value(v, m->m.mean));
        m->fresh = false;
    }
    fflush(s->cfg.out);
    pthread_mutex_unlock(&s->out_lock);
}

static void cma_egress(struct server *s)
{
    unsigned points = 0;
    struct event e;
    while (chan_recv(s->cma_in, &e) == 0) {
        if (e.kind == EV_FLUSH) {
            cma_report(s);
            continue;
        }
        struct summary *m = summary_of(s, &s->cma, e.p.name, "CMA");
        if (m == NULL)
            continue;
        cma_add(&m->m, e.p.value);
        count(&s->reported);
        m->fresh = true;
        sink(s, &points);
    }
    cma_report(s);
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
    if (s.cfg.max_names == 0)
        s.cfg.max_names = TELEM_MAX_NAMES_DEFAULT;
    pthread_mutex_init(&s.out_lock, NULL);
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
     * behind it, each egress with a last report. (A last flush and then the stop
     * of ingest lost what came in between: counted, never reported.) */
    chan_drop_sender(s.low);
    chan_drop_sender(s.high);
    atomic_store(&s.stop, true);
    lab_threads_join(&ts);
    summaries_free(&s.ckms);
    summaries_free(&s.cma);
    pthread_mutex_destroy(&s.out_lock);
    *counts = (struct telem_counts){
        .datagrams = atomic_load(&s.datagrams),
        .accepted = atomic_load(&s.accepted),
        .malformed = atomic_load(&s.malformed),
        .at_limit = atomic_load(&s.at_limit),
        .reported = atomic_load(&s.reported),
        .dropped_full = atomic_load(&s.dropped_full),
        .dropped_names = atomic_load(&s.dropped_names),
        .dropped_nomem = atomic_load(&s.dropped_nomem),
    };
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
    long port = 1990, flush_ms = 1000, capacity = 1024, sink_us = 0,
         max_names = TELEM_MAX_NAMES_DEFAULT;
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
        CLI_LONG("max-names", &max_names, "N",
                 "names each summary keeps; points of more are dropped", 1, 1 << 24),
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
    struct telem_config cfg = {stdout,           (uint32_t)limit,    (size_t)capacity,
                               unbounded,        (unsigned)flush_ms, (unsigned)sink_us,
                               (size_t)max_names};
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
    printf("telem: %llu datagrams, %llu malformed, %llu accepted + %llu at the limit (to both "
           "summaries) = %llu reported + %llu dropped on full channels + %llu dropped over "
           "--max-names + %llu dropped out of memory\n",
           (unsigned long long)n.datagrams, (unsigned long long)n.malformed,
           (unsigned long long)n.accepted, (unsigned long long)n.at_limit,
           (unsigned long long)n.reported, (unsigned long long)n.dropped_full,
           (unsigned long long)n.dropped_names, (unsigned long long)n.dropped_nomem);
    if (!telem_counts_balance(&n))
        die("points lost without a count: accepted + at the limit != reported + dropped");
    return 0;
}
#endif
