# shellcheck shell=bash
# Sourced by the engines' test scripts: checks that say "ok: ..." or "FAIL: ...", and the exit
# status at the end (0 when every check passed, 1 otherwise).

failures=0
checks=0

pass() {
  checks=$((checks + 1))
  echo "ok: $*"
}
fail() {
  checks=$((checks + 1))
  failures=$((failures + 1))
  echo "FAIL: $*"
}

# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() {
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
  if [ "$2" = "$3" ]; then
    pass "$1"
  else
    fail "$1: expected '$2', got '$3'"
  fi
}

# expect_line FILE LINE: FILE has LINE, exactly, as one of its lines.
expect_line() {
  if grep -qxF -- "$2" "$1"; then
    pass "line '$2'"
  else
    fail "no line '$2' in: $(head -c 600 "$1" | tr '\n' '|')"
  fi
}

finish() {
  if [ "$failures" -ne 0 ]; then
    echo "$failures of $checks checks failed"
    exit 1
  fi
  echo "all $checks checks passed"
  exit 0
}

# The current time in milliseconds (for the timings a test prints, never for a check).
now_ms() {
  echo $(($(date +%s%N) / 1000000))
}
