/*
 * test_runner.c - the main() of every test binary not built for Criterion.
 *
 * It runs the tests that test.h registered, each in a forked child so that a
 * crash, an expected signal or a hang is confined to one test; the parent waits
 * with a deadline and names the test that hung. Under valgrind each child is
 * checked on its own: memcheck runs its leak check when the child exits and,
 * with --error-exitcode=99, turns errors or definite leaks into exit code 99,
 * which fails that one test. --no-fork runs tests in this process instead (for
 * a debugger); a watchdog alarm still names a hang, and tests that expect a
 * signal or an exit code are forked anyway.
 *
 * Output: one line per test, then "N passed, N failed" (", N skipped" when some
 * were). Exit status 0 only when nothing failed.
 *
 *   test_foo [--list] [--filter GLOB] [--no-fork] [--timeout S] [--verbose]
 */
#include "test.h"

#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "env.h"

enum { EXIT_ASSERT = 97, EXIT_SKIP = 98, EXIT_VALGRIND = 99 };
enum outcome { PASSED, FAILED, SKIPPED };

static struct lab_test *registered;
static size_t n_registered;
/* The sorted tests. Static, so that memcheck in a forked child that ends early
 * (a failed assertion calls _exit) still sees it as reachable, not leaked. */
static struct lab_test **tests;

/* Inline mode: where a failed assertion jumps back to. */
static jmp_buf inline_jump;
static bool running_inline;
static pthread_t inline_thread;
static const struct lab_test *current;

void lab_test_register_(struct lab_test *t)
{
    t->next = registered;
    registered = t;
    n_registered++;
}

_Noreturn void lab_test_fail_(const char *file, int line, const char *msg)
{
    fprintf(stderr, "    %s:%d: %s\n", file, line, msg);
    fflush(stderr);
    if (running_inline && pthread_equal(pthread_self(), inline_thread))
        longjmp(inline_jump, EXIT_ASSERT);
    /* A forked child, or a helper thread of an inline test: end the process. */
    fflush(stdout);
    _exit(EXIT_ASSERT);
}

_Noreturn void lab_test_skip_(const char *msg)
{
    fprintf(stderr, "    skipped: %s\n", msg);
    fflush(stderr);
    if (running_inline && pthread_equal(pthread_self(), inline_thread))
        longjmp(inline_jump, EXIT_SKIP);
    fflush(stdout);
    _exit(EXIT_SKIP);
}

static void on_alarm(int sig)
{
    (void)sig;
    /* Only async-signal-safe calls here. */
    static const char a[] = "[FAIL] ";
    static const char b[] = ": timed out (inline mode, the run stops here)\n";
    if (write(STDERR_FILENO, a, sizeof a - 1) < 0 ||
        write(STDERR_FILENO, current->suite, strlen(current->suite)) < 0 ||
        write(STDERR_FILENO, "::", 2) < 0 ||
        write(STDERR_FILENO, current->name, strlen(current->name)) < 0 ||
        write(STDERR_FILENO, b, sizeof b - 1) < 0)
        _exit(EXIT_ASSERT);
    _exit(EXIT_ASSERT);
}

static double timeout_of(const struct lab_test *t, double default_s)
{
    double base = t->opts->timeout > 0 ? t->opts->timeout : default_s;
    return base * lab_slowdown();
}

static void run_body(const struct lab_test *t)
{
    if (t->opts->init)
        t->opts->init();
    t->fn();
    if (t->opts->fini)
        t->opts->fini();
}

static enum outcome run_inline(const struct lab_test *t, double timeout_s, char *why, size_t whylen)
{
    struct sigaction sa = {.sa_handler = on_alarm};
    sigaction(SIGALRM, &sa, NULL);
    alarm((unsigned)(timeout_s + 1));
    current = t;
    running_inline = true;
    inline_thread = pthread_self();
    int code = setjmp(inline_jump);
    if (code == 0)
        run_body(t);
    running_inline = false;
    alarm(0);
    if (code == EXIT_SKIP)
        return SKIPPED;
    if (code == EXIT_ASSERT) {
        snprintf(why, whylen, "assertion failed");
        return FAILED;
    }
    return PASSED;
}

static enum outcome judge(const struct lab_test *t, int status, char *why, size_t whylen)
{
    int want_sig = t->opts->signal, want_code = t->opts->exit_code;
    if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_SKIP)
        return SKIPPED;
    if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_ASSERT) {
        snprintf(why, whylen, "assertion failed");
        return FAILED;
    }
    if (want_sig != 0) {
        if (WIFSIGNALED(status) && WTERMSIG(status) == want_sig)
            return PASSED;
        if (WIFSIGNALED(status))
            snprintf(why, whylen, "expected signal %d (%s), died of signal %d (%s)", want_sig,
                     strsignal(want_sig), WTERMSIG(status), strsignal(WTERMSIG(status)));
        else
            snprintf(why, whylen, "expected signal %d (%s), exited with %d", want_sig,
                     strsignal(want_sig), WEXITSTATUS(status));
        return FAILED;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_VALGRIND && want_code != EXIT_VALGRIND &&
        lab_under_valgrind()) {
        snprintf(why, whylen, "valgrind found errors or definite leaks (its report is above)");
        return FAILED;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 66 && want_code != 66 && lab_under_tsan()) {
        snprintf(why, whylen, "ThreadSanitizer reported a problem (exit 66; its report is above)");
        return FAILED;
    }
    if (WIFSIGNALED(status)) {
        snprintf(why, whylen, "crashed: signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
        return FAILED;
    }
    if (WEXITSTATUS(status) == want_code)
        return PASSED;
    snprintf(why, whylen, "expected exit code %d, got %d", want_code, WEXITSTATUS(status));
    return FAILED;
}

