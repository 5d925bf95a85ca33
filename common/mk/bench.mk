# bench.mk - the benchmarks of a chapter and make perf (included by chapter.mk).
#
# Provides: benches (each bench/bench_X.c of the chapter, built on the host only:
# the peers are host libraries), bench (runs them, writing under build/bench/),
# perf (perf stat/record, or cachegrind and callgrind without counters). A
# benchmark links the chapter's libraries built for benchmarks (programs.mk),
# libbench and the peer shims it names.

# They link the peer libraries of `make deps-bench`; without them they are
# left out, and `make check` says so in one line.
ifeq ($(EMULATED)$(SAN),)
  BENCH_SRCS_HERE := $(wildcard bench/bench_*.c)
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

$(B)/obj/bench/%.o: bench/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<) $(CC) $(CFLAGS_ALL) $(CFLAGS_$*) $(if $(LTO_$*),-flto) -I$(TOP)/bench/peers \
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
  $(CHAPTER_LIB_OBJS) $(CHAPTER_BENCH_LIBS) $(LIBBENCH) $(LIBCOMMON_BENCH)
	@mkdir -p $(@D)
	$(call say,LD,$@) $(CC) $(LDFLAGS_ALL) $(if $(LTO_$*),$(OPT) -flto=auto) $(call link_inputs,$^) \
	  $(LDLIBS_ALL) $(LDLIBS_$*) $(if $(filter %.cc,$(PEERS_$*)),-lstdc++) -o $@

BENCH_ENV = LAB_GIT_REV=$$(git -C $(TOP) rev-parse --short HEAD 2>/dev/null)

benches: $(BENCH_BINS)

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
