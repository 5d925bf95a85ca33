/* test_hopper_faults.c - hopper given bad input and faults: names that are
 * not a plain file name, a folder holding someone else's files, a queue file
 * that appears behind its back, flipped bytes and cut records in a queue
 * file, and a disk that fills part-way through a record, on a real 1 MiB
 * tmpfs. Nothing accepted may be lost or changed without being reported. */
#define _GNU_SOURCE /* unshare, CLONE_NEWNS, CLONE_NEWUSER */
#include <errno.h>
#include <fcntl.h>
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
 * again, for up to a second in all. */
static int recv_or_flush(struct hopper_sender *tx, struct hopper_receiver *rx, void *item)
{
    int rc = -ETIMEDOUT;
    for (int i = 0; i < 20 && rc == -ETIMEDOUT; i++) {
        rc = hopper_recv_timed(rx, item, 50);
        if (rc == -ETIMEDOUT)
            hopper_flush(tx);
    }
    return rc;
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
    ASSERT_EQ(recv_or_flush(tx, rx, &extra), -ETIMEDOUT, "nothing but the accepted items");
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

/* ---- corrupt queue files
 * ---------------------------------------------------------------- */

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
