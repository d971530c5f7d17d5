#!/usr/bin/env bash
# Says how many tests of each suite (CTest label) ran, and fails loudly when an expected suite
# ran none: a suite that was not configured, found no tests, or skipped every test did not pass.
# Usage: scripts/check-suites.sh BUILD_DIR CTEST_LOG LABEL...
#   CTEST_LOG is what `ctest` printed for the run ("-" to check only that each suite has tests,
#   without a run).
set -euo pipefail
dir=$1 log=$2
shift 2
missing=()
for label in "$@"; do
  mapfile -t names < <(ctest --test-dir "$dir" -N -L "^${label}\$" | sed -n 's/^ *Test *#[0-9]*: //p')
  total=${#names[@]}
  ran=$total skipped=0
  if [ "$log" != - ]; then
    # What ran is what the log has a verdict for ("N/M Test #N: NAME .... Passed", "***Failed",
    # "***Timeout"...); "***Skipped" and "***Not Run" did not run.
    read -r ran skipped < <(printf '%s\n' "${names[@]}" | awk '
      NR == FNR { if ($0 != "") want[$0] = 1; next }
      /^ *[0-9]+\/[0-9]+ +Test +#[0-9]+: / {
        name = $4
        if (!(name in want) || (name in seen)) next
        seen[name] = 1
        if ($0 ~ /\*\*\*(Skipped|Not Run|Disabled)/) skipped++; else ran++
      }
      END { print ran + 0, skipped + 0 }' - "$log")
  fi
  printf 'suite %-12s %4d tests%s\n' "$label" "$ran" \
    "$([ "$skipped" -gt 0 ] && echo " ($skipped skipped)")"
  [ "$ran" -gt 0 ] || missing+=("$label")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "check-suites: FAILED: no test ran in suite(s): ${missing[*]} ($dir)" >&2
  exit 1
fi
