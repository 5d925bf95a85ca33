#!/usr/bin/env bash
# verdicts.sh - the verdict matrix: run each row of a chapter's manifest under
# helgrind, DRD, ThreadSanitizer, AddressSanitizer (with UBSan), memcheck, sort
# every report each tool makes into a kind, and compare the set of kinds with
# the manifest's.
#
#   verdicts.sh [--tools "helgrind drd tsan asan memcheck ubsan"] [--run PREFIX]
#               [--all-emulated] [--keep DIR] [--show TOOL]
#               MANIFEST PLAIN_BIN_DIR TSAN_BIN_DIR ASAN_BIN_DIR
#
# PLAIN_BIN_DIR serves helgrind, DRD and memcheck; TSAN_BIN_DIR TSan; ASAN_BIN_DIR
# the asan and ubsan columns, which read one run of the -fsanitize=address,undefined
# build. A directory is `-` when its tools are not run (the default --tools is
# every tool whose directory is given). --run prefixes the TSan runs (qemu for a
# cross build), and then rows marked host-only are left out, and so are rows
# marked qemu-long unless --all-emulated is given (ci/long: under qemu every
# TSan run starts in about 30 s, so ci/quick keeps a race row and a clean row of
# a few chapters). --keep DIR keeps the log of every cell that did not pass in DIR
# (DIR/<row>.<tool>.log) and prints its path. --show TOOL prints
# the full log of that tool for every cell where it reported something (make
# helgrind).
#
# MANIFEST (tests/races.tsv): one row per run, tab-separated, `#` comments:
#   program  args  helgrind  drd  tsan  asan  memcheck  ubsan  [host-only|qemu-long]
# args is `-` for none. A verdict is `clean` (no report of any kind; for the
# valgrind tools also ERROR SUMMARY 0), one kind, kinds joined by `+` in any
# order (`race+misuse`), or `n/a: reason` (not run; the reason is printed).
# A cell passes when the set of kinds the tool reported equals the expected set.
# One run decides a cell. The program's own exit status is ignored, except as a
# tool reports it (a crash): a racy example may well break its invariants.
#
# The kinds, and what each tool prints for them:
#   race          helgrind "Possible data race during"; DRD "Conflicting load|store by
#                 thread"; TSan "WARNING: ThreadSanitizer: data race"
#   lock-order    helgrind "Thread #N: lock order \"...\" violated"; TSan "lock-order-inversion"
#   misuse        helgrind "Thread #N: ..." ("pthread_cond_{signal,broadcast}: dubious:
#                 associated lock is not held", "pthread_cond_{timed}wait called with un-held
#                 mutex", "cond is associated with a different mutex", "pthread_mutex_destroy
#                 of a locked mutex"), "Thread #N's call to ... failed", "Thread #N unlocked
#                 a not-locked lock|an invalid lock"; DRD "Probably a race condition:
#                 condition variable ... has been signaled but the associated mutex ... is
#                 not locked", and its other errors naming a mutex, cond, rwlock, semaphore
#                 or barrier ("... is not a mutex", "Mutex not locked", "Destroying locked
#                 mutex", "Inconsistent association of condition variable and mutex"); TSan
#                 "unlock of an unlocked mutex", "double lock of a mutex", "destroy of a
#                 locked mutex", "signal-unsafe call", "read (un)lock of a write locked
#                 mutex", "use of an invalid mutex", "signal handler spoils errno"
#   uaf           ASan and TSan "heap-use-after-free"; memcheck "Invalid read|write" of an
#                 address "inside a block of size N free'd"
#   double-free   ASan "attempting double-free"; memcheck "Invalid free()" inside a block free'd
#   invalid-free  ASan "attempting free on address which was not malloc()-ed"; memcheck any
#                 other "Invalid free()" (inside a live block, on a stack)
#   overflow      ASan "*-buffer-overflow|underflow"; memcheck "Invalid read|write" of an
#                 address "N bytes after|before a block"
#   leak          LeakSanitizer "detected memory leaks"; memcheck "are definitely lost";
#                 TSan "thread leak"
#   ub            UBSan "runtime error:" (the ubsan column; the asan column takes the rest)
#   segv          ASan and TSan "SEGV on unknown address"; valgrind, any tool, "Process
#                 terminating with default action of signal 11" (with memcheck's "Invalid
#                 read|write" of an address "not stack'd, malloc'd or (recently) free'd")
#   uninit        memcheck "... uninitialised ..." (a jump, a value, a system call's argument)
#   other         a report none of the above explains: more contexts in valgrind's ERROR
#                 SUMMARY than reports read, death by SIGILL, SIGBUS or SIGFPE under valgrind,
#                 any other "WARNING: ThreadSanitizer:" or "ERROR: ThreadSanitizer:|
#                 AddressSanitizer:|LeakSanitizer:"
#   error         the tool did not run: no ERROR SUMMARY, TSan "failed", "CHECK failed" or
#                 "execve failed", an ASan CHECK or LeakSanitizer fatal error, the binary
#                 missing, killed after 300 s. Always a failure, never expected.
# `other` and `error` are never `clean`.
#
# How each tool runs: helgrind and DRD with --fair-sched=yes (valgrind runs one
# thread at a time; fair scheduling hands the CPU round in turn, so a thread
# spinning on a lock cannot keep the one that would release it waiting);
# memcheck also with --leak-check=full, definite leaks shown and counted as
# errors (a possible leak is not a report); TSan with halt_on_error=0; the ASan
# build with detect_leaks=1, once per row for the asan and ubsan columns. That
# build does not recover from UB (common/mk/config.mk): a run ends at its first
# "runtime error:" with status 1, still `ub` in the ubsan column, and its asan
# column holds only what ASan reported before (no leak check at that exit). A
# column that is n/a is not run. The rows run VERDICT_JOBS at a time (default:
# one per CPU; valgrind runs a program on one CPU at a time) and are printed in
# the manifest's order. Prints the matrix (`WANT x GOT y` where a cell
# fails), the n/a reasons, then "N passed, N failed"; exits non-zero on any
# failure.
set -u

