/* test_cli.c - options parse, and bad input exits 2 with a message. */
#include "cli.h"
#include "test.h"

static long threads = 2;
static uint64_t seed = 1;
static double seconds = 1.0;
static bool verbose = false;
static const char *name = "x";
static int order = 0;
static const char *const orders[] = {"relaxed", "acqrel", "seqcst", NULL};

static const struct cli_option opts[] = {
    CLI_LONG("threads", &threads, "N", "threads", 1, 64),
    CLI_U64("seed", &seed, "N", "seed"),
    CLI_DOUBLE("seconds", &seconds, "S", "duration", 0.001, 60),
    CLI_FLAG("verbose", &verbose, "chatty"),
    CLI_STRING("name", &name, "S", "a name"),
    CLI_CHOICE("order", &order, "memory order", orders),
};
static const struct cli spec = {
    .prog = "t", .summary = "test", .operands = "[ARG...]", .options = opts, .n_options = 6};
static const struct cli strict = {.prog = "t", .options = opts, .n_options = 6};

TEST(cli, parses_both_forms)
{
    char *argv[] = {"t",         "--threads",  "8",       "--seed=99", "--seconds", "0.5",
                    "--verbose", "--name=abc", "--order", "seqcst",    "rest",      NULL};
    int first = cli_parse(&spec, 11, argv);
    ASSERT_EQ(threads, 8);
    ASSERT_EQ(seed, 99);
    ASSERT_NEAR(seconds, 0.5, 1e-12);
    ASSERT(verbose);
    ASSERT_STR_EQ(name, "abc");
    ASSERT_EQ(order, 2);
    ASSERT_EQ(first, 10);
    ASSERT_STR_EQ(argv[first], "rest");
}

TEST(cli, hex_seed)
{
    char *argv[] = {"t", "--seed", "0xdeadbeef", NULL};
    cli_parse(&spec, 3, argv);
    ASSERT_EQ(seed, 0xdeadbeefu);
}

TEST(cli, help_exits_0, .exit_code = 0)
{
    char *argv[] = {"t", "--help", NULL};
    cli_parse(&spec, 2, argv);
    FAIL("--help returned instead of exiting");
}

TEST(cli, unknown_option_exits_2, .exit_code = 2)
{
    char *argv[] = {"t", "--bogus", NULL};
    cli_parse(&spec, 2, argv);
}

TEST(cli, out_of_range_exits_2, .exit_code = 2)
{
    char *argv[] = {"t", "--threads", "65", NULL};
    cli_parse(&spec, 3, argv);
}

TEST(cli, not_a_number_exits_2, .exit_code = 2)
{
    char *argv[] = {"t", "--threads", "4x", NULL};
    cli_parse(&spec, 3, argv);
}

TEST(cli, negative_u64_exits_2, .exit_code = 2)
{
    char *argv[] = {"t", "--seed", "-1", NULL};
    cli_parse(&spec, 3, argv);
}

TEST(cli, missing_value_exits_2, .exit_code = 2)
{
    char *argv[] = {"t", "--threads", NULL};
    cli_parse(&spec, 2, argv);
}

TEST(cli, bad_choice_exits_2, .exit_code = 2)
{
    char *argv[] = {"t", "--order", "sloppy", NULL};
    cli_parse(&spec, 3, argv);
}

TEST(cli, operand_refused_without_operands, .exit_code = 2)
{
    char *argv[] = {"t", "stray", NULL};
    cli_parse(&strict, 2, argv);
}

TEST(cli, die_exits_1, .exit_code = 1)
{
    die("invariant %s broken", "x");
}

TEST(cli, durations)
{
    ASSERT_EQ(cli_parse_duration("10ms"), 10000000);
    ASSERT_EQ(cli_parse_duration("500us"), 500000);
    ASSERT_EQ(cli_parse_duration("0.1ms"), 100000);
    ASSERT_EQ(cli_parse_duration("2s"), 2000000000);
    ASSERT_EQ(cli_parse_duration("3"), 3000000000);
    ASSERT_EQ(cli_parse_duration("100ns"), 100);
    ASSERT_EQ(cli_parse_duration("10 ms"), -1);
    ASSERT_EQ(cli_parse_duration("ms"), -1);
    ASSERT_EQ(cli_parse_duration("-1ms"), -1);
    ASSERT_EQ(cli_parse_duration("5min"), -1);
}

TEST(cli, duration_option)
{
    int64_t d = 0;
    const struct cli_option o[] = {CLI_DURATION("poll", &d, "interval")};
    const struct cli c = {.prog = "t", .options = o, .n_options = 1};
    char *argv[] = {"t", "--poll=250us", NULL};
    cli_parse(&c, 2, argv);
    ASSERT_EQ(d, 250000);
}

TEST(cli, bad_duration_exits_2, .exit_code = 2)
{
    int64_t d = 0;
    const struct cli_option o[] = {CLI_DURATION("poll", &d, "interval")};
    const struct cli c = {.prog = "t", .options = o, .n_options = 1};
    char *argv[] = {"t", "--poll", "soon", NULL};
    cli_parse(&c, 3, argv);
}
