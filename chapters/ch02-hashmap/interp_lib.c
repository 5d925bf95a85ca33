/* interp_lib.c - the map interpreter (interp.h): parsing, and one switch over
 * the maps, which all take and give malloc'd strings. */
#include "interp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maps.h"

const char *const interp_map_names[] = {"naive",       "naive-fixed", "standard", "swiss",
                                        "specialized", "model",       NULL};

/* The oracle: pairs in insertion order, found by a linear search. */
struct model_pair {
    char *key, *val;
};

struct interp {
    enum interp_map kind;
    union {
        struct naive_str naive;
        struct rh_str rh;
        struct sw_str sw;
        struct {
            struct model_pair *p;
            size_t n, cap;
        } model;
    } u;
    char *u8[256]; /* the specialised map: a value per key, NULL when absent */
};

struct interp *interp_new(enum interp_map kind, struct map_hasher h, unsigned hash_bits)
{
    struct interp *in = calloc(1, sizeof *in);
    if (in == NULL)
        return NULL;
    in->kind = kind;
    switch (kind) {
    case INTERP_NAIVE:
        naive_str_init_with(&in->u.naive, h, hash_bits, false);
        break;
    case INTERP_NAIVE_FIXED:
        naive_str_init_with(&in->u.naive, h, hash_bits, true);
        break;
    case INTERP_STANDARD:
        rh_str_init(&in->u.rh, h);
        break;
    case INTERP_SWISS:
        sw_str_init(&in->u.sw, h);
        break;
    case INTERP_SPECIALIZED:
    case INTERP_MODEL:
        break;
    }
    return in;
}

void interp_free(struct interp *in)
{
    if (in == NULL)
        return;
    size_t it = 0;
    char *k, *v;
    switch (in->kind) {
    case INTERP_NAIVE:
    case INTERP_NAIVE_FIXED:
        while (naive_str_next(&in->u.naive, &it, &k, &v))
            free(k), free(v);
        naive_str_free(&in->u.naive);
        break;
    case INTERP_STANDARD:
        while (rh_str_next(&in->u.rh, &it, &k, &v))
            free(k), free(v);
        rh_str_free(&in->u.rh);
        break;
    case INTERP_SWISS:
        while (sw_str_next(&in->u.sw, &it, &k, &v))
            free(k), free(v);
        sw_str_free(&in->u.sw);
        break;
    case INTERP_SPECIALIZED:
        for (int i = 0; i < 256; i++)
            free(in->u8[i]);
        break;
    case INTERP_MODEL:
        for (size_t i = 0; i < in->u.model.n; i++)
            free(in->u.model.p[i].key), free(in->u.model.p[i].val);
        free(in->u.model.p);
        break;
    }
    free(in);
}

static int out_printf(struct interp_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int out_printf(struct interp_out *o, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(o->buf ? o->buf + o->len : NULL, o->cap - o->len, fmt, ap);
        va_end(ap);
        if (n < 0)
            return -EINVAL;
        if (o->len + (size_t)n < o->cap) {
            o->len += (size_t)n;
            return 0;
        }
        size_t cap = o->cap ? o->cap : 256;
        while (cap <= o->len + (size_t)n)
            cap *= 2;
        char *b = realloc(o->buf, cap);
        if (b == NULL)
            return -ENOMEM;
        o->buf = b;
        o->cap = cap;
    }
}

/* The specialised map's key: decimal 0..255, an optional '+' (Rust's u8 parse). */
static int parse_u8(const char *s)
{
    if (*s == '+')
        s++;
    if (*s == '\0')
        return -1;
    int v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
        if (v > 255)
            return -1;
    }
    return v;
}

static size_t model_find(const struct interp *in, const char *k)
{
    for (size_t i = 0; i < in->u.model.n; i++)
        if (strcmp(in->u.model.p[i].key, k) == 0)
            return i;
    return SIZE_MAX;
}

/* Inserts (k, v), both malloc'd and now owned by the map. Returns 1 and the old
 * value in *old (the caller frees it; the map keeps its own copy of the key
 * and frees k), 0 when new, -ENOMEM. */
static int do_insert(struct interp *in, char *k, char *v, char **old)
{
    int rc;
    switch (in->kind) {
    case INTERP_NAIVE:
    case INTERP_NAIVE_FIXED:
        rc = naive_str_insert(&in->u.naive, k, v, old);
        break;
    case INTERP_STANDARD:
        rc = rh_str_insert(&in->u.rh, k, v, old);
        break;
    case INTERP_SWISS:
        rc = sw_str_insert(&in->u.sw, k, v, old);
        break;
    case INTERP_SPECIALIZED: {
        int i = parse_u8(k);
        *old = in->u8[i];
        in->u8[i] = v;
        rc = *old != NULL;
        break;
    }
    default: {
        size_t i = model_find(in, k);
        if (i != SIZE_MAX) {
            *old = in->u.model.p[i].val;
            in->u.model.p[i].val = v;
            rc = 1;
            break;
        }
        if (in->u.model.n == in->u.model.cap) {
            size_t cap = in->u.model.cap ? 2 * in->u.model.cap : 8;
            struct model_pair *p = realloc(in->u.model.p, cap * sizeof *p);
            if (p == NULL)
                return -ENOMEM;
            in->u.model.p = p;
            in->u.model.cap = cap;
        }
        in->u.model.p[in->u.model.n++] = (struct model_pair){k, v};
        return 0;
    }
    }
    if (rc == 1 || in->kind == INTERP_SPECIALIZED)
        free(k); /* replaced: the map kept the key it had (specialised: keys are indexes) */
    return rc;
}

