/* test_rc_treiber_book.c - the book's reference-counted Treiber stack: what
 * its tests pass, and its defects made to happen on purpose.
 *
 * Passing because the stack is fine there: on one thread it is a fine stack
 * (a property against a model), and the book's asserts hold. Sequential tests
 * cannot find its bugs; that is the lesson.
 *
 * Failing on purpose: the book's own pop on the last node (F1) dies of
 * SIGSEGV, in a forked child.
 *
 * Passing because the defect shows: scripted interleavings. The stack's hooks
 * pause an operation at a named point and the callback runs other operations
 * right there, on the same thread, while nodes come from a test pool that
 * hands released slots back last-in first-out, as malloc tends to, and
 * scribbles on a slot when it is released, as malloc's bookkeeping does. Each
 * schedule is exact and repeatable and never touches freed memory for real,
 * which keeps memcheck, TSan and qemu quiet; the real thing is the job of
 * rc_treiber_book --force-uaf, a row of tests/races.tsv.
 */
#include <signal.h>
#include <stdlib.h>

#include "prop.h"
#include "rc_treiber_book.h"
#include "test.h"

/* ---- one thread: a fine stack --------------------------------------------------------------- */

/* A failed book assert shows as a result the model never gives (-99). */
static int64_t real_apply(void *real, size_t op, int64_t arg)
{
    uint64_t v;
    int64_t r = op == 0 ? rcb_push(real, (uint64_t)arg) : rcb_pop(real, &v) ? (int64_t)v : -1;
    return rcb_failed_asserts(real, NULL, NULL) != 0 ? -99 : r;
}

static void *real_new(void)
{
    return rcb_new(false);
}

static void real_free(void *real)
{
    rcb_free(real);
}

static const char *const op_names[] = {"push", "pop"};

static struct prop_model sequential = {
    .ops = op_names,
    .n_ops = 2,
    .takes_arg = (bool[]){true, false},
    .arg_lo = 0,
    .arg_hi = UINT32_MAX,
    .average_steps = 100,
    .real_new = real_new,
    .real_free = real_free,
    .real_apply = real_apply,
    .model_new = prop_push_pop_model_new,
    .model_free = prop_push_pop_model_free,
    .model_apply = prop_stack_model_apply,
};

PROPERTY(rc_treiber_book, one_thread_matches_a_model, prop_model_property, &sequential)

TEST(rc_treiber_book, one_thread_keeps_the_books_counts)
{
    struct rcb *s = rcb_new(false);
    ASSERT_NOT_NULL(s);
    for (uint64_t i = 0; i < 100; i++)
        ASSERT_EQ(rcb_push(s, i), 0);
    struct rcb_node *n = atomic_load(&s->head);
    for (int depth = 0; n != NULL; depth++, n = n->next)
        ASSERT_EQ(atomic_load(&n->references), depth == 0 ? 1 : 2,
                  "1 for the node, +1 for the one above it (depth %d)", depth);
    uint64_t v;
    for (uint64_t i = 100; i-- > 0;) {
        ASSERT(rcb_pop(s, &v));
        ASSERT_EQ(v, i, "last in, first out");
    }
    ASSERT(!rcb_pop(s, &v), "empty at the end");
    ASSERT_EQ(rcb_failed_asserts(s, NULL, NULL), 0, "the book's asserts held on one thread");
    rcb_free(s);
}

/* ---- F1: the book's pop dereferences NULL on the last node ---------------------------------- */

/* The load through NULL faults; in the SAN=asan build UBSan reports the member
 * access within a null pointer first and, built not to recover, ends the run
 * with status 1 before the load. */
#if defined(__SANITIZE_ADDRESS__)
#define F1_DEATH .exit_code = 1
#else
#define F1_DEATH .signal = SIGSEGV
#endif

TEST(rc_treiber_book, f1_unpatched_pop_of_the_last_node_crashes, F1_DEATH)
{
    /* TSan catches the fault first and exits instead: let it kill the child. */
    signal(SIGSEGV, SIG_DFL);
    struct rcb *s = rcb_new(true);
    ASSERT_NOT_NULL(s);
    uint64_t v;
    ASSERT_EQ(rcb_push(s, 1), 0);
    ASSERT_EQ(rcb_push(s, 2), 0);
    ASSERT(rcb_pop(s, &v) && v == 2, "the first pop is fine: node 1 is below");
    rcb_pop(s, &v);
    FAIL("the book's pop of the last node returned (%llu)", (unsigned long long)v);
}

TEST(rc_treiber_book, f1_patched_pop_of_the_last_node_is_fine)
{
    struct rcb *s = rcb_new(false);
    ASSERT_NOT_NULL(s);
    uint64_t v;
    ASSERT_EQ(rcb_push(s, 1), 0);
    ASSERT_EQ(rcb_push(s, 2), 0);
    ASSERT(rcb_pop(s, &v) && v == 2);
    ASSERT(rcb_pop(s, &v) && v == 1);
    ASSERT(!rcb_pop(s, &v));
    rcb_free(s);
}

