/*
 * chan_stress.c - hunt for a hang in the channel: capacity 1, four blocking
 * senders, one receiver, run after run.
 *
 * With capacity 1 every item is a hand-over: a sender that finds the slot taken
 * sleeps on "not full", and each receive wakes one of them. glibc's
 * pthread_cond_signal can lose that wakeup (sourceware bug 25847; fcond.h): the
 * receiver then sleeps on an empty channel while every sender sleeps on a
 * channel with room, for good. --wake picks what the channel sleeps on: our
 * futex condition variable (the default), or glibc's with signal or broadcast.
 *
 * A watchdog thread watches the received count. No progress for --stall counts
 * as a hang: it prints every thread's wait site and the channel's state, then
 * wakes everyone with a broadcast. If the run moves again, the threads were
 * asleep with their condition true, a lost wakeup; the run finishes and counts
 * as hung. Every run also checks that each sender's items arrive once and in
 * order. Exit 0 when no run hung or lost an item, 1 otherwise.
 *
 *   chan_stress [--wake futex|signal|broadcast] [--runs N] [--items N]
 *               [--seconds S] [--stall D]
 */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "annotate.h"
#include "chan.h"
#include "cli.h"
#include "clock.h"
#include "threads.h"

/* What a thread is doing, for the watchdog's report. */
enum site { SITE_STARTING, SITE_SEND, SITE_RECV, SITE_DONE };

struct sender {
    _Atomic int site;
    _Atomic uint64_t sent; /* items this sender's chan_send has returned for */
};

struct run {
    struct chan *c;
    size_t senders;
    uint64_t per_sender;        /* items each sender sends, unless stopped */
    _Atomic bool stop;          /* the time budget ran out: send no more */
    _Atomic uint64_t taken;     /* items received, for the watchdog */
    _Atomic int recv_site;      /* the receiver's enum site */
    struct sender *s;           /* one per sender */
    uint64_t *next;             /* per sender: the sequence number expected next */
    uint64_t lost, dup_or_late; /* found by the receiver */
};

static void *run_side(size_t id, void *arg)
{
    struct run *r = arg;
    if (id < r->senders) {
        struct sender *me = &r->s[id];
        for (uint64_t seq = 0; seq < r->per_sender; seq++) {
            if (atomic_load_explicit(&r->stop, memory_order_relaxed))
                break;
            uint64_t item = (uint64_t)id << 48 | seq;
            atomic_store_explicit(&me->site, SITE_SEND, memory_order_relaxed);
            if (chan_send(r->c, &item) != 0)
                break;
            atomic_store_explicit(&me->sent, seq + 1, memory_order_relaxed);
        }
        atomic_store_explicit(&me->site, SITE_DONE, memory_order_relaxed);
        chan_drop_sender(r->c);
        return NULL;
    }
    uint64_t item;
    atomic_store_explicit(&r->recv_site, SITE_RECV, memory_order_relaxed);
    while (chan_recv(r->c, &item) == 0) {
        size_t from = (size_t)(item >> 48);
        uint64_t seq = item & ((UINT64_C(1) << 48) - 1);
        if (from >= r->senders || seq < r->next[from])
            r->dup_or_late++;
        else {
            r->lost += seq - r->next[from]; /* a gap: items that never came */
            r->next[from] = seq + 1;
        }
        atomic_fetch_add_explicit(&r->taken, 1, memory_order_relaxed);
    }
    atomic_store_explicit(&r->recv_site, SITE_DONE, memory_order_relaxed);
    return NULL;
}

static const char *site_name(int site)
{
    switch (site) {
    case SITE_STARTING:
        return "starting";
    case SITE_SEND:
        return "in chan_send";
    case SITE_RECV:
        return "in chan_recv";
    default:
        return "done";
    }
}

