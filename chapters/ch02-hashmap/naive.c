/*
 * naive.c - the book's runner over the naive map: a vector sorted by hash (naive_map.h), 16-bit
 * keys. See runner.h for what it does and the counts it must print.
 *
 *   naive [--iters N] [--seed A,B,C,D] [--hash-seed N]
 */
#include "runner.h"

int main(int argc, char **argv)
{
    struct xorshift128 rng;
    struct map_hasher h;
    uint64_t iters =
        runner_cli("naive", "The book's runner: random inserts and lookups, four counts.", argc,
                   argv, &rng, &h);
    struct runner_counts c = runner_naive(rng, iters, h);
    runner_print(&c, stdout);
    return 0;
}
