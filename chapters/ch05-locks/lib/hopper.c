/* hopper.c - the queue that spills to disk (hopper.h). */
#include "hopper.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "annotate.h"
#include "deque.h"

enum placement_kind { MEMORY, DISK };

/* What the deque holds: a header, then the item's bytes (MEMORY only). */
struct placement {
    uint32_t kind;
    uint64_t disk_items; /* DISK: how many items to read from the files */
};

struct hopper {
    _Atomic int refs; /* senders and the receiver */
    struct deque q;
    size_t item_size, file_bytes;
    char dir[PATH_MAX];
    struct hopper_io io;
    _Atomic long file_budget;     /* queue files that may still be created */
    _Atomic uint64_t stale_files; /* see struct hopper_stats */
    _Atomic uint64_t write_errors;
    _Atomic uint64_t sealed_upto; /* queue files 0 .. sealed_upto-1 take no more records */
    /* The senders' state: guarded by the deque's back lock. */
    int wfd;                 /* the queue file being written, or -1 */
    uint64_t wseq, next_seq; /* its number; the number of the next one */
    size_t written;          /* bytes in it */
    uint64_t on_disk;        /* items written to disk not yet announced */
    unsigned char *rec;      /* a record's buffer: length and item */
    unsigned char *pbuf;     /* a placement's buffer */
};

struct hopper_sender {
    struct hopper *h;
};

struct hopper_receiver {
    struct hopper *h;
    unsigned char *buf;       /* a placement */
    unsigned char *rec;       /* a record read from a queue file */
    uint64_t corrupt_records; /* see struct hopper_stats */
    uint64_t to_read;         /* items still to read from the files */
    int rfd;                  /* the queue file being read, or -1 */
    uint64_t rseq;
    size_t in_file; /* records read from it */
    size_t rcount;  /* records it holds, once finished; SIZE_MAX before */
};

static void file_path(const struct hopper *h, uint64_t seq, char *out, size_t len)
{
    snprintf(out, len, "%s/%llu", h->dir, (unsigned long long)seq);
}

/* CRC32C (Castagnoli), the checksum of each record: table-driven, one
 * byte at a time, the same on every target. */
static uint32_t crc32c_table[256];
static pthread_once_t crc32c_once = PTHREAD_ONCE_INIT;

static void crc32c_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
        crc32c_table[i] = c;
    }
}

