# chapter.mk - everything a chapter's Makefile needs, in one include.
#
# A chapter's Makefile lists what it has, then includes this file. The fragments
# beside it each provide one concern:
#
#   config.mk    ARCH and SAN -> compiler, flags, build folder, how to run a binary
#   programs.mk  libcommon, the chapter's lib/ and the lib/ of the chapters it USES,
#                the programs
#   tests.mk     the tests (our runner everywhere, Criterion on the host), make check,
#                the verdict manifest (make races, make helgrind), the ASan test step
#   bench.mk     the benchmarks and their peers, make bench, make perf
#   report.mk    make report's demos, the figures (make plots), make asm
#   fuzz.mk      the fuzz targets: make fuzz, their checks in make check
#
# What a chapter may set (all optional):
#
#   USES := ch04 ch06                     # earlier chapters whose lib/ it uses: their
#                                         #   headers are on the include path and their
#                                         #   lib/*.c linked in (make builds them)
#   PROGRAMS := hello memlat              # each NAME.c in the chapter folder
#   LIB_SRCS := telem_lib.c               # code shared by this chapter's programs and
#                                         #   tests but not by later chapters (lib/*.c is
#                                         #   always linked in)
#   CFLAGS_memlat := -O1                  # extra flags for one program
#   TESTS := $(wildcard tests/test_*.c)   # the default; tests/test_X.c also links
#                                         #   program X's code (built with -DLAB_NO_MAIN)
#   ASAN_TESTS := test_lockfree           # tests also run built with ASan and UBSan
#   SMOKE := memlat                       # programs run once in `make check`, under
#   smoke_memlat := --max-kib 64          #   memcheck on the host, qemu when cross
#   CHECKS := asm                         # extra checks: check_NAME is a command that
#   check_asm := ./asm_table.sh --check   #   prints "N passed, N failed" (host only)
#   CROSS_CHECKS := ...                   # the same, run on every ARCH; the command
#                                         #   gets LAB_RUN (how to run a binary of this
#                                         #   build), LAB_EMULATED and LAB_SAN
#   tests/races.tsv                       # the verdict manifest (make races): a row per
#                                         #   run, the report kind each detector must give
#   DEMOS := memlat                       # `make report`: demo_NAME is a command line;
#   demo_memlat = $(B)/memlat --max-kib 65536   # its last line is the summary
#   bench/bench_X.c                       # benchmarks (bench/include/bench.h), host only;
#                                         #   bench_X links program X's code
#   BENCH_SCRIPT = cmd                    # make bench-<id> also runs this (a sweep)
#   PEERS_bench_X := counters.cc          #   C++ (or C) shims from bench/peers/ and
#   LDLIBS_bench_X := -lck                #   the peer libraries it needs (and
#   CFLAGS_bench_X := ...                 #   their compile flags)
#   LTO_bench_X := 1                      #   link-time optimisation with the libraries
#   PERF := branch                        # make perf-<id>: perf_NAME is a command to
#   perf_branch = $(B)/branch             #   profile (perf stat/record, or cachegrind)
#   PERF_SCRIPT = cmd                     # make perf-<id> also runs `cmd OUTDIR`
#   FUZZ_TARGETS := hashmap_interp        # fuzz/<t>/target.c and fuzz/<t>/seeds/;
#   FUZZ_SRCS_hashmap_interp := a.c       #   what it links (default lib/*.c, LIB_SRCS);
#                                         #   check_fuzz_<t> runs its seeds and 10,000
#                                         #   libFuzzer inputs (add fuzz_<t> to CHECKS)
#   PLOTS := memlat                       # plots/NAME.gp draws NAME's data: the first
#   plotdata_memlat = FILES               #   of FILES that exists (default
#   plothint_memlat = make report         #   <report>/NAME.tsv; the hint names what
#                                         #   makes it); the figure is also kept in
#                                         #   figures/ with the machine and date
#   include ../../common/mk/chapter.mk
#
# Targets: all (default), lib, check, check-build, check-run, demo, asm, races, helgrind, bench,
# perf, fuzz, fuzz-one, plots, figures, clean. A target with nothing to do for this chapter
# says so in one line.

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/../..)
include $(TOP)/common/mk/config.mk

NAME := $(notdir $(CURDIR))
ID := $(firstword $(subst -, ,$(NAME)))
B := $(BUILD)/$(NAME)
MK := $(TOP)/common/mk
RESULTS := $(BUILD)/results/$(ID).tsv
REPORT_DIR ?= $(TOP)/build/report
OUT := $(REPORT_DIR)/$(ID)

.PHONY: all lib programs tests benches plots figures check check-build check-run check-tsan demo asm races \
        races-tsan-run helgrind bench perf fuzz fuzz-one clean
all: programs tests benches

include $(MK)/programs.mk
include $(MK)/tests.mk
include $(MK)/bench.mk
include $(MK)/report.mk
include $(MK)/fuzz.mk

clean:
	rm -rf $(B) $(RESULTS)

-include $(wildcard $(B)/obj/*.d $(B)/obj/*/*.d $(BUILD)/*/lib*/obj/*.d \
  $(BUILD)/libcommon/obj/*.d $(BUILD)/libcommon-bench/obj/*.d $(BUILD)/libbench/obj/*.d)
