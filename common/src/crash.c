/* crash.c - the crash line (crash.h). */
#include "crash.h"

#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"

static const struct lab_crash_report *report;
static uint64_t t0_ns;

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)

/* The line is built in a buffer on the handler's stack; what does not fit
 * (a long name or note) is cut, never written past its end. */
struct line {
    char buf[320];
    char *p;
};

static void put_str(struct line *l, const char *s)
{
    while (*s && l->p < l->buf + sizeof l->buf - 1)
        *l->p++ = *s++;
}

static void put_uint(struct line *l, uint64_t v, unsigned base)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v != 0);
    while (n > 0 && l->p < l->buf + sizeof l->buf - 1)
        *l->p++ = tmp[--n];
}

static _Atomic int crashed; /* the first crashing thread speaks */

static void on_crash(int sig, siginfo_t *info, void *uctx)
{
    (void)uctx;
    if (atomic_exchange(&crashed, 1) != 0) {
        /* another thread is writing the line and will end the process: a
         * second report, or dying of our signal now, would cut it short */
        for (;;)
            pause();
    }
    struct line line, *l = &line;
    line.p = line.buf;
    put_str(l, report->name);
    put_str(l, ": crashed: ");
    put_str(l, sig == SIGSEGV ? "SIGSEGV" : sig == SIGBUS ? "SIGBUS" : "SIGABRT");
    if (sig != SIGABRT) {
        put_str(l, " (fault address 0x");
        put_uint(l, (uint64_t)(uintptr_t)info->si_addr, 16);
        put_str(l, ")");
    }
    if (report->count != NULL) {
        uint64_t ms = (lab_now_ns() - t0_ns) / 1000000;
        put_str(l, " after ");
        put_uint(l, report->count(), 10);
        put_str(l, report->unit);
        put_str(l, " in ");
        put_uint(l, ms / 1000, 10);
        put_str(l, ms % 1000 < 100 ? (ms % 1000 < 10 ? ".00" : ".0") : ".");
        put_uint(l, ms % 1000, 10);
        put_str(l, " s");
    }
    put_str(l, report->note);
    *l->p++ = '\n'; /* the last byte was kept for it */
    if (write(STDOUT_FILENO, line.buf, (size_t)(l->p - line.buf)) < 0) {
        /* nothing more can be said from a crash handler */
    }
    signal(sig, SIG_DFL); /* die of the signal itself, so the exit status says it */
    raise(sig);
}

void lab_catch_crashes(const struct lab_crash_report *r)
{
    report = r;
    t0_ns = lab_now_ns();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_crash;
    /* no SA_RESETHAND: a second thread that faults while the first writes
     * must wait in the handler, not die of the default action at once */
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGABRT, &sa, NULL);
}

#else

void lab_catch_crashes(const struct lab_crash_report *r)
{
    report = r;
    t0_ns = lab_now_ns();
}

#endif
