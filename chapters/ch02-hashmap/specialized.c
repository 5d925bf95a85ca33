/*
 * specialized.c - the book's runner over the specialised map: 256 slots indexed by an 8-bit key
 * (u8map.h). See runner.h for what it does and the counts it must print.
 *
 *   specialized [--iters N] [--seed A,B,C,D] [--hash-seed N]
 */
#include "runner.h"

int main(int argc, char **argv)
{
    struct xorshift128 rng;
    struct map_hasher h;
    uint64_t iters =
        runner_cli("specialized", "The book's runner: random inserts and lookups, four counts.",
                   argc, argv, &rng, &h);
    struct runner_counts c = runner_specialized(rng, iters);
    runner_print(&c, stdout);
    return 0;
}
