# The front door. Target names follow one rule: <verb> for everything,
# <verb>-<id> for one chapter, where <id> is the chapter folder's name up to its
# first '-' (chapters/ch01-machine -> ch01). `make help` lists them.
#
#   make / make ch01           build everything / one chapter
#   make check / check-ch01    tests, memcheck, TSan pass, program CLI checks
#   make ARCH=aarch64|armhf    cross-build; `make check ARCH=aarch64` runs under qemu-user
#   make on-pi ARCH=aarch64    ci/on-pi on the cross build, laid out as on a Pi, under qemu-user
#   make report                every chapter's demo (quick profile) into build/report/index.md
#   make figures               the README snapshots in chapters/*/figures/, from the last report
#   make deps / deps-bench     install the Debian packages (as root), or print the command
#   make format-check          clang-format on our C, C++ and headers; fails on a difference
#
# Layout: chapters/<id>-<topic>/ holds everything of a topic (programs, lib/,
# tests/, bench/, fuzz/, plots/, figures/); common/ is the harness, bench/ the
# benchmark engine and its peers, fuzz/ the fuzzing engine, plots/ the figures'
# style and pipeline; common/mk/ the make fragments every chapter includes.

SHELL := /bin/bash
TOP := $(CURDIR)
include common/mk/config.mk

