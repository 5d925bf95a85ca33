# programs.mk - the libraries and the programs of a chapter (included by chapter.mk).
#
# Provides: libcommon (the harness of common/src), libbench (bench/src), the
# chapter's own lib/ and the lib/ of every chapter it USES (transitively), each
# as an archive, plain and for the benchmarks; the programs. Sets LIBS, what a
# test links, and link_inputs, which puts archives in one group so that their
# order does not matter.

# ---- the harness of common/ ----------------------------------------------
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

# The libraries the benchmarks link are built without the race detectors'
# annotations (annotate.h): a peer library carries none, and in the tightest
# loops (a hazard pointer's clear) they cost 5-10%. They are also built for
# link-time optimisation (fat objects: a benchmark linked without it uses the
# plain code), for the benchmarks that set LTO_bench_X: their peers are
# header-only (Concurrency Kit inlines into the loop that calls it), and a call
# for every push and pop cost ours about 4% against them. Others keep their
# calls, which some of them measure.
BENCH_LIB_FLAGS := -DLAB_NO_VALGRIND -flto -ffat-lto-objects
COMMON_BENCH_OBJS := $(patsubst $(TOP)/common/src/%.c,$(BUILD)/libcommon-bench/obj/%.o,$(COMMON_SRCS))
LIBCOMMON_BENCH := $(BUILD)/libcommon-bench/libcommon.a

$(BUILD)/libcommon-bench/obj/%.o: $(TOP)/common/src/%.c
	@mkdir -p $(@D)
	$(call say,CC,$< (bench)) $(CC) $(CFLAGS_ALL) $(BENCH_LIB_FLAGS) -MMD -MP -c $< -o $@

$(LIBCOMMON_BENCH): $(COMMON_BENCH_OBJS)
	@rm -f $@
	$(call say,AR,$@) $(AR) rcs $@ $^

# ---- the benchmark harness of bench/ ---------------------------------------
LIBBENCH_SRCS := $(wildcard $(TOP)/bench/src/*.c)
LIBBENCH_OBJS := $(patsubst $(TOP)/bench/src/%.c,$(BUILD)/libbench/obj/%.o,$(LIBBENCH_SRCS))
LIBBENCH := $(BUILD)/libbench/libbench.a
# What the result files record as the build's flags.
FLAGS_DESC := $(CC) $(CSTD) $(ARCH_CFLAGS) $(OPT) -pthread $(SANFLAGS)

$(BUILD)/libbench/obj/%.o: $(TOP)/bench/src/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<) $(CC) $(CFLAGS_ALL) '-DLAB_BUILD_FLAGS="$(FLAGS_DESC)"' -MMD -MP -c $< -o $@

$(LIBBENCH): $(LIBBENCH_OBJS)
	@rm -f $@
	$(call say,AR,$@) $(AR) rcs $@ $^

# ---- lib/: this chapter's and those of the chapters it USES ------------------
# chapter_dir ID: the folder of chapter ID (chapters/ch04-threads for ch04).
chapter_dir = $(patsubst %/Makefile,%,$(firstword $(wildcard \
  $(TOP)/chapters/$(1)-*/Makefile $(TOP)/chapters/$(1)/Makefile)))
uses_of = $(shell sed -n -E 's/^USES[[:space:]]*[:+]?=//p' $(call chapter_dir,$(1))/Makefile)
# Every chapter used, directly or through another (the layout check of make
# check refuses a later chapter and a cycle; the guard stops make looping first).
uses_closure = $(if $(word 16,$(2)),$(error USES loops: $(2)),$(sort $(foreach u,$(1),\
  $(if $(call chapter_dir,$(u)),,$(error $(ID): USES names $(u), which is no chapter)) \
  $(u) $(call uses_closure,$(call uses_of,$(u)),$(2) $(u)))))
ALL_USES := $(call uses_closure,$(USES),$(ID))

# Headers: the chapter's folder, its lib/, then the lib/ of what it uses; for
# #include "..." only, so that lib/semaphore.h cannot stand in for <semaphore.h>.
LIB_INC := -iquote $(CURDIR) -iquote $(CURDIR)/lib \
  $(foreach u,$(ALL_USES),-iquote $(call chapter_dir,$(u))/lib)
