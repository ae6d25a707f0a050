#!/usr/bin/env bash
# Portability checks of the native kernels on CPUs and toolchains other than this machine's (CI):
#   haswell  x86-64 with AVX2, without AVX-512 (qemu-x86_64 -cpu Haswell): the standalone self-test picks avx2
#            and passes; the real addon loads under emulated node, chooses avx2, passes selfTest() and matches
#            tfjs's wasm backend (tools/native/parity-wasm.js)
#   nehalem  x86-64 without AVX2 (qemu-x86_64 -cpu Nehalem): the same, with the generic copy
#   arm64    the standalone self-test cross-compiled (aarch64-linux-gnu-g++ -static, NEON) under qemu-aarch64
#   clang    the addon built with clang++ (into a separate directory; native/build is left alone) passes the
#            object check, selfTest() and tests/native-kernels + native-ops (via RLHF_NATIVE_ADDON); the
#            standalone self-test built with clang++ passes
# Usage: tools/native/portability.sh [haswell|nehalem|arm64|clang]...   (default: all; needs the addon built
# with `node tools/native/build-native.js` for haswell/nehalem). Prints one PASS/FAIL line per check with its wall
# time and exits 1 if any failed. Needs qemu-user, g++-aarch64-linux-gnu and clang (Debian packages).
# Work files go to $RLHF_PORTABILITY_DIR (default /tmp/rlhf-portability); RLHF_NATIVE_ADDON names another addon
# file for haswell/nehalem.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
src=$root/native/src
work=${RLHF_PORTABILITY_DIR:-/tmp/rlhf-portability}
addon=${RLHF_NATIVE_ADDON:-$root/native/build/Release/rlhf_native.node}  # the addon haswell/nehalem load
node_bin=$(command -v node)
mkdir -p "$work"
flags=(-O3 -std=c++17 -fno-math-errno -ffp-contract=off)
failed=0
built_x64=0

