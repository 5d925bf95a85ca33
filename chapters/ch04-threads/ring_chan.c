/*
 * ring_chan.c - the pipe of ring_racy.c and ring_mutex.c built on a bounded
 * channel (common/chan.h): the book's data_race03, "using MPSC".
 *
 * The writer sends 0, 1, 2, ... into a channel of capacity 10 and blocks while
 * it is full; the reader receives them and checks the order. No shared state is
 * visible to the program at all: the channel owns the slots, the count and the
 * lock, and a full channel puts the writer to sleep instead of spinning.
 * helgrind, DRD and ThreadSanitizer are clean (tests/races.tsv).
 *
 *   ring_chan [--capacity N] [--count N]
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "chan.h"
#include "cli.h"
#include "env.h"
#include "threads.h"

struct pipe {
    struct chan *c;
    uint32_t count;
    uint32_t taken, expected, found;
    bool out_of_order;
};

static void *run_side(size_t id, void *arg)
{
    struct pipe *p = arg;
    if (id == 0) { /* the writer */
        for (uint32_t v = 0; v < p->count; v++)
            if (chan_send(p->c, &v) != 0)
                break; /* the reader is gone */
        chan_drop_sender(p->c);
        return NULL;
    }
    uint32_t v;
    while (chan_recv(p->c, &v) == 0) {
        if (v != p->taken && !p->out_of_order) {
            p->out_of_order = true;
            p->expected = p->taken;
            p->found = v;
        }
        p->taken++;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    long capacity = 10;
    uint64_t count = 1000000;
    const struct cli_option opts[] = {
        CLI_LONG("capacity", &capacity, "N", "capacity of the channel", 1, 1 << 20),
        CLI_U64("count", &count, "N", "values sent"),
    };
    const struct cli cli = {
        .prog = "ring_chan",
        .summary = "The ring's pipe over a bounded MPSC channel (data_race03).",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    if (count == 0 || count > UINT32_MAX)
        cli_error("--count must be in [1, 2^32 - 1]");
    struct pipe p = {chan_create(sizeof(uint32_t), (size_t)capacity),
                     (uint32_t)lab_scaled(count),
                     0,
                     0,
                     0,
                     false};
    if (p.c == NULL)
        die("out of memory");
    struct lab_threads ts;
    if (lab_threads_start(&ts, 2, run_side, &p, 0) != 0)
        die("could not start the threads");
    lab_threads_join(&ts);
    chan_drop_receiver(p.c);
    if (p.out_of_order)
        die("out of order: expected %u, found %u", p.expected, p.found);
    if (p.taken != p.count)
        die("received %u of %u values", p.taken, p.count);
    printf("ring_chan: received %u values in order through a channel of %ld\n", p.taken, capacity);
    return 0;
}
