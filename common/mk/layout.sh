#!/usr/bin/env bash
# layout.sh - does each chapter folder hold its whole topic, and do chapters
# depend one way only (DESIGN.md, "Layout")?
#
#   layout.sh [ROOT]      (default: the repository this script is in)
#
# Chapters are the folders chapters/<name>/ with a Makefile; a chapter's id is
# <name> up to its first '-' (chapters/ch07-reclamation is ch07). Numbered
# chapters (ch<digits>) are ordered by their number; the others (polling,
# dispatch) are unnumbered. Three checks:
#
#   paths     no file outside chapters/ names a chapter in its path
#             (bench/ch05/..., plots/polling-error.gp): it belongs in the chapter
#   includes  an #include "X" resolved as the build does (the includer's folder;
#             its chapter's folder and lib/; common/include, bench/include,
#             bench/peers, common/fuzz/*/; the lib/ of each chapter in USES)
#             reaches another chapter only in its lib/, and only when USES names
#             it; files outside chapters/ reach no chapter at all. Chapter
#             Makefiles and scripts refer to another chapter only in its lib/;
#             the Makefiles of common/, bench/, fuzz/ and plots/ to no chapter.
#   uses      USES := ch04 ch06 names chapters that exist, earlier ones for a
#             numbered chapter (unnumbered ones may use any), never itself, and
#             no cycle.
#
# The files are git's (tracked and untracked, less the ignored) when ROOT is
# the top of a git work tree, else everything under ROOT but build/ and .git/.
# Prints a "layout: ..." line per violation, "ok: CHECK" or "FAIL: CHECK (N
# violations)" per check, and "N passed, N failed"; exits 0 only if all pass.
set -u

if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
    echo "usage: layout.sh [ROOT]   (default: the repository root)"
    exit 0
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
given=${1:-$here/../..}
if ! root=$(cd "$given" 2>/dev/null && pwd -P); then
    echo "layout: no such folder: $given" >&2
    exit 2
fi

# The tree's files, one a line, relative to ROOT, sorted.
list_files() {
    local top
    top=$(git -C "$root" rev-parse --show-toplevel 2>/dev/null) &&
        [ "$(cd "$top" && pwd -P)" = "$root" ] &&
        git -C "$root" ls-files -z --cached --others --exclude-standard | tr '\0' '\n' &&
        return
    (cd "$root" && find . \( -path ./build -o -name .git \) -prune -o \( -type f -o -type l \) -print) |
        sed 's|^\./||'
}
files=$(list_files | LC_ALL=C sort -u)

# What every check needs: the chapters, their USES, paths. The file list
# arrives on stdin; each check's END block reads what it needs under ROOT.
read -r -d '' awk_lib <<'EOF'
{ if ($0 != "") { isfile[$0] = 1; file[++nfiles] = $0 } }

function dirname(p) { return sub(/\/[^\/]*$/, "", p) ? p : "" }
function join(d, x) { return d == "" ? x : d "/" x }

# The path without "." and "x/.."; "" when it climbs out of ROOT.
function normpath(p,   n, seg, out, k, i, r) {
    n = split(p, seg, "/")
    k = 0
    for (i = 1; i <= n; i++) {
        if (seg[i] == "" || seg[i] == ".") continue
        if (seg[i] == "..") { if (k == 0) return ""; k--; continue }
        out[++k] = seg[i]
    }
    r = ""
    for (i = 1; i <= k; i++) r = r (i > 1 ? "/" : "") out[i]
    return r
}

