# chapter.mk - everything a chapter's Makefile needs, in one include.
#
# A chapter's Makefile lists what it has, then includes this file:
#
#   PROGRAMS := hello memlat              # each NAME.c in the chapter folder
#   LIB_SRCS := telem_lib.c               # the chapter's own library code, linked
#                                         #   into its programs, tests and benchmarks
#   CFLAGS_memlat := -O1                  # extra flags for one program (optional)
#   TESTS := $(wildcard tests/test_*.c)   # the default; tests/test_X.c also links
#                                         # program X's code (built with -DLAB_NO_MAIN)
#   SMOKE := memlat                       # programs run once in `make check`, under
#   smoke_memlat := --max-kib 64          #   memcheck on the host, qemu when cross
#   CHECKS := asm                         # extra checks: check_NAME is a command that
#   check_asm := ./asm_table.sh --check   #   prints "N passed, N failed" (host only)
#   CROSS_CHECKS := ...                   # the same, run on every ARCH; the command
#                                         #   gets LAB_RUN (how to run a binary of this
#                                         #   build), LAB_EMULATED and LAB_SAN in its
#                                         #   environment
#   DEMOS := memlat                       # `make report`: demo_NAME is a command line;
#   demo_memlat = $(B)/memlat --max-kib 65536   # its last line is the summary
#   bench/<id>/bench_X.c                  # benchmarks (bench/include/bench.h), built on
#                                         #   the host; bench_X links program X's code;
#   BENCH_SCRIPT = cmd                    # make bench-<id> also runs this (a sweep)
#   PEERS_bench_X := counters.cc          #   C++ (or C) shims from bench/peers/ and
#   LDLIBS_bench_X := -lck                #   peer libraries it needs (and
#   CFLAGS_bench_X := ...                 #   their compile flags)
#   LTO_bench_X := 1                      #   link-time optimisation with common/
#   PERF := branch                        # make perf-<id>: perf_NAME is a command to
#   perf_branch = $(B)/branch             #   profile (perf stat/record, or cachegrind)
#   PERF_SCRIPT = cmd                     # make perf-<id> also runs `cmd OUTDIR`
#   FUZZ_TARGETS := hashmap_interp        # make fuzz-<id>: these targets of fuzz/
#   PLOTS := memlat                       # plots/<id>-NAME.gp draws NAME's data: the
#   plotdata_memlat = FILES               #   first of FILES that exists (default
#   plothint_memlat = make report         #   <report>/NAME.tsv; the hint names what
#                                         #   makes it); the figure is also kept in
#                                         #   figures/ with the machine and date
#   include ../../common/mk/chapter.mk
#
# Targets: all (default), check, check-run, demo, asm, races, helgrind, bench,
# perf, fuzz, clean. A target with nothing to do for this chapter says so in one line.

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/../..)
include $(TOP)/common/mk/config.mk

NAME := $(notdir $(CURDIR))
ID := $(firstword $(subst -, ,$(NAME)))
B := $(BUILD)/$(NAME)
MK := $(TOP)/common/mk
RESULTS := $(BUILD)/results/$(ID).tsv
REPORT_DIR ?= $(TOP)/build/report
OUT := $(REPORT_DIR)/$(ID)

TESTS ?= $(wildcard tests/test_*.c)
TEST_NAMES := $(basename $(notdir $(TESTS)))

