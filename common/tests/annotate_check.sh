#!/usr/bin/env bash
# annotate_check.sh - do helgrind and DRD see the happens-before edges that
# annotate.h declares, and report the same code when the annotations are gone?
#
#   annotate_check.sh ANNOTATED_BIN PLAIN_BIN
#
# Both binaries are tests/test_annotate.c (message passing through fences);
# PLAIN_BIN was built with -DLAB_NO_VALGRIND, which turns the annotations into
# nothing. Ends with "N passed, N failed".
set -u
annotated=$1 plain=$2
pass=0 fail=0
errors() { # errors TOOL BIN: the error count valgrind reports
    valgrind --tool="$1" --child-silent-after-fork=no "$2" --no-fork 2>&1 |
        sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' | tail -n 1
}
for tool in helgrind drd; do
    n=$(errors "$tool" "$annotated")
    if [ "${n:-x}" = 0 ]; then pass=$((pass + 1)); else
        fail=$((fail + 1)); echo "annotate: $tool reported ${n:-?} errors on the annotated code"; fi
    n=$(errors "$tool" "$plain")
    if [ "${n:-0}" -gt 0 ]; then pass=$((pass + 1)); echo "annotate: $tool, no annotations: $n errors, as expected"; else
        fail=$((fail + 1)); echo "annotate: $tool reported nothing without the annotations"; fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
