/*
 * opaque.h - hide a value from the optimiser, the C analogue of Rust's black_box.
 *
 * An empty asm statement that claims to read and modify its operand: the
 * compiler must produce the value in a register and can assume nothing about
 * what comes out, so it cannot constant-fold a function pointer into a direct
 * call, hoist a load out of a loop, or delete a malloc/free pair. It emits no
 * instruction. (A GCC/Clang extension, kept in this one header.)
 */
#ifndef LAB_OPAQUE_H
#define LAB_OPAQUE_H

static inline int lab_opaque_int(int x)
{
    __asm__ __volatile__("" : "+r"(x));
    return x;
}

static inline void *lab_opaque_ptr(void *p)
{
    __asm__ __volatile__("" : "+r"(p));
    return p;
}

/* For function pointers: convert to lab_fn, launder, convert back before the
 * call (conversions between function pointer types are valid C). */
typedef void (*lab_fn)(void);

static inline lab_fn lab_opaque_fn(lab_fn f)
{
    __asm__ __volatile__("" : "+r"(f));
    return f;
}

#endif
