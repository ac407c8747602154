#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (compiler-rt, in the toolchain's libclang_rt.fuzzer): runs the fuzzing
/// loop with these command-line arguments, calling `callback` for every input.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
