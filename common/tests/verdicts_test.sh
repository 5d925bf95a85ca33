#!/usr/bin/env bash
# verdicts_test.sh - the verdict runner (common/mk/verdicts.sh) against
# programs with one planted bug each (verdicts/planted_*.c).
#
#   verdicts_test.sh BUILD_DIR
#
# Builds the planted programs three ways into BUILD_DIR/plain (helgrind, DRD,
# memcheck), BUILD_DIR/tsan and BUILD_DIR/asan (ASan with UBSan, not recovering
# from UB, as common/mk/config.mk builds SAN=asan), then checks: a manifest with
# the right kind for every program and tool passes; rows the old race runner
# judged wrongly now fail (it called helgrind's lock-order report a race and
# TSan's clean, and never looked for a use after free or a leak); a run that
# UBSan ends is ub, and the reports it cut off are not there; an n/a cell is
# never run. Prints "N passed, N failed".
set -u
[ $# -eq 1 ] || { echo "usage: verdicts_test.sh BUILD_DIR" >&2; exit 2; }
build=$1
here=$(cd "$(dirname "$0")" && pwd)
runner=$here/../mk/verdicts.sh
passed=0 failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cflags="-std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -g -O1 -pthread"
mkdir -p "$build/plain" "$build/tsan" "$build/asan"
for src in "$here"/verdicts/planted_*.c; do
    name=$(basename "$src" .c)
    # shellcheck disable=SC2086
    if ! gcc $cflags "$src" -o "$build/plain/$name" ||
        ! gcc $cflags -fsanitize=thread "$src" -o "$build/tsan/$name" ||
        ! gcc $cflags -fsanitize=address,undefined -fno-sanitize-recover=undefined \
            -fno-omit-frame-pointer "$src" -o "$build/asan/$name"; then
        echo "FAIL: building $name"
        exit 1
    fi
done

# manifest NAME ROW...: writes a manifest of these rows (fields split by "|")
manifest() {
    local file=$tmp/$1.tsv row
    shift
    echo "# program	args	helgrind	drd	tsan	asan	memcheck	ubsan	where" >"$file"
    for row in "$@"; do
        tr '|' '\t' <<<"$row" >>"$file"
    done
    echo "$file"
}

# expect WHAT pass|fail MANIFEST [OPTIONS...] -- TEXT...: runs the runner; ok
# when it exits as told and its output holds every TEXT
expect() {
    local what=$1 status=$2 file=$3 rc text missing=""
    shift 3
    local opts=()
    while [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
    "$runner" "${opts[@]}" "$file" "$build/plain" "$build/tsan" "$build/asan" >"$tmp/out" 2>&1
    rc=$?
    if { [ "$status" = pass ] && [ $rc -ne 0 ]; } || { [ "$status" = fail ] && [ $rc -ne 1 ]; }; then
        missing="exit status $rc"
    fi
    for text in "$@"; do
        grep -qF -- "$text" "$tmp/out" || missing="$missing${missing:+; }no '$text'"
    done
    if [ -z "$missing" ]; then
        echo "ok: $what"
        passed=$((passed + 1))
    else
        echo "FAIL: $what ($missing)"
        sed 's/^/    /' "$tmp/out"
        failed=$((failed + 1))
    fi
}

# (1) Every planted program, every tool, the kind it really reports.
right=$(manifest right \
    "planted_race|-|race|race|race|clean|clean|clean" \
    "planted_lockorder|-|lock-order|clean|lock-order|clean|clean|clean" \
    "planted_uaf|-|clean|clean|uaf|uaf|uaf|clean" \
    "planted_clean|-|clean|clean|clean|clean|clean|clean" \
    "planted_leak|-|clean|clean|clean|leak|leak|clean" \
    "planted_ub|-|clean|clean|clean|clean|leak|ub")
expect "the right kinds pass: race, lock-order, uaf, leak, ub and clean under all six tools" \
    pass "$right" -- "36 passed, 0 failed"

# (2) What the old runner got wrong must now fail, one cell a run.
na="n/a: not this check"
expect "planted_lockorder: helgrind's lock-order report is not a race" fail \
    "$(manifest lo_hg "planted_lockorder|-|race|$na|$na|$na|$na|$na")" -- \
    "WANT race GOT lock-order" "0 passed, 1 failed"
expect "planted_lockorder: TSan's lock-order-inversion is not a race either" fail \
    "$(manifest lo_tsan "planted_lockorder|-|$na|$na|race|$na|$na|$na")" -- \
    "WANT race GOT lock-order" "0 passed, 1 failed"
expect "planted_uaf: memcheck's use after free is not clean" fail \
    "$(manifest uaf_mc "planted_uaf|-|$na|$na|$na|$na|clean|$na")" -- \
    "WANT clean GOT uaf" "0 passed, 1 failed"
expect "planted_uaf: ASan's use after free is not clean" fail \
    "$(manifest uaf_asan "planted_uaf|-|$na|$na|$na|clean|$na|$na")" -- \
    "WANT clean GOT uaf" "0 passed, 1 failed"
expect "planted_leak: memcheck's definite leak is not clean" fail \
    "$(manifest leak_mc "planted_leak|-|$na|$na|$na|$na|clean|$na")" -- \
    "WANT clean GOT leak" "0 passed, 1 failed"
expect "planted_ub: the run ends at the UB, so ASan never reports the leak behind it" fail \
    "$(manifest ub_asan "planted_ub|-|$na|$na|$na|leak|$na|$na")" -- \
    "WANT leak GOT clean" "0 passed, 1 failed"
expect "a kind the runner does not know is a failure, not a pass" fail \
    "$(manifest typo "planted_race|-|$na|$na|$na|$na|$na|raec")" -- \
    "unknown kind 'raec'" "0 passed, 1 failed"

# (3) An n/a cell is not run: these binaries do not exist, and running any
# tool on them would give `error`.
expect "n/a cells are not run, and their reasons are printed" pass \
    "$(manifest na "planted_absent|-|n/a: r1|n/a: r2|n/a: r3|n/a: r4|n/a: r5|n/a: r6")" -- \
    "0 passed, 0 failed" "planted_absent × helgrind: r1" "planted_absent × ubsan: r6"
cp "$build/tsan/planted_race" "$build/tsan/planted_sanitized_only"
cp "$build/asan/planted_race" "$build/asan/planted_sanitized_only"
expect "a row without a plain build runs its TSan and ASan cells only" pass \
    "$(manifest na_plain "planted_sanitized_only|-|$na|$na|race|clean|$na|clean")" -- \
    "3 passed, 0 failed"
expect "--run leaves host-only rows out" pass \
    "$(manifest run "planted_race|-|$na|$na|race|$na|$na|$na" \
        "planted_absent|-|clean|clean|clean|clean|clean|clean|host-only")" \
    --tools tsan --run env -- "1 passed, 0 failed"
expect "--run leaves qemu-long rows out, and says so" pass \
    "$(manifest long "planted_race|-|$na|$na|race|$na|$na|$na|qemu-long")" \
    --tools tsan --run env -- "0 passed, 0 failed" "1 rows marked qemu-long left to ci/long"
expect "--all-emulated runs the qemu-long rows too" pass \
    "$(manifest long_all "planted_race|-|$na|$na|race|$na|$na|$na|qemu-long")" \
    --tools tsan --run env --all-emulated -- "1 passed, 0 failed"
expect "--keep keeps the report of a cell that failed, and prints where" fail \
    "$(manifest keep "planted_lockorder|-|race|$na|$na|$na|$na|$na")" --keep "$tmp/kept" -- \
    "report kept: $tmp/kept/planted_lockorder.helgrind.log" "0 passed, 1 failed"
if grep -q 'lock order' "$tmp/kept/planted_lockorder.helgrind.log" 2>/dev/null; then
    echo "ok: the kept report is helgrind's, with its lock-order report"; passed=$((passed + 1))
else
    echo "FAIL: no kept helgrind report with a lock-order report in $tmp/kept"; failed=$((failed + 1))
fi
expect "--show helgrind prints helgrind's report" pass \
    "$(manifest show "planted_race|-|race|$na|$na|$na|$na|$na")" --show helgrind -- \
    "---- helgrind report: planted_race" "Possible data race during"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
