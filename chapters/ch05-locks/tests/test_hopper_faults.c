/* test_hopper_faults.c - hopper given bad input and faults: names that are
 * not a plain file name, a folder holding someone else's files, a queue file
 * that appears behind its back, flipped bytes and cut records in a queue
 * file, and a disk that fills part-way through a record, on a real 1 MiB
 * tmpfs. Nothing accepted may be lost or changed without being reported. */
#define _GNU_SOURCE /* unshare, CLONE_NEWNS, CLONE_NEWUSER */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "env.h"
#include "hopper.h"
#include "hopper_tmp.h"
#include "test.h"

static int make_file(const char *path, const void *bytes, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -errno;
    ssize_t n = write(fd, bytes, len);
    close(fd);
    return n == (ssize_t)len ? 0 : -EIO;
}

static int send_u64(struct hopper_sender *tx, uint64_t v)
{
    return hopper_send(tx, &v);
}

/* Receives the next item; when none comes, flushes (the lazy flip) and tries
 * again, up to `tries` times 50 ms. */
static int recv_tries(struct hopper_sender *tx, struct hopper_receiver *rx, void *item, int tries)
{
    int rc = -ETIMEDOUT;
    for (int i = 0; i < tries && rc == -ETIMEDOUT; i++) {
        rc = hopper_recv_timed(rx, item, 50);
        if (rc == -ETIMEDOUT)
            hopper_flush(tx);
    }
    return rc;
}

/* An item that must come: up to a second. */
static int recv_or_flush(struct hopper_sender *tx, struct hopper_receiver *rx, void *item)
{
    return recv_tries(tx, rx, item, 20);
}

/* That nothing more comes. The channel has no thread of its own: every item
 * this thread sent is on disk or in memory once flushed, so one flush and a
 * short wait tell (a second of waiting for nothing, 6 times in one test, was
 * most of this file's time in make check). */
static int recv_nothing_more(struct hopper_sender *tx, struct hopper_receiver *rx, void *item)
{
    return recv_tries(tx, rx, item, 3);
}

/* The lines a channel reports, kept for the test to read. */
struct log_lines {
    char text[4][600];
    int n;
};

static void keep_line(void *arg, const char *line)
{
    struct log_lines *l = arg;
    if (l->n < 4)
        snprintf(l->text[l->n], sizeof l->text[0], "%s", line);
    l->n++;
}

TEST(hopper_faults, a_clean_up_that_fails_says_so)
{
    /* The last free removes the queue files and the folder; what it cannot
     * remove it names, in one line, instead of leaving it in silence. */
    char *d = hopper_tmp_make();
    ASSERT(d != NULL);
    struct log_lines lines = {0};
    struct hopper_io io = {.log = keep_line, .arg = &lines};
    struct hopper_sender *tx;
    struct hopper_receiver *rx;
    struct hopper_config c = {d, "q", 8, 8, 1000, 2};
    ASSERT_EQ(hopper_channel_io(&c, &io, &tx, &rx), 0);
    char sub[700], q[600];
    snprintf(q, sizeof q, "%s/q", d);
    snprintf(sub, sizeof sub, "%s/sub", q);
    ASSERT_EQ(mkdir(sub, 0755), 0);
    hopper_sender_free(tx);
    hopper_receiver_free(rx);
    rmdir(sub);
    rmdir(q);
    ASSERT_EQ(lines.n, 1, "one line about what stayed");
    ASSERT_STR_CONTAINS(lines.text[0], "cannot remove");
    ASSERT_STR_CONTAINS(lines.text[0], q);
    hopper_tmp_remove(d);
}

/* ---- names and folders -------------------------------------------------------------- */

