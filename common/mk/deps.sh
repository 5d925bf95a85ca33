#!/usr/bin/env bash
# deps.sh - install the Debian packages the project needs, or say exactly how.
#
#   deps.sh build    what building and testing need (make deps)
#   deps.sh bench    what the benchmarks need: perf and the peer libraries (make deps-bench)
#   deps.sh KIND --check   exit 0 if all of KIND is installed, 1 if not; prints nothing
#
# Idempotent: when everything is installed it only asks dpkg (well under a
# second). Missing packages are installed with apt-get as root; without root it
# prints the exact command and fails. It never adds a foreign architecture:
# multiarch libc6:arm64 next to the cross toolchain makes qemu-aarch64 -L hang.
set -eu

build_pkgs=(
    gcc libc6-dev make pkg-config
    libcriterion-dev valgrind
    clang libclang-rt-14-dev afl++
    gnuplot-nox clang-format
    gcc-aarch64-linux-gnu libc6-dev-arm64-cross libtsan2-arm64-cross
    gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
    qemu-user
)
bench_pkgs=(
    linux-perf g++
    libck-dev liburcu-dev libglib2.0-dev uthash-dev
    libabsl-dev libboost-dev libtbb-dev
)

case ${1:-} in
build) want=("${build_pkgs[@]}") ;;
bench) want=("${bench_pkgs[@]}") ;;
*) echo "usage: deps.sh build|bench" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps: this is not a Debian-based system; install the equivalents of: ${want[*]}" >&2
    exit 1
fi

missing=()
for p in "${want[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = installed ] || missing+=("$p")
done

if [ "${2:-}" = --check ]; then
    [ "${#missing[@]}" -eq 0 ]
    exit
fi

if [ "${#missing[@]}" -eq 0 ]; then
    echo "deps ($1): all ${#want[@]} packages present"
    exit 0
fi

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "deps ($1): missing ${missing[*]}" >&2
    echo "deps ($1): run as root: apt-get update && $cmd" >&2
    exit 1
fi

echo "deps ($1): installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "deps ($1): done"
