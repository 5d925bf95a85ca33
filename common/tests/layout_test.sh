#!/usr/bin/env bash
# layout_test.sh - does common/mk/layout.sh pass a clean tree and catch each
# kind of misplaced file and wrong dependency, naming the file?
#
#   layout_test.sh [PATH_TO_layout.sh]    (default: ../mk/layout.sh)
#
# Builds a small tree (no git: the check lists it with find), checks that it
# passes, then plants one violation per case into a fresh copy and checks that
# the right check fails with a line naming the planted file, and the others
# pass. Ends with "N passed, N failed".
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
layout=${1:-$here/../mk/layout.sh}
if [ ! -r "$layout" ]; then
    echo "layout_test: no such script: $layout" >&2
    exit 2
fi
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

put() { # put FILE LINE...: write the lines to FILE under the tree being built
    mkdir -p "$(dirname "$tree/$1")"
    local f=$1
    shift
    printf '%s\n' "$@" >"$tree/$f"
}

chapter_mk() { # chapter_mk PROGRAM [LINE...]: a chapter Makefile's lines
    local program=$1
    shift
    printf '%s\n' "PROGRAMS := $program" "$@" "include ../../common/mk/chapter.mk"
}

# The clean tree: ch07 uses ch04's channel, polling uses ch06's locks.
tree=$tmp/clean
put common/include/test.h '#pragma once'
put common/src/test_runner.c '#include "test.h"' '#include <stdio.h>'
put common/mk/chapter.mk '# every chapter includes this'
put bench/include/bench.h '#pragma once'
put bench/src/bench.c '#include "bench.h"'
put plots/style.gp 'set terminal svg'
put fuzz/README.md 'The fuzzing engine.'
put common/tests/fixture.sh '#!/bin/sh' 'echo "#include \"ring.h\"" > chapters/ch07-reclamation/x.c'
put chapters/ch04-threads/Makefile "$(chapter_mk ring_chan 'LIB_SRCS := chan.c')"
put chapters/ch04-threads/lib/chan.h '#pragma once'
put chapters/ch04-threads/lib/chan.c '#include "chan.h"'
put chapters/ch04-threads/ring.h '#pragma once'
put chapters/ch04-threads/ring_chan.c '#include "chan.h"' '#include "ring.h"' '#include "test.h"'
put chapters/ch04-threads/tests/test_chan.c '#include "chan.h"' '#include "../ring.h"' '#include "test.h"'
put chapters/ch06-atomics/Makefile "$(chapter_mk spin_demo)"
put chapters/ch06-atomics/lib/spin.h '#pragma once'
put chapters/ch06-atomics/spin_demo.c '#include "spin.h"' '#include "stdatomic.h"'
put chapters/ch07-reclamation/Makefile "$(chapter_mk treiber 'USES := ch04 # the channel')"
put chapters/ch07-reclamation/treiber.c '#include "chan.h"' '#include "test.h"'
put chapters/ch07-reclamation/bench/bench_treiber.c '#include "bench.h"' '#include "../../ch04-threads/lib/chan.h"'
put chapters/ch07-reclamation/stall.sh '#!/bin/sh' 'cat ../ch04-threads/lib/chan.h  # see ../ch04-threads/ring.h'
put chapters/polling/Makefile "$(chapter_mk poll 'USES := ch06')"
put chapters/polling/poll.c '#include "spin.h"' '#include "bench.h"'

out=$("$layout" "$tmp/clean" 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -qx '3 passed, 0 failed'; then
    pass=$((pass + 1))
    echo "ok: the clean tree passes"
else
    fail=$((fail + 1))
    echo "FAIL: the clean tree (exit $rc):"
    printf '%s\n' "$out" | sed 's/^/    /'
fi

# case_ NAME CHECK FILE WHAT PLANT: plant a violation in a copy of the clean
# tree (PLANT is a function run in it); the check must exit non-zero, CHECK
# alone must fail, and a "layout:" line must name FILE and say WHAT.
case_() {
    local name=$1 check=$2 planted=$3 what=$4 plant=$5 out rc line
    tree=$tmp/$name
    cp -R "$tmp/clean" "$tree"
    "$plant"
    out=$("$layout" "$tree" 2>&1)
    rc=$?
    if [ "$rc" -ne 0 ] &&
        printf '%s\n' "$out" | grep -q "^FAIL: $check (" &&
        printf '%s\n' "$out" | grep -qx '2 passed, 1 failed' &&
        line=$(printf '%s\n' "$out" | grep -F "layout: $planted" | grep -F -m 1 "$what"); then
        pass=$((pass + 1))
        echo "ok: $name: $line"
    else
        fail=$((fail + 1))
        echo "FAIL: $name: wanted exit != 0, only '$check' failing, a line naming $planted" \
            "and saying '$what'; got exit $rc:"
        printf '%s\n' "$out" | sed 's/^/    /'
    fi
}

plant_a() { put bench/ch05/bench_x.c '#include "bench.h"'; }
plant_b() { put plots/polling-error.gp 'load "style.gp"'; }
plant_c() { put chapters/ch07-reclamation/ring_user.c '#include "ring.h"'; }
plant_d() { put chapters/ch07-reclamation/spin_user.c '#include "spin.h"'; }
plant_e() { put common/src/chan_user.c '#include "test.h"' '#include "chan.h"'; }
plant_f() { echo 'USES := ch07' >>"$tree/chapters/ch04-threads/Makefile"; }
plant_g() {
    put chapters/dispatch/Makefile "$(chapter_mk dispatch 'USES := ch04 polling')"
    echo 'USES += dispatch' >>"$tree/chapters/polling/Makefile"
}
plant_h() { echo 'USES += ch03' >>"$tree/chapters/ch07-reclamation/Makefile"; }
plant_i() { echo 'USES := polling' >>"$tree/chapters/ch06-atomics/Makefile"; }
plant_k() { put fuzz/Makefile 'INC := -I../chapters/ch04-threads'; }
plant_j() { echo 'RING := ../ch04-threads/ring.h' >>"$tree/chapters/ch07-reclamation/Makefile"; }

case_ bench-outside-chapter paths bench/ch05/bench_x.c 'chapters/ch05-' plant_a
case_ plot-outside-chapter paths plots/polling-error.gp 'chapters/polling/plots/' plant_b
case_ include-outside-lib includes chapters/ch07-reclamation/ring_user.c \
    'ring.h of chapters/ch04-threads outside its lib/' plant_c
case_ include-lib-without-uses includes chapters/ch07-reclamation/spin_user.c \
    'does not name ch06 in USES' plant_d
case_ common-includes-chapter includes common/src/chan_user.c 'chan.h of chapters/ch04-threads' plant_e
case_ uses-later-chapter uses chapters/ch04-threads/Makefile 'not earlier' plant_f
case_ uses-cycle uses chapters/polling/Makefile 'cycle: dispatch -> polling -> dispatch' plant_g
case_ uses-no-chapter uses chapters/ch07-reclamation/Makefile 'ch03, which is no chapter' plant_h
case_ numbered-uses-unnumbered uses chapters/ch06-atomics/Makefile 'polling, an unnumbered chapter' plant_i
case_ makefile-refers-outside-lib includes chapters/ch07-reclamation/Makefile \
    '../ch04-threads/ring.h of chapters/ch04-threads outside its lib/' plant_j
case_ engine-makefile-names-chapter includes fuzz/Makefile 'an engine names no chapter' plant_k

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