TEST(hopper_faults, names_that_are_not_a_plain_file_name_are_refused)
{
    /* With "..", the old check let the clean-up empty the parent of data_dir. */
    char *top = hopper_tmp_make();
    ASSERT(top != NULL);
    char data[600], keep[600], keep_in_data[700];
    snprintf(data, sizeof data, "%s/data", top);
    snprintf(keep, sizeof keep, "%s/keep", top);
    snprintf(keep_in_data, sizeof keep_in_data, "%s/keep", data);
    ASSERT_EQ(mkdir(data, 0755), 0);
    ASSERT_EQ(make_file(keep, "x", 1), 0);
    ASSERT_EQ(make_file(keep_in_data, "y", 1), 0);
    const char *bad[] = {".", "..", "", "a/b", "/", "../q"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct hopper_sender *tx = NULL;
        struct hopper_receiver *rx = NULL;
        struct hopper_config c = {data, bad[i], 8, 64, 100, 1};
        int rc = hopper_channel(&c, &tx, &rx);
        if (rc == 0) {
            hopper_sender_free(tx);
            hopper_receiver_free(rx);
        }
        ASSERT_EQ(rc, -EINVAL, "name \"%s\"", bad[i]);
        struct stat st;
        ASSERT_EQ(stat(keep, &st), 0, "name \"%s\": a file beside data_dir survives", bad[i]);
        ASSERT_EQ(stat(keep_in_data, &st), 0, "name \"%s\": a file in data_dir survives", bad[i]);
    }
    unlink(keep);
    unlink(keep_in_data);
    rmdir(data);
    hopper_tmp_remove(top);
}

TEST(hopper_faults, a_folder_holding_other_files_is_refused_untouched)
{
    /* Only queue files (names of digits) are hopper's to remove. */
    char *d = hopper_tmp_make();
    ASSERT(d != NULL);
    char q[600], notes[700];
    snprintf(q, sizeof q, "%s/q", d);
    snprintf(notes, sizeof notes, "%s/notes.txt", q);
    ASSERT_EQ(mkdir(q, 0755), 0);
    ASSERT_EQ(make_file(notes, "mine", 4), 0);
    struct hopper_sender *tx = NULL;
    struct hopper_receiver *rx = NULL;
    struct hopper_config c = {d, "q", 8, 64, 100, 1};
    int rc = hopper_channel(&c, &tx, &rx);
    if (rc == 0) {
        hopper_sender_free(tx);
        hopper_receiver_free(rx);
    }
    struct stat st;
    int kept = stat(notes, &st);
    unlink(notes);
    rmdir(q);
    ASSERT_EQ(rc, -ENOTEMPTY, "a folder with a file that is not a queue file");
    ASSERT_EQ(kept, 0, "notes.txt survives");
    hopper_tmp_remove(d);
}

TEST(hopper_faults, a_queue_file_that_appears_is_never_appended_to)
{
    /* A file 0 that the clean-up could not remove, or that someone made after
     * it: appended to, its record came out as a new item and the accepted
     * ones behind it were lost. Opened with O_EXCL, the spill fails clearly
     * and the item stays with the sender. */
    char *d = hopper_tmp_make();
    ASSERT(d != NULL);
    struct hopper_sender *tx;
    struct hopper_receiver *rx;
    struct hopper_config c = {d, "q", 8, 8, 1000, 2};
    ASSERT_EQ(hopper_channel(&c, &tx, &rx), 0);
    char stale[700];
    snprintf(stale, sizeof stale, "%s/q/0", d);
    unsigned char rec[12] = {0, 0, 0, 8, 0xe7, 3, 0, 0, 0, 0, 0, 0}; /* length 8, then 999 */
    ASSERT_EQ(make_file(stale, rec, sizeof rec), 0);
    uint64_t accepted[8];
    size_t n = 0;
    int refused = 0;
    for (uint64_t v = 1; v <= 4; v++) {
        int rc = send_u64(tx, v);
        if (rc == 0)
            accepted[n++] = v;
        else
            refused = rc;
    }
    ASSERT_EQ(refused, -EEXIST, "the spill refuses to write into a file it did not create");
    for (size_t i = 0; i < n; i++) {
        uint64_t got = 0;
        int rc = recv_or_flush(tx, rx, &got);
        ASSERT_EQ(rc, 0, "accepted item %zu of %zu", i + 1, n);
        ASSERT_EQ(got, accepted[i], "accepted item %zu of %zu", i + 1, n);
    }
    uint64_t extra;
    ASSERT_EQ(recv_nothing_more(tx, rx, &extra), -ETIMEDOUT, "nothing but the accepted items");
    hopper_sender_free(tx);
    hopper_receiver_free(rx);
    hopper_tmp_remove(d);
}

