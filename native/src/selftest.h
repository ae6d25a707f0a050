// Self-test of one ISA copy: every function of its IsaTable against plain scalar reference loops.
#pragma once
#include <string>
#include <vector>
#include "kernels.h"

struct SelftestResult {
  int checks = 0;                     // comparisons made
  std::vector<std::string> failures;  // one line per failed comparison: kernel, case, worst error
};

/** Runs every kernel of t on small seeded random inputs (edge sizes, every GEMM layout, special values) and
 *  compares with double-precision reference loops within tolerances. Single-threaded; a few milliseconds. */
SelftestResult isa_selftest(const IsaTable& t);
