/* test_telem.c - the datagram parser refuses what it must; CKMS keeps its rank
 * error within eps * n; the moving average is the mean. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prop.h"
#include "telem.h"
#include "test.h"

static int parse(const char *s, struct telem_point *p)
{
    return telem_parse((const uint8_t *)s, strlen(s), p);
}

TEST(telem, parses_name_and_value)
{
    struct telem_point p;
    ASSERT_EQ(parse("a 10", &p), 0);
    ASSERT_STR_EQ(p.name, "a");
    ASSERT_EQ(p.value, 10);
    ASSERT_EQ(parse("  cpu.load\t+4294967295 extra tokens\n", &p), 0);
    ASSERT_STR_EQ(p.name, "cpu.load");
    ASSERT_EQ(p.value, 4294967295u);
    ASSERT_EQ(parse("température 7", &p), 0, "UTF-8 names are fine");
    ASSERT_STR_EQ(p.name, "température");
}

TEST(telem, refuses_bad_values)
{
    struct telem_point p;
    ASSERT_EQ(parse("a", &p), -EINVAL, "no value");
    ASSERT_EQ(parse("", &p), -EINVAL, "nothing");
    ASSERT_EQ(parse("a -1", &p), -EINVAL, "strtoul would wrap this to 4294967295");
    ASSERT_EQ(parse("a 0x10", &p), -EINVAL, "no hex");
    ASSERT_EQ(parse("a 12b", &p), -EINVAL, "no trailing junk");
    ASSERT_EQ(parse("a +", &p), -EINVAL);
    ASSERT_EQ(parse("a 4294967296", &p), -ERANGE);
    ASSERT_EQ(parse("a 99999999999999999999999", &p), -ERANGE);
    char name[300];
    memset(name, 'x', 256);
    strcpy(name + 256, " 1");
    ASSERT_EQ(parse(name, &p), -ENAMETOOLONG);
}

/* Found by fuzzing (fuzz/telem_parse): a NUL inside a name was accepted, and
 * the name then read as a shorter C string. */
TEST(telem, refuses_control_characters_in_names)
{
    struct telem_point p;
    static const uint8_t nul[] = {'N', 0, 0, 0, ' ', '7'};
    ASSERT_EQ(telem_parse(nul, sizeof nul, &p), -EINVAL);
    static const uint8_t bell[] = {'a', 7, ' ', '1'};
    ASSERT_EQ(telem_parse(bell, sizeof bell, &p), -EINVAL);
}

/* C1 controls (U+0080..U+009F: NEL, CSI, ...) are control characters too; as
 * UTF-8 they are 0xc2 0x80..0x9f. Names are UTF-8 text: a raw byte 0x80..0x9f
 * is not a C1 character there but invalid UTF-8. */
TEST(telem, refuses_c1_control_characters_in_names)
{
    struct telem_point p;
    for (unsigned c = 0x80; c <= 0x9f; c++) {
        const uint8_t encoded[] = {'a', 0xc2, (uint8_t)c, 'b', ' ', '1'};
        ASSERT_EQ(telem_parse(encoded, sizeof encoded, &p), -EINVAL, "U+%04X", c);
        const uint8_t raw[] = {'a', (uint8_t)c, ' ', '1'};
        ASSERT_EQ(telem_parse(raw, sizeof raw, &p), -EILSEQ, "raw byte 0x%02x", c);
    }
    /* "\302\240" is U+00A0, the first character after C1: no control */
    ASSERT_EQ(parse("a\302\240b 1", &p), 0);
    ASSERT_STR_EQ(p.name, "a\302\240b");
}

TEST(telem, refuses_bad_utf8_and_oversized_datagrams)
{
    struct telem_point p;
    const uint8_t invalid[][4] = {{0xff}, {0xc0, 0xaf}, {0xed, 0xa0, 0x80}, {0xe2, 0x82}};
    const size_t lens[] = {1, 2, 3, 2}; /* stray byte, overlong '/', surrogate, truncated */
    for (int i = 0; i < 4; i++) {
        uint8_t buf[16] = "x ";
        memcpy(buf + 2, invalid[i], lens[i]);
        ASSERT_EQ(telem_parse(buf, 2 + lens[i], &p), -EILSEQ, "case %d", i);
    }
    static uint8_t big[TELEM_DATAGRAM_MAX + 1];
    memset(big, 'a', sizeof big);
    ASSERT_EQ(telem_parse(big, sizeof big, &p), -EMSGSIZE);
}

/* The book's demo: after "a 10" every quantile is 10; after "a 55" the lower
 * three are 10 and the upper three 55. */
TEST(telem, ckms_reproduces_the_book)
{
    static const double qs[] = {0, 0.25, 0.5, 0.75, 0.9, 0.99};
    struct ckms c;
    ASSERT_EQ(ckms_init(&c, 0.01), 0);
    ckms_insert(&c, 10);
    for (int i = 0; i < 6; i++)
        ASSERT_NEAR(ckms_query(&c, qs[i]), 10, 0);
    ckms_insert(&c, 55);
    for (int i = 0; i < 6; i++)
        ASSERT_NEAR(ckms_query(&c, qs[i]), i < 3 ? 10 : 55, 0, "q = %g", qs[i]);
    ckms_free(&c);
    ASSERT_EQ(ckms_init(&c, 0), -EINVAL);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Property: for any stream, every answer's rank is within eps * n (+1 for
 * rounding) of the rank asked for, checked against an exact sort. */
static enum prop_result ckms_rank_error_bounded(struct prop_source *s, void *env)
{
    (void)env;
    const double eps = 0.01;
    size_t n = 1 + prop_size(s, 3000);
    double *v = malloc(n * sizeof *v), *sorted = malloc(n * sizeof *sorted);
    struct ckms c;
    ckms_init(&c, eps);
    enum prop_result result = v && sorted ? PROP_PASS : PROP_DISCARD;
    bool ascending = prop_bool(s);
    for (size_t i = 0; i < n && result == PROP_PASS; i++) {
        v[i] = ascending ? (double)i : (double)prop_int(s, 0, 1000);
        sorted[i] = v[i];
        ckms_insert(&c, v[i]);
    }
    if (result == PROP_PASS) {
        qsort(sorted, n, sizeof *sorted, cmp_double);
        static const double qs[] = {0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1};
        for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
            double got = ckms_query(&c, qs[k]), want_rank = qs[k] * (double)n;
            size_t lo = 0, hi;
            while (lo < n && sorted[lo] < got)
                lo++;
            for (hi = lo; hi < n && sorted[hi] == got; hi++)
                ;
            /* got occupies ranks lo+1 .. hi (1-based): the closest to want_rank */
            double nearest = want_rank < (double)lo + 1 ? (double)lo + 1
                             : want_rank > (double)hi   ? (double)hi
                                                        : want_rank;
            if (fabs(nearest - want_rank) > eps * (double)n + 1) {
                prop_log(s, "n %zu, %s values: q %g gave %g, ranks %zu..%zu, wanted %g", n,
                         ascending ? "ascending" : "random", qs[k], got, lo + 1, hi, want_rank);
                result = PROP_FAIL;
                break;
            }
        }
    }
    free(v);
    free(sorted);
    ckms_free(&c);
    return result;
}

PROPERTY(telem, ckms_rank_error_within_eps_n, ckms_rank_error_bounded, NULL)

TEST(telem, cma_is_the_mean)
{
    struct cma c = {0};
    double sum = 0;
    for (int i = 1; i <= 10000; i++) {
        double v = (double)((i * 7919) % 1000);
        cma_add(&c, v);
        sum += v;
    }
    ASSERT_NEAR(c.mean, sum / 10000, 1e-9 * sum / 10000);
    struct cma b = {0};
    cma_add(&b, 1000);
    cma_add(&b, 2000);
    ASSERT_NEAR(b.mean, 1500, 0, "the book's b 1000, b 2000");
    cma_add(&b, 3000);
    ASSERT_NEAR(b.mean, 2000, 0);
}

/* ---- end to end: the book's demo over loopback UDP ------------------------------------------ */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "threads.h"

struct served {
    struct telem_config cfg;
    int fd;
    _Atomic bool stop;
    struct telem_counts counts;
    int rc;
};

static void *serve(size_t id, void *arg)
{
    (void)id;
    struct served *s = arg;
    s->rc = telem_serve(&s->cfg, s->fd, &s->stop, &s->counts);
    return NULL;
}

static void send_datagram(uint16_t port, const char *text)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    sendto(fd, text, strlen(text), 0, (struct sockaddr *)&a, sizeof a);
    close(fd);
}

static void wait_ms(long ms)
{
    nanosleep(&(struct timespec){.tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000}, NULL);
}

TEST(telem, the_books_demo_end_to_end, .timeout = 60)
{
    char *text = NULL;
    size_t len = 0;
    struct telem_server_socket ss;
    ASSERT_EQ(telem_open(&ss, 0), 0);
    ASSERT_GT(ss.port, 0);
    struct served s = {.cfg = {open_memstream(&text, &len), 100, 64, false, 50}, .fd = ss.fd};
    ASSERT_NOT_NULL(s.cfg.out);
    atomic_init(&s.stop, false);
    struct lab_threads ts;
    ASSERT_EQ(lab_threads_start(&ts, 1, serve, &s, 0), 0);
    /* Several 50 ms flushes between sends, so that each datagram gets a report
     * of its own; slow environments get a longer pause, up to six times. */
    double slow = lab_slowdown();
    long pause = 150 * (long)(slow < 6 ? slow : 6);
    static const char *const demo[] = {"a 10",   "a 55", "b 1000", "b 2000",
                                       "b 3000", "a -1", "\xff 7", "b"};
    for (size_t i = 0; i < sizeof demo / sizeof demo[0]; i++) {
        send_datagram(ss.port, demo[i]);
        wait_ms(pause);
    }
    atomic_store(&s.stop, true);
    lab_threads_join(&ts);
    close(ss.fd);
    fclose(s.cfg.out);
    ASSERT_EQ(s.rc, 0);
    ASSERT_EQ(s.counts.datagrams, 8);
    ASSERT_EQ(s.counts.accepted, 5);
    ASSERT_EQ(s.counts.malformed, 3, "a -1, a non-UTF-8 name, a missing value");
    ASSERT_EQ(s.counts.dropped_full, 0);
    /* After a 10: every quantile 10. After a 55: 10 10 10 55 55 55. */
    ASSERT_STR_CONTAINS(text, "[CKMS] a 0:10\n[CKMS] a 0.25:10\n[CKMS] a 0.5:10\n"
                              "[CKMS] a 0.75:10\n[CKMS] a 0.9:10\n[CKMS] a 0.99:10\n");
    ASSERT_STR_CONTAINS(text, "[CKMS] a 0:10\n[CKMS] a 0.25:10\n[CKMS] a 0.5:10\n"
                              "[CKMS] a 0.75:55\n[CKMS] a 0.9:55\n[CKMS] a 0.99:55\n");
    ASSERT_STR_CONTAINS(text, "[CMA] b 1000\n");
    ASSERT_STR_CONTAINS(text, "[CMA] b 1500\n");
    ASSERT_STR_CONTAINS(text, "[CMA] b 2000\n");
    free(text);
}

/* ---- in process, over a socket pair: every datagram arrives ---------------------------------
 *
 * A Unix datagram socket pair stands in for the UDP socket. Its sender blocks
 * while the server's queue is full instead of losing the datagram, as UDP
 * would, so a test knows exactly what the server was given, on any machine:
 * when the last send returns, each datagram is read or waiting in the socket.
 * The server's stderr goes to a file for the test to read (no assertion may
 * run while it does: a failure prints to stderr). */

#include <stdarg.h>
#include <sys/time.h>

#include "clock.h"

struct pair_run {
    struct served s;
    int tx;
    struct lab_threads ts;
    char *out, *log;
    size_t out_len;
    int saved_stderr;
    FILE *log_file;
    int send_errno; /* the first failed send, checked after the run */
    uint64_t start_ns;
    double seconds;
};

/* The socket pair and the captured stderr, without the server yet. */
static void pair_open(struct pair_run *r, struct telem_config cfg)
{
    *r = (struct pair_run){.s.cfg = cfg};
    atomic_init(&r->s.stop, false);
    int sv[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
    struct timeval tv = {.tv_usec = 10000}; /* as telem_open: wake to look at stop */
    ASSERT_EQ(setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    r->tx = sv[0];
    r->s.fd = sv[1];
    r->s.cfg.out = open_memstream(&r->out, &r->out_len);
    ASSERT_NOT_NULL(r->s.cfg.out);
    r->log_file = tmpfile();
    ASSERT_NOT_NULL(r->log_file);
    fflush(stderr);
    r->saved_stderr = dup(STDERR_FILENO);
    ASSERT_GE(r->saved_stderr, 0);
    ASSERT_GE(dup2(fileno(r->log_file), STDERR_FILENO), 0);
}

static void pair_serve(struct pair_run *r)
{
    r->start_ns = lab_now_ns();
    ASSERT_EQ(lab_threads_start(&r->ts, 1, serve, &r->s, 0), 0);
}

/* Two runs at once capture stderr twice: stop them in the reverse order. */
static void pair_start(struct pair_run *r, struct telem_config cfg)
{
    pair_open(r, cfg);
    pair_serve(r);
}

static void pair_send(struct pair_run *r, const void *msg, size_t len)
{
    while (send(r->tx, msg, len, 0) < 0 && r->send_errno == 0)
        if (errno != EINTR)
            r->send_errno = errno;
}

static void pair_sendf(struct pair_run *r, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pair_send(r, msg, (size_t)n);
}

/* Stops the server right after the last send, and collects its output. */
static void pair_stop(struct pair_run *r)
{
    atomic_store(&r->s.stop, true);
    lab_threads_join(&r->ts);
    r->seconds = lab_seconds_since(r->start_ns);
    fflush(stderr);
    dup2(r->saved_stderr, STDERR_FILENO);
    close(r->saved_stderr);
    close(r->tx);
    close(r->s.fd);
    fclose(r->s.cfg.out);
    long size = ftell(r->log_file);
    r->log = calloc(1, (size_t)(size > 0 ? size : 0) + 1);
    ASSERT_NOT_NULL(r->log);
    rewind(r->log_file);
    ASSERT_EQ(fread(r->log, 1, (size_t)size, r->log_file), (size_t)size);
    fclose(r->log_file);
    ASSERT_EQ(r->send_errno, 0, "send: %s", strerror(r->send_errno));
    ASSERT_EQ(r->s.rc, 0);
}

/* accepted + at the limit = reported + dropped, by reason: nothing unaccounted. */
static void assert_counts_add_up(const struct telem_counts *n)
{
    ASSERT(
        telem_counts_balance(n),
        "%llu accepted + %llu at the limit != %llu reported + %llu full + %llu names + %llu nomem",
        (unsigned long long)n->accepted, (unsigned long long)n->at_limit,
        (unsigned long long)n->reported, (unsigned long long)n->dropped_full,
        (unsigned long long)n->dropped_names, (unsigned long long)n->dropped_nomem);
}

static void pair_free(struct pair_run *r)
{
    free(r->out);
    free(r->log);
}

/* A configuration that drops nothing on the way: channels larger than any test's
 * stream, and no flush before the stop unless a test asks for one. */
static struct telem_config roomy(uint32_t limit)
{
    return (struct telem_config){.limit = limit, .capacity = 1 << 14, .flush_ms = 3600000};
}

/* The book's server flushed, then stopped ingest: points accepted in between
 * were counted and never reported (missing in 6 of 7 runs stopped by SIGINT).
 * Here the stop has come before the server even starts, with points waiting in
 * its socket, the worst case of a stop in the middle of a stream: the server
 * must read them, and its last report must hold every one. */
TEST(telem, points_accepted_before_the_stop_are_reported, .timeout = 60)
{
    struct pair_run r;
    pair_open(&r, roomy(100));
    struct cma low = {0}, high = {0};
    uint32_t queued = 0; /* as many as the socket takes (net.unix.max_dgram_qlen) */
    for (char msg[32]; queued < 1000; queued++) {
        uint32_t v = queued % 2 ? 1000 + queued : 0; /* both summaries */
        int len = snprintf(msg, sizeof msg, "%s %u", v ? "high" : "low", v);
        if (send(r.tx, msg, (size_t)len, MSG_DONTWAIT) < 0)
            break;
        cma_add(v ? &high : &low, v);
    }
    atomic_store(&r.s.stop, true);
    pair_serve(&r);
    pair_stop(&r);
    ASSERT_GE(queued, 2);
    ASSERT_EQ(r.s.counts.accepted, queued, "every point in the socket at the stop");
    ASSERT_EQ(r.s.counts.dropped_full, 0);
    char line[64];
    snprintf(line, sizeof line, "[CMA] high %g\n", high.mean);
    ASSERT_STR_CONTAINS(r.out, line, "the mean of all %u points above", (unsigned)high.n);
    snprintf(line, sizeof line, "[CKMS] low 0.99:0\n");
    ASSERT_STR_CONTAINS(r.out, line);
    assert_counts_add_up(&r.s.counts);
    pair_free(&r);
}

/* Each name's report lines, for names prefix0..prefix<n-1> given the points
 * (prefix<i> 50) and (prefix<i> 150) with the limit at 100: one to each side. */
static void assert_names_reported(const char *out, const char *prefix, unsigned n)
{
    char line[64];
    for (unsigned i = 0; i < n; i++) {
        snprintf(line, sizeof line, "[CKMS] %s%u 0.99:50\n", prefix, i);
        ASSERT_STR_CONTAINS(out, line);
        snprintf(line, sizeof line, "[CMA] %s%u 150\n", prefix, i);
        ASSERT_STR_CONTAINS(out, line);
    }
}

/* The tables of names were static arrays of 64 entries: the 65th name and every
 * later one were dropped without a count, while their points counted as
 * accepted. They grow now, up to --max-names (4096 by default). */
TEST(telem, a_thousand_names_are_all_reported, .timeout = 120)
{
    enum { NAMES = 1000 };
    struct pair_run r;
    pair_start(&r, roomy(100));
    for (unsigned i = 0; i < NAMES; i++) {
        pair_sendf(&r, "n%u 50", i);
        pair_sendf(&r, "n%u 150", i);
    }
    pair_sendf(&r, "edge 100"); /* at the limit: due to both summaries */
    pair_stop(&r);
    assert_names_reported(r.out, "n", NAMES);
    ASSERT_STR_CONTAINS(r.out, "[CKMS] edge 0.99:100\n");
    ASSERT_STR_CONTAINS(r.out, "[CMA] edge 100\n");
    ASSERT_EQ(r.s.counts.accepted, 2 * NAMES + 1);
    ASSERT_EQ(r.s.counts.at_limit, 1);
    ASSERT_EQ(r.s.counts.reported, 2 * NAMES + 2, "every point in its summaries");
    ASSERT_EQ(r.s.counts.dropped_full + r.s.counts.dropped_names + r.s.counts.dropped_nomem, 0);
    assert_counts_add_up(&r.s.counts);
    pair_free(&r);
}

/* Past --max-names a summary refuses new names: their points are dropped,
 * counted, and said once on stderr; the names it has keep their points. */
TEST(telem, max_names_refuses_new_names_with_a_counted_drop, .timeout = 60)
{
    struct pair_run r;
    struct telem_config cfg = roomy(100);
    cfg.max_names = 10;
    pair_start(&r, cfg);
    for (unsigned i = 0; i < 25; i++) {
        pair_sendf(&r, "n%u 50", i);
        pair_sendf(&r, "n%u 150", i);
    }
    pair_sendf(&r, "n3 150"); /* a name it has: kept */
    pair_stop(&r);
    assert_names_reported(r.out, "n", 10);
    ASSERT(strstr(r.out, " n10 ") == NULL, "n10 is past the cap: %s", r.out);
    ASSERT_STR_CONTAINS(r.log, "telem: CKMS has 10 names (--max-names): dropping the points of "
                               "new ones, first 'n10'\n");
    ASSERT_STR_CONTAINS(r.log, "telem: CMA has 10 names (--max-names): dropping the points of "
                               "new ones, first 'n10'\n");
    ASSERT_EQ(r.s.counts.accepted, 51);
    ASSERT_EQ(r.s.counts.reported, 21, "10 names in each summary, n3 twice in CMA");
    ASSERT_EQ(r.s.counts.dropped_names, 30, "15 names refused by each summary");
    assert_counts_add_up(&r.s.counts);
    pair_free(&r);
}

/* Two servers in one process, at the same time, each with its own names: the
 * tables were static, shared by every server of the process. */
TEST(telem, two_servers_in_one_process, .timeout = 60)
{
    enum { NAMES = 40, ROUNDS = 20 };
    struct pair_run a, b;
    pair_start(&a, roomy(100));
    pair_start(&b, roomy(100));
    for (unsigned k = 0; k < ROUNDS; k++) {
        for (unsigned i = 0; i < NAMES; i++) {
            pair_sendf(&a, "a%u 50", i);
            pair_sendf(&b, "b%u 50", i);
            pair_sendf(&a, "a%u 150", i);
            pair_sendf(&b, "b%u 150", i);
        }
    }
    pair_stop(&b);
    pair_stop(&a);
    ASSERT(strstr(a.out, "] b") == NULL, "a name of b in a's report");
    ASSERT(strstr(b.out, "] a") == NULL, "a name of a in b's report");
    assert_names_reported(a.out, "a", NAMES);
    assert_names_reported(b.out, "b", NAMES);
    ASSERT_EQ(a.s.counts.reported, 2 * NAMES * ROUNDS);
    ASSERT_EQ(b.s.counts.reported, 2 * NAMES * ROUNDS);
    assert_counts_add_up(&a.s.counts);
    assert_counts_add_up(&b.s.counts);
    pair_free(&a);
    pair_free(&b);
}

/* Reports printed %g, 6 significant digits: 1234567 came out as 1.23457e+06.
 * Every value must read back as the double it was. */
TEST(telem, values_print_so_that_they_read_back)
{
    static const struct {
        double v;
        const char *text;
    } cases[] = {{1234567, "1234567"}, {0.1, "0.1"},   {1e300, "1e+300"},
                 {-0.0, "-0"},         {1500, "1500"}, {4294967295.0, "4294967295"}};
    char buf[TELEM_VALUE_CHARS];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ASSERT_STR_EQ(telem_format_value(buf, cases[i].v), cases[i].text);
        double back = strtod(buf, NULL);
        ASSERT(back == cases[i].v && signbit(back) == signbit(cases[i].v), "%s", buf);
    }
    const double hard[] = {1.0 / 3, 2.0 / 3, 0.1 + 0.2, 1e-300, 5e-324, 1.7976931348623157e308};
    for (size_t i = 0; i < sizeof hard / sizeof hard[0]; i++)
        ASSERT(strtod(telem_format_value(buf, hard[i]), NULL) == hard[i], "%.17g: %s", hard[i],
               buf);
}

/* The value at the end of the first report line of name, read back. */
static double reported_value(const char *out, const char *prefix)
{
    const char *line = strstr(out, prefix);
    ASSERT_NOT_NULL(line, "no '%s' in %s", prefix, out);
    return strtod(line + strlen(prefix), NULL);
}

TEST(telem, reports_keep_every_digit, .timeout = 60)
{
    struct pair_run r;
    pair_start(&r, roomy(0)); /* every value to CMA, the zeros to CKMS too */
    pair_sendf(&r, "big 1234567");
    struct cma third = {0};
    for (uint32_t v = 0; v < 3; v++) {
        pair_sendf(&r, "third %u", v == 2);
        cma_add(&third, v == 2);
    }
    pair_stop(&r);
    ASSERT_STR_CONTAINS(r.out, "[CMA] big 1234567\n");
    ASSERT(reported_value(r.out, "[CMA] third ") == third.mean, "1/3 read back");
    assert_counts_add_up(&r.s.counts);
    pair_free(&r);
    pair_start(&r, roomy(UINT32_MAX)); /* every value to CKMS */
    pair_sendf(&r, "big 1234567");
    pair_sendf(&r, "top 4294967295");
    pair_stop(&r);
    ASSERT_STR_CONTAINS(r.out, "[CKMS] big 0.5:1234567\n");
    ASSERT_STR_CONTAINS(r.out, "[CKMS] top 0.5:4294967295\n");
    ASSERT_STR_CONTAINS(r.out, "[CMA] top 4294967295\n");
    assert_counts_add_up(&r.s.counts);
    pair_free(&r);
}

/* An oversized datagram was logged with the size of the receive buffer (16251
 * bytes, whatever it really was): recv now asks for the real size (MSG_TRUNC). */
TEST(telem, oversized_datagrams_are_logged_with_their_real_size, .timeout = 60)
{
    static char big[20000];
    memset(big, ' ', sizeof big);
    memcpy(big, "a 1", 3);
    struct pair_run r;
    pair_start(&r, roomy(100));
    pair_send(&r, big, sizeof big);
    pair_send(&r, big, TELEM_DATAGRAM_MAX + 1);
    pair_send(&r, big, TELEM_DATAGRAM_MAX); /* the largest that fits: "a 1" and spaces */
    pair_stop(&r);
    ASSERT_STR_CONTAINS(r.log, "telem: dropped a datagram of 20000 bytes: Message too long\n");
    ASSERT_STR_CONTAINS(r.log, "telem: dropped a datagram of 16251 bytes: Message too long\n");
    ASSERT_EQ(r.s.counts.malformed, 2);
    ASSERT_EQ(r.s.counts.accepted, 1);
    ASSERT_STR_CONTAINS(r.out, "[CKMS] a 0:1\n");
    assert_counts_add_up(&r.s.counts);
    pair_free(&r);
}

/* Every malformed datagram wrote a line to stderr, from the ingest thread: a
 * flood made 69,000 lines a second, and a reader that did not drain stderr
 * blocked the server. Now at most 10 lines a second, and every datagram is
 * counted: logged one by one, or in the count of a later line. */
TEST(telem, a_flood_of_malformed_datagrams_is_counted_not_logged, .timeout = 120)
{
    enum { FLOOD = 10000 };
    struct pair_run r;
    pair_start(&r, roomy(100));
    for (unsigned i = 0; i < FLOOD; i++)
        pair_send(&r, "oops", 4);
    pair_stop(&r);
    ASSERT_EQ(r.s.counts.malformed, FLOOD);
    ASSERT_EQ(r.s.counts.accepted, 0);
    unsigned lines = 0, logged = 0;
    unsigned long long told = 0;
    for (const char *line = r.log; *line; line = strchr(line, '\n') + 1) {
        unsigned long long n;
        lines++;
        if (sscanf(line, "telem: dropped a datagram of 4 bytes: Invalid argument (and %llu", &n) ==
            1)
            told += n;
        if (strncmp(line, "telem: dropped a datagram of 4 bytes", 36) == 0)
            logged++;
        else if (sscanf(line, "telem: %llu more malformed datagrams not logged", &n) == 1)
            told += n;
        else
            FAIL("an unexpected line: %.80s", line);
        ASSERT_NOT_NULL(strchr(line, '\n'));
    }
    /* 10 lines in each second begun during the run, and the last count */
    unsigned bound = 10 * (1 + (unsigned)r.seconds) + 1;
    ASSERT_LE(lines, bound, "%u lines in %.1f s", lines, r.seconds);
    ASSERT_EQ(logged + told, FLOOD, "%u logged, %llu counted in later lines", logged, told);
    pair_free(&r);
}
