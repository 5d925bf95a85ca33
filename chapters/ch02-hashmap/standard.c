/*
 * standard.c - the book's runner over std's map: Robin Hood hashing with SipHash-1-3 (robinhood.h),
 * 16-bit keys. See runner.h for what it does and the counts it must print.
 *
 *   standard [--iters N] [--seed A,B,C,D] [--hash-seed N]
 */
#include "runner.h"

int main(int argc, char **argv)
{
    struct xorshift128 rng;
    struct map_hasher h;
    uint64_t iters =
        runner_cli("standard", "The book's runner: random inserts and lookups, four counts.", argc,
                   argv, &rng, &h);
    struct runner_counts c = runner_standard(rng, iters, h);
    runner_print(&c, stdout);
    return 0;
}
