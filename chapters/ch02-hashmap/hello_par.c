/*
 * hello_par.c - the parallel half of the book's thread-spawn experiment.
 *
 * The same line as hello_seq.c, printed by a thread that main creates and then
 * joins. The join is what makes the output certain: once main returns, exit()
 * ends every thread, and a greeting that has not been printed by then is lost.
 * spawn_time.sh times both programs; the extra time of this one is the price
 * of one thread. helgrind and memcheck are clean on it: the only data the two
 * threads share is the stdout stream, and stdio locks it.
 *
 *   hello_par [--help]
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "cli.h"

static void *greet(void *arg)
{
    (void)arg;
    printf("GREETINGS, HUMANS\n");
    return NULL;
}

int main(int argc, char **argv)
{
    const struct cli cli = {
        .prog = "hello_par",
        .summary = "Print a greeting from a spawned thread, then join it.",
    };
    cli_parse(&cli, argc, argv);
    pthread_t t;
    /* pthread functions return their error instead of setting errno */
    if ((errno = pthread_create(&t, NULL, greet, NULL)) != 0)
        die_errno("cannot create a thread");
    if ((errno = pthread_join(t, NULL)) != 0)
        die_errno("cannot join the thread");
    return 0;
}
