/* runner_lib.c - the command line of the runner programs (runner.h). */
#include "runner.h"

#include <inttypes.h>
#include <stdlib.h>

#include "cli.h"

int runner_parse_seed(const char *text, struct xorshift128 *out)
{
    uint32_t w[4];
    const char *p = text;
    for (int i = 0; i < 4; i++) {
        char *end;
        if (*p < '0' || *p > '9')
            return -1;
        unsigned long long v = strtoull(p, &end, 10);
        if (v > UINT32_MAX || *end != (i < 3 ? ',' : '\0'))
            return -1;
        w[i] = (uint32_t)v;
        p = end + 1;
    }
    if ((w[0] | w[1] | w[2] | w[3]) == 0)
        return -1;
    *out = (struct xorshift128){w[0], w[1], w[2], w[3]};
    return 0;
}

uint64_t runner_cli(const char *prog, const char *summary, int argc, char **argv,
                    struct xorshift128 *rng, struct map_hasher *hasher)
{
    uint64_t iters = 100000, hash_seed = 0;
    const char *seed = "1981,1986,2003,2011";
    const struct cli_option opts[] = {
        CLI_U64("iters", &iters, "N", "random operations"),
        CLI_STRING("seed", &seed, "A,B,C,D", "the four seed words of the book's xorshift128"),
        CLI_U64("hash-seed", &hash_seed, "N", "SipHash key from N (0: random, as Rust)"),
    };
    const struct cli cli = {
        .prog = prog,
        .summary = summary,
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
        .epilog = "The counts depend on the seed only: the hash key changes where entries\n"
                  "sit, never what a lookup finds.\n",
    };
    cli_parse(&cli, argc, argv);
    if (runner_parse_seed(seed, rng) != 0)
        cli_error("--seed wants four 32-bit numbers like 1981,1986,2003,2011, not all 0");
    *hasher = hash_seed ? map_hasher_seeded(hash_seed) : map_hasher_random();
    return iters;
}