# selftest_build <c++ compiler> <output> <x64|arm64> [link flags...]: the standalone self-test binary.
selftest_build() {
  local cxx=$1 out=$2 arch=$3
  shift 3
  local objs=$out.objs pids=() f ok=0
  rm -rf "$objs" && mkdir -p "$objs"
  local -A extra=([ops]="" [pool]="" [selftest]="" [isa_generic]="" [selftest_main]="")
  if [ "$arch" = x64 ]; then extra[isa_avx2]="-mavx2 -mfma"; extra[isa_avx512]="-mavx512f -mavx512vl -mfma"; fi
  for f in "${!extra[@]}"; do
    local file=$src/$f.cc
    [ "$f" = selftest_main ] && file=$root/native/test/selftest_main.cc
    # shellcheck disable=SC2086
    "$cxx" "${flags[@]}" ${extra[$f]} -c "$file" -o "$objs/$f.o" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || ok=1; done
  [ $ok = 0 ] && "$cxx" "$objs"/*.o -pthread "$@" -o "$out"
}

# report <name> <started (s)> <status> <detail>
report() {
  local secs=$(( $(date +%s) - $2 ))
  if [ "$3" = 0 ]; then echo "PASS $1 (${secs} s): $4"; else echo "FAIL $1 (${secs} s): $4"; failed=1; fi
}

# expect <log> <pattern>...: every pattern occurs in the log.
expect() {
  local log=$1 p
  shift
  for p in "$@"; do grep -q -- "$p" "$log" || { echo "  missing \"$p\" in $log:"; tail -20 "$log" | sed 's/^/    /'; return 1; }; done
}

# addon_under_qemu <cpu> <isa>: the real addon in emulated node: info(), selfTest(), parity with tfjs wasm.
addon_under_qemu() {
  local cpu=$1 isa=$2 log=$work/addon-$1.log
  [ -f "$addon" ] || { echo "  $addon is not built (node tools/native/build-native.js)"; return 1; }
  local code="const n = require('$addon'); const i = n.info(); const s = n.selfTest();
    console.log('isa=' + i.isa + ' selfTest=' + (s.ok ? 'ok' : 'FAILED ' + s.failures.join('; ')));"
  qemu-x86_64 -cpu "$cpu" "$node_bin" -e "$code" >"$log" 2>&1 || { tail -5 "$log"; return 1; }
  expect "$log" "isa=$isa selfTest=ok" || return 1
  (cd "$root" && qemu-x86_64 -cpu "$cpu" "$node_bin" tools/native/parity-wasm.js "$addon") >"$work/parity-$cpu.log" 2>&1
  local st=$?
  grep '^parity\|^  ' "$work/parity-$cpu.log"
  return $st
}

check_x64_cpu() {
  local cpu=$1 isa=$2 t0 bin=$work/selftest-x64 st=0
  t0=$(date +%s)
  if [ "$built_x64" = 0 ]; then  # one build serves both emulated CPUs
    selftest_build g++ "$bin" x64 >"$work/build-x64.log" 2>&1 || { cat "$work/build-x64.log"; report "$cpu" "$t0" 1 "standalone self-test did not build"; return; }
    built_x64=1
  fi
  qemu-x86_64 -cpu "$cpu" "$bin" >"$work/selftest-$cpu.log" 2>&1 || st=1
  grep -v '^qemu' "$work/selftest-$cpu.log" | sed 's/^/  /'
  expect "$work/selftest-$cpu.log" "best: $isa" "$isa: ok" ", 0 failed" || st=1
  t1=$(date +%s)
  report "$cpu standalone self-test" "$t0" $st "qemu-x86_64 -cpu $cpu: best copy $isa"
  addon_under_qemu "$cpu" "$isa"
  report "$cpu addon" "$t1" $? "qemu-x86_64 -cpu $cpu node: info().isa, selfTest(), parity with tfjs wasm"
}

check_arm64() {
  local t0 bin=$work/selftest-arm64 st=0
  t0=$(date +%s)
  selftest_build aarch64-linux-gnu-g++ "$bin" arm64 -static >"$work/build-arm64.log" 2>&1 || { cat "$work/build-arm64.log"; report arm64 "$t0" 1 "cross build failed"; return; }
  qemu-aarch64 "$bin" >"$work/selftest-arm64.log" 2>&1 || st=1
  sed 's/^/  /' "$work/selftest-arm64.log"
  expect "$work/selftest-arm64.log" "best: generic" "generic: ok" ", 0 failed" || st=1
  local objcheck
  objcheck=$(node "$root/tools/native/check-isa-objects.js" "$bin.objs/isa_generic.o" 2>&1) || st=1
  echo "$objcheck" | sed 's/^/  /'
  report arm64 "$t0" $st "aarch64-linux-gnu-g++ -static (NEON) under qemu-aarch64"
}

check_clang() {
  local t0 out=$work/clang/rlhf_native.node st=0
  t0=$(date +%s)
  (cd "$root" && CC=clang CXX=clang++ node tools/native/build-native.js --force --strict --out="$out") >"$work/build-clang.log" 2>&1 || st=1
  tail -3 "$work/build-clang.log" | sed 's/^/  /'
  if [ $st = 0 ]; then
    readelf -p .comment "$out" | grep -q clang || { echo "  $out was not built by clang"; st=1; }
    node -e "const s = require('$out').selfTest(); console.log('  clang addon selfTest: ' + (s.ok ? 'ok' : s.failures.join('; '))); process.exit(s.ok ? 0 : 1)" || st=1
  fi
  report "clang addon build" "$t0" $st "CC=clang CXX=clang++ node tools/native/build-native.js --strict --out=$out (object check included)"
  t0=$(date +%s)
  st=0
  selftest_build clang++ "$work/selftest-clang" x64 >"$work/build-clang-selftest.log" 2>&1 || { cat "$work/build-clang-selftest.log"; st=1; }
  [ $st = 0 ] && { "$work/selftest-clang" >"$work/selftest-clang.log" 2>&1 || st=1; sed 's/^/  /' "$work/selftest-clang.log"; }
  report "clang standalone self-test" "$t0" $st "every copy this CPU runs"
  t0=$(date +%s)
  st=0
  (cd "$root" && RLHF_REQUIRE_NATIVE=1 RLHF_NATIVE_ADDON="$out" npx tsx --test tests/native-kernels.test.ts tests/native-ops.test.ts) >"$work/tests-clang.log" 2>&1 || st=1
  grep -E '^# (tests|pass|fail|skipped)' "$work/tests-clang.log" | sed 's/^/  /'
  grep -q '^# fail 0' "$work/tests-clang.log" && grep -q '^# skipped 0' "$work/tests-clang.log" || st=1
  report "clang addon tests" "$t0" $st "RLHF_NATIVE_ADDON=$out npx tsx --test tests/native-kernels.test.ts tests/native-ops.test.ts"
}

checks=("$@")
[ ${#checks[@]} = 0 ] && checks=(haswell nehalem arm64 clang)
for c in "${checks[@]}"; do
  case $c in
    haswell) check_x64_cpu Haswell avx2 ;;
    nehalem) check_x64_cpu Nehalem generic ;;
    arm64) check_arm64 ;;
    clang) check_clang ;;
    *) echo "unknown check: $c (haswell, nehalem, arm64, clang)"; exit 2 ;;
  esac
done
[ $failed = 0 ] && echo "portability: PASS" || echo "portability: FAIL"
exit $failed
