/*
 * hashmap_interp - the map interpreter of chapters/ch02-hashmap on raw bytes:
 * the book's AFL target, made differential. The input is split into lines and
 * run through the book's naive map, the fixed naive map, the Robin Hood map and
 * the SwissTable, and through the model (a list of pairs); any answer that
 * differs from the model's aborts, which the fuzzer records as a crash. The
 * specialised map runs too, for crashes and leaks only (its keys are 0..255,
 * so its answers differ on purpose). Seeds: the book's three corpus files and
 * one with deletes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interp.h"

/* Runs every line of data through one map; returns what it printed. */
static struct interp_out run(enum interp_map kind, const uint8_t *data, size_t size)
{
    struct interp *in = interp_new(kind, map_hasher_seeded(1), 64);
    struct interp_out out = {0};
    char err[128];
    if (in == NULL)
        abort();
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        int rc = interp_line(in, p, len, &out, err, sizeof err);
        if (rc != 0 && rc != -EINVAL)
            abort();
        p += len + (nl != NULL);
    }
    interp_free(in);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct interp_out want = run(INTERP_MODEL, data, size);
    static const enum interp_map maps[] = {INTERP_NAIVE, INTERP_NAIVE_FIXED, INTERP_STANDARD,
                                           INTERP_SWISS};
    for (size_t m = 0; m < sizeof maps / sizeof maps[0]; m++) {
        struct interp_out got = run(maps[m], data, size);
        if (got.len != want.len || (got.len > 0 && memcmp(got.buf, want.buf, got.len) != 0)) {
            fprintf(stderr, "%s answered differently from the model:\n--- model\n%.*s--- %s\n%.*s",
                    interp_map_names[maps[m]], (int)want.len, want.buf ? want.buf : "",
                    interp_map_names[maps[m]], (int)got.len, got.buf ? got.buf : "");
            abort();
        }
        free(got.buf);
    }
    free(want.buf);
    struct interp_out spec = run(INTERP_SPECIALIZED, data, size);
    free(spec.buf);
    return 0;
}
