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

