/*
 * hello_seq.c - the sequential half of the book's thread-spawn experiment.
 *
 * It prints one line from main and exits. Its twin hello_par.c prints the same
 * line from a second thread and joins it. Each program does almost nothing, so
 * when spawn_time.sh runs both a hundred times, nearly all of the time measured
 * is process start-up. The difference between the two totals is what one
 * pthread_create and pthread_join add to a run (see README-amdahl.md).
 *
 *   hello_seq [--help]
 */
#include <stdio.h>

#include "cli.h"

int main(int argc, char **argv)
{
    const struct cli cli = {
        .prog = "hello_seq",
        .summary = "Print a greeting from the main thread (the baseline of spawn_time.sh).",
    };
    cli_parse(&cli, argc, argv);
    printf("GREETINGS, HUMANS\n");
    return 0;
}
