# config.mk - the one place that maps ARCH and SAN to a compiler, flags, a build
# folder and a way to run what was built. Everything else includes this.
#
#   ARCH = x86_64 | aarch64 | armhf   (default: this machine)
#   SAN  = tsan | asan | (empty)      (sanitizer build, in build/<arch>-<san>/)
#
# A cross build runs under qemu-user with Debian's cross sysroot (-L), every run
# under `timeout -s KILL` (a hung guest ignores SIGTERM), with LAB_EMULATED=1 in
# its environment so the program scales its loops down and knows that timings
# and memory-ordering results mean nothing there.

TOP ?= $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/../..)

uname_m := $(shell uname -m)
HOST_ARCH := $(patsubst armv7%,armhf,$(patsubst arm64,aarch64,$(uname_m)))
ARCH ?= $(HOST_ARCH)
SAN ?=

ifeq ($(ARCH),x86_64)
  TRIPLET := x86_64-linux-gnu
  QEMU := qemu-x86_64
else ifeq ($(ARCH),aarch64)
  TRIPLET := aarch64-linux-gnu
  QEMU := qemu-aarch64
else ifeq ($(ARCH),armhf)
  TRIPLET := arm-linux-gnueabihf
  QEMU := qemu-arm
  # 64-bit off_t and ino_t: without them readdir() fails with EOVERFLOW on a
  # file system with 64-bit inode numbers (the host's, under qemu; a large
  # disk on a Pi), and stat() on files over 2 GiB.
  ARCH_CFLAGS := -D_FILE_OFFSET_BITS=64
else
  $(error ARCH=$(ARCH) is not one of x86_64, aarch64, armhf)
endif

ifneq ($(filter-out tsan asan,$(SAN)),)
  $(error SAN=$(SAN) is not one of tsan, asan)
endif
ifeq ($(ARCH)-$(SAN),armhf-tsan)
  $(error ThreadSanitizer has no 32-bit ARM port: SAN=tsan needs ARCH=x86_64 or aarch64)
endif

ifeq ($(ARCH),$(HOST_ARCH))
  CROSS :=
  EMULATED :=
else
  CROSS := $(TRIPLET)-
  EMULATED := 1
endif

VARIANT := $(ARCH)$(if $(SAN),-$(SAN))
BUILD := $(TOP)/build/$(VARIANT)

CC := $(CROSS)gcc
AR := $(CROSS)ar

OPT ?= -O2
WARN := -Wall -Wextra -Werror
CSTD := -std=c11 -D_POSIX_C_SOURCE=200809L
CFLAGS_BASE := $(CSTD) $(ARCH_CFLAGS) $(WARN) -g -pthread -I$(TOP)/common/include -I$(TOP)/bench/include
ifeq ($(SAN),tsan)
  OPT := -O1
  SANFLAGS := -fsanitize=thread
else ifeq ($(SAN),asan)
  # UBSan recovers by default: it prints "runtime error:" and the program goes
  # on and exits 0, so a test with undefined behaviour would pass. Here the
  # first UB ends the program with exit status 1.
  OPT := -O1
  SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
endif
CFLAGS_BASE += $(SANFLAGS)
LDFLAGS_BASE := $(SANFLAGS)
CFLAGS_ALL = $(CFLAGS_BASE) $(OPT) $(CFLAGS)
LDFLAGS_ALL = -pthread $(LDFLAGS_BASE) $(LDFLAGS)
LDLIBS_ALL = $(LDLIBS) -lm

# Quiet build lines ("  CC  litmus.c"); V=1 shows the full commands.
ifeq ($(V),1)
  Q :=
  say :=
else
  Q := @
  say = @printf '  %-5s %s\n' '$(1)' '$(subst $(TOP)/,,$(2))';
endif

# Seconds a single test binary or program run may take before it is killed.
RUN_TIMEOUT ?= 900

# RUN prefixes a command that runs a program of this build.
ifdef EMULATED
  # TSan re-executes itself to turn off ASLR; that re-exec fails under qemu
  # without binfmt_misc, so ASLR is turned off from outside instead.
  RUN := env LAB_EMULATED=1 timeout -s KILL $(RUN_TIMEOUT) \
         $(if $(filter tsan,$(SAN)),setarch -R) $(QEMU) -L /usr/$(TRIPLET)
else
  RUN := timeout -s KILL $(RUN_TIMEOUT)
endif

# Criterion runs on the host only (Debian's arm64 Criterion cannot be installed
# beside the amd64 one, and Criterion cannot run under TSan).
ifeq ($(EMULATED)$(SAN),)
  CRITERION_LIBS := $(shell pkg-config --libs criterion 2>/dev/null)
  CRITERION_CFLAGS := $(shell pkg-config --cflags criterion 2>/dev/null)
endif

# valgrind memcheck for our runner's test binaries and the programs' smoke runs:
# definite leaks and memory errors fail the run. (Not --fair-sched=yes, which
# the race matrix uses: under it chapter 5's rwlock smoke run, readers
# spinning on tryrdlock against a writer, took more than 6 minutes before the
# readers yielded under valgrind.)
MEMCHECK := valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite \
            --error-exitcode=99 --quiet
ifeq ($(EMULATED)$(SAN),)
  HAVE_VALGRIND := $(shell command -v valgrind 2>/dev/null)
endif
