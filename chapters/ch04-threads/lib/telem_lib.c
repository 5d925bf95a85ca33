/* telem_lib.c - see telem.h: the parser, CKMS, and the sender. */
#include "telem.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "rng.h"

int telem_utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if ((c & 0xe0) == 0xc0)
            n = 2, cp = c & 0x1f;
        else if ((c & 0xf0) == 0xe0)
            n = 3, cp = c & 0x0f;
        else if ((c & 0xf8) == 0xf0)
            n = 4, cp = c & 0x07;
        else
            return 0; /* a continuation byte first, or 0xf8 and above */
        if (i + n > len)
            return 0;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < least[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0; /* overlong, out of range, or a surrogate */
        i += n;
    }
    return 1;
}

static int is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int telem_parse(const uint8_t *buf, size_t len, struct telem_point *out)
{
    if (len > TELEM_DATAGRAM_MAX)
        return -EMSGSIZE;
    if (!telem_utf8_valid(buf, len))
        return -EILSEQ;
    size_t i = 0;
    while (i < len && is_space(buf[i]))
        i++;
    size_t name_start = i;
    while (i < len && !is_space(buf[i])) {
        /* A NUL would cut the name short as a C string (found by fuzzing:
         * "N\0\0\0 7" was stored as "N"); no control characters at all. */
        if (buf[i] < 0x20 || buf[i] == 0x7f)
            return -EINVAL;
        /* C1 controls, U+0080..U+009F, are 0xc2 0x80..0x9f in UTF-8 (the text
         * is valid UTF-8 here, so 0xc2 starts a character): NEL, CSI... */
        if (buf[i] == 0xc2 && i + 1 < len && buf[i + 1] <= 0x9f)
            return -EINVAL;
        i++;
    }
    size_t name_len = i - name_start;
    if (name_len == 0)
        return -EINVAL;
    if (name_len > TELEM_NAME_MAX)
        return -ENAMETOOLONG;
    while (i < len && is_space(buf[i]))
        i++;
    if (i < len && buf[i] == '+')
        i++;
    size_t digits = 0;
    uint64_t v = 0;
    for (; i < len && !is_space(buf[i]); i++, digits++) {
        if (buf[i] < '0' || buf[i] > '9')
            return -EINVAL; /* no sign, no hex, no trailing junk in the value */
        v = v * 10 + (uint64_t)(buf[i] - '0');
        if (v > UINT32_MAX)
            return -ERANGE;
    }
    if (digits == 0)
        return -EINVAL;
    memcpy(out->name, buf + name_start, name_len);
    out->name[name_len] = '\0';
    out->value = (uint32_t)v;
    return 0;
}

char *telem_format_value(char buf[TELEM_VALUE_CHARS], double v)
{
    /* 17 significant digits always read back; fewer often do, and read better. */
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, TELEM_VALUE_CHARS, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

/* ---- CKMS (Cormode, Korn, Muthukrishnan, Srivastava) ------------------------------------- */

/* The error allowed at rank r. */
static double invariant(double r, double eps)
{
    double f = floor(2 * eps * r);
    return f < 1 ? 1 : f;
}

int ckms_init(struct ckms *c, double eps)
{
    *c = (struct ckms){.eps = eps};
    return eps > 0 && eps < 1 ? 0 : -EINVAL;
}

void ckms_free(struct ckms *c)
{
    free(c->t);
    *c = (struct ckms){0};
}

/* Merges neighbours whose combined uncertainty the invariant still allows. */
static void compress(struct ckms *c)
{
    if (c->len < 3)
        return;
    size_t i = 0;
    double r = 1;
    while (i + 1 < c->len) {
        struct ckms_tuple *cur = &c->t[i], *next = &c->t[i + 1];
        if ((double)(cur->g + next->g + next->delta) <= invariant(r, c->eps)) {
            *cur = (struct ckms_tuple){next->v, cur->g + next->g, next->delta};
            memmove(next, next + 1, (c->len - i - 2) * sizeof *next);
            c->len--;
        } else {
            i++;
        }
        r += 1;
    }
}

int ckms_insert(struct ckms *c, double v)
{
    if (c->len == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        struct ckms_tuple *t = realloc(c->t, cap * sizeof *t);
        if (t == NULL)
            return -ENOMEM;
        c->t = t;
        c->cap = cap;
    }
    /* The position after every tuple with a value <= v, and the rank before it. */
    size_t lo = 0, hi = c->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->t[mid].v <= v)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint64_t r = 0;
    for (size_t k = 0; k < lo; k++)
        r += c->t[k].g;
    uint64_t delta = (lo == 0 || lo == c->len) ? 0 : (uint64_t)invariant((double)r, c->eps) - 1;
    memmove(c->t + lo + 1, c->t + lo, (c->len - lo) * sizeof *c->t);
    c->t[lo] = (struct ckms_tuple){v, 1, delta};
    c->len++;
    c->n++;
    if (++c->since_compress >= (unsigned)(1 / (2 * c->eps))) {
        compress(c);
        c->since_compress = 0;
    }
    return 0;
}

double ckms_query(const struct ckms *c, double q)
{
    if (c->len == 0)
        return 0;
    double nphi = q * (double)c->n, bound = nphi + invariant(nphi, c->eps) / 2;
    uint64_t r = 0;
    for (size_t i = 1; i < c->len; i++) {
        r += c->t[i - 1].g;
        if ((double)(r + c->t[i].g + c->t[i].delta) > bound)
            return c->t[i - 1].v;
    }
    return c->t[c->len - 1].v;
}

/* ---- the sender --------------------------------------------------------------------------- */

int telem_send_one(int fd, uint16_t port, const void *msg, size_t len)
{
    struct sockaddr_in to = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    for (;;) {
        if (sendto(fd, msg, len, 0, (const struct sockaddr *)&to, sizeof to) >= 0)
            return 0;
        if (errno == ENOBUFS || errno == EAGAIN)
            continue; /* the local queue is full for a moment: try again */
        if (errno == ECONNREFUSED)
            return 0; /* the ICMP "port unreachable" of an earlier datagram */
        return -errno;
    }
}

void telem_pace(uint64_t start_ns, uint64_t i, double rate)
{
    uint64_t due = start_ns + (uint64_t)((double)i * 1e9 / rate);
    uint64_t now = lab_now_ns();
    if (due > now) {
        uint64_t d = due - now;
        nanosleep(&(struct timespec){.tv_sec = (time_t)(d / 1000000000u),
                                     .tv_nsec = (long)(d % 1000000000u)},
                  NULL);
    }
}

int telem_send_random(uint16_t port, uint64_t count, uint64_t names, uint32_t max_value,
                      double rate, uint64_t seed, uint64_t *sent)
{
    *sent = 0;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        return -errno;
    struct splitmix64 g = {seed};
    uint64_t start = lab_now_ns();
    int rc = 0;
    for (uint64_t i = 0; rc == 0 && i < count; i++) {
        char msg[64];
        uint64_t r = splitmix64_next(&g);
        int len = snprintf(msg, sizeof msg, "m%llu %llu", (unsigned long long)(r % names),
                           (unsigned long long)((r >> 20) % ((uint64_t)max_value + 1)));
        if (rate > 0)
            telem_pace(start, i, rate);
        rc = telem_send_one(fd, port, msg, (size_t)len);
        *sent += rc == 0;
    }
    close(fd);
    return rc;
}
