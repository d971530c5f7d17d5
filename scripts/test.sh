#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test: first a normal build (build/), then the
# same suites built with AddressSanitizer and UndefinedBehaviorSanitizer (build-asan/; the system
# and package tests run once, in the normal build). Both trees are configured with every option
# stated (scripts/build.sh), so a tree left by the demo or by hand runs the full suite all the
# same. Exits non-zero on any failure, and when a suite it expects ran no test.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

"$top/scripts/install-deps.sh"

jobs=$(nproc)
run_suite() {
  local profile=$1 dir=$2
  shift 2
  echo "== build: $dir"
  "$top/scripts/build.sh" "$profile"
  echo "== test: $dir"
  local log=$dir/Testing/ctest-output.log status=0
  mkdir -p "$dir/Testing"
  ctest --test-dir "$dir" --output-on-failure --no-tests=error -j "$jobs" --timeout 300 \
    2>&1 | tee "$log" || status=$?
  "$top/scripts/check-suites.sh" "$dir" "$log" "$@" || status=1
  return "$status"
}

run_suite normal "$top/build" unit integration pam system desktop docs completion package \
  slurm each-host pacemaker
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite sanitize "$top/build-asan" unit integration pam desktop docs completion slurm each-host
