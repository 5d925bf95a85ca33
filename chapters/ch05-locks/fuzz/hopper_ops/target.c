/*
 * hopper_ops - hopper (chapters/ch05-locks) driven by decoded operation
 * sequences, single-threaded, against a FIFO model.
 *
 * The input starts with the book's 22-byte header, little-endian and without
 * padding:
 *
 *   seed_a seed_b seed_c seed_d   u32 x 4   the xorshift128 that makes the items
 *   max_in_memory_bytes           u32       taken modulo 4096 (the book clamps
 *                                           at 2<<25; smaller keeps every run
 *                                           short and reaches the disk often)
 *   max_disk_bytes                u16       bytes per queue file
 *
 * and goes on where the book stopped (both bytes optional):
 *
 *   max_disk_files                u8        modulo 8 (absent: 4)
 *   item_size                     u8        1 + b % 16 (absent: 8, a u64)
 *   operations                    u8 each   low nibble: 0-5 receive, 6-11 send,
 *                                           12 flush, 13 clone a sender,
 *                                           14 free a sender, 15 look at the
 *                                           directory; high nibble: which sender
 *
 * With no operation bytes the operations come from the generator as in the
 * book: gen_range(0, 102), 0-50 receive, 51-100 send, 101 stop.
 *
 * Every receive is a try (a zero timeout), so no input can hang the harness,
 * the book's harness blocked on a read after the lazy flip had stranded its
 * items. A try that finds nothing while the model holds items is the lazy flip
 * itself: a flush must then succeed and the next try must deliver the model's
 * oldest item. What is checked, each failure an abort():
 *   - hopper_channel rejects exactly the configurations it should;
 *   - a send either succeeds or says -ENOSPC, and only when the items
 *     outstanding fill memory (no disk) or the disk: every file but the
 *     oldest full of unread records, the oldest holding one at least, since
 *     a file read to its end is deleted at once;
 *   - a flush either succeeds or says -EAGAIN, and only with memory full;
 *   - every item received is the model's oldest, nothing arrives that was not
 *     sent (the book's phantom elements), nothing is lost;
 *   - the queue files never outnumber max_disk_files, and the last free
 *     removes them with their directory.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hopper.h"
#include "rng.h"

enum { MAX_OPS = 4096, MAX_ITEM = 16, MAX_SENDERS = 4, MEM_MOD = 4096 };

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "hopper_ops: " __VA_ARGS__);                                               \
        fputc('\n', stderr);                                                                       \
        abort();                                                                                   \
    } while (0)

static char data_dir[256];

static void remove_data_dir(void)
{
    rmdir(data_dir);
}

/* One directory per process, so that parallel fuzzers never share files. */
static const char *the_data_dir(void)
{
    if (data_dir[0] == '\0') {
        const char *tmp = getenv("TMPDIR");
        snprintf(data_dir, sizeof data_dir, "%s/hopper-ops-XXXXXX",
                 tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
        if (mkdtemp(data_dir) == NULL) {
            perror("hopper_ops: mkdtemp");
            exit(2); /* the environment, not the input */
        }
        atexit(remove_data_dir);
    }
    return data_dir;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The queue files in the channel's directory; -1 when it does not exist. */
static long count_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return -1;
    long n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

struct run {
    struct hopper_config c;
    char dir[300];
    size_t slots;    /* in-memory capacity, in items */
    size_t per_file; /* records a queue file holds */
    struct hopper_sender *tx[MAX_SENDERS];
    int senders;
    struct hopper_receiver *rx;
    struct xorshift128 rng;
    /* The model: items sent and not yet received, oldest first. */
    uint8_t model[MAX_OPS][MAX_ITEM];
    size_t head, tail;
};

static size_t outstanding(const struct run *r)
{
    return r->tail - r->head;
}

static void send_one(struct run *r, int who)
{
    if (r->tail == MAX_OPS)
        return;
    uint8_t *item = r->model[r->tail];
    for (size_t i = 0; i < r->c.item_size; i++)
        item[i] = (uint8_t)xorshift128_next(&r->rng);
    int rc = hopper_send(r->tx[who % r->senders], item);
    if (rc == 0) {
        r->tail++;
    } else if (rc == -ENOSPC) {
        size_t full =
            r->c.max_disk_files == 0 ? r->slots : (r->c.max_disk_files - 1) * r->per_file + 1;
        if (outstanding(r) < full || (r->c.max_disk_files == 0 && outstanding(r) != full))
            FAIL("send said full with %zu items outstanding: %zu slots, %zu files of %zu",
                 outstanding(r), r->slots, r->c.max_disk_files, r->per_file);
    } else {
        FAIL("send failed: %s", strerror(-rc));
    }
}

static void flush_one(struct run *r, int who)
{
    int rc = hopper_flush(r->tx[who % r->senders]);
    if (rc == -EAGAIN && outstanding(r) < r->slots)
        FAIL("flush said -EAGAIN with %zu items outstanding, %zu slots", outstanding(r), r->slots);
    if (rc != 0 && rc != -EAGAIN)
        FAIL("flush failed: %s", strerror(-rc));
}

/* A try; on nothing while items are outstanding, flush and try again. */
static void recv_one(struct run *r)
{
    uint8_t got[MAX_ITEM];
    int rc = hopper_recv_timed(r->rx, got, 0);
    if (rc == -ETIMEDOUT && outstanding(r) > 0) {
        /* The lazy flip: the items are on disk, not yet announced. The
         * deque is empty, so the announcement has room. */
        rc = hopper_flush(r->tx[0]);
        if (rc != 0)
            FAIL("flush after an empty try failed: %s", strerror(-rc));
        rc = hopper_recv_timed(r->rx, got, 0);
        if (rc == -ETIMEDOUT)
            FAIL("%zu items sent and never delivered, even after a flush", outstanding(r));
    }
    if (rc == -ETIMEDOUT)
        return;
    if (rc != 0)
        FAIL("receive failed: %s", strerror(-rc));
    if (outstanding(r) == 0)
        FAIL("received an item that was never sent (a phantom)");
    if (memcmp(got, r->model[r->head], r->c.item_size) != 0)
        FAIL("received item %zu out of order or corrupted", r->head);
    r->head++;
}

static void check_files(const struct run *r)
{
    long n = count_files(r->dir);
    if (n < 0 || (size_t)n > r->c.max_disk_files)
        FAIL("%ld queue files, at most %zu allowed", n, r->c.max_disk_files);
}

static void step(struct run *r, uint8_t op)
{
    int who = op >> 4;
    switch (op & 15) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
        recv_one(r);
        break;
    case 6:
    case 7:
    case 8:
    case 9:
    case 10:
    case 11:
        send_one(r, who);
        break;
    case 12:
        flush_one(r, who);
        break;
    case 13:
        if (r->senders < MAX_SENDERS && (r->tx[r->senders] = hopper_sender_clone(r->tx[0])) != NULL)
            r->senders++;
        break;
    case 14:
        if (r->senders > 1) { /* one must stay to flush */
            int i = 1 + who % (r->senders - 1);
            hopper_sender_free(r->tx[i]);
            r->tx[i] = r->tx[--r->senders];
        }
        break;
    default:
        check_files(r);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 22)
        return 0; /* as the book's: a short input does not decode */
    static struct run run;
    struct run *r = &run;
    memset(r, 0, sizeof *r);
    r->rng = (struct xorshift128){le32(data), le32(data + 4), le32(data + 8), le32(data + 12)};
    if ((r->rng.x | r->rng.y | r->rng.z | r->rng.w) == 0)
        return 0; /* xorshift128 cannot start from zero */
    r->c = (struct hopper_config){
        .data_dir = the_data_dir(),
        .name = "afl",
        .item_size = size > 23 ? 1 + data[23] % MAX_ITEM : 8,
        .in_memory_bytes = le32(data + 16) % MEM_MOD,
        .on_disk_bytes = (size_t)data[20] | (size_t)data[21] << 8,
        .max_disk_files = size > 22 ? data[22] % 8 : 4,
    };
    snprintf(r->dir, sizeof r->dir, "%s/%s", r->c.data_dir, r->c.name);
    bool valid = r->c.in_memory_bytes >= r->c.item_size &&
                 (r->c.max_disk_files == 0 || r->c.on_disk_bytes >= 4 + r->c.item_size);
    int rc = hopper_channel(&r->c, &r->tx[0], &r->rx);
    if (!valid) {
        if (rc != -EINVAL)
            FAIL("an invalid configuration gave %d, not -EINVAL", rc);
        return 0;
    }
    if (rc != 0)
        FAIL("hopper_channel failed: %s", strerror(-rc));
    r->senders = 1;
    r->slots = r->c.in_memory_bytes / r->c.item_size;
    r->per_file = r->c.on_disk_bytes / (4 + r->c.item_size);

    if (size <= 24) {
        /* The book's loop: the generator chooses. */
        for (int i = 0; i < MAX_OPS; i++) {
            uint32_t op = xorshift128_next(&r->rng) % 102;
            if (op == 101)
                break;
            if (op <= 50) {
                if (r->tail > 0) /* the book reads only after a write */
                    recv_one(r);
            } else {
                send_one(r, 0);
            }
        }
    } else {
        for (size_t i = 24; i < size && i - 24 < MAX_OPS; i++)
            step(r, data[i]);
    }

    /* Drain: everything accepted comes out, in order, and nothing else. */
    while (outstanding(r) > 0)
        recv_one(r);
    uint8_t extra[MAX_ITEM];
    if ((rc = hopper_recv_timed(r->rx, extra, 0)) != -ETIMEDOUT)
        FAIL("an item after the last one sent (%d)", rc);
    check_files(r);
    for (int i = 0; i < r->senders; i++)
        hopper_sender_free(r->tx[i]);
    hopper_receiver_free(r->rx);
    if (count_files(r->dir) >= 0)
        FAIL("the channel's directory outlived the channel");
    return 0;
}
