/*
 * dispatch.c - what a call costs: direct, inlined, through a function pointer,
 * a vtable, a switch, and with a heap allocation per call.
 *
 * A load tester calls a user function in a loop, and the question is what the
 * calling mechanism costs per call. Each variant below runs the same loop over
 * the same callee (return arg * 2, after `work` units of busy work) and returns
 * the same sum; only the way the callee is reached differs. The blog this
 * follows found a heap allocation per call about 10x slower than a plain
 * function pointer, and also found that it did not matter in the real program,
 * where each call does far more work than the call itself. --work shows both.
 *
 * The optimiser is the enemy of this experiment: it turns a function pointer it
 * can see into a direct call, hoists loads out of loops and deletes malloc/free
 * pairs (the blog's own erratum was a call the compiler devirtualised). Every
 * pointer is laundered through lab_opaque_* (opaque.h) on every iteration, and
 * tests/dispatch_asm.sh checks the disassembly: each variant must compile to
 * the call it claims.
 *
 * The one thing to look at: malloc's ns/call against fnptr's, then the same at
 * --work 1000.
 *
 *   dispatch [--variant NAME|all] [--iters N] [--work N] [--repeat N]
 */
#include "dispatch.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "clock.h"
#include "env.h"
#include "opaque.h"

const char *const dispatch_names[] = {
    "inline", "direct", "fnptr", "fnptr_double", "vtable", "switch", "malloc", "edge", NULL};

typedef int (*callee_fn)(int arg, int work);

/* The callee's body: `work` rounds of a dependent multiply-add that the
 * compiler cannot remove or vectorise, then the result. In unsigned
 * arithmetic, which wraps: from any arg over 0, x * 3 + 1 passes INT_MAX by
 * round 20, and an int that overflows is undefined behaviour. The result,
 * arg * 2 wrapped to an int, is what dispatch_expected sums. */
static inline int body(int arg, int work)
{
    unsigned x = (unsigned)arg;
    for (int i = 0; i < work; i++)
        x = (unsigned)lab_opaque_int((int)(x * 3u + 1u));
    return lab_opaque_int((int)((unsigned)arg * 2u + (x & 0u)));
}

/* The same body, never inlined: what every non-inline variant reaches. */
__attribute__((noinline)) int dispatch_callee(int arg, int work)
{
    return body(arg, work);
}

/* Other targets, for the switch to choose between. */
__attribute__((noinline)) int dispatch_callee_b(int arg, int work)
{
    return body(arg, work) + 1;
}
__attribute__((noinline)) int dispatch_callee_c(int arg, int work)
{
    return body(arg, work) + 2;
}

static callee_fn opaque_callee(callee_fn f)
{
    return (callee_fn)lab_opaque_fn((lab_fn)f);
}

static uint64_t run_inline(uint64_t iters, int work)
{
    uint64_t sum = 0;
    for (uint64_t i = 0; i < iters; i++)
        sum += (uint64_t)body((int)i, work);
    return sum;
}

static uint64_t run_direct(uint64_t iters, int work)
{
    uint64_t sum = 0;
    for (uint64_t i = 0; i < iters; i++)
        sum += (uint64_t)dispatch_callee((int)i, work);
    return sum;
}

static uint64_t run_fnptr(uint64_t iters, int work)
{
    uint64_t sum = 0;
    for (uint64_t i = 0; i < iters; i++)
        sum += (uint64_t)opaque_callee(dispatch_callee)((int)i, work);
    return sum;
}

static uint64_t run_fnptr_double(uint64_t iters, int work)
{
    callee_fn *cell = malloc(sizeof *cell);
    if (cell == NULL)
        die("out of memory");
    *cell = dispatch_callee;
    uint64_t sum = 0;
    for (uint64_t i = 0; i < iters; i++) {
        callee_fn *c = lab_opaque_ptr(cell); /* load the pointer from the cell each time */
        sum += (uint64_t)(*c)((int)i, work);
    }
    free(cell);
    return sum;
}

struct ops {
    int (*run)(const void *self, int arg, int work);
};
struct object {
    const struct ops *ops;
    int bias;
};

static int object_run(const void *self, int arg, int work)
{
    const struct object *o = self;
    return dispatch_callee(arg, work) + o->bias;
}

static const struct ops object_ops = {object_run};

static uint64_t run_vtable(uint64_t iters, int work)
{
    const struct object obj = {&object_ops, 0};
    uint64_t sum = 0;
    for (uint64_t i = 0; i < iters; i++) {
        const struct object *o = lab_opaque_ptr((void *)&obj);
        sum += (uint64_t)o->ops->run(o, (int)i, work);
    }
    return sum;
}

enum which { CALLEE_A, CALLEE_B, CALLEE_C };

