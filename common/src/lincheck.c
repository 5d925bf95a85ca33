/* lincheck.c - see lincheck.h. */
#include "lincheck.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "rng.h"
#include "threads.h"

/* ---- the models ------------------------------------------------------------------------ */

static void init_zero8(void *state)
{
    memset(state, 0, sizeof(int64_t));
}

static bool register_step(void *state, int op, int64_t arg, int64_t ret)
{
    int64_t *v = state;
    if (op == LIN_REG_READ)
        return ret == *v;
    *v = arg;
    return true;
}

static bool counter_step(void *state, int op, int64_t arg, int64_t ret)
{
    int64_t *c = state;
    if (ret != *c)
        return false; /* get and add both return the value before */
    if (op == LIN_CTR_ADD)
        *c += arg;
    return true;
}

enum { SEQ_CAP = 32 };
struct seq {
    int64_t n;
    int64_t item[SEQ_CAP];
};

static void init_seq(void *state)
{
    memset(state, 0, sizeof(struct seq));
}

static bool queue_step(void *state, int op, int64_t arg, int64_t ret)
{
    struct seq *q = state;
    if (op == LIN_Q_ENQ) {
        if (q->n == SEQ_CAP)
            return false;
        q->item[q->n++] = arg;
        return true;
    }
    if (q->n == 0)
        return ret == -1;
    if (ret != q->item[0])
        return false;
    memmove(q->item, q->item + 1, (size_t)(q->n - 1) * sizeof q->item[0]);
    q->item[--q->n] = 0; /* keep unused slots zero: states compare as bytes */
    return true;
}

static bool stack_step(void *state, int op, int64_t arg, int64_t ret)
{
    struct seq *s = state;
    if (op == LIN_S_PUSH) {
        if (s->n == SEQ_CAP)
            return false;
        s->item[s->n++] = arg;
        return true;
    }
    if (s->n == 0)
        return ret == -1;
    if (ret != s->item[s->n - 1])
        return false;
    s->item[--s->n] = 0;
    return true;
}

static bool set_step(void *state, int op, int64_t arg, int64_t ret)
{
    uint64_t *bits = state, bit = (uint64_t)1 << (arg & 63);
    bool present = (*bits & bit) != 0;
    switch (op) {
    case LIN_SET_ADD:
        if (ret != !present)
            return false;
        *bits |= bit;
        return true;
    case LIN_SET_REMOVE:
        if (ret != present)
            return false;
        *bits &= ~bit;
        return true;
    default:
        return ret == present;
    }
}

static const char *const reg_ops[] = {"read", "write"};
static const char *const ctr_ops[] = {"get", "add"};
static const char *const q_ops[] = {"enq", "deq"};
static const char *const s_ops[] = {"push", "pop"};
static const char *const set_ops[] = {"add", "remove", "contains"};

const struct lin_model lin_register = {"register", reg_ops, sizeof(int64_t), init_zero8,
                                       register_step};
const struct lin_model lin_counter = {"counter", ctr_ops, sizeof(int64_t), init_zero8,
                                      counter_step};
const struct lin_model lin_queue = {"queue", q_ops, sizeof(struct seq), init_seq, queue_step};
const struct lin_model lin_stack = {"stack", s_ops, sizeof(struct seq), init_seq, stack_step};
const struct lin_model lin_set = {"set", set_ops, sizeof(uint64_t), init_zero8, set_step};

/* ---- the memo: configurations already explored ----------------------------------------------- */

struct memo {
    size_t key_size, cap, count;
    uint32_t *slot; /* 0 empty, else 1 + index into keys */
    unsigned char *keys;
    size_t keys_cap;
};

static uint64_t hash_bytes(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3u;
    return h;
}

static int memo_grow(struct memo *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    uint32_t *slot = calloc(cap, sizeof *slot);
    if (slot == NULL)
        return -1;
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slot[i] == 0)
            continue;
        const unsigned char *k = m->keys + (size_t)(m->slot[i] - 1) * m->key_size;
        size_t j = hash_bytes(k, m->key_size) & (cap - 1);
        while (slot[j] != 0)
            j = (j + 1) & (cap - 1);
        slot[j] = m->slot[i];
    }
    free(m->slot);
    m->slot = slot;
    m->cap = cap;
    return 0;
}

