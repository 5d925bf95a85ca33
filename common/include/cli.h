/*
 * cli.h - one command-line convention for every program, and die().
 *
 * A program describes its options in a table; cli_parse() handles --help,
 * `--name value` and `--name=value`, checks numbers and their ranges, and turns
 * every mistake into one clear line on stderr and exit status 2:
 *
 *     long threads = 2; uint64_t seed = 1; bool verbose = false;
 *     const struct cli_option opts[] = {
 *         CLI_LONG("threads", &threads, "N", "worker threads", 1, 256),
 *         CLI_U64("seed", &seed, "N", "random seed"),
 *         CLI_FLAG("verbose", &verbose, "print every run"),
 *     };
 *     struct cli cli = {.prog = "demo", .summary = "what it shows",
 *                       .options = opts, .n_options = 3};
 *     int first = cli_parse(&cli, argc, argv);   // index of the first operand
 *
 * die() prints "prog: message" and exits 1: for a broken invariant or a failed
 * system call, not for bad input (that is cli_error(), exit 2).
 */
#ifndef LAB_CLI_H
#define LAB_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum cli_type {
    CLI_TYPE_FLAG,
    CLI_TYPE_LONG,
    CLI_TYPE_U64,
    CLI_TYPE_DOUBLE,
    CLI_TYPE_STRING,
    CLI_TYPE_CHOICE,
    CLI_TYPE_DURATION
};

struct cli_option {
    const char *name; /* "threads" for --threads */
    enum cli_type type;
    void *value;         /* bool*, long*, uint64_t*, double*, const char**, int*,
                            int64_t* (durations, in nanoseconds) */
    const char *metavar; /* "N", "S", ... (NULL for flags) */
    const char *help;
    double min, max;            /* inclusive range for numbers when min < max */
    const char *const *choices; /* NULL-terminated, for CLI_TYPE_CHOICE */
};

#define CLI_FLAG(n, p, h)                                                                          \
    {                                                                                              \
        n, CLI_TYPE_FLAG, p, NULL, h, 0, 0, NULL                                                   \
    }
#define CLI_LONG(n, p, m, h, lo, hi)                                                               \
    {                                                                                              \
        n, CLI_TYPE_LONG, p, m, h, lo, hi, NULL                                                    \
    }
#define CLI_U64(n, p, m, h)                                                                        \
    {                                                                                              \
        n, CLI_TYPE_U64, p, m, h, 0, 0, NULL                                                       \
    }
#define CLI_DOUBLE(n, p, m, h, lo, hi)                                                             \
    {                                                                                              \
        n, CLI_TYPE_DOUBLE, p, m, h, lo, hi, NULL                                                  \
    }
#define CLI_STRING(n, p, m, h)                                                                     \
    {                                                                                              \
        n, CLI_TYPE_STRING, p, m, h, 0, 0, NULL                                                    \
    }
#define CLI_CHOICE(n, p, h, list)                                                                  \
    {                                                                                              \
        n, CLI_TYPE_CHOICE, p, NULL, h, 0, 0, list                                                 \
    }
#define CLI_DURATION(n, p, h)                                                                      \
    {                                                                                              \
        n, CLI_TYPE_DURATION, p, "D", h, 0, 0, NULL                                                \
    }

struct cli {
    const char *prog;     /* program name used in messages */
    const char *summary;  /* one line: what the program shows */
    const char *operands; /* e.g. "[TEST...]"; NULL: no operands accepted */
    const char *epilog;   /* printed after the options (examples, notes) */
    const struct cli_option *options;
    size_t n_options;
};

/* Parses argv. Prints usage and exits 0 on --help; on a mistake prints one line
 * and exits 2. Returns the index of the first operand (argc if none). */
int cli_parse(const struct cli *cli, int argc, char **argv);

void cli_usage(const struct cli *cli, FILE *out);

/* "prog: message" on stderr, a hint to try --help, exit 2 (bad input). */
_Noreturn void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "prog: message" on stderr, exit 1 (a broken invariant, a failed call). */
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* As die(), with ": strerror(errno)" appended. */
_Noreturn void die_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "10ms", "500us", "0.5ms", "2s", "100ns" or a plain number of seconds, to
 * nanoseconds; -1 if malformed or negative. */
int64_t cli_parse_duration(const char *text);

/* The name die() and cli_error() print; set by cli_parse(). */
const char *lab_progname(void);

#endif
