#!/usr/bin/env bash
# dispatch_asm.sh - does each variant of dispatch.c compile to the call it claims?
#
#   dispatch_asm.sh OUTDIR
#
# Compiles dispatch.c at -O2 for x86-64, aarch64 and armhf, disassembles each
# run_<variant> function (with relocations, so calls to malloc show by name) and
# checks its calls: the inline loop calls nothing, the direct one calls the
# callee by name, the pointer variants make an indirect call and no direct one,
# malloc calls malloc and free. This is the check the blog lacked: its function
# pointer had been devirtualised by the compiler. Ends "N passed, N failed".
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
top=$(cd "$here/../.." && pwd)
out=$1
mkdir -p "$out"
pass=0 fail=0

# target name ; compiler ; objdump ; indirect-call regex ; direct-call regex prefix
targets=(
    'x86-64;gcc;objdump;(call|jmp)[[:space:]]+\*;call[[:space:]]+'
    'aarch64;aarch64-linux-gnu-gcc;aarch64-linux-gnu-objdump;\b(blr|br)[[:space:]]+x;\bbl[[:space:]]+'
    'armhf;arm-linux-gnueabihf-gcc;arm-linux-gnueabihf-objdump;\b(blx|bx)[[:space:]]+(r[0-9]|ip);\bbl[[:space:]]+'
)

# The disassembly of one function, relocations included, from an objdump -dr listing.
function_text() {
    awk -v fn="$2" '
        /^[0-9a-f]+ <[^>]+>:$/ { inside = ($0 ~ "<" fn ">:$"); next }
        inside && NF { print }' "$1"
}

check() { # check TARGET VARIANT DESCRIPTION COMMAND...
    local target=$1 variant=$2 what=$3
    shift 3
    if "$@"; then pass=$((pass + 1)); else
        fail=$((fail + 1)); echo "dispatch asm: $target run_$variant: expected $what"; fi
}

for t in "${targets[@]}"; do
    IFS=';' read -r name cc objdump indirect direct <<<"$t"
    # A bad pattern would make every "no such call" check pass: refuse it.
    for re in "$indirect" "$direct"; do
        echo | grep -Eq "$re"
        if [ $? -gt 1 ]; then echo "dispatch asm: bad pattern '$re'"; exit 1; fi
    done
    if ! command -v "$cc" >/dev/null 2>&1; then
        echo "dispatch asm: $cc not found (make deps installs it)"; fail=$((fail + 1)); continue
    fi
    obj=$out/dispatch.$name.o
    "$cc" -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -DLAB_NO_MAIN -I"$top/common/include" \
        -c "$here/dispatch.c" -o "$obj" || { fail=$((fail + 1)); continue; }
    "$objdump" -dr --no-show-raw-insn "$obj" >"$out/dispatch.$name.dis"
    dis=$out/dispatch.$name.dis
    has() { function_text "$dis" "run_$1" | grep -Eq "$2"; }
    calls_callee() { function_text "$dis" "run_$1" | grep -Eq "${direct}.*dispatch_callee\b|(CALL|PLT32|JUMP24|CALL26).*dispatch_callee\b"; }
    any_call() { function_text "$dis" "run_$1" | grep -Eq "$indirect|${direct}"; }

    check "$name" inline "no call at all" eval '! any_call inline'
    check "$name" direct "a direct call to dispatch_callee" calls_callee direct
    check "$name" direct "no indirect call" eval "! has direct '$indirect'"
    for v in fnptr fnptr_double vtable; do
        check "$name" "$v" "an indirect call" has "$v" "$indirect"
        check "$name" "$v" "no direct call to the callee (not devirtualised)" eval "! calls_callee $v"
    done
    check "$name" switch "a direct call to dispatch_callee" calls_callee switch
    check "$name" malloc "a call to malloc" has malloc 'malloc'
    check "$name" malloc "a call to free" has malloc '\bfree\b'
    check "$name" malloc "an indirect call" has malloc "$indirect"
    check "$name" edge "one indirect call or jump to the loop" has edge "$indirect"
    check "$name" edge "no call to the callee itself" eval '! calls_callee edge'
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
