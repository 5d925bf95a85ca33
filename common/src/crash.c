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

static char *put_str(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

static char *put_uint(char *p, uint64_t v, unsigned base)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v != 0);
    while (n > 0)
        *p++ = tmp[--n];
    return p;
}

static _Atomic int crashed; /* the first crashing thread speaks; the others just die */

static void on_crash(int sig, siginfo_t *info, void *uctx)
{
    (void)uctx;
    if (atomic_exchange(&crashed, 1) == 0) {
        char buf[320], *p = buf;
        p = put_str(p, report->name);
        p = put_str(p, ": crashed: ");
        p = put_str(p, sig == SIGSEGV ? "SIGSEGV" : sig == SIGBUS ? "SIGBUS" : "SIGABRT");
        if (sig != SIGABRT) {
            p = put_str(p, " (fault address 0x");
            p = put_uint(p, (uint64_t)(uintptr_t)info->si_addr, 16);
            p = put_str(p, ")");
        }
        if (report->count != NULL) {
            uint64_t ms = (lab_now_ns() - t0_ns) / 1000000;
            p = put_str(p, " after ");
            p = put_uint(p, report->count(), 10);
            p = put_str(p, report->unit);
            p = put_str(p, " in ");
            p = put_uint(p, ms / 1000, 10);
            p = put_str(p, ms % 1000 < 100 ? (ms % 1000 < 10 ? ".00" : ".0") : ".");
            p = put_uint(p, ms % 1000, 10);
            p = put_str(p, " s");
        }
        p = put_str(p, report->note);
        p = put_str(p, "\n");
        if (write(STDOUT_FILENO, buf, (size_t)(p - buf)) < 0) {
            /* nothing more can be said from a crash handler */
        }
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
    sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
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
