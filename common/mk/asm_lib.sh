# asm_lib.sh - sourced by the chapters' instruction-table scripts (bash).
#
#   asm_compile SOURCE SDIR [FLAGS...]   compile SOURCE to assembly at -O2 for
#                                        each target below into SDIR; fills
#                                        asm_cols (the targets' names, in order)
#                                        and asm_cell["TARGET|function"] (its
#                                        instructions); returns non-zero if a
#                                        compiler is missing or fails
#   asm_table HEADER FUNCTION...        the markdown table of asm_cell: a row
#                                        per function, a column per target
#   asm_expect TARGET FUNCTION REGEX WHY one check of a table: counts asm_pass
#                                        and asm_fail, says why on a failure
#
# A cell lists mnemonics only, "; "-separated, between the function's label and
# its .size directive; a `lock` prefix stays with its instruction, `dmb` keeps
# its domain, and the return is left out.

# name | compiler | flags
asm_targets=(
    "x86-64|gcc|-O2"
    "aarch64 LL/SC (ARMv8.0: Pi 3, Pi 4)|aarch64-linux-gnu-gcc|-O2 -march=armv8-a -mno-outline-atomics"
    "aarch64 LSE (ARMv8.1+: Pi 5)|aarch64-linux-gnu-gcc|-O2 -march=armv8.1-a"
    "armv7 (Pi 2/3 32-bit)|arm-linux-gnueabihf-gcc|-O2 -marm -mcpu=cortex-a7"
)

declare -A asm_cell
asm_cols=()
asm_pass=0
asm_fail=0

# The instructions of each function in a gcc .s file: "name<TAB>insn; insn; ..."
asm_functions() {
    awk '
        /^[A-Za-z_][A-Za-z0-9_]*:$/ { fn = substr($0, 1, length($0) - 1); body = ""; next }
        fn != "" && /^\t\.size/ {
            print fn "\t" (body == "" ? "(nothing)" : body); fn = ""; next
        }
        fn != "" && /^\t[a-z]/ {
            split($0, w, /[ \t,]+/); m = w[2]
            if (m == "lock" || m == "dmb") m = m " " w[3]
            if (m ~ /^\./ || m == "ret" || (m == "bx" && w[3] == "lr")) next
            body = body (body == "" ? "" : "; ") m
        }' "$1"
}

asm_compile() {
    local src=$1 sdir=$2 status=0 t name cc flags s fn insns
    shift 2
    mkdir -p "$sdir"
    asm_cols=()
    for t in "${asm_targets[@]}"; do
        IFS='|' read -r name cc flags <<<"$t"
        asm_cols+=("$name")
        if ! command -v "$cc" >/dev/null 2>&1; then
            echo "asm: $cc not found (make deps installs it)" >&2
            status=1
            continue
        fi
        s="$sdir/$(basename "$src" .c).$(echo "$name" | tr -cs 'A-Za-z0-9' '_').s"
        # shellcheck disable=SC2086
        "$cc" -std=c11 $flags "$@" -S -o "$s" "$src" || { status=1; continue; }
        while IFS=$'\t' read -r fn insns; do
            asm_cell["$name|$fn"]=$insns
        done < <(asm_functions "$s")
    done
    return $status
}

asm_table() { # asm_table HEADER FUNCTION...
    local header=$1 c f
    shift
    printf '| %s |' "$header"; for c in "${asm_cols[@]}"; do printf ' %s |' "$c"; done; echo
    printf '|---|'; for _ in "${asm_cols[@]}"; do printf '%s|' '---'; done; echo
    for f in "$@"; do
        printf '| `%s` |' "$f"
        for c in "${asm_cols[@]}"; do printf ' %s |' "${asm_cell["$c|$f"]:-?}"; done
        echo
    done
}

asm_expect() { # asm_expect TARGET FUNCTION REGEX WHY
    local got=${asm_cell["$1|$2"]:-}
    if echo "$got" | grep -qE "$3"; then
        asm_pass=$((asm_pass + 1))
    else
        asm_fail=$((asm_fail + 1))
        echo "asm check failed: $1 $2 = '$got', expected /$3/ ($4)"
    fi
}
