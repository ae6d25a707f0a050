// Standalone self-test of the native kernels (no Node): runs isa_selftest on every instruction-set copy this
// CPU supports, prints one line per copy and a summary, and exits 1 if any comparison failed.
// Built and run by tools/native/portability.sh (natively, under qemu for other CPUs, and for ARM64).
#include <cstdio>
#include "../src/ops.h"
#include "../src/selftest.h"

int main() {
  const char* names[] = {"avx512", "avx2", "generic"};
  select_isa("");
  std::printf("best: %s\n", g_isa->name);
  int passed = 0, failed = 0;
  for (const char* name : names) {
    const IsaTable* t = isa_table(name);
    if (!t) {
#if defined(__x86_64__) || defined(_M_X64)
      std::printf("%s: skipped (this CPU lacks it)\n", name);
#else
      std::printf("%s: skipped (not built for this architecture)\n", name);
#endif
      continue;
    }
    const SelftestResult r = isa_selftest(*t);
    if (r.failures.empty()) {
      passed++;
      std::printf("%s: ok (%d checks)\n", name, r.checks);
    } else {
      failed++;
      std::printf("%s: FAILED %zu of %d checks\n", name, r.failures.size(), r.checks);
      for (const auto& f : r.failures) std::printf("  %s\n", f.c_str());
    }
  }
  std::printf("native selftest: %d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}
