/* cli.c - see cli.h. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *progname = "lab";

const char *lab_progname(void)
{
    return progname;
}

static void vreport(const char *fmt, va_list ap, int errnum)
{
    fflush(stdout);
    fprintf(stderr, "%s: ", progname);
    vfprintf(stderr, fmt, ap);
    if (errnum != 0)
        fprintf(stderr, ": %s", strerror(errnum));
    fputc('\n', stderr);
}

_Noreturn void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(fmt, ap, 0);
    va_end(ap);
    fprintf(stderr, "%s: try '%s --help'\n", progname, progname);
    exit(2);
}

_Noreturn void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(fmt, ap, 0);
    va_end(ap);
    exit(1);
}

_Noreturn void die_errno(const char *fmt, ...)
{
    int e = errno;
    va_list ap;
    va_start(ap, fmt);
    vreport(fmt, ap, e);
    va_end(ap);
    exit(1);
}

int64_t cli_parse_duration(const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno != 0 || v < 0 || !isfinite(v))
        return -1;
    double unit;
    if (strcmp(end, "s") == 0 || *end == '\0')
        unit = 1e9;
    else if (strcmp(end, "ms") == 0)
        unit = 1e6;
    else if (strcmp(end, "us") == 0)
        unit = 1e3;
    else if (strcmp(end, "ns") == 0)
        unit = 1;
    else
        return -1;
    return (int64_t)llround(v * unit);
}

static void print_duration(FILE *out, int64_t ns)
{
    if (ns >= 1000000000 && ns % 1000000 == 0)
        fprintf(out, "%gs", (double)ns / 1e9);
    else if (ns >= 1000000)
        fprintf(out, "%gms", (double)ns / 1e6);
    else if (ns >= 1000)
        fprintf(out, "%gus", (double)ns / 1e3);
    else
        fprintf(out, "%lldns", (long long)ns);
}

void cli_usage(const struct cli *cli, FILE *out)
{
    fprintf(out, "usage: %s [OPTION]...%s%s\n", cli->prog, cli->operands ? " " : "",
            cli->operands ? cli->operands : "");
    if (cli->summary)
        fprintf(out, "%s\n", cli->summary);
    fprintf(out, "\noptions:\n");
    for (size_t i = 0; i < cli->n_options; i++) {
        const struct cli_option *o = &cli->options[i];
        char left[64];
        if (o->type == CLI_TYPE_CHOICE)
            snprintf(left, sizeof left, "--%s WHICH", o->name);
        else
            snprintf(left, sizeof left, "--%s%s%s", o->name, o->metavar ? " " : "",
                     o->metavar ? o->metavar : "");
        fprintf(out, "  %-22s %s", left, o->help);
        if (o->type == CLI_TYPE_CHOICE) {
            fprintf(out, " (");
            for (const char *const *c = o->choices; *c; c++)
                fprintf(out, "%s%s", c == o->choices ? "" : ", ", *c);
            fprintf(out, "; default %s)", o->choices[*(int *)o->value]);
        } else if (o->type == CLI_TYPE_LONG) {
            fprintf(out, " (default %ld)", *(long *)o->value);
        } else if (o->type == CLI_TYPE_U64) {
            fprintf(out, " (default %llu)", (unsigned long long)*(uint64_t *)o->value);
        } else if (o->type == CLI_TYPE_DOUBLE) {
            fprintf(out, " (default %g)", *(double *)o->value);
        } else if (o->type == CLI_TYPE_DURATION) {
            fprintf(out, " (default ");
            print_duration(out, *(int64_t *)o->value);
            fputc(')', out);
        } else if (o->type == CLI_TYPE_STRING && *(const char **)o->value) {
            fprintf(out, " (default %s)", *(const char **)o->value);
        }
        fputc('\n', out);
    }
    fprintf(out, "  %-22s %s\n", "--help", "print this help and exit");
    if (cli->epilog)
        fprintf(out, "\n%s\n", cli->epilog);
}

static void check_range(const struct cli_option *o, double v, const char *text)
{
    if (o->min < o->max && (v < o->min || v > o->max))
        cli_error("--%s: %s is out of range [%g, %g]", o->name, text, o->min, o->max);
}

static void set_value(const struct cli_option *o, const char *text)
{
    char *end = NULL;
    errno = 0;
    switch (o->type) {
    case CLI_TYPE_FLAG:
        *(bool *)o->value = true;
        return;
    case CLI_TYPE_LONG: {
        long v = strtol(text, &end, 0);
        if (*text == '\0' || *end != '\0' || errno != 0)
            cli_error("--%s: expected an integer, got '%s'", o->name, text);
        check_range(o, (double)v, text);
        *(long *)o->value = v;
        return;
    }
    case CLI_TYPE_U64: {
        if (*text == '-')
            cli_error("--%s: expected a non-negative integer, got '%s'", o->name, text);
        unsigned long long v = strtoull(text, &end, 0);
        if (*text == '\0' || *end != '\0' || errno != 0)
            cli_error("--%s: expected a non-negative integer, got '%s'", o->name, text);
        *(uint64_t *)o->value = v;
        return;
    }
    case CLI_TYPE_DOUBLE: {
        double v = strtod(text, &end);
        if (*text == '\0' || *end != '\0' || errno != 0 || !isfinite(v))
            cli_error("--%s: expected a number, got '%s'", o->name, text);
        check_range(o, v, text);
        *(double *)o->value = v;
        return;
    }
    case CLI_TYPE_STRING:
        *(const char **)o->value = text;
        return;
    case CLI_TYPE_DURATION: {
        int64_t v = cli_parse_duration(text);
        if (v < 0)
            cli_error("--%s: expected a duration such as 10ms, 500us or 1s, got '%s'", o->name,
                      text);
        *(int64_t *)o->value = v;
        return;
    }
    case CLI_TYPE_CHOICE:
        for (int i = 0; o->choices[i]; i++) {
            if (strcmp(o->choices[i], text) == 0) {
                *(int *)o->value = i;
                return;
            }
        }
        cli_error("--%s: unknown value '%s'", o->name, text);
    }
}

int cli_parse(const struct cli *cli, int argc, char **argv)
{
    progname = cli->prog;
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            if (cli->operands == NULL)
                cli_error("unexpected argument '%s'", a);
            break;
        }
        if (strcmp(a, "--help") == 0) {
            cli_usage(cli, stdout);
            exit(0);
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const struct cli_option *o = NULL;
        for (size_t k = 0; k < cli->n_options; k++) {
            if (strlen(cli->options[k].name) == len &&
                strncmp(cli->options[k].name, name, len) == 0)
                o = &cli->options[k];
        }
        if (o == NULL)
            cli_error("unknown option '%s'", a);
        if (o->type == CLI_TYPE_FLAG) {
            if (eq)
                cli_error("--%s takes no value", o->name);
            set_value(o, NULL);
            continue;
        }
        const char *value = eq ? eq + 1 : NULL;
        if (value == NULL) {
            if (i + 1 >= argc)
                cli_error("--%s needs a value", o->name);
            value = argv[++i];
        }
        set_value(o, value);
    }
    if (i < argc && cli->operands == NULL)
        cli_error("unexpected argument '%s'", argv[i]);
    return i;
}