static enum outcome run_forked(const struct lab_test *t, double timeout_s, char *why, size_t whylen)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, whylen, "fork: %s", strerror(errno));
        return FAILED;
    }
    if (pid == 0) {
        current = t;
        run_body(t);
        fflush(stdout);
        fflush(stderr);
        /* exit(), not _exit(): a test that expects an exit code may rely on
         * atexit handlers, and stdio is flushed either way. */
        exit(0);
    }
    uint64_t deadline = lab_now_ns() + (uint64_t)(timeout_s * 1e9);
    for (;;) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return judge(t, status, why, whylen);
        if (r < 0 && errno != EINTR) {
            snprintf(why, whylen, "waitpid: %s", strerror(errno));
            return FAILED;
        }
        if (lab_now_ns() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            snprintf(why, whylen, "timed out after %.1f s", timeout_s);
            return FAILED;
        }
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
}

static int by_file_then_line(const void *a, const void *b)
{
    const struct lab_test *x = *(const struct lab_test *const *)a;
    const struct lab_test *y = *(const struct lab_test *const *)b;
    int c = strcmp(x->file, y->file);
    return c != 0 ? c : x->line - y->line;
}

static void usage(FILE *out, const char *prog)
{
    fprintf(out,
            "usage: %s [--list] [--filter GLOB] [--no-fork] [--timeout S] [--verbose]\n"
            "  --list         print the tests (suite/name) and exit\n"
            "  --filter GLOB  run only tests whose suite/name matches GLOB\n"
            "  --no-fork      run tests in this process (for a debugger)\n"
            "  --timeout S    per-test timeout when a test names none (default 60),\n"
            "                 multiplied by the slowdown of valgrind, qemu or TSan\n"
            "  --verbose      print passing tests too\n",
            prog);
}

int main(int argc, char **argv)
{
    const char *filter = NULL;
    bool list = false, no_fork = false, verbose = false;
    double default_timeout = 60;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--list") == 0) {
            list = true;
        } else if (strcmp(a, "--filter") == 0 && i + 1 < argc) {
            filter = argv[++i];
        } else if (strcmp(a, "--no-fork") == 0) {
            no_fork = true;
        } else if (strcmp(a, "--verbose") == 0) {
            verbose = true;
        } else if (strcmp(a, "--timeout") == 0 && i + 1 < argc) {
            char *end;
            default_timeout = strtod(argv[++i], &end);
            if (*end != '\0' || default_timeout <= 0) {
                fprintf(stderr, "%s: --timeout: expected seconds > 0, got '%s'\n", argv[0],
                        argv[i]);
                return 2;
            }
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout, argv[0]);
            return 0;
        } else {
            fprintf(stderr, "%s: unknown or incomplete option '%s'\n", argv[0], a);
            usage(stderr, argv[0]);
            return 2;
        }
    }

    tests = calloc(n_registered ? n_registered : 1, sizeof *tests);
    if (tests == NULL) {
        fprintf(stderr, "%s: out of memory\n", argv[0]);
        return 2;
    }
    size_t n = 0;
    for (struct lab_test *t = registered; t != NULL; t = t->next)
        tests[n++] = t;
    qsort(tests, n, sizeof *tests, by_file_then_line);

    unsigned passed = 0, failed = 0, skipped = 0;
    for (size_t i = 0; i < n; i++) {
        const struct lab_test *t = tests[i];
        char id[256];
        snprintf(id, sizeof id, "%s/%s", t->suite, t->name);
        if (filter != NULL && fnmatch(filter, id, 0) != 0)
            continue;
        if (list) {
            printf("%s\n", id);
            continue;
        }
        if (t->opts->disabled) {
            skipped++;
            continue;
        }
        char why[512] = "";
        double timeout_s = timeout_of(t, default_timeout);
        bool must_fork = t->opts->signal != 0 || t->opts->exit_code != 0;
        uint64_t t0 = lab_now_ns();
        enum outcome o = (no_fork && !must_fork) ? run_inline(t, timeout_s, why, sizeof why)
                                                 : run_forked(t, timeout_s, why, sizeof why);
        double secs = (double)(lab_now_ns() - t0) / 1e9;
        fflush(stdout);
        switch (o) {
        case PASSED:
            passed++;
            if (verbose)
                fprintf(stdout, "[PASS] %s::%s (%.2f s)\n", t->suite, t->name, secs);
            break;
        case SKIPPED:
            skipped++;
            fprintf(stdout, "[SKIP] %s::%s\n", t->suite, t->name);
            break;
        case FAILED:
            failed++;
            fprintf(stdout, "[FAIL] %s::%s: %s (%s:%d)\n", t->suite, t->name, why, t->file,
                    t->line);
            break;
        }
    }
    free(tests);
    if (list)
        return 0;
    fflush(stderr);
    if (skipped)
        printf("%u passed, %u failed, %u skipped\n", passed, failed, skipped);
    else
        printf("%u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
