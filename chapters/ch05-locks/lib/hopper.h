/*
 * hopper.h - an MPSC queue that keeps a bounded number of items in memory and
 * spills the rest to disk, in order: the book's hopper, in C.
 *
 * The in-memory part is the two-lock deque (deque.h) of "placements": an item
 * (Memory), or "the next n items are on disk" (Disk(n)). Senders, one at a
 * time under the deque's back lock, push items while there is room; when the
 * deque is full they append to the current queue file instead, and push a
 * single Disk(n) marker as soon as there is room again. The receiver pops
 * placements; on Disk(n) it reads n records from the files before popping
 * again. The order of the deque is the order of delivery, so no other flag is
 * needed, and reading the files needs no lock at all.
 *
 * Queue files live in DATA_DIR/NAME/, named 0, 1, 2...: records of a 4-byte
 * big-endian CRC32C of the item, then the item's bytes. (The book's 4-byte
 * length said nothing with items of one fixed size; a checksum tells a
 * changed byte. CRC32C because it catches every error of up to 3 bits and
 * every burst of up to 32 in records of this size, where a sum would miss
 * swapped bytes, and because x86 and ARMv8 have instructions for it should
 * the table-driven one here ever cost too much.) A sender fills a file up to
 * on_disk_bytes (as many records as fit), marks it read-only (chmod 0444) at
 * once, and opens the next file at its next spill while the file budget
 * lasts. The receiver, having read as many records as a file holds, looks at
 * its mode bits (fstat, not access(): as root access() says every file is
 * writable): a read-only file is exhausted, so it deletes it and returns one
 * file to the budget. A write that fails (a full disk) leaves no partial
 * record: the file is cut back to its last whole record and, if it holds
 * any, sealed short, so the receiver retires it once read and its space
 * comes back.
 *
 * Errors, as the book's: a send that finds memory and disk full returns
 * -ENOSPC and the item stays with the caller (nothing accepted is lost or
 * duplicated); -EIO (or the errno of the file call) when the disk fails;
 * hopper_flush returns -EAGAIN when it cannot announce the items on disk yet.
 * A corrupt record (its checksum does not match) or a record missing from a
 * queue file cut short makes hopper_recv return -EBADMSG once, for that
 * item: it is counted (hopper_get_stats), reported in one line naming the
 * file and offset, and skipped; the next receive goes on with the next
 * record.
 *
 * The lazy flip: items written to disk are announced by the next send that
 * finds room, so the last ones stay invisible to the receiver until another
 * send or hopper_flush (tests/test_hopper.c shows it).
 */
#ifndef CH05_HOPPER_H
#define CH05_HOPPER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct hopper_sender;
struct hopper_receiver;

struct hopper_config {
    const char *data_dir; /* must exist */
    /* A subdirectory of data_dir: one plain file name (not "." or ".."). If
     * it exists it may hold only queue files (names of digits), which are
     * removed, not delivered, and reported in one line (see hopper_io). */
    const char *name;
    size_t item_size;       /* bytes per item, fixed */
    size_t in_memory_bytes; /* at least item_size: in_memory_bytes / item_size slots */
    size_t on_disk_bytes;   /* per queue file; at least 4 + item_size */
    size_t max_disk_files;  /* queue files that may exist at once (0: none, memory only) */
};

/* Creates the channel: one sender (clone it for more) and the receiver.
 * 0, -EINVAL (sizes, or a name that is not one plain file name),
 * -ENOTEMPTY (the folder holds something that is not a queue file), or
 * -errno of mkdir, readdir or unlink. */
int hopper_channel(const struct hopper_config *c, struct hopper_sender **tx,
                   struct hopper_receiver **rx);

/* What a channel does with the world outside it, for tests and tools: each
 * field may be NULL (or the whole struct, for hopper_channel) for the
 * default. */
struct hopper_io {
    /* Writes a queue file's bytes, as pwrite(2): how many it wrote (maybe
     * fewer than len), or -1 with errno set. Tests use it for short writes
     * and a disk that fills part-way through a record. Default: pwrite. */
    ssize_t (*pwrite)(void *arg, int fd, const void *buf, size_t len, off_t off);
    /* Receives each line the channel reports, without a newline: a queue
     * file it could not remove, a corrupt record it skipped. Default: the
     * line on stderr. */
    void (*log)(void *arg, const char *line);
    void *arg; /* passed to the functions above */
};

/* As hopper_channel, with io's functions in place of the defaults (io is
 * copied; NULL: the defaults). */
int hopper_channel_io(const struct hopper_config *c, const struct hopper_io *io,
                      struct hopper_sender **tx, struct hopper_receiver **rx);

/* A new sender on the same channel. NULL when out of memory. */
struct hopper_sender *hopper_sender_clone(struct hopper_sender *tx);

/* 0; -ENOSPC when memory and disk are full (the item stays with the caller);
 * -errno when a queue file cannot be opened or written (-EEXIST: a file of
 * the next queue file's name appeared, and is left alone; -ENOSPC also when
 * the file system is full). A write that fails leaves no byte of the item
 * behind, and the item stays with the caller. */
int hopper_send(struct hopper_sender *tx, const void *item);

/* Announces the items on disk to the receiver: 0 (or nothing to announce),
 * -EAGAIN when the deque has no room for the announcement yet. */
int hopper_flush(struct hopper_sender *tx);

/* Blocks until an item arrives: 0; -EBADMSG for a corrupt or missing
 * record, -errno for one that cannot be read: that item is lost, counted and
 * reported, and the next call goes on with the next one. */
int hopper_recv(struct hopper_receiver *rx, void *item);

/* As hopper_recv, giving up after timeout_ms with -ETIMEDOUT. */
int hopper_recv_timed(struct hopper_receiver *rx, void *item, long timeout_ms);

/* What went wrong with the channel's files so far. */
struct hopper_stats {
    uint64_t stale_files;     /* queue files of an earlier run that hopper_channel removed */
    uint64_t corrupt_records; /* items lost to corrupt, missing or unreadable records */
    uint64_t write_errors;    /* sends refused because a queue file write failed */
};

/* Called by the receiver's thread. */
void hopper_get_stats(struct hopper_receiver *rx, struct hopper_stats *st);

/* Each sender and the receiver are freed once; the last one frees the
 * channel and its files, and reports (one line, see hopper_io) a file or the
 * folder it could not remove. */
void hopper_sender_free(struct hopper_sender *tx);
void hopper_receiver_free(struct hopper_receiver *rx);

#endif
