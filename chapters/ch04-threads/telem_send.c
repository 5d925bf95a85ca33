/*
 * telem_send.c - the telemetry server's sender: datagrams "name value" to
 * 127.0.0.1:PORT, either the lines of stdin (one datagram per line) or a
 * stream of random points, paced or as fast as the socket takes them (a flood).
 *
 *   telem_send --port N [--count N] [--names N] [--max-value N] [--rate N] [--seed N]
 *   printf 'a 10\nb 250\n' | telem_send --port N --stdin
 *
 * Random points have names "m0".."m<names-1>" and values uniform in
 * [0, max-value]: with the server's default limit of 100 and --max-value 200,
 * half go to each filter. UDP does not wait for the receiver: what its socket
 * buffer cannot hold is dropped by the kernel, which the server sees as fewer
 * datagrams than were sent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "telem.h"

/* One datagram per line of stdin (the newline is not sent). */
static int send_lines(uint16_t port, double rate, uint64_t *sent)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        return -errno;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    uint64_t start = lab_now_ns();
    while (rc == 0 && (n = getline(&line, &cap, stdin)) >= 0) {
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        if (rate > 0)
            telem_pace(start, *sent, rate);
        rc = telem_send_one(fd, port, line, (size_t)n);
        *sent += rc == 0;
    }
    free(line);
    close(fd);
    return rc;
}

int main(int argc, char **argv)
{
    long port = 0, names = 4;
    uint64_t count = 1000, max_value = 200, seed = 1;
    double rate = 0;
    bool from_stdin = false;
    const struct cli_option opts[] = {
        CLI_LONG("port", &port, "N", "the server's UDP port on 127.0.0.1 (required)", 1, 65535),
        CLI_U64("count", &count, "N", "random points to send"),
        CLI_LONG("names", &names, "N", "distinct names m0, m1, ...", 1, 1000000),
        CLI_U64("max-value", &max_value, "N", "values uniform in [0, N] (N < 2^32)"),
        CLI_DOUBLE("rate", &rate, "N", "datagrams per second (0: as fast as possible)", 0, 1e9),
        CLI_U64("seed", &seed, "N", "random seed"),
        CLI_FLAG("stdin", &from_stdin, "send each line of stdin instead"),
    };
    const struct cli cli = {
        .prog = "telem_send",
        .summary = "Sends 'name value' datagrams to the telemetry server (telem).",
        .options = opts,
        .n_options = sizeof opts / sizeof opts[0],
        .epilog = "Example: telem_send --port 1990 --count 1000000   (a flood)\n",
    };
    cli_parse(&cli, argc, argv);
    if (port == 0)
        cli_error("--port is required (the port telem printed)");
    if (max_value > UINT32_MAX)
        cli_error("--max-value must fit in 32 bits");
    uint64_t start = lab_now_ns(), sent = 0;
    int rc = from_stdin ? send_lines((uint16_t)port, rate, &sent)
                        : telem_send_random((uint16_t)port, count, (uint64_t)names,
                                            (uint32_t)max_value, rate, seed, &sent);
    if (rc != 0)
        die("sending to 127.0.0.1:%ld: %s", port, strerror(-rc));
    double s = lab_seconds_since(start);
    printf("telem_send: %llu datagrams in %.2f s (%.0f per second)\n", (unsigned long long)sent, s,
           s > 0 ? (double)sent / s : 0.0);
    return 0;
}
