# The front door. Target names follow one rule: <verb> for everything,
# <verb>-<id> for one chapter, where <id> is the chapter folder's name up to its
# first '-' (chapters/ch01-machine -> ch01). `make help` lists them.
#
#   make / make ch01           build everything / one chapter
#   make check / check-ch01    tests, memcheck, TSan pass, program CLI checks
#   make ARCH=aarch64|armhf    cross-build; `make check ARCH=aarch64` runs under qemu-user
#   make report                every chapter's demo (quick profile) into build/report/index.md
#   make deps / deps-bench     install the Debian packages (as root), or print the command

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

.PHONY: all check report deps deps-bench help clean races helgrind bench plots \
        $(IDS) $(addprefix check-,common bench $(IDS)) $(addprefix races-,$(IDS)) \
        $(addprefix helgrind-,$(IDS)) $(addprefix bench-,$(IDS)) bench-common \
        $(addprefix perf-,$(IDS)) $(addprefix asm-,$(IDS))

all:
	@set -e; for d in $(CHECK_DIRS); do $(SUBMAKE) -C $$d all; done

$(IDS):
	@$(SUBMAKE) -C $(call dir_of,$@) all

# ---- tests -------------------------------------------------------------------
# Every place runs all its steps even when an earlier one failed; the last line
# adds them all up, and the exit status says whether anything failed.
check: deps
	@rm -rf build/$(VARIANT)/results build/$(ARCH)-tsan/results; \
	 for d in $(CHECK_DIRS); do $(SUBMAKE) -C $$d check-run || echo "check: $$d did not build"; done; \
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
plots:
	@status=0; for d in $(CHAPTER_DIRS); do $(SUBMAKE) -C $$d plots || status=1; done; exit $$status

# make fuzz-<target> FUZZ_SECONDS=60: a bounded AFL++ campaign (fuzz/README.md);
# make fuzz-<id>: every target a chapter lists in FUZZ_TARGETS, in turn.
$(addprefix fuzz-,$(IDS)): fuzz-%: deps
	@$(SUBMAKE) -C $(call dir_of,$*) fuzz FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60)
fuzz-%: deps
	@$(MAKE) --no-print-directory -C fuzz run TARGET=$* FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60)

# ---- the report ----------------------------------------------------------------
report: deps deps-bench
	@common/mk/report.sh $(foreach d,$(CHAPTER_DIRS),$(d))

# ---- dependencies ------------------------------------------------------------------
deps:
	@common/mk/deps.sh build
deps-bench:
	@common/mk/deps.sh bench

help:
	@echo "targets: all check report deps deps-bench races helgrind bench plots asm perf clean help"
	@echo "per chapter: <id> check-<id> races-<id> helgrind-<id> bench-<id> perf-<id> asm-<id> fuzz-<id>"
	@echo "fuzzing: fuzz-<id> (a chapter's FUZZ_TARGETS), fuzz-<target> (one target of fuzz/); FUZZ_SECONDS=60"
	@echo "variables: ARCH=x86_64|aarch64|armhf (now $(ARCH))  SAN=tsan|asan"
	@echo "chapters:"
	@$(foreach d,$(CHAPTER_DIRS),printf '  %-8s %-22s %s\n' '$(call id_of,$(d))' '$(notdir $(d))' "$$(sed -n '1s/^# *//p' $(d)/README.md)";)
	@echo "shared harness: check-common"

clean:
	rm -rf build