CHAPTER_DIRS := $(patsubst %/Makefile,%,$(wildcard chapters/*/Makefile))
id_of = $(firstword $(subst -, ,$(notdir $(1))))
IDS := $(foreach d,$(CHAPTER_DIRS),$(call id_of,$(d)))
dir_of = $(firstword $(foreach d,$(CHAPTER_DIRS),$(if $(filter $(1),$(call id_of,$(d))),$(d))))
# Every place with tests: the shared harness first, then the chapters.
CHECK_DIRS := common bench $(CHAPTER_DIRS)

SUBMAKE := $(MAKE) --no-print-directory ARCH=$(ARCH) SAN=$(SAN)

.PHONY: all check report figures deps deps-bench help clean races helgrind bench plots format-check on-pi on-pi-run \
        $(IDS) $(addprefix check-,common bench $(IDS)) $(addprefix races-,$(IDS)) \
        $(addprefix helgrind-,$(IDS)) $(addprefix bench-,$(IDS)) bench-common \
        $(addprefix perf-,$(IDS)) $(addprefix asm-,$(IDS)) $(addprefix plots-,$(IDS))

all:
	@set -e; for d in $(CHECK_DIRS); do $(SUBMAKE) -C $$d all; done

$(IDS):
	@$(SUBMAKE) -C $(call dir_of,$@) all

# ---- tests -------------------------------------------------------------------
# Every place runs all its steps even when an earlier one failed; the last line
# adds them all up, and the exit status says whether anything failed.
# Everything is built first (make -j$(JOBS) in each place), then the places
# run JOBS at a time, each place's output printed whole when it ends.
#
# A cross build (ARCH=aarch64, armhf) runs its test binaries once, through
# ci/on-pi laid out as on a Pi (make on-pi), as one more job beside the places,
# which then skip them (ON_PI_TESTS=1): the Pi path is tested by every make check.
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
ifdef EMULATED
  ifeq ($(SAN),)
    CHECK_ON_PI := ON_PI_TESTS=1 ALSO_NAME=on-pi \
      ALSO_RUN='common/mk/runtest.sh build/$(VARIANT)/results/on-pi.tsv build/$(VARIANT)/logs/on-pi.log \
        on-pi/tests runner -- $(MAKE) --no-print-directory ARCH=$(ARCH) on-pi-run'
  endif
endif
check: deps
	@rm -rf build/$(VARIANT)/results build/$(ARCH)-tsan/results; \
	 SUBMAKE='$(SUBMAKE) $(if $(CHECK_ON_PI),ON_PI_TESTS=1)' $(CHECK_ON_PI) \
	 common/mk/check_all.sh $(JOBS) build/$(VARIANT)/results \
	   build/$(VARIANT)/logs/check $(CHECK_DIRS); \
	 common/mk/summary.sh check build/$(VARIANT)/results/*.tsv \
	   $(if $(EMULATED)$(SAN),,build/$(ARCH)-tsan/results/*.tsv)

check-common: deps
	@$(SUBMAKE) -C common check
check-bench: deps
	@$(SUBMAKE) -C bench check
$(addprefix check-,$(IDS)): check-%: deps
	@$(SUBMAKE) -C $(call dir_of,$*) check

# ---- per-chapter verbs that later issues fill in --------------------------------
define per_chapter_verb
$(1):
	@for d in $(if $(filter bench,$(1)),common,) $(CHAPTER_DIRS); do $(SUBMAKE) -C $$$$d $(1) || exit 1; done
$(addprefix $(1)-,$(IDS)): $(1)-%:
	@$(SUBMAKE) -C $$(call dir_of,$$*) $(1)
endef
$(foreach v,races helgrind bench perf asm,$(eval $(call per_chapter_verb,$(v))))
# The harness's own benchmarks (property engine, checker).
bench-common: deps-bench
	@$(SUBMAKE) -C common bench
# Benchmarks and perf reports need perf and the peer libraries.
bench perf $(addprefix bench-,$(IDS)) $(addprefix perf-,$(IDS)): deps-bench

# Figures from the data already made (by make bench or make report), into
# build/plots/<id>/; a missing data file is named with the command that makes it.
# make plots succeeds when it drew every figure that has data (and at least one);
# make plots-<id> does the same for one chapter.
plots:
	@mkdir -p build; drawn=0 missing=0 broken=0; \
	 for d in $(CHAPTER_DIRS); do \
	   $(SUBMAKE) -C $$d plots NONE_OK=1 > build/plots.log 2>&1 || broken=1; cat build/plots.log; \
	   drawn=$$((drawn + $$(grep -c '^   figure: ' build/plots.log))); \
	   missing=$$((missing + $$(grep -c '^   no data for ' build/plots.log))); \
	 done; rm -f build/plots.log; \
	 echo "plots: $$drawn figures drawn into build/plots/, $$missing without data (each named above with the command that makes it)"; \
	 [ $$broken -eq 0 ] && [ $$drawn -gt 0 ]
$(addprefix plots-,$(IDS)): plots-%:
	@$(SUBMAKE) -C $(call dir_of,$*) plots

# make fuzz-<target> FUZZ_SECONDS=60: a bounded AFL++ campaign (fuzz/README.md)
# of the target that a chapter (or common/) keeps in its fuzz/<target>/;
# make fuzz-<id>: every target a chapter lists in FUZZ_TARGETS, in turn.
FUZZ_DIRS := $(patsubst %/,%,$(dir $(wildcard chapters/*/fuzz/*/target.c common/fuzz/*/target.c)))
FUZZ_NAMES := $(notdir $(FUZZ_DIRS))
$(addprefix fuzz-,$(IDS)): fuzz-%: deps
	@$(SUBMAKE) -C $(call dir_of,$*) fuzz FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60)