static uint32_t crc32c(const unsigned char *p, size_t len)
{
    uint32_t c = 0xffffffffu;
    while (len-- > 0)
        c = crc32c_table[(c ^ *p++) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

/* The default hopper_io.pwrite. */
static ssize_t sys_pwrite(void *arg, int fd, const void *buf, size_t len, off_t off)
{
    (void)arg;
    return pwrite(fd, buf, len, off);
}

/* One line about the channel's files to the io's log, or to stderr. */
static void report(const struct hopper *h, const char *fmt, ...)
{
    char line[PATH_MAX + 256];
    int n = snprintf(line, sizeof line, "hopper: %s: ", h->dir);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    if (h->io.log != NULL)
        h->io.log(h->io.arg, line);
    else
        fprintf(stderr, "%s\n", line);
}

/* A queue file's name: digits only. Nothing else in the folder is ours. */
static bool is_queue_file(const char *name)
{
    if (name[0] == '\0')
        return false;
    for (; *name != '\0'; name++)
        if (*name < '0' || *name > '9')
            return false;
    return true;
}

/* Looks at the channel's folder: counts the queue files and what else is in
 * it, and deletes the queue files if asked. 0, or the -errno of the first
 * step that failed (a readdir() that fails, as a 32-bit one without 64-bit
 * file offsets does on a file system with 64-bit inode numbers, must not
 * pass for an empty folder). */
static int scan_dir(const struct hopper *h, bool remove, size_t *queue_files, size_t *others)
{
    *queue_files = *others = 0;
    DIR *d = opendir(h->dir);
    if (d == NULL)
        return -errno;
    int rc = 0;
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (e == NULL) {
            if (errno != 0 && rc == 0)
                rc = -errno;
            break;
        }
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (!is_queue_file(e->d_name)) {
            (*others)++;
            continue;
        }
        (*queue_files)++;
        char p[PATH_MAX + 256];
        snprintf(p, sizeof p, "%s/%s", h->dir, e->d_name);
        if (remove && unlink(p) != 0 && rc == 0)
            rc = -errno;
    }
    closedir(d);
    return rc;
}

/* A name is one plain component: not empty, not "." or "..", no '/'. The
 * folder it names is emptied, so anything else could empty someone's. */
static int check_name(const char *name)
{
    if (name == NULL || name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
        strchr(name, '/') != NULL)
        return -EINVAL;
    return strlen(name) > NAME_MAX ? -ENAMETOOLONG : 0;
}

/* mkdir of DATA_DIR/NAME. Queue files of an earlier run are removed, not
 * delivered (nor were they by the book's hopper), and reported; a folder
 * that holds anything else is refused untouched (-ENOTEMPTY), and a queue
 * file that cannot be removed fails the channel with its errno. */
static int prepare_dir(struct hopper *h, const struct hopper_config *c)
{
    struct stat st;
    if (stat(c->data_dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return -ENOENT;
    if (snprintf(h->dir, sizeof h->dir, "%s/%s", c->data_dir, c->name) >= (int)sizeof h->dir)
        return -ENAMETOOLONG;
    if (mkdir(h->dir, 0755) != 0 && errno != EEXIST)
        return -errno;
    size_t stale, others;
    int rc = scan_dir(h, false, &stale, &others);
    if (rc != 0)
        return rc;
    if (others > 0)
        return -ENOTEMPTY;
    if (stale == 0)
        return 0;
    rc = scan_dir(h, true, &stale, &others);
    report(h, "removed %zu queue file(s) left from an earlier run; their items are not delivered",
           stale);
    atomic_store(&h->stale_files, stale);
    return rc;
}

/* The last sender or receiver gone: the channel and its files go too. */
static void hopper_put(struct hopper *h)
{
    if (atomic_fetch_sub(&h->refs, 1) != 1)
        return;
    if (h->wfd >= 0)
        close(h->wfd);
    /* Nobody is left to return an error to: say what stays on disk. */
    size_t removed, others;
    int rc = scan_dir(h, true, &removed, &others);
    if (rc != 0)
        report(h, "cannot remove the queue files: %s", strerror(-rc));
    else if (rmdir(h->dir) != 0)
        report(h, "cannot remove the folder: %s", strerror(errno));
    deque_destroy(&h->q);
    free(h->rec);
    free(h->pbuf);
    free(h);
}

int hopper_channel(const struct hopper_config *c, struct hopper_sender **tx,
                   struct hopper_receiver **rx)
{
    return hopper_channel_io(c, NULL, tx, rx);
}

int hopper_channel_io(const struct hopper_config *c, const struct hopper_io *io,
                      struct hopper_sender **tx, struct hopper_receiver **rx)
{
    if (c->item_size == 0 || c->in_memory_bytes < c->item_size ||
        (c->max_disk_files > 0 && c->on_disk_bytes < 4 + c->item_size))
        return -EINVAL;
    int rc = check_name(c->name);
    if (rc != 0)
        return rc;
    struct hopper *h = calloc(1, sizeof *h);
    *tx = calloc(1, sizeof **tx);
    *rx = calloc(1, sizeof **rx);
    rc = -ENOMEM;
    if (h == NULL || *tx == NULL || *rx == NULL ||
        ((*rx)->buf = malloc(sizeof(struct placement) + c->item_size)) == NULL ||
        ((*rx)->rec = malloc(4 + c->item_size)) == NULL ||
        (h->rec = malloc(4 + c->item_size)) == NULL ||
        (h->pbuf = malloc(sizeof(struct placement) + c->item_size)) == NULL)
        goto fail;
    pthread_once(&crc32c_once, crc32c_init);
    if (io != NULL)
        h->io = *io;
    if (h->io.pwrite == NULL)
        h->io.pwrite = sys_pwrite;
    h->item_size = c->item_size;
    h->file_bytes = c->on_disk_bytes;
    h->wfd = -1;
    atomic_init(&h->file_budget, (long)c->max_disk_files);
    ANNOTATE_ATOMIC(&h->sealed_upto);
    if ((rc = prepare_dir(h, c)) != 0)
        goto fail;
    if ((rc = deque_init(&h->q, c->in_memory_bytes / c->item_size,
                         sizeof(struct placement) + c->item_size, true)) != 0)
        goto fail;
    atomic_init(&h->refs, 2);
    (*tx)->h = h;
    (*rx)->h = h;
    (*rx)->rfd = -1;
    return 0;
fail:
    if (h != NULL)
        free(h->rec), free(h->pbuf);
    free(h);
    if (*rx != NULL)
        free((*rx)->buf), free((*rx)->rec);
    free(*tx);
    free(*rx);
    *tx = NULL;
    *rx = NULL;
    return rc;
}

struct hopper_sender *hopper_sender_clone(struct hopper_sender *tx)
{
    struct hopper_sender *t = malloc(sizeof *t);
    if (t != NULL) {
        t->h = tx->h;
        atomic_fetch_add(&tx->h->refs, 1);
    }
    return t;
}

void hopper_sender_free(struct hopper_sender *tx)
{
    if (tx == NULL)
        return;
    hopper_put(tx->h);
    free(tx);
}

void hopper_receiver_free(struct hopper_receiver *rx)
{
    if (rx == NULL)
        return;
    if (rx->rfd >= 0)
        close(rx->rfd);
    hopper_put(rx->h);
    free(rx->buf);
    free(rx->rec);
    free(rx);
}

/* Writes a record at offset off through io's pwrite, going on after short
 * writes: 0 or -errno. */
static int write_record(struct hopper *h, const unsigned char *r, size_t len, off_t off)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = h->io.pwrite(h->io.arg, h->wfd, r + done, len - done, off + (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        done += (size_t)n;
    }
    return 0;
}

/* The current queue file takes no more records: it is closed, made
 * read-only and counted as finished (sealed_upto), before any record of the
 * next file is announced. The receiver, having read the records it holds,
 * deletes it and returns it to the budget. Back lock held. */
static void seal(struct hopper *h)
{
    close(h->wfd);
    h->wfd = -1;
    char p[PATH_MAX + 32];
    file_path(h, h->wseq, p, sizeof p);
    /* The records are in and will be announced: a failure here must not
     * refuse them. sealed_upto tells the receiver all the same. */
    (void)chmod(p, 0444);
    /* release: the chmod and the file's records, to the acquire in
     * retire_if_done */
    ANNOTATE_HB_BEFORE(&h->sealed_upto);
    atomic_store_explicit(&h->sealed_upto, h->wseq + 1, memory_order_release);
}

/* Appends one record to the current queue file, opening the next one while
 * the budget lasts. The number advances only once the file exists: the
 * companion code advanced it first, and a Full left a gap the receiver could
 * not cross. A file with no room for another record is sealed at once,
 * before the record is announced. (Made read-only at the next write instead,
 * a file read to its end stayed on disk, holding its place in the budget,
 * until the receiver came back to it: with a budget of one file, never.)
 *
 * A write that fails part-way (a full disk) must leave nothing behind: the
 * record goes at the offset after the last whole one, not wherever the file
 * ends, and the file is cut back to that offset, so the refused item's
 * first bytes never precede an accepted one. A file that holds records is
 * then sealed short: the receiver retires it once read, and its space comes
 * back (left open, a file bigger than the free space never completed, and
 * the disk stayed full). Back lock held. */
static int write_to_disk(struct hopper *h, const void *item)
{
    size_t rec = 4 + h->item_size;
    if (h->wfd < 0) {
        if (atomic_load(&h->file_budget) <= 0)
            return -ENOSPC;
        char p[PATH_MAX + 32];
        file_path(h, h->next_seq, p, sizeof p);
        /* O_EXCL: a file of that name that is not ours (left behind, or
         * made by someone else) is never written into, nor its records
         * delivered as ours. */
        int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
            return -errno;
        atomic_fetch_sub(&h->file_budget, 1);
        h->wfd = fd;
        h->wseq = h->next_seq++;
        h->written = 0;
    }
    uint32_t crc = crc32c(item, h->item_size);
    unsigned char *r = h->rec;
    r[0] = (unsigned char)(crc >> 24), r[1] = (unsigned char)(crc >> 16);
    r[2] = (unsigned char)(crc >> 8), r[3] = (unsigned char)crc;
    memcpy(r + 4, item, h->item_size);
    int rc = write_record(h, r, rec, (off_t)h->written);
    if (rc != 0) {
        atomic_fetch_add(&h->write_errors, 1);
        /* Shrinking needs no space. Should it fail, the next record still
         * goes at h->written over the stray bytes, and nothing past the
         * records announced is ever read. */
        (void)ftruncate(h->wfd, (off_t)h->written);
        if (h->written > 0)
            seal(h);
        return rc;
    }
    h->written += rec;
    if (h->written + rec > h->file_bytes)
        seal(h);
    return 0;
}

/* Pushes a placement; wakes the receiver on empty -> not empty. Back lock held. */
static int push(struct hopper *h, const struct placement *p, const void *item)
{
    memcpy(h->pbuf, p, sizeof *p);
    if (item != NULL)
        memcpy(h->pbuf + sizeof *p, item, h->item_size);
    int rc = deque_push_back(&h->q, h->pbuf);
    if (rc == 1)
        deque_notify_not_empty(&h->q);
    return rc;
}

/* Announces the items on disk if there is room. Back lock held. */
static int announce(struct hopper *h)
{
    if (h->on_disk == 0)
        return 0;
    struct placement p = {.kind = DISK, .disk_items = h->on_disk};
    if (push(h, &p, NULL) < 0)
        return -EAGAIN;
    h->on_disk = 0;
    return 0;
}

int hopper_send(struct hopper_sender *tx, const void *item)
{
    struct hopper *h = tx->h;
    int rc = 0;
    deque_lock_back(&h->q);
    if (h->on_disk == 0) {
        /* memory mode */
        struct placement p = {.kind = MEMORY};
        if (push(h, &p, item) == -ENOSPC && (rc = write_to_disk(h, item)) == 0)
            h->on_disk++; /* not announced yet: the lazy flip */
    } else {
        /* disk mode: behind the items already on disk; then announce them
         * all if there is room, even when this write failed: a receiver that
         * never hears of the files never deletes them, and a full disk would
         * stay full */
        if ((rc = write_to_disk(h, item)) == 0)
            h->on_disk++;
        announce(h);
    }
    deque_unlock_back(&h->q);
    return rc;
}

int hopper_flush(struct hopper_sender *tx)
{
    struct hopper *h = tx->h;
    deque_lock_back(&h->q);
    int rc = announce(h);
    deque_unlock_back(&h->q);
    return rc;
}

/* pread() until len bytes or the end of the file: the bytes read, or -errno. */
static ssize_t read_at(int fd, void *buf, size_t len, off_t off)
{
    unsigned char *p = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, p + got, len - got, off + (off_t)got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* Opens queue file rseq for reading. */
static int open_next(struct hopper_receiver *rx)
{
    char p[PATH_MAX + 32];
    file_path(rx->h, rx->rseq, p, sizeof p);
    rx->rfd = open(p, O_RDONLY | O_CLOEXEC);
    rx->in_file = 0;
    rx->rcount = SIZE_MAX;
    return rx->rfd < 0 ? -errno : 0;
}

/* Deletes the file the receiver has read to its end and gives its place
 * back to the budget. */
static void retire(struct hopper_receiver *rx)
{
    close(rx->rfd);
    rx->rfd = -1;
    char p[PATH_MAX + 32];
    file_path(rx->h, rx->rseq, p, sizeof p);
    unlink(p);
    atomic_fetch_add(&rx->h->file_budget, 1);
    rx->rseq++;
}

/* Retires the file being read once it is finished and read to its end. A
 * file is finished when the senders sealed it (sealed_upto) or, as the
 * book has it, when it is read-only: its mode bits say so, not access(),
 * which tells root that every file is writable. How many records a finished
 * file holds, full or sealed short by a failed write, its size says, looked
 * up once. A file not finished is left open: if more is announced, the next
 * read finds its end and says -EBADMSG. */
static void retire_if_done(struct hopper_receiver *rx)
{
    struct hopper *h = rx->h;
    size_t rec = 4 + h->item_size;
    if (rx->rfd < 0)
        return;
    if (rx->rcount == SIZE_MAX) {
        /* acquire: pairs with the release in seal */
        bool sealed = rx->rseq < atomic_load_explicit(&h->sealed_upto, memory_order_acquire);
        ANNOTATE_HB_AFTER(&h->sealed_upto);
        if (!sealed && rx->in_file != h->file_bytes / rec)
            return;
        struct stat st;
        if (fstat(rx->rfd, &st) != 0 || (!sealed && (st.st_mode & 0222) != 0))
            return;
        rx->rcount = (size_t)st.st_size / rec;
    }
    if (rx->in_file >= rx->rcount)
        retire(rx);
}

/* An announced item that cannot be delivered: counted, and reported once. */
static int lose(struct hopper_receiver *rx, int rc, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    rx->corrupt_records++;
    report(rx->h, "file %llu: %s; the item is lost, the next record follows",
           (unsigned long long)rx->rseq, why);
    return rc;
}

/* Reads the next announced record from the queue files. Whatever happens to
 * it, it is consumed: a bad record costs its own item, never the ones behind
 * it. Records sit at fixed offsets, so the next one is found without
 * trusting this one. */
static int read_disk_value(struct hopper_receiver *rx, void *item)
{
    struct hopper *h = rx->h;
    size_t rec = 4 + h->item_size;
    retire_if_done(rx); /* sealed short after its last record was read */
    if (rx->rfd < 0) {
        int rc = open_next(rx);
        if (rc != 0) {
            uint64_t lost = rx->to_read;
            rx->to_read = 0;
            rx->corrupt_records += lost - 1; /* lose() counts one */
            return lose(rx, rc == -ENOENT ? -EBADMSG : rc, "cannot open (%s): %llu item(s)",
                        strerror(-rc), (unsigned long long)lost);
        }
    }
    off_t off = (off_t)(rx->in_file * rec);
    ssize_t n = read_at(rx->rfd, rx->rec, rec, off);
    rx->to_read--;
    int rc = 0;
    if (n < 0) {
        rc = lose(rx, (int)n, "offset %lld: %s", (long long)off, strerror((int)-n));
    } else if ((size_t)n < rec) {
        rc = lose(rx, -EBADMSG, "offset %lld: record cut short (%zd of %zu bytes)", (long long)off,
                  n, rec);
    } else {
        const unsigned char *r = rx->rec;
        uint32_t crc = (uint32_t)r[0] << 24 | (uint32_t)r[1] << 16 | (uint32_t)r[2] << 8 | r[3];
        if (crc != crc32c(r + 4, h->item_size))
            rc = lose(rx, -EBADMSG, "offset %lld: checksum mismatch", (long long)off);
        else
            memcpy(item, r + 4, h->item_size);
    }
    rx->in_file++;
    retire_if_done(rx);
    return rc;
}

static int recv_placement(struct hopper_receiver *rx, void *item, long timeout_ms)
{
    struct hopper *h = rx->h;
    for (;;) {
        if (rx->to_read > 0)
            return read_disk_value(rx, item);
        retire_if_done(rx); /* sealed short since its last record was read */
        if (timeout_ms < 0)
            deque_pop_front(&h->q, rx->buf);
        else if (deque_pop_front_timed(&h->q, rx->buf, timeout_ms) != 0)
            return -ETIMEDOUT;
        struct placement p;
        memcpy(&p, rx->buf, sizeof p);
        if (p.kind == MEMORY) {
            memcpy(item, rx->buf + sizeof p, h->item_size);
            return 0;
        }
        rx->to_read = p.disk_items;
    }
}

int hopper_recv(struct hopper_receiver *rx, void *item)
{
    return recv_placement(rx, item, -1);
}

int hopper_recv_timed(struct hopper_receiver *rx, void *item, long timeout_ms)
{
    return recv_placement(rx, item, timeout_ms);
}

void hopper_get_stats(struct hopper_receiver *rx, struct hopper_stats *st)
{
    *st = (struct hopper_stats){
        .stale_files = atomic_load(&rx->h->stale_files),
        .corrupt_records = rx->corrupt_records,
        .write_errors = atomic_load(&rx->h->write_errors),
    };
}