# The chapter folder a path lies in ("" for none).
function chapter_of(p,   a) {
    if (p !~ /^chapters\/[^\/]+\//) return ""
    split(p, a, "/")
    return (a[2] in idof) ? a[2] : ""
}

function is_numbered(id) { return id ~ /^ch[0-9]+$/ }
function number(id) { return substr(id, 3) + 0 }

# A Makefile line without its comment.
function uncomment_mk(s) { return match(s, /(^|[^\\])#/) ? substr(s, 1, RSTART + RLENGTH - 2) : s }

# chapter[1..nch] (folders, numbered ones first by number, then by name),
# idof[folder], dirof[id] (the first folder with that id), dupid[folder] (a
# later folder with an id taken), uses[folder] (ids, space-separated),
# usesline[folder, id] (where USES names id).
function find_chapters(   i, a, d, id, j, t, key, keyof) {
    nch = 0
    for (i = 1; i <= nfiles; i++) {
        if (file[i] !~ /^chapters\/[^\/]+\/Makefile$/) continue
        split(file[i], a, "/")
        d = a[2]
        id = d
        sub(/-.*/, "", id)
        idof[d] = id
        keyof[d] = is_numbered(id) ? sprintf("0 %09d %s", number(id), d) : "1 " d
        chapter[++nch] = d
    }
    for (i = 2; i <= nch; i++) {             # insertion sort: a dozen chapters
        t = chapter[i]
        key = keyof[t]
        for (j = i - 1; j >= 1 && keyof[chapter[j]] > key; j--) chapter[j + 1] = chapter[j]
        chapter[j + 1] = t
    }
    for (i = 1; i <= nch; i++) {
        d = chapter[i]
        if (idof[d] in dirof) dupid[d] = 1
        else dirof[idof[d]] = d
        read_uses(d)
    }
}

function read_uses(d,   path, line, ln, start, s, op, n, w, k, full) {
    path = root "/chapters/" d "/Makefile"
    uses[d] = ""
    ln = 0
    full = ""
    while ((getline line < path) > 0) {
        ln++
        if (full == "") start = ln
        if (line ~ /\\$/) { full = full substr(line, 1, length(line) - 1) " "; continue }
        s = uncomment_mk(full line)
        full = ""
        if (!match(s, /^[ \t]*USES[ \t]*(\+|\?|::?)?=/)) continue
        op = substr(s, RSTART, RLENGTH)
        s = substr(s, RSTART + RLENGTH)
        if (op !~ /\+=$/) uses[d] = ""
        n = split(s, w, /[ \t]+/)
        for (k = 1; k <= n; k++) {
            if (w[k] == "" || uses_id(d, w[k])) continue
            uses[d] = uses[d] " " w[k]
            usesline[d, w[k]] = start
        }
    }
    close(path)
}

# Whether folder d's USES names chapter id.
function uses_id(d, id) { return index(uses[d] " ", " " id " ") > 0 }
EOF

# ---- check 1: no chapter's name in a path outside chapters/ ----------------
read -r -d '' awk_paths <<'EOF'
END {
    find_chapters()
    for (i = 1; i <= nfiles; i++) {
        f = file[i]
        if (f ~ /^chapters\//) continue
        n = split(f, tok, /[\/_.-]/)
        for (k = 1; k <= n; k++) {
            t = tok[k]
            if (!(t in dirof) && t !~ /^ch[0-9][0-9]+$/) continue
            split(f, top, "/")
            sub_ = (top[1] ~ /^(bench|fuzz|plots)$/) ? top[1] "/" : ""
            if (t in dirof)
                print "layout: " f ": names chapter " t ": belongs in chapters/" dirof[t] "/" sub_ \
                      " (outside chapters/ only engines live)"
            else
                print "layout: " f ": names chapter " t ", which has no folder yet: belongs in chapters/" \
                      t "-<topic>/" sub_ " (outside chapters/ only engines live)"
            break
        }
    }
}
EOF

# ---- check 2: includes and references reach other chapters only in lib/ ----
read -r -d '' awk_includes <<'EOF'
function where(f, ln) { return f ":" ln }

# Resolve X as the build does; "" when it is in none of those places.
function resolve(f, c, x,   p, i, n, u) {
    if ((p = normpath(join(dirname(f), x))) in isfile) return p
    if (c != "") {
        if ((p = normpath("chapters/" c "/" x)) in isfile) return p
        if ((p = normpath("chapters/" c "/lib/" x)) in isfile) return p
    }
    for (i = 1; i <= nshared; i++)
        if ((p = normpath(shared[i] "/" x)) in isfile) return p
    if (c != "") {
        n = split(uses[c], u, " ")
        for (i = 1; i <= n; i++)
            if ((u[i] in dirof) && (p = normpath("chapters/" dirof[u[i]] "/lib/" x)) in isfile) return p
    }
    return ""
}

# X as another chapter holds it (its lib/ first), for a header the build would
# not find: "" when no chapter but c has it.
function elsewhere(c, x,   i, d, p) {
    for (i = 1; i <= nch; i++) {
        d = chapter[i]
        if (d == c) continue
        if ((p = normpath("chapters/" d "/lib/" x)) in isfile) return p
    }
    for (i = 1; i <= nch; i++) {
        d = chapter[i]
        if (d == c) continue
        if ((p = normpath("chapters/" d "/" x)) in isfile) return p
    }
    return ""
}

# Report file f (of chapter folder c, or "") at line ln reaching path p of
# another chapter by the name x (an include) or as a reference.
function judge(f, c, ln, x, p, what,   d, id) {
    d = chapter_of(p)
    if (d == "" || d == c) return
    id = idof[d]
    if (c == "" && what == "includes") {
        print "layout: " where(f, ln) " includes " x " of chapters/" d \
              ": only chapters may use a chapter's files (move this file into chapters/" d \
              "/, or what it needs into common/)"
    } else if (c == "") {
        print "layout: " where(f, ln) " refers to " x ": an engine names no chapter (move what " \
              "uses it into chapters/" d "/, or let the chapter's Makefile pass it in)"
    } else if (substr(p, 1, length("chapters/" d "/lib/")) != "chapters/" d "/lib/") {
        print "layout: " where(f, ln) " " what " " x " of chapters/" d " outside its lib/" \
              ": another chapter is reached only through its lib/ (move it into chapters/" d "/lib/)"
    } else if (!uses_id(c, id)) {
        print "layout: " where(f, ln) " " what " " x " from chapters/" d "/lib/ but " idof[c] \
              "'s Makefile does not name " id " in USES (add it: USES += " id ")"
    }
}

function check_source(f,   c, path, line, ln, x, p) {
    c = chapter_of(f)
    path = root "/" f
    ln = 0
    while ((getline line < path) > 0) {
        ln++
        if (line !~ /^[ \t]*#[ \t]*include[ \t]*"/) continue
        x = line
        sub(/^[ \t]*#[ \t]*include[ \t]*"/, "", x)
        if (!sub(/".*/, "", x) || x == "") continue
        p = resolve(f, c, x)
        if (p == "") p = elsewhere(c, x)
        if (p != "") judge(f, c, ln, x, p, "includes")
    }
    close(path)
}

# Makefiles and scripts: in a chapter, "chapters/OTHER" or "../OTHER" followed
# by anything but "/lib" is a reference past another chapter's lib/; in an
# engine's Makefiles (common/, bench/, fuzz/, plots/), any "chapters/OTHER" is
# one (not its scripts: a test of the layout names chapters as data).
# Comments are prose, not references, and are skipped.
function check_refs(f,   c, path, line, ln, i, d, pre, k, s, at, rest, after, ref) {
    c = chapter_of(f)
    path = root "/" f
    ln = 0
    while ((getline line < path) > 0) {
        ln++
        if (f ~ /\.sh$/) sub(/(^|[ \t])#.*/, "", line)
        else line = uncomment_mk(line)
        for (i = 1; i <= nch; i++) {
            d = chapter[i]
            if (d == c) continue
            for (k = 1; k <= (c == "" ? 1 : 2); k++) {
                pre = (k == 1) ? "chapters/" d : "../" d
                s = line
                while ((at = index(s, pre)) > 0) {
                    rest = substr(s, at + length(pre))
                    s = rest
                    if (rest ~ /^[A-Za-z0-9_.-]/) continue   # a longer name
                    match(rest, /^[^ \t"'(){};:,=]*/)     # the path, to its end
                    after = substr(rest, 1, RLENGTH)
                    judge(f, c, ln, pre after, (after ~ /^\/lib(\/|$)/) ? "chapters/" d "/lib/" : "chapters/" d "/",
                          "refers to")
                }
            }
        }
    }
    close(path)
}

END {
    find_chapters()
    shared[++nshared] = "common/include"
    shared[++nshared] = "bench/include"
    shared[++nshared] = "bench/peers"
    for (i = 1; i <= nfiles; i++) {
        if (match(file[i], /^common\/fuzz\/[^\/]+\//)) {
            d = substr(file[i], 1, RLENGTH - 1)
            if (!(d in seen)) { seen[d] = 1; shared[++nshared] = d }
        }
    }
    for (i = 1; i <= nfiles; i++) {
        f = file[i]
        if (f ~ /\.(c|h|cc|inc)$/) check_source(f)
        else if (chapter_of(f) != "" && f ~ /(^|\/)(Makefile|[^\/]*\.mk|[^\/]*\.sh)$/) check_refs(f)
        else if (f ~ /^(common|bench|fuzz|plots)\/(.*\/)?(Makefile|[^\/]*\.mk)$/) check_refs(f)
    }
}
EOF

# ---- check 3: USES names earlier chapters, with no cycle ---------------------
read -r -d '' awk_uses <<'EOF'
function mkfile(d) { return "chapters/" d "/Makefile" }

# Depth-first search over the uses edges; a use of a chapter still on the path
# closes a cycle.
function visit(d,   n, u, i, w, j, cyc) {
    state[d] = 1
    path[++depth] = d
    n = split(edges[d], u, " ")
    for (i = 1; i <= n; i++) {
        w = u[i]
        if (state[w] == 1) {
            for (j = depth; path[j] != w; j--) ;
            cyc = ""
            for (; j <= depth; j++) cyc = cyc idof[path[j]] " -> "
            print "layout: " mkfile(d) ":" usesline[d, idof[w]] ": USES makes a cycle: " cyc idof[w] \
                  " (a chapter's dependencies must not lead back to it: drop one of these uses)"
        } else if (state[w] == 0) visit(w)
    }
    state[d] = 2
    depth--
}

END {
    find_chapters()
    for (i = 1; i <= nch; i++) {
        d = chapter[i]
        id = idof[d]
        if (d in dupid)
            print "layout: " mkfile(d) ": its id " id " is also chapters/" dirof[id] \
                  "'s (rename one folder: a chapter's id is its name up to the first -)"
        n = split(uses[d], u, " ")
        for (k = 1; k <= n; k++) {
            w = u[k]
            at = mkfile(d) ":" usesline[d, w] ": USES names " w
            if (!(w in dirof))
                print "layout: " at ", which is no chapter (no chapters/" w "*/Makefile): fix the id or drop it"
            else if (w == id)
                print "layout: " at ", the chapter itself: drop it"
            else if (is_numbered(id) && !is_numbered(w))
                print "layout: " at ", an unnumbered chapter: a numbered chapter uses only earlier numbered ones (move what it needs into an earlier chapter's lib/ or common/)"
            else if (is_numbered(id) && number(w) >= number(id))
                print "layout: " at ", which is not earlier than " id ": a chapter uses only earlier chapters (move what it needs into an earlier chapter's lib/)"
            if ((w in dirof) && w != id) edges[d] = edges[d] " " dirof[w]
        }
    }
    for (i = 1; i <= nch; i++)
        if (state[chapter[i]] == 0) visit(chapter[i])
}
EOF

passed=0 failed=0
run_check() { # run_check NAME AWK_PROGRAM
    local out rc n
    out=$(printf '%s\n' "$files" | awk -v root="$root" "$awk_lib
$2")
    rc=$?
    [ -n "$out" ] && printf '%s\n' "$out"
    n=$(printf '%s\n' "$out" | grep -c '^layout: ')
    if [ "$rc" -ne 0 ]; then
        echo "FAIL: $1 (the check itself failed: awk exited $rc)"
        failed=$((failed + 1))
    elif [ "$n" -gt 0 ]; then
        [ "$n" -eq 1 ] && echo "FAIL: $1 (1 violation)" || echo "FAIL: $1 ($n violations)"
        failed=$((failed + 1))
    else
        echo "ok: $1"
        passed=$((passed + 1))
    fi
}
run_check paths "$awk_paths"
run_check includes "$awk_includes"
run_check uses "$awk_uses"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
