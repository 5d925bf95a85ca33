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
