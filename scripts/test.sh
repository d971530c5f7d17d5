#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test: first a normal build, then the same
# suite built with AddressSanitizer and UndefinedBehaviorSanitizer. Exits non-zero on any failure.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

"$top/scripts/install-deps.sh"

jobs=$(nproc)
run_suite() {
  local dir=$1; shift
  echo "== build: $dir"
  "$top/scripts/build.sh" "$dir" "$@"
  echo "== test: $dir"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 300
}

run_suite "$top/build"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite "$top/build-asan" -DMAINT_SANITIZE=ON -DMAINT_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug
