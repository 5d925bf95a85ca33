/* test_hopper.c - hopper: memory and disk modes in order, rollover across
 * queue files with a tiny file budget (the companion code's bug), a full
 * channel handing the item back, the lazy flip and flush, read-only files
 * told by their mode bits, corrupt and truncated files; the book's properties
 * P1 (several senders: the same multiset), P2 (one sender: the same order)
 * and P3 (the (8, 8, 5, 10) loop). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "env.h"
#include "hopper.h"
#include "hopper_tmp.h"
#include "prop.h"
#include "test.h"
#include "threads.h"

struct chan2 {
    char *dir;
    struct hopper_sender *tx;
    struct hopper_receiver *rx;
};

static int open_chan(struct chan2 *c, size_t mem, size_t disk, size_t files)
{
    c->dir = hopper_tmp_make();
    if (c->dir == NULL)
        return -errno;
    struct hopper_config cfg = {c->dir, "q", sizeof(uint64_t), mem, disk, files};
    int rc = hopper_channel(&cfg, &c->tx, &c->rx);
    if (rc != 0)
        hopper_tmp_remove(c->dir);
    return rc;
}

static void close_chan(struct chan2 *c)
{
    hopper_sender_free(c->tx);
    hopper_receiver_free(c->rx);
    hopper_tmp_remove(c->dir);
}

static int send_u64(struct hopper_sender *tx, uint64_t v)
{
    return hopper_send(tx, &v);
}

/* Receives one item; when none comes, flushes (the items may be stranded on
 * disk, or the announcement waited for room) and tries again. */
static int recv_flushing(struct chan2 *c, uint64_t *v)
{
    int rc = -ETIMEDOUT;
    for (int i = 0; i < 20 && rc == -ETIMEDOUT; i++) {
        rc = hopper_recv_timed(c->rx, v, 50);
        if (rc == -ETIMEDOUT)
            hopper_flush(c->tx);
    }
    return rc;
}

TEST(hopper, refuses_bad_sizes)
{
    struct hopper_sender *tx;
    struct hopper_receiver *rx;
    char *d = hopper_tmp_make();
    ASSERT(d != NULL);
    struct hopper_config c = {d, "q", 8, 4, 100, 1};
    ASSERT_EQ(hopper_channel(&c, &tx, &rx), -EINVAL, "memory for less than one item");
    c = (struct hopper_config){d, "q", 8, 64, 11, 1};
    ASSERT_EQ(hopper_channel(&c, &tx, &rx), -EINVAL, "a file smaller than one record");
    c = (struct hopper_config){d, "a/b", 8, 64, 100, 1};
    ASSERT_EQ(hopper_channel(&c, &tx, &rx), -EINVAL);
    c = (struct hopper_config){"/no/such/dir", "q", 8, 64, 100, 1};
    ASSERT_EQ(hopper_channel(&c, &tx, &rx), -ENOENT);
    hopper_tmp_remove(d);
}

TEST(hopper, memory_then_disk_in_order)
{
    /* 4 items in memory, files of 3 records, 10 files: 30 on disk. */
    struct chan2 c;
    ASSERT_EQ(open_chan(&c, 32, 36, 10), 0);
    for (uint64_t v = 0; v < 30; v++)
        ASSERT_EQ(send_u64(c.tx, v), 0, "item %llu", (unsigned long long)v);
    ASSERT_EQ(hopper_flush(c.tx), -EAGAIN, "memory is full: no room to announce the disk");
    for (uint64_t v = 0; v < 30; v++) {
        uint64_t got;
        ASSERT_EQ(recv_flushing(&c, &got), 0, "item %llu", (unsigned long long)v);
        ASSERT_EQ(got, v);
    }
    uint64_t got;
    ASSERT_EQ(hopper_recv_timed(c.rx, &got, 10), -ETIMEDOUT);
    close_chan(&c);
}

