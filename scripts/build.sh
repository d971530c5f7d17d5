#!/usr/bin/env bash
# Configures and builds maintenanced. Every option is stated, so that whichever script ran
# before (the demo, the tests, a build by hand with other options) the tree comes out the same.
# Usage: scripts/build.sh [normal|sanitize] [extra cmake arguments...]
#   normal    build/: optimised with debug information; daemon, client, PAM module, desktop
#             agent, every test suite and the benchmarks (the demo and the first test run)
#   sanitize  build-asan/: the same with AddressSanitizer and UndefinedBehaviorSanitizer, no
#             benchmarks (the second test run)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
profile=${1:-normal}
shift || true
case "$profile" in
normal)
  dir=$top/build
  options=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DMAINT_SANITIZE=OFF -DMAINT_BUILD_TESTS=ON
    -DMAINT_BUILD_BENCH=ON -DMAINT_BUILD_NOTIFY=ON -DMAINT_WERROR=ON)
  ;;
sanitize)
  dir=$top/build-asan
  options=(-DCMAKE_BUILD_TYPE=Debug -DMAINT_SANITIZE=ON -DMAINT_BUILD_TESTS=ON
    -DMAINT_BUILD_BENCH=OFF -DMAINT_BUILD_NOTIFY=ON -DMAINT_WERROR=ON)
  ;;
*)
  echo "build.sh: unknown profile '$profile' (normal or sanitize)" >&2
  exit 2
  ;;
esac
cmake -S "$top" -B "$dir" -G Ninja "${options[@]}" "$@" >/dev/null
cmake --build "$dir"