TEST(hopper_faults, queue_files_of_an_earlier_run_are_removed_and_reported)
{
    char *d = hopper_tmp_make();
    ASSERT(d != NULL);
    char q[600], p[700];
    snprintf(q, sizeof q, "%s/q", d);
    ASSERT_EQ(mkdir(q, 0755), 0);
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof p, "%s/%d", q, i);
        ASSERT_EQ(make_file(p, "old record..", 12), 0);
    }
    struct log_lines lines = {0};
    struct hopper_io io = {.log = keep_line, .arg = &lines};
    struct hopper_sender *tx;
    struct hopper_receiver *rx;
    struct hopper_config c = {d, "q", 8, 8, 1000, 2};
    ASSERT_EQ(hopper_channel_io(&c, &io, &tx, &rx), 0);
    struct hopper_stats st;
    hopper_get_stats(rx, &st);
    struct stat sb;
    int gone = stat(p, &sb) != 0;
    uint64_t got;
    int rc = hopper_recv_timed(rx, &got, 10);
    hopper_sender_free(tx);
    hopper_receiver_free(rx);
    ASSERT(gone, "the old files are removed");
    ASSERT_EQ(rc, -ETIMEDOUT, "and not delivered");
    ASSERT_EQ(lines.n, 1, "one line says so");
    ASSERT_STR_CONTAINS(lines.text[0], "removed 2 queue file(s) left from an earlier run");
    ASSERT_EQ(st.stale_files, 2);
    hopper_tmp_remove(d);
}

/* ---- corrupt queue files ------------------------------------------------------------ */

/* One slot of memory, queue files of 1000 bytes: item 0 in memory, the next
 * ones records 0, 1, 2... of file 0, 12 bytes each (a 4-byte header, then the
 * item). */
static void open_small(char **d, struct hopper_sender **tx, struct hopper_receiver **rx,
                       struct log_lines *lines)
{
    *d = hopper_tmp_make();
    ASSERT(*d != NULL);
    struct hopper_config c = {*d, "q", 8, 8, 1000, 2};
    struct hopper_io io = {.log = keep_line, .arg = lines};
    ASSERT_EQ(hopper_channel_io(&c, &io, tx, rx), 0);
}

static void poke(const char *d, off_t off, const void *bytes, size_t len)
{
    char p[700];
    snprintf(p, sizeof p, "%s/q/0", d);
    int fd = open(p, O_WRONLY);
    ASSERT(fd >= 0, "open %s: %s", p, strerror(errno));
    ASSERT_EQ(pwrite(fd, bytes, len, off), (ssize_t)len);
    close(fd);
}

