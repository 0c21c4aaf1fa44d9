// Stands in for libFuzzer's private header FuzzerDefs.h, which @jazzer.js/fuzzer's utils.h
// includes from an LLVM source tree and which Debian's libclang-rt-dev does not ship. Jazzer.js
// uses two names from it: the callback type and the driver. The driver is renamed to
// FuzzerDriverWithExit (defined in libfuzzer-compat.cpp), which gives the callback's "stop" answer
// the meaning Jazzer.js's own libFuzzer build gives it. See fuzz/jazzer/setup.mjs.
#pragma once
#include <cstddef>
#include <cstdint>

namespace fuzzer {
typedef int (*UserCallback)(const uint8_t *Data, size_t Size);
int FuzzerDriverWithExit(int *argc, char ***argv, UserCallback Callback);
} // namespace fuzzer

#define FuzzerDriver FuzzerDriverWithExit
