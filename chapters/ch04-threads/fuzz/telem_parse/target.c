/*
 * telem_parse - the telemetry server's datagram parser (chapters/ch04-threads)
 * on raw bytes. It must never crash, and what it accepts must really be
 * "name value": a UTF-8 name without whitespace or control characters and a
 * value of digits that fits in 32 bits. Any other acceptance aborts, which the
 * fuzzer records as a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "telem.h"

static int is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct telem_point p;
    if (telem_parse(data, size, &p) != 0)
        return 0;
    /* Accepted: check it independently. */
    size_t i = 0, name_len = strlen(p.name);
    while (i < size && is_space(data[i]))
        i++;
    if (name_len == 0 || i + name_len > size || memcmp(data + i, p.name, name_len) != 0 ||
        !telem_utf8_valid(data, size))
        abort();
    for (size_t k = 0; k < name_len; k++) {
        uint8_t c = (uint8_t)p.name[k];
        if (c < 0x20 || c == 0x7f || (c == 0xc2 && (uint8_t)p.name[k + 1] < 0xa0))
            abort(); /* a C0, DEL or C1 (U+0080..U+009F) control in an accepted name */
    }
    i += name_len;
    while (i < size && is_space(data[i]))
        i++;
    if (i < size && data[i] == '+')
        i++;
    uint64_t v = 0;
    size_t digits = 0;
    for (; i < size && !is_space(data[i]); i++, digits++) {
        if (data[i] < '0' || data[i] > '9')
            abort(); /* a non-digit value was accepted */
        v = v * 10 + (uint64_t)(data[i] - '0');
        if (v > UINT32_MAX)
            abort();
    }
    if (digits == 0 || v != p.value)
        abort();
    return 0;
}
