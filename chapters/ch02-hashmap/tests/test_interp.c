/* test_interp.c - the interpreter: the book's seed inputs with their answers,
 * bad lines reported and skipped, the same answers from every map, and the
 * book's naive map giving a wrong one when its hash is weakened. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interp.h"
#include "test.h"

/* Runs text (lines separated by \n) and returns what it printed; the number
 * of bad lines goes to *bad. */
static char *run(enum interp_map kind, const char *text, unsigned hash_bits, int *bad)
{
    struct interp *in = interp_new(kind, map_hasher_seeded(1), hash_bits);
    struct interp_out out = {0};
    char err[128];
    *bad = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        int rc = interp_line(in, p, len, &out, err, sizeof err);
        if (rc == -EINVAL)
            (*bad)++;
        else if (rc != 0)
            abort();
        p += len + (nl != NULL);
    }
    interp_free(in);
    if (out.buf == NULL)
        return strdup("");
    out.buf[out.len] = '\0'; /* out_printf leaves room for the terminator */
    return out.buf;
}

TEST(interp, the_books_seed_inputs)
{
    int bad;
    char *o = run(INTERP_STANDARD, "LOOKUP 10\nINSERT abs 10\nLOOKUP abs\n", 64, &bad);
    ASSERT_STR_EQ(o, "LOOKUP 10: none\nINSERT abs 10: new\nLOOKUP abs: 10\n");
    ASSERT_EQ(bad, 0);
    free(o);
    o = run(INTERP_SWISS, "INSERT abcde lkjlkj\nINSERT 10 10\nINSERT waffle house\n", 64, &bad);
    ASSERT_STR_EQ(o, "INSERT abcde lkjlkj: new\nINSERT 10 10: new\nINSERT waffle house: new\n");
    free(o);
    o = run(INTERP_NAIVE, "LOOKUP 10\nLOOKUP 1111\nLOOKUP abscd\n", 64, &bad);
    ASSERT_STR_EQ(o, "LOOKUP 10: none\nLOOKUP 1111: none\nLOOKUP abscd: none\n");
    free(o);
}

TEST(interp, splits_on_single_spaces_like_the_book)
{
    int bad;
    char *o = run(INTERP_STANDARD,
                  "INSERT  v\nLOOKUP \nINSERT k v extra tokens\nLOOKUP k ignored\nINSERT x y\r\n"
                  "LOOKUP x\r\nDELETE k\nDELETE k\n",
                  64, &bad);
    ASSERT_STR_EQ(o, "INSERT  v: new\nLOOKUP : v\nINSERT k v: new\nLOOKUP k: v\nINSERT x y: new\n"
                     "LOOKUP x: y\nDELETE k: removed v\nDELETE k: none\n");
    ASSERT_EQ(bad, 0);
    free(o);
}

TEST(interp, bad_lines_are_skipped)
{
    int bad;
    char line[] = "INSERT a\0b c";
    struct interp *in = interp_new(INTERP_SWISS, map_hasher_seeded(2), 64);
    struct interp_out out = {0};
    char err[128];
    ASSERT_EQ(interp_line(in, line, sizeof line - 1, &out, err, sizeof err), -EINVAL);
    ASSERT(strstr(err, "NUL") != NULL, "%s", err);
    ASSERT_EQ(interp_line(in, "INSERT a", 8, &out, err, sizeof err), -EINVAL);
    ASSERT_EQ(interp_line(in, "LOOKUP", 6, &out, err, sizeof err), -EINVAL);
    ASSERT_EQ(interp_line(in, "insert a b", 10, &out, err, sizeof err), -EINVAL,
              "commands are upper case");
    ASSERT_EQ(interp_line(in, "", 0, &out, err, sizeof err), -EINVAL);
    ASSERT_EQ(out.len, 0, "nothing printed for a bad line");
    free(out.buf);
    interp_free(in);
    char *o = run(INTERP_SPECIALIZED,
                  "INSERT 7 a\nINSERT 256 b\nINSERT x c\nLOOKUP +7\nLOOKUP 07\n", 64, &bad);
    ASSERT_STR_EQ(o, "INSERT 7 a: new\nLOOKUP +7: a\nLOOKUP 07: a\n");
    ASSERT_EQ(bad, 2, "256 and x are not 8-bit keys");
    free(o);
}

TEST(interp, every_map_answers_as_the_model)
{
    /* A script with replacements, removals and enough keys to grow tables. */
    size_t cap = 1 << 16, len = 0;
    char *script = malloc(cap);
    for (int i = 0; i < 1500; i++) {
        int k = (i * 7919) % 500;
        const char *verb = i % 5 == 4 ? "DELETE" : i % 3 == 0 ? "LOOKUP" : "INSERT";
        len += (size_t)snprintf(script + len, cap - len, "%s key%d%s%d\n", verb, k,
                                verb[0] == 'I' ? " v" : "", verb[0] == 'I' ? i : 0);
    }
    int bad;
    char *want = run(INTERP_MODEL, script, 64, &bad);
    const enum interp_map maps[] = {INTERP_NAIVE, INTERP_NAIVE_FIXED, INTERP_STANDARD,
                                    INTERP_SWISS};
    for (size_t m = 0; m < 4; m++) {
        char *got = run(maps[m], script, 64, &bad);
        ASSERT(strcmp(got, want) == 0, "%s differs from the model", interp_map_names[maps[m]]);
        free(got);
    }
    free(want);
    free(script);
}

TEST(interp, the_naive_bug_with_a_weak_hash)
{
    /* With 2 bits of hash, 5 distinct keys cannot all be told apart. */
    const char *script = "INSERT a 1\nINSERT b 2\nINSERT c 3\nINSERT d 4\nINSERT e 5\n";
    int bad;
    char *book = run(INTERP_NAIVE, script, 2, &bad);
    char *fixed = run(INTERP_NAIVE_FIXED, script, 2, &bad);
    ASSERT(strstr(book, "replaced") != NULL, "the book's map told 5 keys apart with 4 hashes:\n%s",
           book);
    ASSERT(strstr(fixed, "replaced") == NULL, "the fixed map confused two keys:\n%s", fixed);
    free(book);
    free(fixed);
}