TEST(hopper_faults, a_flipped_payload_byte_is_reported_not_delivered)
{
    char *d;
    struct hopper_sender *tx;
    struct hopper_receiver *rx;
    struct log_lines lines = {0};
    open_small(&d, &tx, &rx, &lines);
    for (uint64_t v = 0; v < 5; v++)
        ASSERT_EQ(send_u64(tx, v), 0);
    unsigned char flip = 0x40; /* item 2 is record 1: bytes 12..23; its byte 0 is 2 */
    poke(d, 12 + 4, &(unsigned char){2 ^ flip}, 1);
    uint64_t got;
    ASSERT_EQ(recv_or_flush(tx, rx, &got), 0);
    ASSERT_EQ(got, 0, "the item in memory");
    ASSERT_EQ(recv_or_flush(tx, rx, &got), 0);
    ASSERT_EQ(got, 1);
    int rc = recv_or_flush(tx, rx, &got);
    ASSERT_EQ(rc, -EBADMSG, "item 2 had a flipped byte (got %llu)", (unsigned long long)got);
    for (uint64_t v = 3; v < 5; v++) {
        ASSERT_EQ(recv_or_flush(tx, rx, &got), 0, "the intact records after the bad one");
        ASSERT_EQ(got, v);
    }
    struct hopper_stats st;
    hopper_get_stats(rx, &st);
    ASSERT_EQ(st.corrupt_records, 1, "counted once");
    ASSERT_EQ(lines.n, 1, "reported once");
    ASSERT_STR_CONTAINS(lines.text[0], "file 0: offset 12: checksum mismatch");
    hopper_sender_free(tx);
    hopper_receiver_free(rx);
    hopper_tmp_remove(d);
}

TEST(hopper_faults, the_receiver_goes_on_after_a_bad_record)
{
    /* The pending count was not decremented on an error, so one bad record
     * made every later receive fail: the intact records and the items in
     * memory behind it were unreachable. */
    for (int how = 0; how < 2; how++) {
        char *d;
        struct hopper_sender *tx;
        struct hopper_receiver *rx;
        struct log_lines lines = {0};
        open_small(&d, &tx, &rx, &lines);
        for (uint64_t v = 0; v < 5; v++)
            ASSERT_EQ(send_u64(tx, v), 0);
        if (how == 0)
            poke(d, 12, (unsigned char[4]){0xff, 0, 0, 1}, 4); /* record 1's header */
        else
            poke(d, 12 + 4, (unsigned char[8]){0xde, 0xad}, 8); /* record 1's item */
        uint64_t got;
        const char *what = how == 0 ? "a bad header" : "a changed item";
        for (uint64_t v = 0; v < 2; v++) {
            ASSERT_EQ(recv_or_flush(tx, rx, &got), 0, "%s", what);
            ASSERT_EQ(got, v, "%s", what);
        }
        ASSERT_EQ(recv_or_flush(tx, rx, &got), -EBADMSG, "%s: item 2, once", what);
        for (uint64_t v = 3; v < 5; v++) {
            ASSERT_EQ(recv_or_flush(tx, rx, &got), 0, "%s: the next intact record", what);
            ASSERT_EQ(got, v, "%s", what);
        }
        ASSERT_EQ(send_u64(tx, 5), 0);
        ASSERT_EQ(recv_or_flush(tx, rx, &got), 0, "%s: an item sent afterwards", what);
        ASSERT_EQ(got, 5, "%s", what);
        hopper_sender_free(tx);
        hopper_receiver_free(rx);
        hopper_tmp_remove(d);
    }
}

TEST(hopper_faults, a_file_cut_short_loses_only_what_was_cut)
{
    char *d;
    struct hopper_sender *tx;
    struct hopper_receiver *rx;
    struct log_lines lines = {0};
    open_small(&d, &tx, &rx, &lines);
    for (uint64_t v = 0; v < 5; v++)
        ASSERT_EQ(send_u64(tx, v), 0);
    char p[700];
    snprintf(p, sizeof p, "%s/q/0", d);
    ASSERT_EQ(truncate(p, 12 + 6), 0); /* record 1 cut short, records 2 and 3 gone */
    uint64_t got;
    for (uint64_t v = 0; v < 2; v++) {
        ASSERT_EQ(recv_or_flush(tx, rx, &got), 0);
        ASSERT_EQ(got, v);
    }
    for (int lost = 0; lost < 3; lost++)
        ASSERT_EQ(recv_or_flush(tx, rx, &got), -EBADMSG, "lost record %d of 3", lost + 1);
    ASSERT_EQ(send_u64(tx, 5), 0);
    ASSERT_EQ(recv_or_flush(tx, rx, &got), 0, "an item sent afterwards");
    ASSERT_EQ(got, 5);
    struct hopper_stats st;
    hopper_get_stats(rx, &st);
    ASSERT_EQ(st.corrupt_records, 3, "the three lost items counted");
    ASSERT_EQ(lines.n, 3, "one line each");
    ASSERT_STR_CONTAINS(lines.text[0], "offset 12: record cut short (6 of 12 bytes)");
    hopper_sender_free(tx);
    hopper_receiver_free(rx);
    hopper_tmp_remove(d);
}

