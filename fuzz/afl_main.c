/*
 * afl_main.c - the main() around a LLVMFuzzerTestOneInput target, for AFL++ and
 * for plain replays.
 *
 * Built with afl-clang-fast it is AFL++'s persistent mode: the fuzzer hands
 * inputs through shared memory and the loop runs 10000 of them per fork. Built
 * with any other compiler it reads one input from stdin (or the files named on
 * the command line) and runs it once: how a saved crash is replayed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifdef __AFL_FUZZ_TESTCASE_LEN
__AFL_FUZZ_INIT();

int main(void)
{
    __AFL_INIT();
    unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF; /* only valid after __AFL_INIT */
    while (__AFL_LOOP(10000))
        LLVMFuzzerTestOneInput(buf, (size_t)__AFL_FUZZ_TESTCASE_LEN);
    return 0;
}
#else
static int run_file(FILE *f, const char *name)
{
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    if (ferror(f)) {
        fprintf(stderr, "replay: cannot read %s\n", name);
        return 2;
    }
    LLVMFuzzerTestOneInput(buf, n);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return run_file(stdin, "stdin");
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (f == NULL) {
            fprintf(stderr, "replay: cannot open %s\n", argv[i]);
            return 2;
        }
        int rc = run_file(f, argv[i]);
        fclose(f);
        if (rc != 0)
            return rc;
    }
    return 0;
}
#endif