/* Every thread's wait site and the channel's state, on stdout. */
static void report_sites(struct run *r)
{
    struct chan_state st;
    if (chan_state(r->c, &st, 1000) == 0)
        printf("  channel: %zu of %zu items in; asleep: %zu sender(s) waiting for room, "
               "%zu receiver(s) waiting for an item\n",
               st.len, st.capacity, st.senders_asleep, st.receivers_asleep);
    else
        printf("  channel: its lock has been held for 1 s (a thread is stuck inside it)\n");
    printf("  receiver: %s, after %" PRIu64 " items\n",
           site_name(atomic_load_explicit(&r->recv_site, memory_order_relaxed)),
           atomic_load_explicit(&r->taken, memory_order_relaxed));
    for (size_t i = 0; i < r->senders; i++)
        printf("  sender %zu: %s, item %" PRIu64 " of %" PRIu64 "\n", i,
               site_name(atomic_load_explicit(&r->s[i].site, memory_order_relaxed)),
               atomic_load_explicit(&r->s[i].sent, memory_order_relaxed), r->per_sender);
}

enum outcome { RUN_OK, RUN_HUNG_WOKEN, RUN_STUCK };

/* Watches one run until its threads end; a stall of stall_ns is a hang. */
static enum outcome watch(struct run *r, struct lab_threads *ts, long run_no, int64_t stall_ns,
                          int64_t deadline_ns)
{
    enum outcome out = RUN_OK;
    uint64_t last = 0;
    int64_t last_move = (int64_t)lab_now_ns();
    bool kicked = false;
    for (;;) {
        if (atomic_load_explicit(&r->recv_site, memory_order_relaxed) == SITE_DONE)
            break;
        nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
        int64_t now = (int64_t)lab_now_ns();
        if (deadline_ns && now >= deadline_ns)
            atomic_store_explicit(&r->stop, true, memory_order_relaxed);
        uint64_t taken = atomic_load_explicit(&r->taken, memory_order_relaxed);
        if (taken != last) {
            if (kicked && out == RUN_OK) {
                printf("run %ld: moving again after the broadcast: the threads were asleep "
                       "with their condition true (a lost wakeup)\n",
                       run_no);
                out = RUN_HUNG_WOKEN;
            }
            last = taken;
            last_move = now;
            continue;
        }
        if (now - last_move < stall_ns)
            continue;
        if (kicked) {
            printf("run %ld: still stuck %.1f s after the broadcast; giving up\n", run_no,
                   (double)stall_ns / 1e9);
            report_sites(r);
            return RUN_STUCK; /* the threads cannot be joined */
        }
        printf("run %ld: HANG: no progress for %.1f s after %" PRIu64 " items\n", run_no,
               (double)stall_ns / 1e9, taken);
        report_sites(r);
        fflush(stdout);
        chan_wake_everyone(r->c);
        kicked = true;
        last_move = now;
    }
    if (kicked && out == RUN_OK) /* ended right after the kick, between two looks */
        out = RUN_HUNG_WOKEN;
    lab_threads_join(ts);
    return out;
}