limit=300
kinds_known="race lock-order misuse uaf double-free invalid-free overflow leak ub segv uninit other"
tools="" run="" show="" keep="" all_emulated=""
jobs=${VERDICT_JOBS:-$(nproc 2>/dev/null || echo 1)}
usage() {
    echo "usage: verdicts.sh [--tools \"helgrind drd tsan asan memcheck ubsan\"] [--run PREFIX]" \
        "[--all-emulated] [--keep DIR] [--show TOOL] MANIFEST PLAIN_BIN_DIR TSAN_BIN_DIR ASAN_BIN_DIR" >&2
    exit 2
}
while [ $# -gt 4 ]; do
    case $1 in
    --tools) tools=$2; shift 2 ;;
    --run) run=$2; shift 2 ;;
    --show) show=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --all-emulated) all_emulated=1; shift ;;
    *) echo "verdicts.sh: unknown option $1" >&2; usage ;;
    esac
done
[ $# -eq 4 ] || usage
manifest=$1 plain_bin=$2 tsan_bin=$3 asan_bin=$4
[ -r "$manifest" ] || { echo "verdicts.sh: cannot read $manifest" >&2; exit 2; }

bin_dir() { # bin_dir TOOL -> the directory its binaries come from
    case $1 in
    helgrind|drd|memcheck) echo "$plain_bin" ;;
    tsan) echo "$tsan_bin" ;;
    asan|ubsan) echo "$asan_bin" ;;
    esac
}
if [ -z "$tools" ]; then
    for t in helgrind drd tsan asan memcheck ubsan; do
        [ "$(bin_dir $t)" = - ] || tools="$tools $t"
    done
fi
for t in $tools; do
    case $t in
    helgrind|drd|tsan|asan|memcheck|ubsan) ;;
    *) echo "verdicts.sh: unknown tool $t" >&2; usage ;;
    esac
    [ "$(bin_dir "$t")" != - ] || { echo "verdicts.sh: $t needs its binary directory, not -" >&2; usage; }
done