/* ---- the test pool: a recycling allocator whose state can be asked -------------------------- */

#define POOL_SLOTS 16
#define SCRIBBLE ((struct rcb_node *)(uintptr_t)0xdeadbeef)

struct pool {
    struct rcb_node nodes[POOL_SLOTS];
    bool used[POOL_SLOTS];
    int freed[POOL_SLOTS], top; /* released slots, reused last-in first-out */
    int fresh;                  /* slots never handed out start here */
};

static int pool_index(struct pool *p, const struct rcb_node *n)
{
    ptrdiff_t i = n - p->nodes;
    return n != NULL && i >= 0 && i < POOL_SLOTS ? (int)i : -1;
}

static struct rcb_node *pool_take(struct pool *p)
{
    int i = p->top > 0 ? p->freed[--p->top] : p->fresh++;
    if (i >= POOL_SLOTS)
        return NULL;
    p->used[i] = true;
    return &p->nodes[i];
}

static void pool_put(struct pool *p, struct rcb_node *n)
{
    int i = pool_index(p, n);
    if (i < 0 || !p->used[i])
        return;
    p->used[i] = false;
    p->freed[p->top++] = i;
    n->next = SCRIBBLE; /* as malloc writes its free-list links into freed blocks */
    n->data = 0xdeadbeef;
}

static bool pool_released(struct pool *p, const struct rcb_node *n)
{
    int i = pool_index(p, n);
    return i >= 0 && !p->used[i];
}

/* ---- a scripted run ------------------------------------------------------------------------- */

struct script {
    struct pool pool;
    struct rcb_hooks hooks;
    struct rcb *s;
    enum rcb_point pause_at;
    int step; /* 0: waiting for the pause; 1: the scene ran */
    void (*scene)(struct script *);
    struct rcb_node *held, *held_next; /* what the paused operation held */
    bool held_was_released;   /* at RCB_POP_BEFORE_CAS: was head freed when next was read? */
    struct rcb_node *grabbed; /* F4: a slot the scene took for something else */
    uint64_t got[4];
    bool ok[4];
};

static struct rcb_node *hook_alloc(void *ctx)
{
    return pool_take(&((struct script *)ctx)->pool);
}

static void hook_release(void *ctx, struct rcb_node *n)
{
    pool_put(&((struct script *)ctx)->pool, n);
}

static void hook_at(void *ctx, enum rcb_point p, struct rcb_node *head, struct rcb_node *next)
{
    struct script *sc = ctx;
    if (p == RCB_POP_BEFORE_CAS && sc->step == 1 && sc->held == head)
        sc->held_was_released = pool_released(&sc->pool, head); /* the read just done */
    if (sc->step != 0 || p != sc->pause_at)
        return;
    sc->step = 1; /* before the scene, whose own operations pass here too */
    sc->held = head;
    sc->held_next = next;
    sc->scene(sc);
}

static struct script *script_new(enum rcb_point pause_at, void (*scene)(struct script *))
{
    struct script *sc = calloc(1, sizeof *sc);
    if (sc == NULL)
        return NULL;
    sc->hooks = (struct rcb_hooks){hook_at, hook_alloc, hook_release, sc};
    sc->pause_at = pause_at;
    sc->scene = scene;
    sc->step = -1; /* set-up pushes pass the points without pausing */
    sc->s = rcb_new_hooked(false, &sc->hooks);
    if (sc->s == NULL) {
        free(sc);
        return NULL;
    }
    return sc;
}

static void script_free(struct script *sc)
{
    rcb_free(sc->s); /* releases what is left into the pool, which lives in sc */
    free(sc);
}

static void scene_pop(struct script *sc, int i)
{
    sc->ok[i] = rcb_pop(sc->s, &sc->got[i]);
}

/* ---- F3: pop reads next from a node another pop has freed ----------------------------------- */

static void f3_scene(struct script *sc)
{
    scene_pop(sc, 0); /* takes and frees the head the paused pop has loaded */
}

/* Pop A loads head (node 2); before A reads head->next, pop B takes node 2 and
 * frees it. A reads next out of the freed node (F3): malloc's scribble, here.
 * Its CAS then fails, since the head moved on, and it retries: the result is
 * even right. The harm is the read itself, invisible to any test of results. */
TEST(rc_treiber_book, f3_pop_reads_next_from_a_node_another_pop_freed)
{
    struct script *sc = script_new(RCB_POP_LOADED_HEAD, f3_scene);
    ASSERT_NOT_NULL(sc);
    ASSERT_EQ(rcb_push(sc->s, 1), 0);
    ASSERT_EQ(rcb_push(sc->s, 2), 0);
    sc->step = 0;
    uint64_t v = 0;
    bool ok = rcb_pop(sc->s, &v);
    ASSERT_EQ(sc->step, 1, "the script ran");
    ASSERT(sc->ok[0] && sc->got[0] == 2, "B popped 2");
    ASSERT(sc->held_was_released, "A read head->next after B freed head (F3)");
    ASSERT(ok && v == 1, "A's stale CAS failed, it retried and got 1 (got %d, %llu)", ok,
           (unsigned long long)v);
    ASSERT_EQ(rcb_failed_asserts(sc->s, NULL, NULL), 0, "no assert saw it");
    script_free(sc);
}

