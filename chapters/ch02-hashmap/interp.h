/*
 * interp.h - the book's map interpreter: lines of text drive a map.
 *
 *   INSERT key value    -> "INSERT key value: new" or "...: replaced OLD"
 *   LOOKUP key          -> "LOOKUP key: VALUE" or "LOOKUP key: none"
 *   DELETE key          -> "DELETE key: removed VALUE" or "DELETE key: none"
 *
 * As in the book, a line is split on single spaces (two spaces make an empty
 * token, and the empty string is a legal key), a trailing "\r" is dropped and
 * tokens after the ones a command needs are ignored. DELETE is not in the
 * book. What the book skipped silently is reported here: an unknown command, a
 * missing key or value, a NUL byte in the line, a key that is not 0..255 for
 * the specialised map; the line is skipped and the next one read.
 *
 * The interpreter is the fuzz target of the chapter (fuzz/hashmap_interp):
 * every map must give the same answers as a plain list of pairs.
 */
#ifndef CH02_INTERP_H
#define CH02_INTERP_H

#include <stdbool.h>
#include <stddef.h>

#include "siphash.h"

enum interp_map {
    INTERP_NAIVE,       /* the book's naive map (keys never compared) */
    INTERP_NAIVE_FIXED, /* the naive map comparing keys */
    INTERP_STANDARD,    /* the Robin Hood rebuild of std's map */
    INTERP_SWISS,       /* the fast map */
    INTERP_SPECIALIZED, /* 256 slots; keys must be 0..255 */
    INTERP_MODEL,       /* a list of pairs searched from the start: the oracle */
};

/* The names the command line uses, indexed by enum interp_map; NULL-terminated. */
extern const char *const interp_map_names[];

struct interp;

/* hash_bits (1..64) weakens the hash of the naive maps (the bug's lesson).
 * NULL when out of memory. */
struct interp *interp_new(enum interp_map kind, struct map_hasher h, unsigned hash_bits);
void interp_free(struct interp *in);

/* A growing output buffer. */
struct interp_out {
    char *buf;
    size_t len, cap;
};

/* Runs one line (len bytes, no newline). Appends the answer and a newline to
 * out and returns 0; for a bad line appends nothing, writes the reason to err
 * and returns -EINVAL (-ENOMEM when out of memory). */
int interp_line(struct interp *in, const char *line, size_t len, struct interp_out *out, char *err,
                size_t errlen);

#endif