CFLAGS_BASE += $(LIB_INC)

# lib_rules DIR NAME ID: the archive of DIR/lib/*.c, plain (lib<ID>.a) and for
# the benchmarks, in build/<variant>/NAME/; nothing when there is no lib/.
define lib_rules
LIB_SRCS_$(3) := $$(wildcard $(1)/lib/*.c)
LIB_A_$(3) := $$(if $$(LIB_SRCS_$(3)),$(BUILD)/$(2)/lib/lib$(3).a)
LIB_BENCH_A_$(3) := $$(if $$(LIB_SRCS_$(3)),$(BUILD)/$(2)/lib-bench/lib$(3).a)
$(BUILD)/$(2)/lib/obj/%.o: $(1)/lib/%.c
	@mkdir -p $$(@D)
	$$(call say,CC,$$<) $$(CC) $$(CFLAGS_ALL) -MMD -MP -c $$< -o $$@
$(BUILD)/$(2)/lib-bench/obj/%.o: $(1)/lib/%.c
	@mkdir -p $$(@D)
	$$(call say,CC,$$< (bench)) $$(CC) $$(CFLAGS_ALL) $$(BENCH_LIB_FLAGS) -MMD -MP -c $$< -o $$@
$(BUILD)/$(2)/lib/lib$(3).a: $$(patsubst $(1)/lib/%.c,$(BUILD)/$(2)/lib/obj/%.o,$$(LIB_SRCS_$(3)))
	@rm -f $$@
	$$(call say,AR,$$@) $$(AR) rcs $$@ $$^
$(BUILD)/$(2)/lib-bench/lib$(3).a: $$(patsubst $(1)/lib/%.c,$(BUILD)/$(2)/lib-bench/obj/%.o,$$(LIB_SRCS_$(3)))
	@rm -f $$@
	$$(call say,AR,$$@) $$(AR) rcs $$@ $$^
endef
$(eval $(call lib_rules,$(CURDIR),$(NAME),$(ID)))
$(foreach u,$(ALL_USES),$(eval $(call lib_rules,$(call chapter_dir,$(u)),$(notdir $(call chapter_dir,$(u))),$(u))))

CHAPTER_LIBS := $(LIB_A_$(ID)) $(foreach u,$(ALL_USES),$(LIB_A_$(u)))
CHAPTER_BENCH_LIBS := $(LIB_BENCH_A_$(ID)) $(foreach u,$(ALL_USES),$(LIB_BENCH_A_$(u)))
lib: $(CHAPTER_LIBS)

# Code of this chapter shared by its programs and tests only (LIB_SRCS).
CHAPTER_LIB_OBJS := $(patsubst %.c,$(B)/obj/shared/%.o,$(LIB_SRCS))

$(B)/obj/shared/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$<) $(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

# Archives in one group: a chapter's lib/ may call into a used one and back.
link_inputs = $(filter-out %.a,$(1)) -Wl,--start-group $(filter %.a,$(1)) -Wl,--end-group

LIBS := $(CHAPTER_LIB_OBJS) $(CHAPTER_LIBS) $(LIBBENCH) $(LIBCOMMON)

# ---- programs --------------------------------------------------------------
PROGRAM_BINS := $(addprefix $(B)/,$(PROGRAMS))

$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$<) $(CC) $(CFLAGS_ALL) $(CFLAGS_$*) -MMD -MP -c $< -o $@

# The same source without its main(), for the tests that call into it.
$(B)/obj/%.nomain.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$< (no main)) $(CC) $(CFLAGS_ALL) $(CFLAGS_$*) -DLAB_NO_MAIN -MMD -MP -c $< -o $@

$(PROGRAM_BINS): $(B)/%: $(B)/obj/%.o $(CHAPTER_LIB_OBJS) $(CHAPTER_LIBS) $(LIBCOMMON)
	$(call say,LD,$@) $(CC) $(LDFLAGS_ALL) $(call link_inputs,$^) $(LDLIBS_ALL) $(LDLIBS_$*) -o $@

programs: $(PROGRAM_BINS)
