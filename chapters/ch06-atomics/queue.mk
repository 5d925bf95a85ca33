# queue.mk - the book's incorrect Michael-Scott queue (msqueue_book.h) and what
# shows each of its defects; included by this chapter's Makefile.
PROGRAMS += queue_spin
LIB_SRCS += msqueue_book.c

# The smoke run is the companion's no-free variant, which does not crash (the
# book's free variant is checked by asan_queue below and shown by the demos). It
# is bounded by iterations: under memcheck four spinning threads starve the main
# thread, which then notices a --seconds deadline late while memory grows.
SMOKE += queue_spin
smoke_queue_spin := --no-free --iters 20000

# D1, the use after free, caught by AddressSanitizer (the ASan build of this chapter).
CHECKS += asan_queue
check_asan_queue = sh -c '$(MAKE) --no-print-directory SAN=asan programs && \
  tests/asan_queue.sh $(TOP)/build/$(ARCH)-asan/$(NAME)'

# The book's crash demo (it crashes or gets stuck: the summary line says which),
# the companion's variant growing, and the book's parallel_exp(73, 2, 2) shape.
DEMOS += queue_spin queue_spin_no_free queue_spin_pc
demo_queue_spin = $(B)/queue_spin --seconds 3; true
demo_queue_spin_no_free = $(B)/queue_spin --no-free --seconds 3
demo_queue_spin_pc = $(B)/queue_spin --shape producers-consumers --seconds 2
