/*
 * telem.h - the telemetry server of this chapter (telem.c) and its pieces
 * (telem_lib.c): the datagram parser, the CKMS quantile summary and the
 * cumulative moving average.
 */
#ifndef CH04_TELEM_H
#define CH04_TELEM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TELEM_NAME_MAX 255
#define TELEM_DATAGRAM_MAX 16250 /* the book's receive buffer */

struct telem_point {
    char name[TELEM_NAME_MAX + 1];
    uint32_t value;
};

/* Parses one datagram, "name value [ignored...]": valid UTF-8, a name of at
 * most TELEM_NAME_MAX bytes with no control characters (C0, DEL, and C1:
 * U+0080..U+009F; no NUL), a value of decimal digits (an optional '+') that
 * fits in 32 bits. Names are UTF-8 text, so a raw byte 0x80..0x9F is not a C1
 * character but invalid UTF-8. Returns 0, or a negative errno: -EILSEQ not
 * UTF-8, -EINVAL no name, a control character in it, or a value that is not
 * digits, -ERANGE value over 4294967295, -ENAMETOOLONG name too long,
 * -EMSGSIZE datagram too long. */
int telem_parse(const uint8_t *buf, size_t len, struct telem_point *out);

/* Whether buf[0..len) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF). */
int telem_utf8_valid(const uint8_t *buf, size_t len);

/* Writes v as the shortest of %.15g, %.16g and %.17g that reads back (strtod)
 * as the same double: 1234567, 0.1, 1e+300, -0. (%g keeps 6 digits: 1234567
 * became 1.23457e+06.) Returns buf. */
#define TELEM_VALUE_CHARS 32
char *telem_format_value(char buf[TELEM_VALUE_CHARS], double v);

/* ---- CKMS: quantiles of a stream in bounded memory -------------------------------------- */

struct ckms_tuple {
    double v;
    uint64_t g, delta;
};

struct ckms {
    double eps;
    uint64_t n;
    unsigned since_compress;
    struct ckms_tuple *t;
    size_t len, cap;
};

int ckms_init(struct ckms *c, double eps);
void ckms_free(struct ckms *c);
int ckms_insert(struct ckms *c, double v);
/* A value whose rank is within eps * n of q * n (q in [0, 1]); 0 when empty. */
double ckms_query(const struct ckms *c, double q);

/* ---- the cumulative moving average -------------------------------------------------------- */

struct cma {
    uint64_t n;
    double mean;
};

static inline void cma_add(struct cma *c, double v)
{
    c->n++;
    c->mean += (v - c->mean) / (double)c->n;
}

/* ---- the server (telem.c) ----------------------------------------------------------------- */

struct telem_config {
    FILE *out;         /* where the reports go */
    uint32_t limit;    /* <= limit to CKMS, >= limit to CMA */
    size_t capacity;   /* of each channel */
    bool unbounded;    /* the book's unbounded channels instead */
    unsigned flush_ms; /* between reports */
    unsigned sink_us;  /* a slow downstream: each egress spends this long per point */
    size_t max_names;  /* names each summary keeps (0: TELEM_MAX_NAMES_DEFAULT) */
};

#define TELEM_MAX_NAMES_DEFAULT 4096

/* What became of every datagram. A point is due to one summary, or to both
 * when its value equals the limit; each is reported or dropped for a reason. */
struct telem_counts {
    uint64_t datagrams, accepted, malformed;
    uint64_t at_limit;      /* accepted points equal to the limit: due to both summaries */
    uint64_t reported;      /* added to a summary, so in its next report */
    uint64_t dropped_full;  /* a bounded channel on the way was full */
    uint64_t dropped_names; /* a new name when the summary had max_names already */
    uint64_t dropped_nomem; /* no memory for a new name or a summary's growth */
};

/* Whether every point is accounted for:
 * accepted + at_limit == reported + dropped_full + dropped_names + dropped_nomem. */
static inline bool telem_counts_balance(const struct telem_counts *n)
{
    return n->accepted + n->at_limit ==
           n->reported + n->dropped_full + n->dropped_names + n->dropped_nomem;
}

struct telem_server_socket {
    int fd;
    uint16_t port; /* the port bound (useful after port 0) */
};

/* Binds a UDP socket on 127.0.0.1:port (0: any free port). 0 or -errno. */
int telem_open(struct telem_server_socket *ss, uint16_t port);

/* Sends `count` random points "m<k> <v>" (k < names, v uniform in
 * [0, max_value]) to 127.0.0.1:port, `rate` per second (0: as fast as the
 * socket takes them), from a splitmix64 stream seeded with `seed`. Stores how
 * many went out in *sent. 0 or -errno. */
int telem_send_random(uint16_t port, uint64_t count, uint64_t names, uint32_t max_value,
                      double rate, uint64_t seed, uint64_t *sent);

/* Sends one datagram to 127.0.0.1:port from socket fd, retrying while the
 * local queue is full. 0 or -errno. */
int telem_send_one(int fd, uint16_t port, const void *msg, size_t len);

/* Sleeps until start_ns + i / rate seconds (lab_now_ns time). */
void telem_pace(uint64_t start_ns, uint64_t i, double rate);

/* Runs the server on fd until *stop. Then ingest reads what the socket still
 * holds and stops, and each summary reports what it has not reported yet.
 * Stores the counts; 0 or -errno. */
int telem_serve(const struct telem_config *cfg, int fd, _Atomic bool *stop,
                struct telem_counts *counts);

#endif
