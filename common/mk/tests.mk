# tests.mk - the tests and the verdicts of a chapter (included by chapter.mk).
#
# Provides: tests (each tests/test_X.c built for our runner everywhere and for
# Criterion on the host), check and check-run (tests under memcheck or qemu,
# the programs' --help and bad-option checks, smoke runs, CHECKS, benchmark
# smoke runs, the verdict manifest, a TSan pass and the ASan test step), races
# and helgrind (the verdict manifest tests/races.tsv, run by verdicts.sh).

TESTS ?= $(wildcard tests/test_*.c)
TEST_NAMES := $(basename $(notdir $(TESTS)))
RUNNER_TESTS := $(addprefix $(B)/tests/,$(TEST_NAMES))
ifneq ($(CRITERION_LIBS),)
  CRITERION_TESTS := $(addsuffix .criterion,$(RUNNER_TESTS))
endif

# tests/test_X.c links program X's code when X is a program of this chapter.
test_code = $(if $(filter $(1:test_%=%),$(PROGRAMS)),$(B)/obj/$(1:test_%=%).nomain.o)

$(B)/obj/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<) $(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(B)/obj/tests/%.crit.o: tests/%.c
	@mkdir -p $(@D)
	$(call say,CC,$< (Criterion)) $(CC) $(CFLAGS_ALL) -DLAB_TEST_CRITERION $(CRITERION_CFLAGS) -MMD -MP -c $< -o $@

.SECONDARY:
.SECONDEXPANSION:
$(B)/tests/%: $(B)/obj/tests/%.o $$(call test_code,$$*) $(RUNNER_OBJ) $(LIBS)
	@mkdir -p $(@D)
	$(call say,LD,$@) $(CC) $(LDFLAGS_ALL) $(call link_inputs,$^) $(LDLIBS_ALL) $(LDLIBS_$*) -o $@

$(B)/tests/%.criterion: $(B)/obj/tests/%.crit.o $$(call test_code,$$*) $(LIBS)
	@mkdir -p $(@D)
	$(call say,LD,$@) $(CC) $(LDFLAGS_ALL) $(call link_inputs,$^) $(LDLIBS_ALL) $(LDLIBS_$*) \
	  $(CRITERION_LIBS) -o $@

tests: $(RUNNER_TESTS) $(CRITERION_TESTS)

# ---- check -----------------------------------------------------------------
RT = $(MK)/runtest.sh $(RESULTS) $(B)/logs/$(1).$(2).log $(ID)/$(1) $(2) --

# The other variants of this chapter, built by a make of their own.
TSAN_B := $(TOP)/build/$(ARCH)-tsan/$(NAME)
ASAN_B := $(TOP)/build/$(ARCH)-asan/$(NAME)
RACES_TSV := $(wildcard tests/races.tsv)

# check-run runs every step and records the counts; check adds them up and
# fails if anything failed. ON_PI_TESTS=1 (the top-level make check of a cross
# build sets it) leaves the test binaries to ci/on-pi, which runs every one of
# them under qemu as on a Pi, so that they do not run twice.
check: check-run
	@$(MK)/summary.sh $(ID) $(RESULTS) $(if $(TSAN_PASS),$(TOP)/build/$(ARCH)-tsan/results/$(ID).tsv)

# check-build builds everything check-run will, in this make (so make -j
# works), so that the check-runs of several places can then run side by side
# without two makes building one library (the top-level make check does so).
check-build: all
	@$(if $(TSAN_PASS),$(MAKE) --no-print-directory SAN=tsan tests)
	@$(if $(RACES_TSV),$(if $(SAN)$(filter armhf,$(ARCH)),,$(MAKE) --no-print-directory SAN=tsan programs))
	@$(if $(RACES_TSV),$(if $(SAN)$(EMULATED),,$(MAKE) --no-print-directory SAN=asan programs))
	@$(if $(ASAN_TESTS),$(if $(EMULATED)$(SAN),,$(MAKE) --no-print-directory SAN=asan \
	  $(addprefix $(ASAN_B)/tests/,$(ASAN_TESTS))))
	@$(if $(EMULATED)$(SAN),,$(foreach t,$(FUZZ_TARGETS),$(if $(filter fuzz_$(t),$(CHECKS)),\
	  $(MAKE) --no-print-directory fuzz-build-$(t) >/dev/null;)))

check-run: all
	@rm -f $(RESULTS)
	@echo "== $(ID): tests on $(VARIANT)$(if $(EMULATED), (qemu-user))"
	@$(foreach t,$(TEST_NAMES),\
	  $(if $(CRITERION_TESTS),$(call RT,$(t),criterion) $(B)/tests/$(t).criterion --jobs 1 --timeout 300;) \
	  $(if $(HAVE_VALGRIND),\
	    $(call RT,$(t),memcheck) $(RUN) $(MEMCHECK) $(B)/tests/$(t);,\
	    $(if $(ON_PI_TESTS),,$(call RT,$(t),runner) $(RUN) $(B)/tests/$(t);)))
	@$(if $(ON_PI_TESTS),$(if $(TEST_NAMES),echo "  --    $(ID): its $(words $(TEST_NAMES)) test binaries run in ci/on-pi (make check's on-pi job)"))
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
	@$(if $(ASAN_TESTS),$(if $(EMULATED)$(SAN),,$(call RT,asan_tests,smoke) $(MAKE) \
	  --no-print-directory SAN=asan $(addprefix $(ASAN_B)/tests/,$(ASAN_TESTS)); \
	  $(foreach t,$(ASAN_TESTS),$(call RT,$(t),asan) $(ASAN_B)/tests/$(t);)))
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

# ---- the verdict manifest: tests/races.tsv, run by verdicts.sh --------------------
# Each row runs once under helgrind, DRD and memcheck (this build), ThreadSanitizer
# (the tsan build) and AddressSanitizer with UBSan (the asan build); each report
# is classified into kinds and compared with the row's expected kinds.
races: programs
ifeq ($(RACES_TSV),)
	@echo "$(ID): no racy examples (no tests/races.tsv); nothing to do"
else ifneq ($(SAN),)
	@echo "$(ID): run make races without SAN= (it builds the sanitizer variants itself)"; false
else ifeq ($(ARCH),armhf)
	@echo "$(ID): the verdicts need valgrind or TSan: host x86_64, or aarch64 (TSan under qemu); armhf has neither"
else ifdef EMULATED
	@$(MAKE) --no-print-directory SAN=tsan programs
	@$(MAKE) --no-print-directory SAN=tsan races-tsan-run
else
	@$(MAKE) --no-print-directory SAN=tsan programs
	@$(MAKE) --no-print-directory SAN=asan programs
	@$(MK)/verdicts.sh --keep $(TOP)/build/verdicts/$(ARCH)-$(ID) $(RACES_TSV) $(B) $(TSAN_B) $(ASAN_B)
endif

# Under qemu only ThreadSanitizer runs (helgrind crashes there); this target runs
# inside the SAN=tsan make, whose RUN turns ASLR off for TSan's re-exec. Rows
# marked qemu-long run there only with RACES_ALL=1 (ci/long). The report of a
# cell that did not pass is kept in build/verdicts/<arch>-<id>/.
races-tsan-run:
	@$(MK)/verdicts.sh --tools tsan --run "$(RUN)" $(if $(RACES_ALL),--all-emulated) \
	  --keep $(TOP)/build/verdicts/$(ARCH)-$(ID) $(RACES_TSV) - $(B) -

helgrind: programs
ifeq ($(RACES_TSV),)
	@echo "$(ID): no racy examples; nothing to do"
else ifdef EMULATED
	@echo "$(ID): helgrind runs on the host only (valgrind does not run under qemu-user): make helgrind-$(ID) without ARCH="
else
	@$(MK)/verdicts.sh --tools helgrind --show helgrind $(RACES_TSV) $(B) - -
endif