/* ---- a disk that fills ------------------------------------------------------------- */

/* An item of 1000 bytes, so records straddle the tmpfs's 4 KiB pages: the
 * write that meets the full disk stores the part that fits its last page
 * and fails on the rest. Its bytes say which item it is. */
enum { BIG = 1000 };

static void big_item(uint64_t v, unsigned char *item)
{
    for (size_t i = 0; i < BIG; i++)
        item[i] = (unsigned char)(v * 131 + i * 7);
    memcpy(item, &v, sizeof v);
}

/* The scenarios report by text: on a tmpfs they run in a child process,
 * and a test assertion cannot cross the fork. */
static char why[512];

static int child_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return -1;
}

struct big_run {
    struct hopper_sender *tx;
    struct hopper_receiver *rx;
    uint64_t next;           /* the next item number to offer */
    uint64_t accepted[2048]; /* the items accepted and not yet received, oldest
                                first */
    size_t head, tail;
};

/* Offers items until one is refused (or max accepted); then offers `more`
 * items that must all be refused. Returns how many were accepted, or -1. */
static long fill(struct big_run *r, size_t max, int more)
{
    unsigned char item[BIG];
    long n = 0;
    for (;;) {
        if (r->tail == sizeof r->accepted / sizeof r->accepted[0] || (size_t)n == max)
            return n;
        big_item(r->next, item);
        int rc = hopper_send(r->tx, item);
        if (rc != 0) {
            if (rc != -ENOSPC)
                return child_fail("send %llu: %s, not ENOSPC", (unsigned long long)r->next,
                                  strerror(-rc));
            r->next++;
            break;
        }
        r->accepted[r->tail++] = r->next++;
        n++;
    }
    for (int i = 0; i < more; i++, r->next++) {
        big_item(r->next, item);
        int rc = hopper_send(r->tx, item);
        if (rc != -ENOSPC)
            return child_fail("send %llu on a full disk: %d, not -ENOSPC",
                              (unsigned long long)r->next, rc);
    }
    return n;
}

/* Receives every accepted item, checking each byte, then finds nothing more. */
static int drain(struct big_run *r)
{
    unsigned char got[BIG], want[BIG];
    for (; r->head < r->tail; r->head++) {
        int rc = recv_or_flush(r->tx, r->rx, got);
        if (rc != 0)
            return child_fail("accepted item %llu (%zu of %zu): %s",
                              (unsigned long long)r->accepted[r->head], r->head + 1, r->tail,
                              strerror(-rc));
        big_item(r->accepted[r->head], want);
        if (memcmp(got, want, BIG) != 0) {
            uint64_t v;
            memcpy(&v, got, sizeof v);
            size_t at = 0;
            while (got[at] == want[at])
                at++;
            return child_fail("accepted item %llu (%zu of %zu) came back changed from byte %zu "
                              "(it starts as item %llu)",
                              (unsigned long long)r->accepted[r->head], r->head + 1, r->tail, at,
                              (unsigned long long)v);
        }
    }
    if (recv_nothing_more(r->tx, r->rx, got) != -ETIMEDOUT)
        return child_fail("an item after the %zu accepted ones", r->tail);
    r->head = r->tail = 0;
    return 0;
}

static int open_big(struct big_run *r, const char *dir, size_t files, const struct hopper_io *io)
{
    memset(r, 0, sizeof *r);
    /* One item in memory; queue files of 4 MiB, more than the disk holds. */
    struct hopper_config c = {dir, "q", BIG, BIG, 4 << 20, files};
    int rc = hopper_channel_io(&c, io, &r->tx, &r->rx);
    return rc == 0 ? 0 : child_fail("hopper_channel: %s", strerror(-rc));
}