fuzz-%: deps
	@d='$(filter %/fuzz/$*,$(FUZZ_DIRS))'; \
	 if [ -z "$$d" ]; then echo "fuzz: no target '$*' (targets: $(FUZZ_NAMES))"; exit 2; fi; \
	 $(SUBMAKE) -C $${d%/fuzz/*} fuzz-one TARGET=$* FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60)

# ---- the Raspberry Pi path ------------------------------------------------------
# make on-pi ARCH=aarch64: the README's Pi steps, done here. build/<arch> and
# ci/on-pi go into build/on-pi/<arch>/lab/ as scp puts them on a Pi, and on-pi
# runs there, each binary through $(RUN): qemu-user with LAB_EMULATED=1 when
# cross-built (the ordering tests stand down), directly on the target itself.
# It first checks that the binaries need no newer glibc than on-pi asks the Pi for.
ON_PI_LAB := build/on-pi/$(ARCH)/lab
on-pi: all
	@$(MAKE) --no-print-directory on-pi-run
# on-pi-run: the same on what is built already (make check runs it so).
on-pi-run:
	@need=$$(find build/$(ARCH) -path '*/obj' -prune -o -type f -perm -u+x -print | \
	   xargs $(CROSS)objdump -T 2>/dev/null | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1); \
	 min=$$(sed -n 's/^glibc_min=\([0-9.]*\).*/\1/p' ci/on-pi); \
	 if [ "$$(printf '%s\n' "$$need" "$$min" | sort -V | tail -n 1)" != "$$min" ]; then \
	   echo "on-pi: the $(ARCH) binaries need glibc $$need, but ci/on-pi checks for $$min (its glibc_min, and the README)"; \
	   echo "0 passed, 1 failed"; exit 1; fi
	@rm -rf $(ON_PI_LAB) && mkdir -p $(ON_PI_LAB) && cp -R build/$(ARCH) ci/on-pi $(ON_PI_LAB)/
	@cd $(ON_PI_LAB) && ON_PI_RUN='$(RUN)' $(if $(EMULATED),LAB_EMULATED=1) ./on-pi $(ARCH)

# ---- the report ----------------------------------------------------------------
# It writes under build/ only; make figures then refreshes the committed
# snapshots from its data, on purpose.
report: deps deps-bench
	@common/mk/report.sh $(foreach d,$(CHAPTER_DIRS),$(d))
figures:
	@status=0; for d in $(CHAPTER_DIRS); do $(SUBMAKE) -C $$d figures || status=1; done; exit $$status

# ---- formatting -----------------------------------------------------------------------
# Our C, C++ and headers against .clang-format (clang-format 14, from make deps).
format-check: deps
	@files=$$(git ls-files '*.c' '*.h' '*.cc' 2>/dev/null || find common bench fuzz chapters -name '*.[ch]' -o -name '*.cc'); \
	 bad=$$(for f in $$files; do clang-format --dry-run --Werror "$$f" >/dev/null 2>&1 || echo "$$f"; done); \
	 n=$$(echo "$$files" | wc -w); \
	 if [ -n "$$bad" ]; then echo "$$bad" | sed 's/^/  not formatted: /'; \
	   echo "format-check: $$(echo "$$bad" | wc -l) of $$n files differ from .clang-format (clang-format -i FILE fixes one)"; exit 1; \
	 else echo "format-check: $$n files formatted"; fi

# ---- dependencies ------------------------------------------------------------------
deps:
	@common/mk/deps.sh build
deps-bench:
	@common/mk/deps.sh bench

help:
	@echo "targets: all check report figures deps deps-bench races helgrind bench plots asm perf format-check on-pi clean help"
	@echo "per chapter: <id> check-<id> races-<id> helgrind-<id> bench-<id> perf-<id> plots-<id> asm-<id> fuzz-<id>"
	@echo "fuzzing: fuzz-<id> (a chapter's FUZZ_TARGETS), fuzz-<target> (one target); FUZZ_SECONDS=60"
	@echo "  targets: $(FUZZ_NAMES)"
	@echo "variables: ARCH=x86_64|aarch64|armhf (now $(ARCH))  SAN=tsan|asan  BENCH_QUICK=1"
	@echo "chapters (chapters/<folder>: programs, lib/, tests/ with races.tsv, bench/, fuzz/, plots/, figures/):"
	@$(foreach d,$(CHAPTER_DIRS),printf '  %-8s %-22s %s\n' '$(call id_of,$(d))' '$(notdir $(d))' "$$(sed -n '1s/^# *//p' $(d)/README.md)";)
	@echo "engines: common/ the harness (check-common, bench-common), bench/ benchmarks and peers (check-bench),"
	@echo "  fuzz/ the fuzzing engine, plots/ the figures' style and pipeline, common/mk/ the make fragments"

clean:
	rm -rf build
