/*
 * hello.c - the smallest program, for looking at the toolchain.
 *
 * Nothing concurrent happens here. It is the subject of `make asm-ch01`, which
 * compiles it for x86-64, aarch64 and armv7 at -O0 and -O2 and counts the lines
 * of assembly, and of the valgrind runs in this chapter's README: memcheck
 * (glibc's one stdio buffer, allocated on the first printf and freed at exit),
 * massif and cachegrind.
 *
 *   hello [--help]
 */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc > 1) {
        if (strcmp(argv[1], "--help") == 0) {
            puts("usage: hello [--help]\nPrints a greeting; the subject of the toolchain demos.");
            return 0;
        }
        fprintf(stderr, "hello: unexpected argument '%s'; try 'hello --help'\n", argv[1]);
        return 2;
    }
    printf("Hello, world!\n");
    return 0;
}
