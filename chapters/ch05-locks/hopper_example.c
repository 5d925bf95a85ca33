/*
 * hopper_example.c - the ring program on hopper, with the book's parameters:
 * a writer sends 0, 1, 2... (uint32_t) and the reader checks that a million
 * of them arrive in order, through 40 bytes of memory (ten items) and one
 * queue file of 400,000 bytes.
 *
 * With so little memory nearly every item goes through the disk. The book's
 * writer stopped at the first error, and with a single file that is the
 * first Full, leaving the reader waiting for ever; here the writer keeps the
 * refused item and tries again, and flushes at the end (the lazy flip).
 *
 *   hopper_example [--items N] [--memory-bytes N] [--disk-bytes N] [--files N]
 */
#define _GNU_SOURCE /* mkdtemp */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "env.h"
#include "hopper.h"
#include "threads.h"

struct job {
    struct hopper_sender *tx;
    uint32_t items;
    uint64_t refusals;
};

static void *writer(size_t id, void *arg)
{
    (void)id;
    struct job *j = arg;
    for (uint32_t v = 0; v < j->items; v++) {
        int rc;
        while ((rc = hopper_send(j->tx, &v)) == -ENOSPC) {
            j->refusals++; /* memory and disk full: keep the item, try again */
            nanosleep(&(struct timespec){.tv_nsec = 100000}, NULL);
        }
        if (rc != 0)
            die("send: %s", strerror(-rc));
    }
    while (hopper_flush(j->tx) != 0)
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    return NULL;
}

int main(int argc, char **argv)
{
    uint64_t items = 1000000, memory = 40, disk = 400000, files = 1;
    const struct cli_option opts[] = {
        CLI_U64("items", &items, "N", "values to send and check"),
        CLI_U64("memory-bytes", &memory, "N", "bytes of items in memory (4 each)"),
        CLI_U64("disk-bytes", &disk, "N", "bytes per queue file (8 per record)"),
        CLI_U64("files", &files, "N", "queue files at once"),
    };
    const struct cli cli = {
        .prog = "hopper_example",
        .summary = "The book's hopper_example: values in order through 40 B of memory and a file.",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    if (items > UINT32_MAX)
        cli_error("--items must fit in 32 bits");
    char dir[] = "/tmp/hopper-example-XXXXXX";
    if (mkdtemp(dir) == NULL)
        die_errno("mkdtemp");
    struct hopper_config cfg = {dir, "example", sizeof(uint32_t), memory, disk, files};
    struct hopper_sender *tx;
    struct hopper_receiver *rx;
    int rc = hopper_channel(&cfg, &tx, &rx);
    if (rc != 0)
        die("hopper_channel: %s", strerror(-rc));
    struct job j = {tx, (uint32_t)lab_scaled(items), 0};
    struct lab_threads ts;
    uint64_t t0 = lab_now_ns();
    if (lab_threads_start(&ts, 1, writer, &j, 0) != 0)
        die("could not start the writer");
    uint32_t bad = 0;
    for (uint32_t want = 0; want < j.items; want++) {
        uint32_t v;
        if ((rc = hopper_recv(rx, &v)) != 0)
            die("recv: %s", strerror(-rc));
        bad += v != want;
    }
    lab_threads_join(&ts);
    double s = lab_seconds_since(t0);
    hopper_sender_free(tx);
    hopper_receiver_free(rx);
    rmdir(dir);
    printf("hopper_example: %u values through %llu B of memory and %llu file(s) of %llu B in "
           "%.2f s (%.2f M/s), %llu refused while full: %s\n",
           j.items, (unsigned long long)memory, (unsigned long long)files, (unsigned long long)disk,
           s, j.items / s / 1e6, (unsigned long long)j.refusals,
           bad ? "OUT OF ORDER" : "all in order");
    return bad != 0;
}
