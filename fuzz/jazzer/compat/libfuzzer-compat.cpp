// Lets @jazzer.js/fuzzer's addon (2.1.0, built from its npm sources by fuzz/jazzer/setup.mjs) run on
// the stock libFuzzer of Debian's libclang-rt-dev instead of the patched libFuzzer Jazzer.js
// builds for itself. The patched one differs in three ways the addon relies on; each is made
// here from what stock libFuzzer offers:
//
// 1. Comparisons reported with a caller-chosen PC (the JS hook's ID). Stock libFuzzer takes the
//    PC from the return address. The table of recent comparisons (TORC), which feeds the "CMP"
//    and dictionary mutations, does not depend on the PC, so forwarding keeps them; only
//    -use_value_profile loses its per-site distinction.
// 2. The death callback (dump the crashing input, print the stats) is handed to
//    __jazzer_set_death_callback; stock libFuzzer hands it to __sanitizer_set_death_callback.
// 3. A callback answer of -2 ("stop": the JS target threw and the addon has printed the finding
//    and dumped the input) ends the fuzzing loop. Stock libFuzzer would fuzz on, and the addon
//    then reuses a settled promise and crashes. Here -2 ends the process with Jazzer.js's exit
//    code for a finding (77), or 0 when nothing was dumped (an orderly stop on SIGINT).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace fuzzer {
typedef int (*UserCallback)(const uint8_t *Data, size_t Size);
int FuzzerDriver(int *argc, char ***argv, UserCallback Callback);
int FuzzerDriverWithExit(int *argc, char ***argv, UserCallback Callback);
} // namespace fuzzer

extern "C" {
void __sanitizer_cov_trace_const_cmp8(uint64_t Arg1, uint64_t Arg2);
void __sanitizer_cov_trace_pc_indir(uintptr_t Callee);
void __jazzer_set_death_callback(void (*Callback)());
}

namespace {
const int kStop = -2;           // the addon's libfuzzer::RETURN_EXIT
const int kFindingExitCode = 77; // the addon's libfuzzer::EXIT_ERROR_CODE

fuzzer::UserCallback gTarget = nullptr;
void (*gLibFuzzerDeathCallback)() = nullptr;
std::atomic<bool> gInputDumped{false};

void DeathCallback() {
  gInputDumped = true;
  if (gLibFuzzerDeathCallback != nullptr)
    gLibFuzzerDeathCallback();
}

int CallbackWithExit(const uint8_t *Data, size_t Size) {
  int Result = gTarget(Data, Size);
  if (Result == kStop) {
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(gInputDumped ? kFindingExitCode : 0);
  }
  return Result;
}
} // namespace

extern "C" {
void __sanitizer_cov_trace_const_cmp8_with_pc(uintptr_t, uint64_t Arg1, uint64_t Arg2) {
  __sanitizer_cov_trace_const_cmp8(Arg1, Arg2);
}

void __sanitizer_cov_trace_pc_indir_with_pc(void *, uintptr_t Callee) {
  __sanitizer_cov_trace_pc_indir(Callee);
}

// Stock libFuzzer finds this through a weak reference and registers its death callback with it.
void __sanitizer_set_death_callback(void (*Callback)()) {
  gLibFuzzerDeathCallback = Callback;
  __jazzer_set_death_callback(DeathCallback);
}
}

int fuzzer::FuzzerDriverWithExit(int *argc, char ***argv, UserCallback Callback) {
  gTarget = Callback;
  return FuzzerDriver(argc, argv, CallbackWithExit);
}
