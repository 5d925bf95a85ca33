/*
 * interp.c - the book's map interpreter for every map of the chapter: INSERT,
 * LOOKUP and DELETE lines on stdin, one answer per line on stdout, a bad line
 * reported on stderr and skipped (interp.h).
 *
 *   printf 'LOOKUP 10\nINSERT abs 10\nLOOKUP abs\n' | interp --map standard
 *   interp --map naive --hash-bits 4 < lines    # the naive map's bug, made likely
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "interp.h"

#ifndef LAB_NO_MAIN
int main(int argc, char **argv)
{
    int map = INTERP_STANDARD;
    long hash_bits = 64;
    uint64_t hash_seed = 0;
    const struct cli_option opts[] = {
        CLI_CHOICE("map", &map, "naive, naive-fixed, standard, swiss, specialized or model",
                   interp_map_names),
        CLI_LONG("hash-bits", &hash_bits, "N", "keep N bits of the naive maps' hash", 1, 64),
        CLI_U64("hash-seed", &hash_seed, "N", "SipHash key from N (0: random)"),
    };
    const struct cli cli = {
        .prog = "interp",
        .summary = "Drives a map with INSERT key value / LOOKUP key / DELETE key lines on stdin.",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    struct map_hasher h = hash_seed ? map_hasher_seeded(hash_seed) : map_hasher_random();
    struct interp *in = interp_new((enum interp_map)map, h, (unsigned)hash_bits);
    if (in == NULL)
        die("out of memory");
    struct interp_out out = {0};
    char *line = NULL, err[128];
    size_t cap = 0, lineno = 0, skipped = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        if (n > 0 && line[n - 1] == '\n')
            n--;
        out.len = 0;
        int rc = interp_line(in, line, (size_t)n, &out, err, sizeof err);
        if (rc == -EINVAL) {
            fprintf(stderr, "interp: line %zu: %s: skipped\n", lineno, err);
            skipped++;
        } else if (rc != 0) {
            die("out of memory at line %zu", lineno);
        }
        fwrite(out.buf, 1, out.len, stdout);
    }
    free(line);
    free(out.buf);
    interp_free(in);
    if (skipped > 0)
        fprintf(stderr, "interp: %zu lines, %zu skipped\n", lineno, skipped);
    return 0;
}
#endif