static void close_big(struct big_run *r)
{
    hopper_sender_free(r->tx);
    hopper_receiver_free(r->rx);
}

/* A small disk behind hopper_io.pwrite, for every target (qemu included):
 * its space is the sizes of the files in the channel's folder plus what
 * others hold (taken), so it fills part-way through a record and its space
 * comes back when the receiver deletes a file. A call writes at most chunk
 * bytes and stops at a page boundary, as tmpfs does: a record that
 * straddles a page is written in two calls, the second of which can fail. */
struct small_disk {
    char dir[700];
    long long capacity, taken;
    size_t chunk, page;
    int refusals;
};

static long long disk_used(const struct small_disk *k)
{
    long long used = k->taken;
    DIR *d = opendir(k->dir);
    if (d == NULL)
        return used;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char p[1000];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", k->dir, e->d_name);
        if (e->d_name[0] != '.' && stat(p, &st) == 0)
            used += st.st_size;
    }
    closedir(d);
    return used;
}

static ssize_t small_disk_pwrite(void *arg, int fd, const void *buf, size_t len, off_t off)
{
    struct small_disk *k = arg;
    size_t n = len;
    if (k->chunk > 0 && n > k->chunk)
        n = k->chunk;
    if (k->page > 0 && n > k->page - (size_t)off % k->page)
        n = k->page - (size_t)off % k->page;
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -1;
    long long grows = (long long)(off + (off_t)n) - (long long)st.st_size;
    long long room = k->capacity - disk_used(k);
    if (grows > 0 && grows > room) {
        if (room <= 0) {
            k->refusals++;
            errno = ENOSPC;
            return -1;
        }
        n -= (size_t)(grows - room);
    }
    return pwrite(fd, buf, n, off);
}

static struct hopper_io small_disk_io(struct small_disk *k, const char *dir)
{
    snprintf(k->dir, sizeof k->dir, "%s/q", dir);
    return (struct hopper_io){.pwrite = small_disk_pwrite, .arg = k};
}

static off_t file_size(const char *dir, int seq)
{
    char p[700];
    struct stat st;
    snprintf(p, sizeof p, "%s/q/%d", dir, seq);
    return stat(p, &st) == 0 ? st.st_size : -1;
}

TEST(hopper_faults, short_writes_deliver_every_item_intact)
{
    char *d = hopper_tmp_make();
    ASSERT(d != NULL);
    struct small_disk k = {.capacity = 1LL << 40, .chunk = 3};
    struct hopper_io io = small_disk_io(&k, d);
    static struct big_run r;
    ASSERT_EQ(open_big(&r, d, 2, &io), 0, "%s", why);
    long n = fill(&r, 40, 0);
    int drained = n == 40 ? drain(&r) : -1;
    close_big(&r);
    ASSERT_EQ(n, 40, "%s", why);
    ASSERT_EQ(drained, 0, "%s", why);
    hopper_tmp_remove(d);
}

TEST(hopper_faults, a_disk_full_part_way_through_a_record_leaves_no_bytes)
{
    /* 16 KiB, 4 of them held by others: the record that meets the full
     * disk straddles a page, and its first part is written. */
    char *d = hopper_tmp_make();
    ASSERT(d != NULL);
    struct small_disk k = {.capacity = 16384, .taken = 4096, .page = 4096};
    struct hopper_io io = small_disk_io(&k, d);
    static struct big_run r;
    ASSERT_EQ(open_big(&r, d, 2, &io), 0, "%s", why);
    long n = fill(&r, SIZE_MAX, 2);
    off_t size = file_size(d, 0);
    k.taken = 0; /* space comes back */
    long more = n > 0 ? fill(&r, 3, 0) : -1;
    int drained = more == 3 ? drain(&r) : -1;
    struct hopper_stats st;
    hopper_get_stats(r.rx, &st);
    close_big(&r);
    ASSERT_EQ(n, 1 + 12288 / (4 + BIG), "%s", why);
    ASSERT_EQ(size, (n - 1) * (4 + BIG), "file 0 holds the accepted records and nothing more");
    ASSERT_GE(k.refusals, 1, "the disk did fill");
    ASSERT_EQ(more, 3, "once space came back: %s", why);
    ASSERT_EQ(drained, 0, "%s", why);
    ASSERT_EQ(st.write_errors, 3, "the refused sends are counted");
    hopper_tmp_remove(d);
}

