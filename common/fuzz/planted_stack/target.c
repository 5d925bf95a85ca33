/*
 * planted_stack - the stack with a planted bug (planted_stack.h)
 * against its model, as a fuzz target: the fuzzer's bytes are the property's
 * choices. The fuzzer is expected to find the bug (push, push, pop, push,
 * size): `make check` runs libFuzzer on it with a fixed seed and asserts that
 * it crashes; `make fuzz-planted_stack` fails because AFL++ saves that crash.
 */
#include <stdio.h>
#include <stdlib.h>

#include "planted_stack.h"

PROP_FUZZ_TARGET(prop_model_property, &stack_model)
