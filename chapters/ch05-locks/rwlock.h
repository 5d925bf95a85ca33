/* rwlock.h - the rwlock example (rwlock.c) and the fan-out (fanout.c), for
 * their tests. */
#ifndef CH05_RWLOCK_H
#define CH05_RWLOCK_H

#include <stdint.h>

enum { RW_MAX_READERS = 64 };

enum rw_kind { RW_PREFER_READER, RW_PREFER_WRITER };

struct rw_result {
    uint64_t failures[RW_MAX_READERS], successes[RW_MAX_READERS], zeros[RW_MAX_READERS];
    uint64_t writes; /* increments the writer made */
};

/* The book's rwlock_example00: `readers` threads spin on tryrdlock until each
 * has read 0 `zeros` times; main writes, wrapping a uint16_t `wraps` times.
 * 0 or -errno. */
int rw_run(unsigned readers, unsigned wraps, unsigned zeros, enum rw_kind kind,
           struct rw_result *out);

/* The book's writer_example01: the writer sends every value to each reader's
 * bounded channel; each reader counts what it receives until it has seen
 * `wraps` zeros. seen[i] must be wraps * 65536. 0 or -errno. */
int fanout_run(unsigned readers, unsigned wraps, unsigned capacity, uint64_t *seen);

#endif