TEST(hopper_faults, a_disk_filled_by_the_channel_recovers_once_read)
{
    /* One queue file, bigger than the disk: it can never be completed. */
    char *d = hopper_tmp_make();
    ASSERT(d != NULL);
    struct small_disk k = {.capacity = 8192, .page = 4096};
    struct hopper_io io = small_disk_io(&k, d);
    static struct big_run r;
    ASSERT_EQ(open_big(&r, d, 1, &io), 0, "%s", why);
    int rc = 0;
    for (int round = 0; round < 3 && rc == 0; round++) {
        long n = fill(&r, SIZE_MAX, 2);
        /* Round 0: a record in memory, 8 on disk; later rounds start in a
         * file that holds the record read last (read, but not finished). */
        long want = round == 0 ? 1 + 8192 / (4 + BIG) : 1 + (8192 - (4 + BIG)) / (4 + BIG);
        rc = n == want ? drain(&r) : child_fail("round %d: %ld accepted, not %ld", round, n, want);
        if (rc == 0 && fill(&r, 2, 0) != 2)
            rc = child_fail("round %d: after reading everything, the disk stays full", round);
        if (rc == 0)
            rc = drain(&r);
    }
    close_big(&r);
    ASSERT_EQ(rc, 0, "%s", why);
    hopper_tmp_remove(d);
}

/* ---- the same on a real 1 MiB tmpfs ------------------------------------------------ */

/* The disk is filled by someone else (a ballast file); the item whose record
 * meets the full disk is refused; then the ballast goes and more items are
 * sent. The refused item's bytes must not come out as part of another. */
static int refused_records_leave_no_bytes(const char *dir)
{
    char ballast[600];
    snprintf(ballast, sizeof ballast, "%s/ballast", dir);
    static unsigned char junk[200 * 1024];
    if (make_file(ballast, junk, sizeof junk) != 0)
        return child_fail("could not write the ballast");
    struct big_run r;
    if (open_big(&r, dir, 2, NULL) != 0)
        return -1;
    int rc = -1;
    long n = fill(&r, SIZE_MAX, 3);
    if (n < 0)
        goto out;
    if (n < 100) {
        child_fail("only %ld items fit a 1 MiB disk with 200 KiB taken", n);
        goto out;
    }
    unlink(ballast);
    if (fill(&r, 20, 0) != 20) {
        child_fail("space returned, yet sends are refused");
        goto out;
    }
    rc = drain(&r);
out:
    close_big(&r);
    return rc;
}

/* The channel's own file fills the disk and can never be completed. Once the
 * receiver has read it, its space must come back: the next spill succeeds. */
static int a_full_disk_recovers(const char *dir)
{
    struct big_run r;
    if (open_big(&r, dir, 1, NULL) != 0)
        return -1;
    int rc = -1;
    for (int round = 0; round < 3; round++) {
        long n = fill(&r, SIZE_MAX, 2);
        if (n < 0)
            goto out;
        if (round == 0 && n < 100) {
            child_fail("only %ld items fit an empty 1 MiB disk", n);
            goto out;
        }
        if (drain(&r) != 0)
            goto out;
        /* One item to memory, one to disk: space has come back. */
        if (fill(&r, 2, 0) != 2) {
            child_fail("round %d: after reading everything, the disk stays full", round);
            goto out;
        }
        if (drain(&r) != 0)
            goto out;
    }
    rc = 0;
out:
    close_big(&r);
    return rc;
}