static const char *do_get(struct interp *in, char *k)
{
    char **v = NULL;
    switch (in->kind) {
    case INTERP_NAIVE:
    case INTERP_NAIVE_FIXED:
        v = naive_str_get(&in->u.naive, k);
        break;
    case INTERP_STANDARD:
        v = rh_str_get(&in->u.rh, k);
        break;
    case INTERP_SWISS:
        v = sw_str_get(&in->u.sw, k);
        break;
    case INTERP_SPECIALIZED:
        return in->u8[parse_u8(k)];
    default: {
        size_t i = model_find(in, k);
        return i == SIZE_MAX ? NULL : in->u.model.p[i].val;
    }
    }
    return v ? *v : NULL;
}

/* Removes k; returns its value (the caller frees it) or NULL. */
static char *do_remove(struct interp *in, char *k)
{
    char *key = NULL, *val = NULL;
    bool found = false;
    switch (in->kind) {
    case INTERP_NAIVE:
    case INTERP_NAIVE_FIXED:
        found = naive_str_remove(&in->u.naive, k, &key, &val);
        break;
    case INTERP_STANDARD:
        found = rh_str_remove(&in->u.rh, k, &key, &val);
        break;
    case INTERP_SWISS:
        found = sw_str_remove(&in->u.sw, k, &key, &val);
        break;
    case INTERP_SPECIALIZED: {
        int i = parse_u8(k);
        val = in->u8[i];
        in->u8[i] = NULL;
        return val;
    }
    default: {
        size_t i = model_find(in, k);
        if (i == SIZE_MAX)
            return NULL;
        key = in->u.model.p[i].key;
        val = in->u.model.p[i].val;
        memmove(&in->u.model.p[i], &in->u.model.p[i + 1],
                (in->u.model.n - i - 1) * sizeof in->u.model.p[0]);
        in->u.model.n--;
        found = true;
    }
    }
    free(key);
    return found ? val : NULL;
}

static int fail(char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "%s", msg);
    return -EINVAL;
}

int interp_line(struct interp *in, const char *line, size_t len, struct interp_out *out, char *err,
                size_t errlen)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    if (memchr(line, '\0', len) != NULL)
        return fail(err, errlen, "a NUL byte in the line");
    /* Split on single spaces: at most the three tokens a command needs. */
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return -ENOMEM;
    memcpy(copy, line, len);
    copy[len] = '\0';
    char *tok[3] = {copy, NULL, NULL};
    for (int t = 1; t < 3; t++) {
        char *sp = strchr(tok[t - 1], ' ');
        if (sp == NULL)
            break;
        *sp = '\0';
        tok[t] = sp + 1;
    }
    int rc = 0;
    bool insert = strcmp(tok[0], "INSERT") == 0, lookup = strcmp(tok[0], "LOOKUP") == 0,
         delete = strcmp(tok[0], "DELETE") == 0;
    if (!insert && !lookup && !delete) {
        rc = fail(err, errlen, "unknown command (INSERT key value, LOOKUP key, DELETE key)");
    } else if (tok[1] == NULL) {
        rc = fail(err, errlen, "a key is missing");
    } else if (insert && tok[2] == NULL) {
        rc = fail(err, errlen, "INSERT needs a key and a value");
    } else if (in->kind == INTERP_SPECIALIZED && parse_u8(tok[1]) < 0) {
        rc = fail(err, errlen, "the specialised map's keys are 0..255");
    } else if (insert) {
        /* A value ends at the next space too: later tokens are ignored. */
        char *sp = strchr(tok[2], ' ');
        if (sp != NULL)
            *sp = '\0';
        char *k = strdup(tok[1]), *v = strdup(tok[2]), *old = NULL;
        int r = k && v ? do_insert(in, k, v, &old) : -ENOMEM;
        if (r < 0) {
            free(k), free(v);
            rc = r;
        } else if (r == 1) {
            rc = out_printf(out, "INSERT %s %s: replaced %s\n", tok[1], tok[2], old);
            free(old);
        } else {
            rc = out_printf(out, "INSERT %s %s: new\n", tok[1], tok[2]);
        }
    } else if (lookup) {
        const char *v = do_get(in, tok[1]);
        rc = out_printf(out, "LOOKUP %s: %s\n", tok[1], v ? v : "none");
    } else {
        char *v = do_remove(in, tok[1]);
        rc = v ? out_printf(out, "DELETE %s: removed %s\n", tok[1], v)
               : out_printf(out, "DELETE %s: none\n", tok[1]);
        free(v);
    }
    free(copy);
    return rc;
}
