/* dispatch.h - the call variants of dispatch.c, for its tests and benchmark. */
#ifndef DISPATCH_H
#define DISPATCH_H

#include <stdint.h>

enum dispatch_variant {
    DISPATCH_INLINE,       /* the callee's body inlined into the loop */
    DISPATCH_DIRECT,       /* a call to a known function */
    DISPATCH_FNPTR,        /* an indirect call through a function pointer */
    DISPATCH_FNPTR_DOUBLE, /* through a heap cell that holds the pointer (Box<fn>) */
    DISPATCH_VTABLE,       /* object->ops->run(object, ...) */
    DISPATCH_SWITCH,       /* an enum and a switch over known functions */
    DISPATCH_MALLOC,       /* a heap-allocated call state per call (Box::pin per call) */
    DISPATCH_EDGE,         /* one indirect call to a whole loop specialised for the callee */
    DISPATCH_VARIANTS
};

extern const char *const dispatch_names[];

/* Calls the callee iters times (argument: the loop index) with `work` units
 * of busy work in each call; returns the sum of the results, the same for
 * every variant. */
uint64_t dispatch_run(enum dispatch_variant v, uint64_t iters, int work);

/* The sum dispatch_run must return, computed without any call. */
uint64_t dispatch_expected(uint64_t iters, int work);

#endif