/* Mounts a 1 MiB tmpfs on dir in a mount namespace of this process's own:
 * as root directly, otherwise inside a new user namespace (unshare -rm). The
 * mount goes when the process ends. 0, or -errno of the step that failed. */
static int mount_small_tmpfs(const char *dir, char *step, size_t len)
{
    if (geteuid() != 0) {
        uid_t uid = geteuid();
        gid_t gid = getegid();
        snprintf(step, len, "unshare(CLONE_NEWUSER | CLONE_NEWNS)");
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
            return -errno;
        char map[64];
        snprintf(step, len, "writing the uid and gid maps");
        snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
        if (make_file("/proc/self/setgroups", "deny", 4) != 0 ||
            make_file("/proc/self/uid_map", map, strlen(map)) != 0)
            return -EPERM;
        snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
        if (make_file("/proc/self/gid_map", map, strlen(map)) != 0)
            return -EPERM;
    } else {
        snprintf(step, len, "unshare(CLONE_NEWNS)");
        if (unshare(CLONE_NEWNS) != 0)
            return -errno;
    }
    snprintf(step, len, "making / private");
    if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0)
        return -errno;
    snprintf(step, len, "mount -t tmpfs -o size=1m");
    if (mount("none", dir, "tmpfs", 0, "size=1m") != 0)
        return -errno;
    return 0;
}

/* Runs scenario on a fresh 1 MiB tmpfs in a child. Skips, with the reason,
 * only when no tmpfs can be mounted (neither root nor a user namespace) and
 * CI is not set; in CI that is a failure. */
static void on_small_tmpfs(int (*scenario)(const char *dir))
{
    char *d = hopper_tmp_make();
    ASSERT(d != NULL);
    int pipefd[2];
    ASSERT_EQ(pipe(pipefd), 0);
    fflush(NULL);
    pid_t pid = fork();
    ASSERT(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        close(pipefd[0]);
        char step[128];
        int rc = mount_small_tmpfs(d, step, sizeof step);
        int code = 0;
        if (rc != 0) {
            snprintf(why, sizeof why, "%s: %s", step, strerror(-rc));
            code = 77;
        } else if (scenario(d) != 0) {
            code = 1;
        } else {
            /* Whatever the channel left is lost with the mount: look now. */
            char what[1024] = "";
            char *copy = strdup(d);
            if (copy != NULL && hopper_tmp_sweep(copy, 1, what, sizeof what) != 0) {
                snprintf(why, sizeof why, "left on the tmpfs: %.400s", what);
                code = 1;
            }
            free(copy);
        }
        ssize_t w = write(pipefd[1], why, strlen(why));
        (void)w;
        free(d);
        _exit(code);
    }
    close(pipefd[1]);
    char why[512] = "";
    size_t got = 0;
    ssize_t n;
    while ((n = read(pipefd[0], why + got, sizeof why - 1 - got)) > 0)
        got += (size_t)n;
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    hopper_tmp_remove(d);
    ASSERT(WIFEXITED(status), "the child died (status %#x)", status);
    if (WEXITSTATUS(status) == 77) {
        const char *ci = getenv("CI");
        ASSERT(ci == NULL || ci[0] == '\0', "CI is set, and no tmpfs could be mounted: %s", why);
        SKIP("no 1 MiB tmpfs: %s (needs root or user namespaces)", why);
    }
    ASSERT_EQ(WEXITSTATUS(status), 0, "%s", why);
}

TEST(hopper_faults, a_full_tmpfs_leaves_no_partial_record_behind, .timeout = 60)
{
    on_small_tmpfs(refused_records_leave_no_bytes);
}

TEST(hopper_faults, a_tmpfs_filled_by_the_channel_recovers_once_read, .timeout = 60)
{
    on_small_tmpfs(a_full_disk_recovers);
}
