/*
 * crash.h - one line on stdout when a program dies of SIGSEGV, SIGBUS or
 * SIGABRT, for the programs that are wrong on purpose and crash (chapter 6's
 * queue_spin, chapter 7's reference-counted stack):
 *
 *     queue_spin: crashed: SIGSEGV (fault address 0x8) after 81234 operations in 0.412 s
 *
 *     static const struct lab_crash_report report = {"queue_spin", ops_total, " operations", ""};
 *     lab_catch_crashes(&report);       at the start of the run
 *
 * The handler may only call what is async-signal-safe: no stdio, no malloc.
 * It formats into a buffer on its stack (320 bytes: a longer line is cut) and
 * write()s it, and count must be as safe (relaxed loads of counters). The
 * first thread to crash speaks; any other that crashes meanwhile waits in the
 * handler. Then the signal is raised again with its default action, so the
 * exit status still says how the process died. Under AddressSanitizer
 * or ThreadSanitizer nothing is installed: they report faults themselves,
 * with more to say.
 */
#ifndef LAB_CRASH_H
#define LAB_CRASH_H

#include <stdint.h>

struct lab_crash_report {
    const char *name;        /* the line starts "<name>: crashed: " */
    uint64_t (*count)(void); /* progress so far ("after N<unit> in S s"), or NULL */
    const char *unit;        /* " operations" */
    const char *note;        /* appended to the line, or "" */
};

/* Installs the handler; r must outlive the run. The time in the line counts
 * from this call. */
void lab_catch_crashes(const struct lab_crash_report *r);

#endif