TEST(hopper, full_hands_the_item_back_and_loses_nothing)
{
    /* 2 in memory; 2 files of 2 records: 6 fit, the 7th is refused. */
    struct chan2 c;
    ASSERT_EQ(open_chan(&c, 16, 24, 2), 0);
    for (uint64_t v = 0; v < 6; v++)
        ASSERT_EQ(send_u64(c.tx, v), 0, "item %llu", (unsigned long long)v);
    ASSERT_EQ(send_u64(c.tx, 6), -ENOSPC, "memory and disk full");
    ASSERT_EQ(send_u64(c.tx, 6), -ENOSPC, "still full: no file number skipped");
    ASSERT_EQ(hopper_flush(c.tx), -EAGAIN, "no room in memory for the announcement");
    uint64_t got;
    ASSERT_EQ(hopper_recv_timed(c.rx, &got, 1000), 0);
    ASSERT_EQ(got, 0);
    ASSERT_EQ(hopper_flush(c.tx), 0);
    for (uint64_t v = 1; v < 6; v++) {
        ASSERT_EQ(hopper_recv_timed(c.rx, &got, 1000), 0);
        ASSERT_EQ(got, v, "after the refusals, in order");
    }
    /* The receiver deleted the exhausted first file and gave it back to the
     * budget: the refused item goes now. */
    ASSERT_EQ(send_u64(c.tx, 6), 0);
    ASSERT_EQ(hopper_flush(c.tx), 0);
    ASSERT_EQ(hopper_recv_timed(c.rx, &got, 1000), 0);
    ASSERT_EQ(got, 6);
    close_chan(&c);
}

TEST(hopper, a_file_read_to_its_end_returns_to_the_budget_at_once)
{
    /* One slot, one file of one record. Found by fuzz/hopper_ops: when a full
     * file was made read-only only at the next spill, a file the receiver had
     * already read to its end stayed, and with a budget of one file the disk
     * was never usable again. */
    struct chan2 c;
    ASSERT_EQ(open_chan(&c, 8, 12, 1), 0);
    for (uint64_t round = 0; round < 3; round++) {
        ASSERT_EQ(send_u64(c.tx, 2 * round), 0, "round %llu: to memory", (unsigned long long)round);
        ASSERT_EQ(send_u64(c.tx, 2 * round + 1), 0, "round %llu: to disk, the one file",
                  (unsigned long long)round);
        for (uint64_t v = 2 * round; v < 2 * round + 2; v++) {
            uint64_t got;
            ASSERT_EQ(recv_flushing(&c, &got), 0);
            ASSERT_EQ(got, v);
        }
        char p[512];
        struct stat st;
        snprintf(p, sizeof p, "%s/q/%llu", c.dir, (unsigned long long)round);
        ASSERT_NE(stat(p, &st), 0, "round %llu: file read to its end is deleted",
                  (unsigned long long)round);
    }
    close_chan(&c);
}

TEST(hopper, the_lazy_flip_strands_the_last_items_until_flush)
{
    struct chan2 c;
    ASSERT_EQ(open_chan(&c, 8, 1000, 4), 0);
    ASSERT_EQ(send_u64(c.tx, 1), 0);
    ASSERT_EQ(send_u64(c.tx, 2), 0, "memory full: to disk, not announced");
    uint64_t got;
    ASSERT_EQ(hopper_recv_timed(c.rx, &got, 1000), 0);
    ASSERT_EQ(got, 1);
    ASSERT_EQ(hopper_recv_timed(c.rx, &got, 100), -ETIMEDOUT,
              "item 2 is on disk, and nobody told the receiver");
    ASSERT_EQ(hopper_flush(c.tx), 0);
    ASSERT_EQ(hopper_recv_timed(c.rx, &got, 1000), 0);
    ASSERT_EQ(got, 2, "flush announced it");
    close_chan(&c);
}