int main(int argc, char **argv)
{
    static const char *const wakes[] = {"futex", "signal", "broadcast", NULL};
    int wake = 0;
    long senders = 4, capacity = 1, runs = 1;
    uint64_t items = 500000;
    int64_t seconds = 0, stall = 10 * INT64_C(1000000000);
    const struct cli_option opts[] = {
        CLI_CHOICE("wake", &wake,
                   "what blocked threads sleep on: futex (ours), signal or broadcast "
                   "(glibc's condition variable)",
                   wakes),
        CLI_LONG("runs", &runs, "N", "runs, each on a new channel", 1, 1000000),
        CLI_U64("items", &items, "N", "items per run, shared among the senders"),
        CLI_LONG("senders", &senders, "N", "blocking senders", 1, 64),
        CLI_LONG("capacity", &capacity, "N", "capacity of the channel", 1, 1 << 20),
        CLI_DURATION("seconds", &seconds,
                     "time budget: no new run, and no more items, after it (0: none)"),
        CLI_DURATION("stall", &stall, "no progress for this long is a hang"),
    };
    const struct cli cli = {
        .prog = "chan_stress",
        .summary = "Capacity-1 channel, blocking senders, run after run: does it hang?",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    if (items < (uint64_t)senders || items > (UINT64_C(1) << 40))
        cli_error("--items must be in [--senders, 2^40]");
    if (stall < 100 * INT64_C(1000000))
        cli_error("--stall must be at least 100ms");
    if (seconds < 0)
        cli_error("--seconds must not be negative");

    const enum chan_wake how[] = {CHAN_WAKE_FUTEX, CHAN_WAKE_COND_SIGNAL, CHAN_WAKE_COND_BROADCAST};
    int64_t t0 = (int64_t)lab_now_ns(), deadline = seconds ? t0 + seconds : 0;
    long done = 0, hung = 0, bad = 0, failed = 0;
    uint64_t moved = 0;
    struct sender *s = calloc((size_t)senders, sizeof *s);
    uint64_t *next = calloc((size_t)senders, sizeof *next);
    if (s == NULL || next == NULL)
        die("out of memory");
    for (long n = 1; n <= runs; n++) {
        if (deadline && (int64_t)lab_now_ns() >= deadline)
            break;
        memset(s, 0, (size_t)senders * sizeof *s);
        memset(next, 0, (size_t)senders * sizeof *next);
        struct run r = {.senders = (size_t)senders,
                        .per_sender = items / (uint64_t)senders,
                        .s = s,
                        .next = next};
        /* The watchdog's counters are relaxed atomics, read while the
         * threads run: not the shared state on show, which the channel guards. */
        ANNOTATE_ATOMIC(&r.stop);
        ANNOTATE_ATOMIC(&r.taken);
        ANNOTATE_ATOMIC(&r.recv_site);
        for (long i = 0; i < senders; i++) {
            ANNOTATE_ATOMIC(&s[i].site);
            ANNOTATE_ATOMIC(&s[i].sent);
        }
        r.c = chan_create_wake(sizeof(uint64_t), (size_t)capacity, how[wake]);
        if (r.c == NULL)
            die("out of memory");
        for (long i = 1; i < senders; i++)
            chan_clone_sender(r.c);
        struct lab_threads ts;
        if (lab_threads_start(&ts, (size_t)senders + 1, run_side, &r, 0) != 0)
            die("could not start the threads");
        enum outcome out = watch(&r, &ts, n, stall, deadline);
        if (out == RUN_STUCK) {
            printf("chan_stress: run %ld stayed stuck; %ld runs before it, %ld hung\n", n, done,
                   hung);
            printf("%ld passed, %ld failed\n", done - failed, failed + 1);
            fflush(stdout);
            _Exit(1); /* its threads sleep forever: no join, no clean-up */
        }
        chan_drop_receiver(r.c);
        uint64_t sent = 0;
        for (long i = 0; i < senders; i++) {
            sent += atomic_load_explicit(&s[i].sent, memory_order_relaxed);
            r.lost += atomic_load_explicit(&s[i].sent, memory_order_relaxed) - next[i];
        }
        uint64_t taken = atomic_load_explicit(&r.taken, memory_order_relaxed);
        if (r.lost || r.dup_or_late || taken != sent) {
            printf("run %ld: %" PRIu64 " items sent, %" PRIu64 " received, %" PRIu64
                   " lost, %" PRIu64 " duplicated or out of order\n",
                   n, sent, taken, r.lost, r.dup_or_late);
            bad++;
        }
        hung += out == RUN_HUNG_WOKEN;
        failed += out != RUN_OK || r.lost || r.dup_or_late || taken != sent;
        moved += taken;
        done++;
    }
    free(s);
    free(next);
    printf("chan_stress: %ld runs of %" PRIu64 " items (%s, capacity %ld, %ld senders): "
           "%" PRIu64 " items moved, %ld hung, %ld with items lost or out of order, %.1f s\n",
           done, items, wakes[wake], capacity, senders, moved, hung, bad,
           (double)((int64_t)lab_now_ns() - t0) / 1e9);
    printf("%ld passed, %ld failed\n", done - failed, failed);
    return failed ? 1 : 0;
}
