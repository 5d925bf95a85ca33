/* env.c - see env.h. */
#include "env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define LAB_HAVE_VALGRIND_H 1
#endif
#endif

static bool env_flag(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

bool lab_emulated(void)
{
    return env_flag("LAB_EMULATED");
}

bool lab_long(void)
{
    return env_flag("LAB_LONG");
}

bool lab_under_valgrind(void)
{
#ifdef LAB_HAVE_VALGRIND_H
    return RUNNING_ON_VALGRIND != 0;
#else
    return false;
#endif
}

bool lab_under_tsan(void)
{
#if defined(__SANITIZE_THREAD__)
    return true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
    return true;
#else
    return false;
#endif
#else
    return false;
#endif
}

/* How much slower than native this run is, as the product of the factors of
 * the environments it runs in (each factor given for valgrind, qemu, TSan). */
static double slower_by(double valgrind, double emulated, double tsan)
{
    double f = 1;
    if (lab_under_valgrind())
        f *= valgrind;
    if (lab_emulated())
        f *= emulated;
    if (lab_under_tsan())
        f *= tsan;
    return f;
}

double lab_slowdown(void)
{
    const char *v = getenv("LAB_TIMEOUT_SCALE");
    if (v != NULL && v[0] != '\0') {
        double s = strtod(v, NULL);
        if (s > 0)
            return s;
    }
    return slower_by(30, 10, 5);
}

unsigned long lab_scaled(unsigned long n)
{
    unsigned long r = (unsigned long)((double)n / slower_by(50, 10, 10));
    return r > 0 ? r : 1;
}

long lab_status_kib(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL)
        return -1;
    char line[256];
    size_t n = strlen(field);
    long kib = -1;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            kib = strtol(line + n + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kib;
}