TEST(hopper, exhausted_files_are_told_by_their_mode_bits)
{
    /* As root, access(W_OK) is true for a read-only file: the receiver must
     * look at st_mode, or it would wait on the first file for ever. */
    struct chan2 c;
    ASSERT_EQ(open_chan(&c, 8, 12, 100), 0);
    for (uint64_t v = 0; v < 20; v++)
        ASSERT_EQ(send_u64(c.tx, v), 0);
    char p[512];
    snprintf(p, sizeof p, "%s/q/0", c.dir);
    struct stat st;
    ASSERT_EQ(stat(p, &st), 0, "file 0 exists before it is read");
    ASSERT_EQ(st.st_mode & 0222, 0, "a full queue file is made read-only");
    for (uint64_t v = 0; v < 20; v++) {
        uint64_t got;
        ASSERT_EQ(recv_flushing(&c, &got), 0);
        ASSERT_EQ(got, v);
    }
    ASSERT_NE(stat(p, &st), 0, "an exhausted file is deleted");
    close_chan(&c);
}

static void corrupt(const char *dir, int how)
{
    char p[512];
    snprintf(p, sizeof p, "%s/q/0", dir);
    chmod(p, 0644);
    if (how == 0) {
        truncate(p, 4 + 8 + 6); /* the second record cut short */
    } else {
        int fd = open(p, O_WRONLY);
        unsigned char junk[4] = {0xff, 0, 0, 1};
        pwrite(fd, junk, 4, 12); /* the second record's length */
        close(fd);
    }
}

TEST(hopper, corrupt_or_truncated_files_are_errors)
{
    for (int how = 0; how < 2; how++) {
        struct chan2 c;
        ASSERT_EQ(open_chan(&c, 8, 1000, 4), 0);
        for (uint64_t v = 0; v < 4; v++)
            ASSERT_EQ(send_u64(c.tx, v), 0);
        corrupt(c.dir, how);
        uint64_t got;
        ASSERT_EQ(hopper_recv_timed(c.rx, &got, 1000), 0);
        ASSERT_EQ(got, 0, "the item in memory");
        ASSERT_EQ(hopper_flush(c.tx), 0, "room for the announcement now");
        ASSERT_EQ(hopper_recv_timed(c.rx, &got, 1000), 0);
        ASSERT_EQ(got, 1, "the first record on disk is intact");
        ASSERT_EQ(hopper_recv_timed(c.rx, &got, 1000), -EBADMSG, "%s",
                  how == 0 ? "truncated" : "a wrong length");
        close_chan(&c);
    }
}

/* ---- the book's properties ------------------------------------------------------------ */

struct p_env {
    struct hopper_sender *tx;
    uint64_t first, count;
};

/* Sends first..first+count-1, retrying while full, then flushes (the book:
 * at most 10 attempts, 100 ms apart; here 10 ms apart, the receiver being
 * busy receiving meanwhile). */
static void *p_sender(size_t id, void *arg)
{
    struct p_env *e = (struct p_env *)arg + id;
    for (uint64_t v = e->first; v < e->first + e->count; v++)
        while (hopper_send(e->tx, &v) == -ENOSPC)
            nanosleep(&(struct timespec){.tv_nsec = 100000}, NULL);
    int attempts = 0;
    while (hopper_flush(e->tx) != 0 && ++attempts < 10)
        nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
    return attempts < 10 ? NULL : (void *)1;
}

/* senders x count values through a channel of the given sizes; with one
 * sender the order must be kept, with several each sender's order (and so the
 * multiset). Returns 1 passed, 0 failed, -1 setup failed (why says what). */
