/* test_crash.c - crash.h: the line a crashing program prints, and that it
 * still dies of its signal. Each test crashes a child process of its own. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crash.h"
#include "opaque.h"
#include "test.h"

static uint64_t forty_two(void)
{
    return 42;
}

static void fault(void)
{
    volatile int *bad = lab_opaque_ptr((void *)(uintptr_t)8);
    *bad = 1;
}

/* Threads that fault together, released by one barrier. */
enum { CRASHERS = 4 };
static pthread_barrier_t together;

static void *fault_together(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&together);
    fault();
    return NULL;
}

static void fault_in_threads(void)
{
    pthread_t t[CRASHERS];
    pthread_barrier_init(&together, NULL, CRASHERS);
    for (int i = 0; i < CRASHERS; i++)
        pthread_create(&t[i], NULL, fault_together, NULL);
    for (int i = 0; i < CRASHERS; i++)
        pthread_join(t[i], NULL); /* not reached */
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

/* Forks a child that installs r and runs crash (which faults), puts what it
 * printed in out, and requires that it died of SIGSEGV itself. */
static void crash_child_with(const struct lab_crash_report *r, void (*crash)(void), char *out,
                             size_t size)
{
    if (SANITIZED)
        SKIP("the sanitizers report faults themselves: no handler is installed");
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    ASSERT(pid >= 0, "fork");
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], STDOUT_FILENO);
        setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0}); /* a planned crash leaves no core */
        lab_catch_crashes(r);
        crash();
        _exit(0); /* not reached */
    }
    close(fds[1]);
    size_t len = 0;
    ssize_t got;
    while (len + 1 < size && (got = read(fds[0], out + len, size - 1 - len)) > 0)
        len += (size_t)got;
    out[len] = '\0';
    close(fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
           "the child dies of SIGSEGV itself (status 0x%x; it printed: %s)", status, out);
}

static void crash_child(const struct lab_crash_report *r, char *out, size_t size)
{
    crash_child_with(r, fault, out, size);
}

TEST(crash, the_line_names_the_signal_the_address_and_the_progress)
{
    static const struct lab_crash_report r = {"crashy", forty_two, " widgets", " (a note)"};
    char out[512];
    crash_child(&r, out, sizeof out);
    const char *head = "crashy: crashed: SIGSEGV (fault address 0x8) after 42 widgets in 0.";
    ASSERT(strncmp(out, head, strlen(head)) == 0, "got: %s", out);
    const char *tail = " s (a note)\n";
    size_t n = strlen(out);
    ASSERT(n > strlen(tail) && strcmp(out + n - strlen(tail), tail) == 0, "got: %s", out);
}

TEST(crash, without_a_count_the_line_stops_at_the_address)
{
    static const struct lab_crash_report r = {"quiet", NULL, "", ""};
    char out[512];
    crash_child(&r, out, sizeof out);
    ASSERT_STR_EQ(out, "quiet: crashed: SIGSEGV (fault address 0x8)\n");
}

TEST(crash, a_line_too_long_is_cut_and_still_ends_the_line)
{
    static char note[1000];
    memset(note, 'x', sizeof note - 1);
    static const struct lab_crash_report r = {"long", NULL, "", note};
    char out[2048];
    crash_child(&r, out, sizeof out);
    size_t n = strlen(out);
    ASSERT(n == 320 && out[n - 1] == '\n', "a whole buffer, ending the line: %zu bytes", n);
    const char *head = "long: crashed: SIGSEGV (fault address 0x8)xxx";
    ASSERT(strncmp(out, head, strlen(head)) == 0, "got: %.60s", out);
}

/* Four threads fault at once: one line, not none and not two, and the
 * process still dies of the signal. */
TEST(crash, of_threads_crashing_together_one_speaks)
{
    static const struct lab_crash_report r = {"crowd", NULL, "", ""};
    for (int run = 0; run < 20; run++) {
        char out[1024];
        crash_child_with(&r, fault_in_threads, out, sizeof out);
        ASSERT_STR_EQ(out, "crowd: crashed: SIGSEGV (fault address 0x8)\n", "run %d", run);
    }
}