static uint64_t run_switch(uint64_t iters, int work)
{
    uint64_t sum = 0;
    for (uint64_t i = 0; i < iters; i++) {
        switch ((enum which)lab_opaque_int(CALLEE_A)) {
        case CALLEE_A:
            sum += (uint64_t)dispatch_callee((int)i, work);
            break;
        case CALLEE_B:
            sum += (uint64_t)dispatch_callee_b((int)i, work);
            break;
        case CALLEE_C:
            sum += (uint64_t)dispatch_callee_c((int)i, work);
            break;
        }
    }
    return sum;
}

/* The state of one call, on the heap: the analogue of boxing a future. */
struct call_state {
    callee_fn fn;
    int arg, work;
};

static uint64_t run_malloc(uint64_t iters, int work)
{
    uint64_t sum = 0;
    for (uint64_t i = 0; i < iters; i++) {
        struct call_state *s = malloc(sizeof *s);
        if (s == NULL)
            die("out of memory");
        *s = (struct call_state){dispatch_callee, (int)i, work};
        /* Laundered after the stores: otherwise the compiler knows s->fn is
         * dispatch_callee, calls it directly, and may drop the allocation. */
        s = lab_opaque_ptr(s);
        sum += (uint64_t)s->fn(s->arg, s->work);
        free(s);
    }
    return sum;
}

/* Dispatch at the edge: one indirect call to a loop specialised for its
 * callee, inside which the callee is known (and inlined). */
typedef uint64_t (*loop_fn)(uint64_t iters, int work);

static uint64_t run_edge(uint64_t iters, int work)
{
    loop_fn loop = (loop_fn)lab_opaque_fn((lab_fn)run_inline);
    return loop(iters, work);
}

uint64_t dispatch_run(enum dispatch_variant v, uint64_t iters, int work)
{
    static const loop_fn loops[DISPATCH_VARIANTS] = {
        run_inline, run_direct, run_fnptr,  run_fnptr_double,
        run_vtable, run_switch, run_malloc, run_edge,
    };
    return loops[v](iters, work);
}

uint64_t dispatch_expected(uint64_t iters, int work)
{
    (void)work; /* the busy work does not change the result */
    uint64_t sum = 0;
    for (uint64_t i = 0; i < iters; i++)
        sum += (uint64_t)(int)((unsigned)i * 2u);
    return sum;
}

#ifndef LAB_NO_MAIN
int main(int argc, char **argv)
{
    int variant = DISPATCH_VARIANTS; /* "all" */
    static const char *const choices[] = {"inline", "direct", "fnptr", "fnptr_double", "vtable",
                                          "switch", "malloc", "edge",  "all",          NULL};
    uint64_t iters = 50000000;
    long work = 0, repeat = 3;
    const struct cli_option opts[] = {
        CLI_CHOICE("variant", &variant, "how the callee is reached", choices),
        CLI_U64("iters", &iters, "N", "calls per run"),
        CLI_LONG("work", &work, "N", "units of busy work inside each call", 0, 1000000),
        CLI_LONG("repeat", &repeat, "N", "runs per variant; the fastest is kept", 1, 100),
    };
    const struct cli cli = {
        .prog = "dispatch",
        .summary = "Time one call made eight different ways (bench/dispatch adds intervals).",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
    };
    cli_parse(&cli, argc, argv);
    if (iters == 0)
        cli_error("--iters must be at least 1");
    iters = lab_scaled(iters);
    uint64_t want = dispatch_expected(iters, (int)work);
    double ns[DISPATCH_VARIANTS] = {0};
    printf("# %llu calls per run, work %ld, best of %ld\n", (unsigned long long)iters, work,
           repeat);
    for (int v = 0; v < DISPATCH_VARIANTS; v++) {
        if (variant != DISPATCH_VARIANTS && variant != v)
            continue;
        for (long r = 0; r < repeat; r++) {
            uint64_t t0 = lab_now_ns();
            uint64_t got = dispatch_run(v, iters, (int)work);
            double t = (double)(lab_now_ns() - t0) / (double)iters;
            if (got != want)
                die("%s returned %llu, expected %llu", dispatch_names[v], (unsigned long long)got,
                    (unsigned long long)want);
            if (r == 0 || t < ns[v])
                ns[v] = t;
        }
        printf("  %-13s %7.2f ns/call\n", dispatch_names[v], ns[v]);
    }
    printf("dispatch: work %ld:", work);
    for (int v = 0; v < DISPATCH_VARIANTS; v++)
        if (variant == DISPATCH_VARIANTS || variant == v)
            printf(" %s %.2f", dispatch_names[v], ns[v]);
    printf(" ns/call%s\n", lab_emulated() ? " [emulated: not the target's timing]" : "");
    return 0;
}
#endif