static int round_trip(size_t senders, size_t mem, size_t disk, size_t files, uint64_t count,
                      char *why, size_t why_len)
{
    struct chan2 c;
    int setup = open_chan(&c, mem, disk, files);
    if (setup != 0) { /* EMFILE...: not the code's fault */
        snprintf(why, why_len, "setup: cannot open the channel: %s", strerror(-setup));
        return -1;
    }
    struct p_env e[8];
    for (size_t i = 0; i < senders; i++)
        e[i] = (struct p_env){i == 0 ? c.tx : hopper_sender_clone(c.tx), i * count, count};
    struct lab_threads ts;
    setup = lab_threads_start(&ts, senders, p_sender, e, 0);
    if (setup != 0) {
        snprintf(why, why_len, "setup: cannot start the senders: %s", strerror(setup));
        for (size_t i = 1; i < senders; i++)
            hopper_sender_free(e[i].tx);
        close_chan(&c);
        return -1;
    }
    int ok = 1;
    uint64_t next[8] = {0};
    for (uint64_t n = 0; n < senders * count; n++) {
        uint64_t v;
        int rc = hopper_recv_timed(c.rx, &v, 5000);
        if (rc == -ETIMEDOUT) {
            snprintf(why, why_len, "received %llu of %llu, then nothing for 5 s",
                     (unsigned long long)n, (unsigned long long)(senders * count));
            ok = 0;
            break; /* a stuck sender would hang the join: the test's timeout names it */
        }
        size_t who = rc == 0 ? (size_t)(v / count) : 0;
        if (ok && (rc != 0 || who >= senders || v != who * count + next[who])) {
            snprintf(why, why_len, "receive %llu: %s %llu", (unsigned long long)n,
                     rc != 0 ? strerror(-rc) : "got", (unsigned long long)v);
            ok = 0; /* keep receiving so the senders can finish */
        }
        if (rc == 0 && who < senders)
            next[who]++;
    }
    if (lab_threads_join(&ts) != NULL && ok) {
        snprintf(why, why_len, "a sender could not flush in 10 attempts");
        ok = 0;
    }
    for (size_t i = 1; i < senders; i++)
        hopper_sender_free(e[i].tx);
    close_chan(&c);
    return ok;
}

static enum prop_result check(struct prop_source *s, size_t senders, size_t mem, size_t disk,
                              size_t files, uint64_t count)
{
    char why[256] = "";
    prop_log(s, "%zu senders x %llu values, memory %zu B, files of %zu B, %zu files", senders,
             (unsigned long long)count, mem, disk, files);
    int r = round_trip(senders, mem, disk, files, count, why, sizeof why);
    if (r == 0)
        prop_log(s, "%s", why);
    return r < 0 ? PROP_DISCARD : r ? PROP_PASS : PROP_FAIL;
}

/* P2: one sender, sizes from the generator; every value in order. */
static enum prop_result p2(struct prop_source *s, void *env)
{
    (void)env;
    size_t mem = 8 * (size_t)prop_int(s, 1, 16), disk = 12 * (size_t)prop_int(s, 1, 8);
    size_t files = (size_t)prop_int(s, 1, 8);
    uint64_t count = (uint64_t)prop_int(s, 1, lab_emulated() ? 100 : 500);
    return check(s, 1, mem, disk, files, count);
}
PROPERTY(hopper, p2_one_sender_in_order, p2, NULL)

/* P1: several senders; tiny file budgets (1 or 2 files) hit Full and rollover. */
static enum prop_result p1(struct prop_source *s, void *env)
{
    (void)env;
    size_t senders = (size_t)prop_int(s, 1, 4);
    size_t mem = 8 * (size_t)prop_int(s, 1, 16), disk = 12 * (size_t)prop_int(s, 1, 8);
    size_t files = (size_t)prop_int(s, 1, 2);
    uint64_t count = (uint64_t)prop_int(s, 1, lab_emulated() ? 50 : 300);
    return check(s, senders, mem, disk, files, count);
}
PROPERTY(hopper, p1_senders_nothing_lost, p1, NULL)

/* P3: the book's explicit loop, (memory 8, disk 8, files 5, values 10), about
 * 2,500 times; a record here is 4 + 8 bytes, so the files are 12 bytes. */
TEST(hopper, p3_the_books_loop, .timeout = 600)
{
    unsigned loops = (unsigned)lab_scaled(2500);
    for (unsigned i = 0; i < loops; i++) {
        char why[256] = "";
        int r = round_trip(1, 8, 12, 5, 10, why, sizeof why);
        ASSERT_EQ(r, 1, "loop %u: %s", i, why);
    }
}