# ---- the shared library of common/ ---------------------------------------
COMMON_SRCS := $(filter-out %/test_runner.c,$(wildcard $(TOP)/common/src/*.c))
COMMON_OBJS := $(patsubst $(TOP)/common/src/%.c,$(BUILD)/libcommon/obj/%.o,$(COMMON_SRCS))
LIBCOMMON := $(BUILD)/libcommon/libcommon.a
RUNNER_OBJ := $(BUILD)/libcommon/obj/test_runner.o

$(BUILD)/libcommon/obj/%.o: $(TOP)/common/src/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<) $(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(LIBCOMMON): $(COMMON_OBJS)
	@rm -f $@
	$(call say,AR,$@) $(AR) rcs $@ $^

# The same library for the benchmarks, without the race detectors'
# annotations (annotate.h): a peer library carries none, and in the tightest
# loops (a hazard pointer's clear) they cost 5-10%. Also built for link-time
# optimisation (fat objects: a benchmark linked without it uses the plain
# code), for the benchmarks that set LTO_bench_X: their peers are header-only
# (Concurrency Kit inlines into the loop that calls it), and a call into
# common/ for every push and pop cost ours about 4% against them. Others keep
# their calls, which some of them measure.
COMMON_BENCH_OBJS := $(patsubst $(TOP)/common/src/%.c,$(BUILD)/libcommon-bench/obj/%.o,$(COMMON_SRCS))
LIBCOMMON_BENCH := $(BUILD)/libcommon-bench/libcommon.a

$(BUILD)/libcommon-bench/obj/%.o: $(TOP)/common/src/%.c
	@mkdir -p $(@D)
	$(call say,CC,$< (bench)) $(CC) $(CFLAGS_ALL) -DLAB_NO_VALGRIND -flto -ffat-lto-objects -MMD -MP -c $< -o $@

$(LIBCOMMON_BENCH): $(COMMON_BENCH_OBJS)
	@rm -f $@
	$(call say,AR,$@) $(AR) rcs $@ $^

# ---- the benchmark harness of bench/ ---------------------------------------
LIBBENCH_SRCS := $(wildcard $(TOP)/bench/src/*.c)
LIBBENCH_OBJS := $(patsubst $(TOP)/bench/src/%.c,$(BUILD)/libbench/obj/%.o,$(LIBBENCH_SRCS))
LIBBENCH := $(BUILD)/libbench/libbench.a
# What the result files record as the build's flags.
FLAGS_DESC := $(CC) $(CSTD) $(OPT) -pthread $(SANFLAGS)

$(BUILD)/libbench/obj/%.o: $(TOP)/bench/src/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<) $(CC) $(CFLAGS_ALL) '-DLAB_BUILD_FLAGS="$(FLAGS_DESC)"' -MMD -MP -c $< -o $@

$(LIBBENCH): $(LIBBENCH_OBJS)
	@rm -f $@
	$(call say,AR,$@) $(AR) rcs $@ $^

# The chapter's own library code (LIB_SRCS), linked into everything it builds.
CHAPTER_LIB_OBJS := $(patsubst %.c,$(B)/obj/lib/%.o,$(LIB_SRCS))

$(B)/obj/lib/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$<) $(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

LIBS := $(CHAPTER_LIB_OBJS) $(LIBBENCH) $(LIBCOMMON)

# ---- programs --------------------------------------------------------------
PROGRAM_BINS := $(addprefix $(B)/,$(PROGRAMS))

$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$<) $(CC) $(CFLAGS_ALL) $(CFLAGS_$*) -MMD -MP -c $< -o $@

# The same source without its main(), for the tests that call into it.
$(B)/obj/%.nomain.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$< (no main)) $(CC) $(CFLAGS_ALL) $(CFLAGS_$*) -DLAB_NO_MAIN -MMD -MP -c $< -o $@

$(PROGRAM_BINS): $(B)/%: $(B)/obj/%.o $(CHAPTER_LIB_OBJS) $(LIBCOMMON)
	$(call say,LD,$@) $(CC) $(LDFLAGS_ALL) $^ $(LDLIBS_ALL) $(LDLIBS_$*) -o $@

# ---- tests: our runner everywhere, Criterion on the host -------------------
RUNNER_TESTS := $(addprefix $(B)/tests/,$(TEST_NAMES))
ifneq ($(CRITERION_LIBS),)
  CRITERION_TESTS := $(addsuffix .criterion,$(RUNNER_TESTS))
endif

# tests/test_X.c links program X's code when X is a program of this chapter.
test_code = $(if $(filter $(1:test_%=%),$(PROGRAMS)),$(B)/obj/$(1:test_%=%).nomain.o)

$(B)/obj/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<) $(CC) $(CFLAGS_ALL) -I. -MMD -MP -c $< -o $@

$(B)/obj/tests/%.crit.o: tests/%.c
	@mkdir -p $(@D)
	$(call say,CC,$< (Criterion)) $(CC) $(CFLAGS_ALL) -I. -DLAB_TEST_CRITERION $(CRITERION_CFLAGS) -MMD -MP -c $< -o $@

.SECONDARY:
.SECONDEXPANSION:
$(B)/tests/%: $(B)/obj/tests/%.o $$(call test_code,$$*) $(RUNNER_OBJ) $(LIBS)
	@mkdir -p $(@D)
	$(call say,LD,$@) $(CC) $(LDFLAGS_ALL) $^ $(LDLIBS_ALL) $(LDLIBS_$*) -o $@

$(B)/tests/%.criterion: $(B)/obj/tests/%.crit.o $$(call test_code,$$*) $(LIBS)
	@mkdir -p $(@D)
	$(call say,LD,$@) $(CC) $(LDFLAGS_ALL) $^ $(LDLIBS_ALL) $(LDLIBS_$*) $(CRITERION_LIBS) -o $@

# ---- benchmarks: bench/<id>/bench_X.c, host builds only (peers are host-only) --
BENCH_DIR := $(TOP)/bench/$(ID)
# They link the peer libraries of `make deps-bench`; without them they are
# left out, and `make check` says so in one line.
ifeq ($(EMULATED)$(SAN),)
  BENCH_SRCS_HERE := $(wildcard $(BENCH_DIR)/bench_*.c)
  ifneq ($(BENCH_SRCS_HERE),)
    HAVE_BENCH_DEPS := $(shell $(MK)/deps.sh bench --check && echo yes)
    ifeq ($(HAVE_BENCH_DEPS),yes)
      BENCH_NAMES := $(basename $(notdir $(BENCH_SRCS_HERE)))
    else
      BENCH_MISSING := $(basename $(notdir $(BENCH_SRCS_HERE)))
    endif
  endif
endif
BENCH_BINS := $(addprefix $(B)/bench/,$(BENCH_NAMES))
BENCH_OUT := $(TOP)/build/bench/$(VARIANT)
bench_code = $(if $(filter $(1:bench_%=%),$(PROGRAMS)),$(B)/obj/$(1:bench_%=%).nomain.o)
bench_peers = $(patsubst %.c,$(B)/obj/peers/%.o,$(patsubst %.cc,$(B)/obj/peers/%.o,$(PEERS_$(1))))

$(B)/obj/bench/%.o: $(BENCH_DIR)/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<) $(CC) $(CFLAGS_ALL) $(CFLAGS_$*) $(if $(LTO_$*),-flto) -I. -I$(TOP)/bench/peers \
	  -MMD -MP -c $< -o $@

$(B)/obj/peers/%.o: $(TOP)/bench/peers/%.cc
	@mkdir -p $(@D)
	$(call say,CXX,$<) $(CROSS)g++ -std=c++17 -O2 -g -Wall -Wextra -Werror -pthread \
	  -I$(TOP)/bench/peers -MMD -MP -c $< -o $@

# C peers: shims over C libraries whose headers cannot share one unit
$(B)/obj/peers/%.o: $(TOP)/bench/peers/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<) $(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -pthread \
	  -I$(TOP)/bench/peers -MMD -MP -c $< -o $@

$(B)/bench/%: $(B)/obj/bench/%.o $$(call bench_code,$$*) $$(call bench_peers,$$*) \
  $(CHAPTER_LIB_OBJS) $(LIBBENCH) $(LIBCOMMON_BENCH)
	@mkdir -p $(@D)
	$(call say,LD,$@) $(CC) $(LDFLAGS_ALL) $(if $(LTO_$*),$(OPT) -flto=auto) $^ $(LDLIBS_ALL) $(LDLIBS_$*) \
	  $(if $(filter %.cc,$(PEERS_$*)),-lstdc++) -o $@

BENCH_ENV = LAB_GIT_REV=$$(git -C $(TOP) rev-parse --short HEAD 2>/dev/null)

.PHONY: all programs tests benches plots check check-run check-tsan demo asm races races-tsan-run helgrind \
        bench perf fuzz clean
all: programs tests benches
benches: $(BENCH_BINS)
programs: $(PROGRAM_BINS)
tests: $(RUNNER_TESTS) $(CRITERION_TESTS)

# ---- check -----------------------------------------------------------------
RT = $(MK)/runtest.sh $(RESULTS) $(B)/logs/$(1).$(2).log $(ID)/$(1) $(2) --

# check-run runs every step and records the counts; check adds them up and
# fails if anything failed.
check: check-run
	@$(MK)/summary.sh $(ID) $(RESULTS) $(if $(TSAN_PASS),$(TOP)/build/$(ARCH)-tsan/results/$(ID).tsv)

check-run: all
	@rm -f $(RESULTS)
	@echo "== $(ID): tests on $(VARIANT)$(if $(EMULATED), (qemu-user))"
	@$(foreach t,$(TEST_NAMES),\
	  $(if $(CRITERION_TESTS),$(call RT,$(t),criterion) $(B)/tests/$(t).criterion --jobs 1 --timeout 300;) \
	  $(if $(HAVE_VALGRIND),\
	    $(call RT,$(t),memcheck) $(RUN) $(MEMCHECK) $(B)/tests/$(t);,\
	    $(call RT,$(t),runner) $(RUN) $(B)/tests/$(t);))
	@$(foreach p,$(PROGRAMS),$(call RT,$(p),cli) $(RUN) $(B)/$(p);)
	@$(foreach p,$(SMOKE),\
	  $(call RT,$(p),smoke) $(RUN) $(if $(HAVE_VALGRIND),$(MEMCHECK)) $(B)/$(p) $(smoke_$(p));)
	@$(if $(EMULATED)$(SAN),,$(foreach c,$(CHECKS),$(call RT,$(c),runner) $(check_$(c));))
	@$(foreach b,$(BENCH_NAMES),$(call RT,$(b),smoke) env $(BENCH_ENV) \
	  $(B)/bench/$(b) --quick --out $(B)/bench-smoke;)
	@$(if $(BENCH_MISSING),echo "  --    $(ID): benchmarks $(BENCH_MISSING) not built: their peer libraries are missing (make deps-bench)")
	@$(if $(RACES_TSV),$(if $(SAN)$(filter armhf,$(ARCH)),,$(call RT,races,runner) $(MAKE) --no-print-directory races;))
	@$(foreach c,$(CROSS_CHECKS),\
	  $(call RT,$(c),runner) env LAB_RUN='$(RUN)' LAB_EMULATED=$(EMULATED) LAB_SAN=$(SAN) $(check_$(c));)
	@$(if $(TSAN_PASS),$(MAKE) --no-print-directory SAN=tsan check-tsan)

# On the host, the runner's tests also run once built with ThreadSanitizer.
ifeq ($(EMULATED)$(SAN),)
  ifneq ($(filter x86_64 aarch64,$(ARCH)),)
    TSAN_PASS := 1
  endif
endif

check-tsan: tests
	@rm -f $(RESULTS)
	@$(foreach t,$(TEST_NAMES),$(call RT,$(t),tsan) $(RUN) $(B)/tests/$(t);)

# ---- report demos ----------------------------------------------------------
demo: programs benches
	@mkdir -p $(OUT)
	@$(if $(DEMOS),,echo "$(ID): no demos")
	@$(foreach d,$(DEMOS),\
	  echo "== $(ID)/$(d): $(subst $(TOP)/,,$(demo_$(d)))"; \
	  ( cd $(OUT) && $(demo_$(d)) ) > $(OUT)/$(d).txt 2>&1; \
	  echo "$$?" > $(OUT)/$(d).rc; tail -n 1 $(OUT)/$(d).txt;)
	@$(foreach p,$(PLOTS),$(call PLOT,$(p),$(OUT)/$(p)) || true;)

# PLOT draws figure p into $(2).png/.svg from the first of its data files that
# exists (plotdata_p, default $(OUT)/p.tsv) and keeps a snapshot in figures/.
plot_data = $(or $(plotdata_$(1)),$(OUT)/$(1).tsv)
PLOT = $(MK)/plot.sh $(TOP)/plots/$(ID)-$(1).gp $(2) figures '$(or $(plothint_$(1)),make report)' \
       $(call plot_data,$(1))

plots:
	@$(if $(PLOTS),,echo "$(ID): no figures")
	@status=0; $(foreach p,$(PLOTS),$(call PLOT,$(p),$(TOP)/build/plots/$(ID)/$(p)) || status=1;) \
	 exit $$status

# ---- targets that later issues fill in; each says so when it has nothing ----
asm:
	@$(if $(ASM_CMD),$(ASM_CMD) $(TOP)/build/asm/$(ID),echo "$(ID): no instruction tables; nothing to do")
# ---- the race matrix: races.tsv, run by races.sh ---------------------------------------------
RACES_TSV := $(wildcard races.tsv)
TSAN_B := $(TOP)/build/$(ARCH)-tsan/$(NAME)

races: programs
ifeq ($(RACES_TSV),)
	@echo "$(ID): no racy examples (no races.tsv); nothing to do"
else ifneq ($(SAN),)
	@echo "$(ID): run make races without SAN= (it builds the TSan variant itself)"; false
else ifeq ($(ARCH),armhf)
	@echo "$(ID): the race matrix needs helgrind or TSan: host x86_64, or aarch64 (TSan under qemu); armhf has neither"
else
	@$(MAKE) --no-print-directory SAN=tsan programs
	@$(if $(EMULATED),$(MAKE) --no-print-directory SAN=tsan races-tsan-run,\
	  $(MK)/races.sh races.tsv $(B) $(TSAN_B))
endif

# Under qemu only ThreadSanitizer runs (helgrind crashes there); this target runs
# inside the SAN=tsan make, whose RUN turns ASLR off for TSan's re-exec.
races-tsan-run:
	@$(MK)/races.sh --tools tsan --run "$(RUN)" races.tsv - $(B)

helgrind: programs
ifeq ($(RACES_TSV),)
	@echo "$(ID): no racy examples; nothing to do"
else
	@$(MK)/races.sh --tools "helgrind" --show races.tsv $(B) -
endif

bench: $(if $(EMULATED)$(SAN),,benches)
ifneq ($(EMULATED)$(SAN),)
	@echo "$(ID): benchmarks run on the host build only (timings under qemu or a sanitizer mean nothing)"
else ifneq ($(BENCH_MISSING),)
	@echo "$(ID): the benchmarks need the peer libraries: run make deps-bench (as root)"; false
else
	@$(if $(BENCH_NAMES)$(BENCH_SCRIPT),,echo "$(ID): no benchmarks; nothing to do")
	@set -e; $(foreach b,$(BENCH_NAMES),echo "== $(ID)/$(b)"; \
	  env $(BENCH_ENV) $(B)/bench/$(b) --out $(BENCH_OUT) $(if $(BENCH_QUICK),--quick);)
	@$(if $(BENCH_SCRIPT),$(BENCH_SCRIPT) $(if $(BENCH_QUICK),--quick))
endif
# make perf-<id>: PERF lists names, perf_NAME the command (programs as $(B)/prog).
PERF_OUT := $(TOP)/build/perf/$(VARIANT)/$(ID)
perf: programs
	@$(if $(PERF),,echo "$(ID): no perf targets; nothing to do")
	@$(if $(EMULATED),echo "$(ID): perf runs on the host build only" && false)
	@set -e; $(foreach p,$(PERF),echo "== $(ID)/$(p): $(subst $(TOP)/,,$(perf_$(p)))"; \
	  $(MK)/perf.sh $(PERF_OUT) $(p) -- $(perf_$(p));)
	@$(if $(PERF_SCRIPT),$(PERF_SCRIPT) $(PERF_OUT))
fuzz:
	@$(if $(FUZZ_TARGETS),,echo "$(ID): no fuzz targets; nothing to do")
	@set -e; $(foreach t,$(FUZZ_TARGETS),$(MAKE) --no-print-directory -C $(TOP)/fuzz run \
	  TARGET=$(t) FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60);)

clean:
	rm -rf $(B) $(RESULTS)

-include $(wildcard $(B)/obj/*.d $(B)/obj/lib/*.d $(B)/obj/tests/*.d $(B)/obj/bench/*.d $(B)/obj/peers/*.d \
  $(BUILD)/libcommon/obj/*.d $(BUILD)/libcommon-bench/obj/*.d $(BUILD)/libbench/obj/*.d)