/* ---- F4: ABA, a stale CAS wins and installs a freed node as the head ------------------------ */

static void f4_scene(struct script *sc)
{
    scene_pop(sc, 0);                   /* takes 2 (node B): B freed */
    scene_pop(sc, 1);                   /* takes 1 (node A): A freed, last in */
    sc->grabbed = pool_take(&sc->pool); /* malloc hands A to some other part of the program */
    sc->grabbed->next = NULL;
    sc->grabbed->data = 777;          /* which writes its own data there */
    ASSERT_EQ(rcb_push(sc->s, 3), 0); /* gets B's address back: the head is "B" again */
}

/* Pop A holds head = node B and next = node A, about to CAS. Meanwhile B and A
 * are popped and freed, A's memory goes to another allocation, and 3 is pushed
 * into a node at B's old address. A's CAS compares addresses only, so it wins
 * (ABA) and installs its stale next: the head is now memory the stack does not
 * own. The next pop hands out the other allocation's data. */
TEST(rc_treiber_book, f4_aba_stale_cas_installs_a_node_the_stack_no_longer_owns)
{
    struct script *sc = script_new(RCB_POP_BEFORE_CAS, f4_scene);
    ASSERT_NOT_NULL(sc);
    ASSERT_EQ(rcb_push(sc->s, 1), 0);
    ASSERT_EQ(rcb_push(sc->s, 2), 0);
    sc->step = 0;
    uint64_t v = 0;
    bool ok = rcb_pop(sc->s, &v);
    ASSERT_EQ(sc->step, 1, "the script ran");
    ASSERT(sc->ok[0] && sc->got[0] == 2 && sc->ok[1] && sc->got[1] == 1);
    ASSERT(ok && v == 3, "A's stale CAS won and took 3 (got %d, %llu)", ok, (unsigned long long)v);
    ASSERT_PTR_EQ(atomic_load(&sc->s->head), sc->held_next, "the head is A's stale next");
    ASSERT_PTR_EQ(sc->held_next, sc->grabbed, "which is another allocation's memory now");
    ok = rcb_pop(sc->s, &v);
    ASSERT(ok && v == 777, "the stack hands out the other allocation's data (got %d, %llu)", ok,
           (unsigned long long)v);
    ASSERT(pool_released(&sc->pool, sc->grabbed), "and frees that allocation under its owner");
    ASSERT_EQ(rcb_failed_asserts(sc->s, NULL, NULL), 1,
              "one assert saw something: A's pop counted the other allocation's memory out");
    script_free(sc);
}

/* ---- F5: push counts the old head in after another thread freed it -------------------------- */

static void f5_scene(struct script *sc)
{
    scene_pop(sc, 0); /* takes 2: decrements node 1's count, not yet raised: assert "== 2" fails */
    scene_pop(sc, 1); /* takes 1: node 1 freed */
}

/* Push A has swung the head to its node (2) above node 1, and is about to
 * raise node 1's count, too late. Pop B takes 2 and decrements node 1's count,
 * finding 1 where the book expects 2; pop C takes 1 and frees it. Then A
 * increments the count of the freed node (F5, a write after free), finding 0
 * where the book expects 1. Both of the book's asserts fail, on one thread. */
TEST(rc_treiber_book, f5_push_raises_the_count_of_a_node_already_freed)
{
    struct script *sc = script_new(RCB_PUSH_AFTER_CAS, f5_scene);
    ASSERT_NOT_NULL(sc);
    ASSERT_EQ(rcb_push(sc->s, 1), 0);
    struct rcb_node *one = atomic_load(&sc->s->head);
    sc->step = 0;
    ASSERT_EQ(rcb_push(sc->s, 2), 0);
    ASSERT_EQ(sc->step, 1, "the script ran");
    ASSERT_PTR_EQ(sc->held, one, "A was about to count node 1 in");
    ASSERT(sc->ok[0] && sc->got[0] == 2 && sc->ok[1] && sc->got[1] == 1);
    ASSERT(pool_released(&sc->pool, one), "node 1 was freed before A's increment");
    ASSERT_EQ(atomic_load(&one->references), 1, "A's increment landed in the freed node (F5)");
    enum rcb_assert which;
    size_t got;
    ASSERT_EQ(rcb_failed_asserts(sc->s, &which, &got), 2, "both of the book's asserts failed");
    ASSERT_EQ(which, RCB_ASSERT_POP, "first pop's == 2");
    ASSERT_EQ(got, 1, "which found 1");
    uint64_t v;
    ASSERT(!rcb_pop(sc->s, &v), "the stack is empty");
    script_free(sc);
}
