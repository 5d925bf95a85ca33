/*
 * hopper_tmp.h - the hopper tests' temporary folders. A test makes one with
 * hopper_tmp_make() and ends with hopper_tmp_remove(), which fails the test
 * when anything is left in it: the channel removes its queue files and its
 * folder when the last handle is freed, and a clean-up that quietly failed
 * (on armhf, readdir() said EOVERFLOW and hopper left every queue folder in
 * /tmp while its tests passed) must show up as a failing test.
 */
#ifndef CH05_HOPPER_TMP_H
#define CH05_HOPPER_TMP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"

/* A fresh folder under /tmp, or NULL. */
static inline char *hopper_tmp_make(void)
{
    char *d = strdup("/tmp/hopper-test-XXXXXX");
    if (d == NULL || mkdtemp(d) == NULL) {
        free(d);
        return NULL;
    }
    return d;
}

/* Removes everything under dir (two levels: the channel's folder and its
 * files), appending each name to what (a list for the failure message).
 * Returns how many entries it found, or -errno when a folder cannot be read. */
static inline int hopper_tmp_sweep(const char *dir, int depth, char *what, size_t len)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return -errno;
    int found = 0, rc = 0;
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (e == NULL) {
            rc = errno != 0 ? -errno : 0;
            break;
        }
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        size_t used = strlen(what);
        snprintf(what + used, len - used, "%s%s", used > 0 ? ", " : "", p);
        found++;
        struct stat st;
        if (depth > 0 && lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            int n = hopper_tmp_sweep(p, depth - 1, what, len);
            if (n < 0) {
                rc = n;
                break;
            }
            found += n;
            rmdir(p);
        } else {
            unlink(p);
        }
    }
    closedir(d);
    return rc < 0 ? rc : found;
}

/* Removes the test's folder; fails the test if the channel left anything in
 * it, or if the folder cannot be read or removed. */
static inline void hopper_tmp_remove(char *dir)
{
    char what[2048] = "";
    int found = hopper_tmp_sweep(dir, 1, what, sizeof what);
    int gone = rmdir(dir) == 0 ? 0 : -errno;
    char copy[1024];
    snprintf(copy, sizeof copy, "%s", dir);
    free(dir);
    ASSERT(found >= 0, "cannot list %s: %s", copy, strerror(-found));
    ASSERT_EQ(found, 0, "left behind: %s", what);
    ASSERT_EQ(gone, 0, "cannot remove %s: %s", copy, strerror(-gone));
}

#endif