/* Adds key; returns 1 if it was new, 0 if already there, -1 out of memory. */
static int memo_add(struct memo *m, const unsigned char *key)
{
    if ((m->count + 1) * 2 > m->cap && memo_grow(m) != 0)
        return -1;
    size_t j = hash_bytes(key, m->key_size) & (m->cap - 1);
    while (m->slot[j] != 0) {
        if (memcmp(m->keys + (size_t)(m->slot[j] - 1) * m->key_size, key, m->key_size) == 0)
            return 0;
        j = (j + 1) & (m->cap - 1);
    }
    if ((m->count + 1) * m->key_size > m->keys_cap) {
        size_t cap = m->keys_cap ? m->keys_cap * 2 : 64 * m->key_size;
        unsigned char *k = realloc(m->keys, cap);
        if (k == NULL)
            return -1;
        m->keys = k;
        m->keys_cap = cap;
    }
    memcpy(m->keys + m->count * m->key_size, key, m->key_size);
    m->slot[j] = (uint32_t)++m->count;
    return 1;
}

/* ---- the search
 * ---------------------------------------------------------------------------------- */

/* An event of the history: a call or a return, in a doubly linked list that
 * operations are lifted out of as they are linearized ("dancing links"). */
struct event {
    bool is_call;
    int id;
    uint64_t time;
    struct event *match; /* call <-> return */
    struct event *prev, *next;
};

static int by_time(const void *a, const void *b)
{
    const struct event *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return (int)y->is_call - (int)x->is_call; /* calls first: equal times overlap */
}

static void lift(struct event *e)
{
    e->prev->next = e->next;
    if (e->next)
        e->next->prev = e->prev;
    struct event *r = e->match;
    r->prev->next = r->next;
    if (r->next)
        r->next->prev = r->prev;
}

static void unlift(struct event *e)
{
    struct event *r = e->match;
    r->prev->next = r;
    if (r->next)
        r->next->prev = r;
    e->prev->next = e;
    if (e->next)
        e->next->prev = e;
}

int lin_check(const struct lin_model *m, const struct lin_op *ops, size_t n, struct lin_result *out)
{
    if (n > LIN_MAX_OPS)
        return -1;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++)
        if (ops[i].ret_time < ops[i].call)
            return -1;
    size_t ss = m->state_size, key_size = sizeof(uint64_t) + ss;
    struct event *ev = calloc(2 * n + 1, sizeof *ev);
    unsigned char *states = malloc((n + 1) * ss), *key = malloc(key_size);
    struct event **stack = malloc((n + 1) * sizeof *stack);
    struct memo memo = {.key_size = key_size};
    int rc = -1;
    if (ev == NULL || states == NULL || key == NULL || stack == NULL)
        goto done;

    /* ev[0] is the head; calls and returns follow, sorted by time. */
    struct event *e = ev + 1;
    for (size_t i = 0; i < n; i++) {
        e[2 * i] = (struct event){.is_call = true, .id = (int)i, .time = ops[i].call};
        e[2 * i + 1] = (struct event){.is_call = false, .id = (int)i, .time = ops[i].ret_time};
    }
    qsort(e, 2 * n, sizeof *e, by_time);
    struct event *call_of[LIN_MAX_OPS] = {0}, *ret_of[LIN_MAX_OPS] = {0};
    for (size_t i = 0; i < 2 * n; i++) {
        (e[i].is_call ? call_of : ret_of)[e[i].id] = &e[i];
        e[i].prev = i ? &e[i - 1] : &ev[0];
        e[i].next = i + 1 < 2 * n ? &e[i + 1] : NULL;
    }
    ev[0].next = n ? &e[0] : NULL;
    for (size_t i = 0; i < n; i++) {
        call_of[i]->match = ret_of[i];
        ret_of[i]->match = call_of[i];
    }

    /* states[depth * ss] is the model state after `depth` linearized ops. */
    m->init(states);
    uint64_t done_ops = 0;
    size_t depth = 0;
    struct event *at = ev[0].next;
    bool found = true;
    while (ev[0].next != NULL) {
        if (at != NULL && at->is_call) {
            const struct lin_op *o = &ops[at->id];
            unsigned char *next = states + (depth + 1) * ss;
            memcpy(next, states + depth * ss, ss);
            bool ok = m->step(next, o->op, o->arg, o->ret);
            if (ok) {
                uint64_t bits = done_ops | (uint64_t)1 << at->id;
                memcpy(key, &bits, sizeof bits);
                memcpy(key + sizeof bits, next, ss);
                int fresh = memo_add(&memo, key);
                if (fresh < 0)
                    goto done;
                ok = fresh == 1;
            }
            if (ok) { /* linearize it here and go on from the start */
                stack[depth++] = at;
                done_ops |= (uint64_t)1 << at->id;
                lift(at);
                at = ev[0].next;
            } else {
                at = at->next;
            }
        } else { /* a return with its call still pending, or the end: back up */
            if (depth == 0) {
                found = false;
                break;
            }
            struct event *c = stack[--depth];
            done_ops &= ~((uint64_t)1 << c->id);
            unlift(c);
            at = c->next;
        }
    }
    out->linearizable = found;
    out->states = memo.count;
    if (found)
        for (size_t i = 0; i < depth; i++)
            out->order[i] = stack[i]->id;
    rc = 0;
