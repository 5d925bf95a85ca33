# fuzz.mk - the fuzz targets of a chapter (included by chapter.mk).
#
# Each fuzz/<t>/ of the chapter holds target.c (LLVMFuzzerTestOneInput, see
# fuzz/README.md) and seeds/. The engine in fuzz/ builds it three ways into
# build/fuzz/<t>/ with what it needs from here: FUZZ_SRCS_<t> (default: lib/*.c
# and LIB_SRCS) and this chapter's include path.
# Provides: fuzz (a bounded AFL++ campaign of every target, FUZZ_SECONDS each),
# fuzz-one TARGET=t, fuzz-build-<t>, and check_fuzz_<t> for CHECKS (its seeds
# replayed and 10,000 libFuzzer inputs from a fixed seed).

FUZZ_SECONDS ?= 60
fuzz_srcs = $(abspath $(or $(FUZZ_SRCS_$(1)),$(wildcard lib/*.c) $(LIB_SRCS)))
fuzz_make = $(MAKE) --no-print-directory -C $(TOP)/fuzz TARGET=$(1) TARGET_DIR=$(CURDIR)/fuzz/$(1) \
  EXTRA_SRCS='$(call fuzz_srcs,$(1))' EXTRA_INC='$(LIB_INC) -iquote $(CURDIR)/fuzz/$(1)'

fuzz:
	@$(if $(FUZZ_TARGETS),,echo "$(ID): no fuzz targets; nothing to do")
	@set -e; $(foreach t,$(FUZZ_TARGETS),$(call fuzz_make,$(t)) run FUZZ_SECONDS=$(FUZZ_SECONDS);)

fuzz-one:
	@$(if $(filter $(TARGET),$(FUZZ_TARGETS)),,echo "$(ID): no fuzz target '$(TARGET)' (targets: $(FUZZ_TARGETS))"; exit 2)
	@$(call fuzz_make,$(TARGET)) run FUZZ_SECONDS=$(FUZZ_SECONDS)

fuzz-build-%:
	@$(call fuzz_make,$*) build

$(foreach t,$(FUZZ_TARGETS),$(eval check_fuzz_$(t) = sh -c '$(MAKE) --no-print-directory fuzz-build-$(t) >/dev/null && \
  $(TOP)/fuzz/check_target.sh $(t) $(CURDIR)/fuzz/$(t) $(TOP)/build/fuzz/$(t) 10000'))
