/* test_msg.c - message formatting shared by both back ends of test.h. */
#include <stdarg.h>
#include <stdio.h>

#include "test.h"

char *lab_test_msg_(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    /* LAB_MSG_ARGS_ put one space in front of the caller's format. */
    if (buf[0] == ' ')
        memmove(buf, buf + 1, strlen(buf));
    return buf;
}