done:
    free(ev);
    free(states);
    free(key);
    free(stack);
    free(memo.slot);
    free(memo.keys);
    return rc;
}

static int by_call(const void *a, const void *b)
{
    const struct lin_op *x = a, *y = b;
    return (x->call > y->call) - (x->call < y->call);
}

void lin_format(const struct lin_model *m, const struct lin_op *ops, size_t n, char *buf,
                size_t len)
{
    struct lin_op sorted[LIN_MAX_OPS];
    n = n > LIN_MAX_OPS ? LIN_MAX_OPS : n;
    memcpy(sorted, ops, n * sizeof *ops);
    qsort(sorted, n, sizeof *sorted, by_call);
    uint64_t t0 = n ? sorted[0].call : 0;
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && at < len; i++)
        at +=
            (size_t)snprintf(buf + at, len - at, "  T%d %s(%lld) -> %lld   [%llu, %llu]\n",
                             sorted[i].thread, m->op_names[sorted[i].op], (long long)sorted[i].arg,
                             (long long)sorted[i].ret, (unsigned long long)(sorted[i].call - t0),
                             (unsigned long long)(sorted[i].ret_time - t0));
}

/* ---- the concurrent driver
 * ----------------------------------------------------------------------- */

struct lin_worker_args {
    const struct lin_target *t;
    const struct lin_run_config *c;
    void *obj;
    struct lin_op *ops; /* threads * ops_per_thread, pre-drawn */
};

static void *lin_worker(size_t id, void *arg)
{
    struct lin_worker_args *w = arg;
    struct splitmix64 rng = {(uint64_t)id * 7919 + 1};
    for (int k = 0; k < w->c->ops_per_thread; k++) {
        struct lin_op *o = &w->ops[id * (size_t)w->c->ops_per_thread + (size_t)k];
        if (w->c->yields && splitmix64_below(&rng, 2))
            sched_yield();
        o->call = lab_now_ns();
        o->ret = w->t->apply(w->obj, o->op, o->arg);
        o->ret_time = lab_now_ns();
    }
    return NULL;
}

int lin_record(const struct lin_target *t, const struct lin_run_config *c, struct splitmix64 *rng,
               struct lin_op *ops)
{
    size_t n = (size_t)c->threads * (size_t)c->ops_per_thread;
    if (c->threads < 1 || n > LIN_MAX_OPS)
        return -1;
    unsigned total = 0;
    for (size_t k = 0; k < t->n_ops; k++)
        total += t->op_weights ? t->op_weights[k] : 1;
    for (size_t i = 0; i < n; i++) {
        unsigned pick = (unsigned)splitmix64_below(rng, total);
        int op = 0;
        for (size_t k = 0; k < t->n_ops; k++) {
            unsigned w = t->op_weights ? t->op_weights[k] : 1;
            if (pick < w) {
                op = (int)k;
                break;
            }
            pick -= w;
        }
        int thread = (int)(i / (size_t)c->ops_per_thread);
        if (t->allowed && !t->allowed(thread, op))
            op = 0;
        ops[i] = (struct lin_op){
            .thread = thread,
            .op = op,
            .arg =
                t->arg_lo + (int64_t)splitmix64_below(rng, (uint64_t)(t->arg_hi - t->arg_lo + 1)),
        };
    }
    struct lin_worker_args w = {t, c, t->create(), ops};
    if (w.obj == NULL)
        return -1;
    struct lab_threads ts;
    if (lab_threads_start(&ts, (size_t)c->threads, lin_worker, &w, 0) != 0) {
        t->destroy(w.obj);
        return -1;
    }
    lab_threads_join(&ts);
    t->destroy(w.obj);
    return (int)n;
}

int lin_run(const struct lin_target *t, const struct lin_run_config *c,
            struct lin_run_report *report)
{
    memset(report, 0, sizeof *report);
    struct splitmix64 rng = {c->seed};
    struct lin_op ops[LIN_MAX_OPS];
    for (unsigned r = 0; r < c->runs; r++) {
        int n = lin_record(t, c, &rng, ops);
        if (n < 0)
            return -1;
        struct lin_result res;
        if (lin_check(t->model, ops, (size_t)n, &res) != 0)
            return -1;
        report->runs++;
        if (res.states > report->max_states)
            report->max_states = res.states;
        if (!res.linearizable && report->failures++ == 0)
            lin_format(t->model, ops, (size_t)n, report->history, sizeof report->history);
    }
    return (int)report->failures;
}