logs=$(mktemp -d)
# the kept reports are this run's only
[ -z "$keep" ] || rm -f "$keep"/*.log 2>/dev/null
trap 'rm -rf "$logs"' EXIT

# ---- classifying a tool's log into a set of kinds ------------------------------
# Each prints the kinds found, one a line; `error: why` when the tool did not run.

# valgrind: reports are paragraphs (split by "==PID== " lines) whose first line,
# past DRD's "Thread N:" context line, says what was found.
classify_valgrind() { # classify_valgrind TOOL LOG
    awk -v tool="$1" '
    function header(h) {
        if (tool == "helgrind") {
            if (h ~ /^Possible data race during /) return "race"
            if (h ~ /^Thread #[0-9]+: lock order ".*" violated/) return "lock-order"
            if (h ~ /^Thread #[0-9]+(: |.s call to .* failed| unlocked )/) return "misuse"
        } else if (tool == "drd") {
            if (h ~ /^Conflicting (load|store) by thread /) return "race"
            if (h ~ /^Probably a race condition: condition variable /) return "misuse"
            if (h ~ /mutex|cond 0x|condition variable|rwlock|semaphore|barrier|^Lock on /) return "misuse"
        } else {
            if (h ~ /^Invalid (read|write) of size /) return "access"
            if (h ~ /^Invalid free\(\)/) return "free"
            if (h ~ /uninitialised/) return "uninit"
            if (h ~ /are definitely lost in loss record /) return "leak"
        }
        return ""
    }
    # memcheck: what a bad access or free was, from the paragraph s Address line
    function address(what, a) {
        if (what == "access") {
            if (a ~ / inside a block of size [0-9,]+ free.d/) return "uaf"
            if (a ~ / (after|before) a block of size /) return "overflow"
            if (a ~ /not stack.d, malloc.d or \(recently\) free.d/) { wild++; return "" }
            return "other"
        }
        return (a ~ / inside a block of size [0-9,]+ free.d/) ? "double-free" : "invalid-free"
    }
    function close_paragraph() {
        if (pending != "") { k = address(pending, ""); if (k != "") kinds[k] = 1; explained++ }
        pending = ""; first = 1
    }
    BEGIN { first = 1 }
    { sub(/^==[0-9]+== ?/, "") }
    /^ *$/ { close_paragraph(); next }
    /^Process terminating with default action of signal 11 / { segv = 1 }
    /^Process terminating with default action of signal (4|7|8) / { kinds["other"] = 1 }
    /^ERROR SUMMARY: [0-9]+ errors from [0-9]+ contexts/ { summary = 1; errors = $3; contexts = $6 }
    /not reporting any more/ { capped = 1 }
    first && /^Thread [0-9]+:$/ { next }
    first {
        first = 0; k = header($0)
        if (k == "access" || k == "free") pending = k
        else if (k != "") { kinds[k] = 1; explained++ }
        next
    }
    pending != "" && /^ *Address 0x/ {
        k = address(pending, $0); if (k != "") kinds[k] = 1; explained++; pending = ""
    }
    END {
        close_paragraph()
        if (!summary) { print "error: no ERROR SUMMARY"; exit }
        if (wild) { if (segv) kinds["segv"] = 1; else kinds["other"] = 1 }
        if (segv) kinds["segv"] = 1
        if (explained < contexts && !capped) kinds["other"] = 1
        if (errors > 0 && length(kinds) == 0) kinds["other"] = 1
        for (k in kinds) print k
    }' "$2"
}

classify_tsan() { # classify_tsan LOG
    awk '
    /ThreadSanitizer: (failed|CHECK failed)|FATAL: ThreadSanitizer|execve failed/ { failed = 1 }
    /WARNING: ThreadSanitizer: / {
        if (/: data race/) kinds["race"] = 1
        else if (/: lock-order-inversion/) kinds["lock-order"] = 1
        else if (/: (unlock of an unlocked mutex|double lock of a mutex|destroy of a locked mutex|signal-unsafe call|read lock of a write locked mutex|read unlock of a write locked mutex|use of an invalid mutex|signal handler spoils errno)/) kinds["misuse"] = 1
        else if (/: heap-use-after-free/) kinds["uaf"] = 1
        else if (/: thread leak/) kinds["leak"] = 1
        else kinds["other"] = 1
    }
    /ERROR: ThreadSanitizer: / { kinds[/SEGV on unknown address/ ? "segv" : "other"] = 1 }
    END {
        if (failed) { print "error: TSan did not run"; exit }
        for (k in kinds) print k
    }' "$1"
}

classify_asan() { # classify_asan asan|ubsan LOG
    awk -v column="$1" '
    /AddressSanitizer: CHECK failed|ASan cannot proceed|LeakSanitizer has encountered a fatal error|LeakSanitizer does not work/ { failed = 1 }
    /ERROR: AddressSanitizer: / {
        if (/: heap-use-after-free/) k = "uaf"
        else if (/: attempting double-free/) k = "double-free"
        else if (/: attempting free on address which was not malloc\(\)-ed/) k = "invalid-free"
        else if (/: [a-z-]*buffer-(overflow|underflow)/) k = "overflow"
        else if (/: SEGV on unknown address/) k = "segv"
        else k = "other"
        asan[k] = 1
    }
    /ERROR: LeakSanitizer: / { asan[/detected memory leaks/ ? "leak" : "other"] = 1 }
    /runtime error: / { ubsan["ub"] = 1 }
    END {
        if (failed) { print "error: ASan did not run"; exit }
        if (column == "asan") for (k in asan) print k
        else for (k in ubsan) print k
    }' "$2"
}

# A set of kinds as one word: sorted, joined by "+", "clean" when empty.
canonical() {
    local set
    set=$(sort -u | paste -sd+)
    echo "${set:-clean}"
}

# ---- running one tool -------------------------------------------------------------
# run_tool TOOL PROGRAM ARGS LOG: runs it, its output in LOG; prints `error: why`
# when it could not, nothing otherwise. Its stdin is not the manifest's.
run_tool() {
    local tool=$1 prog=$2 args=$3 log=$4 bin rc
    bin=$(bin_dir "$tool")/$prog
    [ -x "$bin" ] || { echo "error: no binary $bin"; return; }
    case $tool in
    helgrind|drd)
        # shellcheck disable=SC2086
        timeout -s KILL $limit valgrind --tool="$tool" --fair-sched=yes --log-file="$log" \
            "$bin" $args </dev/null >/dev/null 2>&1 ;;
    memcheck)
        # shellcheck disable=SC2086
        timeout -s KILL $limit valgrind --tool=memcheck --fair-sched=yes --leak-check=full \
            --show-leak-kinds=definite --errors-for-leak-kinds=definite --log-file="$log" \
            "$bin" $args </dev/null >/dev/null 2>&1 ;;
    tsan)
        # shellcheck disable=SC2086
        TSAN_OPTIONS=halt_on_error=0 timeout -s KILL $limit $run "$bin" $args </dev/null >"$log" 2>&1 ;;
    asan|ubsan)
        # shellcheck disable=SC2086
        ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
            timeout -s KILL $limit "$bin" $args </dev/null >"$log" 2>&1 ;;
    esac
    rc=$?
    [ $rc -eq 137 ] && echo "error: killed after $limit s"
}

# classify TOOL LOG -> canonical kinds, or `error: why`
classify() {
    local tool=$1 log=$2 out
    [ -e "$log" ] || { echo "error: no log"; return; }
    case $tool in
    helgrind|drd|memcheck) out=$(classify_valgrind "$tool" "$log") ;;
    tsan) out=$(classify_tsan "$log") ;;
    asan|ubsan) out=$(classify_asan "$tool" "$log") ;;
    esac
    case $out in
    error:*) echo "$out" ;;
    *) printf '%s' "$out" | canonical ;;
    esac
}

# want_of CELL -> canonical expected kinds, `n/a`, or `bad: why`
want_of() {
    local cell=$1 k parts
    case $cell in
    n/a:?*) echo n/a; return ;;
    n/a*) echo "bad: n/a needs a reason (n/a: why)"; return ;;
    clean) echo clean; return ;;
    esac
    IFS=+ read -ra parts <<<"$cell"
    for k in "${parts[@]}"; do
        case " $kinds_known " in
        *" $k "*) ;;
        *) echo "bad: unknown kind '$k'"; return ;;
        esac
    done
    tr '+' '\n' <<<"$cell" | canonical
}

# ---- the matrix ---------------------------------------------------------------------
width=$(awk -F '\t' '$1 != "" && $1 !~ /^#/ {
    a = ($2 == "-") ? "" : $2; n = length($1 " " a); if (n > w) w = n } END {print w + 1}' "$manifest")
# do_row N PROG ARGS HG DRD TS AS MC UB WHERE REST: runs one row's cells into
# $logs/N/: out (the row as printed), counts ("pass fail"), notes, kept, and
# done last. The rows run VERDICT_JOBS at a time; they are printed in order.
do_row() {
    local dir=$logs/$1 prog=$2 args=$3 hg=$4 drd=$5 ts=$6 as=$7 mc=$8 ub=$9 where=${10} rest=${11}
    local pass=0 fail=0 notes="" kept="" t cell want log why got k asan_ran="" asan_why=""
    mkdir -p "$dir"
    {
        printf '%-*s' "$width" "$prog${args:+ $args}"
        if [ -z "$ub" ] || [ -n "$rest" ] ||
            { [ -n "$where" ] && [ "$where" != host-only ] && [ "$where" != qemu-long ]; }; then
            fail=$((fail + 1))
            echo " bad row: want 8 tab-separated columns and an optional host-only or qemu-long"
        else
            for t in $tools; do
                case $t in
                helgrind) cell=$hg ;; drd) cell=$drd ;; tsan) cell=$ts ;;
                asan) cell=$as ;; memcheck) cell=$mc ;; ubsan) cell=$ub ;;
                esac
                want=$(want_of "$cell")
                case $want in
                n/a)
                    printf ' %-18s' n/a
                    notes="$notes  n/a, $prog${args:+ $args} × $t:${cell#n/a:}"$'\n'
                    continue ;;
                bad:*)
                    fail=$((fail + 1))
                    printf ' %-18s' "${want#bad: }"
                    continue ;;
                esac
                log=$dir/$t
                case $t in
                asan|ubsan)
                    # one run of the ASan+UBSan build serves both columns
                    log=$dir/asan
                    [ -n "$asan_ran" ] || { asan_why=$(run_tool asan "$prog" "$args" "$log"); asan_ran=1; }
                    why=$asan_why ;;
                *) why=$(run_tool "$t" "$prog" "$args" "$log") ;;
                esac
                if [ -n "$why" ]; then got=$why; else got=$(classify "$t" "$log"); fi
                if [ "$got" = "$want" ]; then
                    pass=$((pass + 1)); printf ' %-18s' "$got"
                else
                    fail=$((fail + 1)); printf ' %-18s' "WANT $want GOT $got"
                    if [ -n "$keep" ] && [ -e "$log" ]; then
                        mkdir -p "$keep"
                        k="$keep/$(printf '%s' "$prog${args:+ $args}" | tr -c 'A-Za-z0-9._=-' '_').$t.log"
                        cp "$log" "$k"
                        kept="$kept  report kept: $k ($t on '$prog${args:+ $args}': WANT $want GOT $got)"$'\n'
                    fi
                fi
                if [ "$show" = "$t" ] && [ "$got" != clean ] && [ -e "$log" ]; then
                    echo; echo "---- $t report: $prog $args"
                    grep -v '^==[0-9]*== *$' "$log"
                fi
            done
            echo
        fi
    } >"$dir/out"
    echo "$pass $fail" >"$dir/counts"
    printf '%s' "$notes" >"$dir/notes"
    printf '%s' "$kept" >"$dir/kept"
    : >"$dir/done"
}

# Prints the rows that are done, in the manifest's order, from row $next on.
next=1
print_ready() {
    while [ -e "$logs/$next/done" ]; do
        cat "$logs/$next/out"
        next=$((next + 1))
    done
}

skipped_long=0 n=0
printf '%-*s' "$width" program
for t in $tools; do printf ' %-18s' "$t"; done
echo
while IFS=$'\t' read -r prog args hg drd ts as mc ub where rest; do
    case $prog in ''|'#'*) continue ;; esac
    [ -n "$run" ] && [ "$where" = host-only ] && continue
    [ -n "$run" ] && [ "$where" = qemu-long ] && [ -z "$all_emulated" ] && { skipped_long=$((skipped_long + 1)); continue; }
    [ "$args" = - ] && args=""
    n=$((n + 1))
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; print_ready; done
    do_row "$n" "$prog" "$args" "$hg" "$drd" "$ts" "$as" "$mc" "$ub" "$where" "$rest" </dev/null &
done <"$manifest"
wait
print_ready
pass=0 fail=0
for i in $(seq 1 "$n"); do
    read -r p f <"$logs/$i/counts"
    pass=$((pass + p)) fail=$((fail + f))
done
for i in $(seq 1 "$n"); do cat "$logs/$i/notes"; done
[ "$skipped_long" -eq 0 ] || echo "  $skipped_long rows marked qemu-long left to ci/long (make races ARCH=... RACES_ALL=1)"
for i in $(seq 1 "$n"); do cat "$logs/$i/kept"; done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
