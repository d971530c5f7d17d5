#!/usr/bin/env bash
# each-host against a recording stand-in for the per-host command (standin-host.sh): the
# engines it is for (ssh, Kubernetes, Consul, Nomad) cannot run here. Checks what it does, never
# how long it takes: bounded parallelism is the most runs the stand-in saw at once.
#
# Usage: each-host-test.sh CASE EACH_HOST STANDIN
#   CASE: parallel-bound | parallel-one | once-each | placeholders | status-mapping | failures |
#         timeout-kills-group | timeout-stubborn | stop-signal
set -uo pipefail

case_name=${1:?usage: each-host-test.sh CASE EACH_HOST STANDIN}
each_host=${2:?}
standin=${3:?}
# shellcheck source=tests/engines/lib.sh
source "$(dirname "$0")/lib.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rec=$work/rec
mkdir "$rec"
out=$work/out

# run_each_host HOSTS OPTIONS...: the hosts (one a line) on standard input; lines in $out.
run_each_host() {
  local hosts=$1
  shift
  printf '%s' "$hosts" | "$each_host" "$@" >"$out" 2>"$work/err"
  status=$?
}

gone() { # gone PID...: there are some, and none of them is running (a zombie counts as gone)
  local p
  [ $# -gt 0 ] || return 1
  for p in "$@"; do
    if [ -e "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null; then
      return 1
    fi
  done
}

hosts_of() { # the host names of N hosts ok001 ... okN
  local i
  for ((i = 1; i <= $1; i++)); do printf 'ok%03d\n' "$i"; done
}

case $case_name in
  parallel-bound)
    # 40 hosts, 4 at a time: the stand-ins wait until 4 run at once, so `max` is 4 if each-host
    # lets 4 run, more if it lets more, and less (after the stand-ins' 30 s) if fewer.
    echo 4 >"$rec/barrier"
    run_each_host "$(hosts_of 40)" --parallel 4 -- "$standin" "$rec" %h
    expect_eq "exit status" 0 "$status"
    expect_eq "most runs at once" 4 "$(cat "$rec/max")"
    expect_eq "runs" 40 "$(wc -l <"$rec/started")"
    expect_eq "result lines" 40 "$(wc -l <"$out")"
    expect_eq "ok lines" 40 "$(grep -c '^ok[0-9]* ok done ok[0-9]*$' "$out")"
    expect_eq "running at the end" 0 "$(cat "$rec/running")"
    ;;

  parallel-one)
    run_each_host "$(hosts_of 12)" --parallel=1 -- "$standin" "$rec" %h
    expect_eq "exit status" 0 "$status"
    expect_eq "most runs at once" 1 "$(cat "$rec/max")"
    # One at a time, in order: the lines come in the order of the input.
    expect_eq "lines in input order" "$(hosts_of 12)" "$(cut -d' ' -f1 "$out")"
    ;;

  once-each)
    # Duplicates count once; a line that is not a host name is refused with its own line (one
    # word) or a message on standard error (several words), and never run.
    hosts=$'ok001\nok002\n  ok001  \n\nok003\nok002\nbad$name\ntwo words\n'
    run_each_host "$hosts" --parallel 8 -- "$standin" "$rec" %h
    expect_eq "exit status (a line was refused)" 1 "$status"
    expect_eq "runs, each host once" "ok001 ok002 ok003" "$(sort "$rec/started" | tr '\n' ' ' | sed 's/ $//')"
    expect_eq "result lines" 4 "$(wc -l <"$out")"
    for h in ok001 ok002 ok003; do
      expect_eq "lines for $h" 1 "$(grep -c "^$h " "$out")"
    done
    expect_line "$out" "bad\$name failed not a host name: it contains '\$'"
    check "the two-word line is reported on standard error" grep -q 'two words' "$work/err"
    ;;

  placeholders)
    # %h in any word, several times; %% is a percent sign; other % stay; MAINTENANCE_HOST is set.
    run_each_host $'ok001\nok002\n' -- "$standin" "$rec" %h "root@%h" "100%%" "%w-%x" "%h%h"
    expect_eq "exit status" 0 "$status"
    expect_eq "arguments of ok001" $'root@ok001\n100%\n%w-%x\nok001ok001' "$(cat "$rec/args.ok001")"
    expect_eq "arguments of ok002" $'root@ok002\n100%\n%w-%x\nok002ok002' "$(cat "$rec/args.ok002")"
    expect_eq "MAINTENANCE_HOST of ok002" ok002 "$(cat "$rec/env.ok002")"
    ;;

  status-mapping)
    # As StatusCommand= of a single host: 0 maintenance, 1 to 3 normal, others unknown.
    hosts=$'exit0-a\nexit1-a\nexit3-a\nexit4-a\nexit100-a\nsig-a\n'
    run_each_host "$hosts" --status --parallel 3 -- "$standin" "$rec" %h
    expect_eq "exit status (some are unknown)" 1 "$status"
    expect_line "$out" "exit0-a maintenance"
    expect_line "$out" "exit1-a normal"
    expect_line "$out" "exit3-a normal"
    expect_line "$out" "exit4-a unknown exit status 4"
    expect_line "$out" "exit100-a unknown exit status 100"
    expect_line "$out" "sig-a unknown killed by signal 9 (Killed)"
    expect_eq "result lines" 6 "$(wc -l <"$out")"
    ;;

  failures)
    hosts=$'ok001\nfail-a\nexit5-b\nsig-c\n'
    run_each_host "$hosts" --parallel 2 -- "$standin" "$rec" %h
    expect_eq "exit status" 1 "$status"
    expect_line "$out" "ok001 ok done ok001"
    expect_line "$out" "fail-a failed exit status 2: boom on fail-a"
    expect_line "$out" "exit5-b failed exit status 5"
    expect_line "$out" "sig-c failed killed by signal 9 (Killed)"
    # A command that cannot run fails each host with why.
    run_each_host $'ok001\nok002\n' -- /nonexistent/command %h
    expect_eq "exit status, no such command" 1 "$status"
    expect_line "$out" "ok001 failed could not run /nonexistent/command: No such file or directory"
    expect_line "$out" "ok002 failed could not run /nonexistent/command: No such file or directory"
    # Usage errors: exit status 2 and no host line.
    run_each_host $'ok001\n' --parallel 0 -- "$standin" "$rec" %h
    expect_eq "exit status, --parallel 0" 2 "$status"
    run_each_host $'ok001\n' --timeout soon -- "$standin" "$rec" %h
    expect_eq "exit status, --timeout soon" 2 "$status"
    run_each_host $'ok001\n' --parallel 2
    expect_eq "exit status, no command" 2 "$status"
    check "no line after a usage error" test ! -s "$out"
    ;;

  timeout-kills-group)
    # The command and what it started in its process group end at the timeout; the other hosts
    # are not held up.
    run_each_host $'hang-a\nok001\nhang-b\n' --parallel 3 --timeout 1s -- "$standin" "$rec" %h
    expect_eq "exit status" 1 "$status"
    expect_line "$out" "hang-a failed timed out after 1s"
    expect_line "$out" "hang-b failed timed out after 1s"
    expect_line "$out" "ok001 ok done ok001"
    # shellcheck disable=SC2046
    check "the timed-out commands and their children are gone" gone $(cat "$rec"/pids.hang-*)
    ;;

  timeout-stubborn)
    # A command that ignores SIGTERM gets SIGKILL (5 s later), its child too; the line says so.
    run_each_host $'stubborn-a\n' --timeout 1s -- "$standin" "$rec" %h
    expect_eq "exit status" 1 "$status"
    expect_line "$out" "stubborn-a failed timed out after 1s"
    # shellcheck disable=SC2046
    check "the command and its child are gone" gone $(cat "$rec/pids.stubborn-a")
    ;;

  stop-signal)
    # SIGTERM to each-host (the daemon's timeout of the batch): the running commands are ended
    # with their groups, the hosts not started are reported, every host has its line.
    printf 'hang-%02d\n' $(seq 1 10) >"$work/hosts"
    "$each_host" --parallel 3 --timeout 0 -- "$standin" "$rec" %h <"$work/hosts" >"$out" 2>"$work/err" &
    pid=$!
    for ((i = 0; i < 600; i++)); do # until the 3 first have written their pids (at most 60 s)
      [ "$(ls "$rec" | grep -c '^pids\.')" -ge 3 ] && break
      sleep 0.1
    done
    kill -TERM "$pid"
    wait "$pid"
    status=$?
    expect_eq "exit status" 1 "$status"
    expect_eq "result lines" 10 "$(wc -l <"$out")"
    expect_eq "hosts started" 3 "$(wc -l <"$rec/started")"
    expect_eq "lines of stopped commands" 3 "$(grep -c '^hang-0[1-3] failed stopped (each-host got SIGTERM): killed by signal 15 (Terminated)$' "$out")"
    expect_eq "lines of hosts not started" 7 "$(grep -c '^hang-[01][0-9] failed not started: each-host got SIGTERM$' "$out")"
    # shellcheck disable=SC2046
    check "the commands and their children are gone" gone $(cat "$rec"/pids.hang-*)
    check "each-host says it was stopped" grep -q 'stopped by SIGTERM' "$work/err"
    ;;

  *)
    echo "each-host-test: unknown case $case_name"
    exit 2
    ;;
esac
finish
