#!/usr/bin/env bash
# A stand-in for a per-host command (ssh, kubectl cordon, consul maint...), for each-host's tests:
# Kubernetes, Consul and Nomad cannot run here, so this records what each-host makes of it.
#
# Usage: standin-host.sh RECORD_DIR HOST [ARG...]
#
# Records, under RECORD_DIR (the updates under flock(1) on RECORD_DIR/lock):
#   started, finished   one line per run: HOST (appended as it starts / before it exits)
#   running, max        how many runs are going on now / the most there ever were at once
#   args.HOST           its arguments, one a line; env.HOST its MAINTENANCE_HOST
#   pids.HOST           its pid and the pid of the child it leaves behind (hang*, stubborn*)
# When RECORD_DIR/barrier holds a number B, a run waits (at most 30 s) until `max` reaches B
# before going on, so that B runs are seen at once if each-host lets them be; the test asserts
# on `max`, never on time.
#
# What it does, by the HOST's name:
#   ok*        prints "done HOST" and exits 0
#   fail*      prints "boom on HOST" to standard error and exits 2
#   exit<N>*   exits N (for --status: exit0-..., exit3-..., exit4-...)
#   sig*       kills itself with SIGKILL
#   hang*      starts `sleep 1000` in the background (same process group) and sleeps
#   stubborn*  as hang, but ignores SIGTERM (so only SIGKILL ends it)
#   quiet*     exits 0 without a word
set -u
dir=$1
host=$2
shift 2

locked() { # runs "$@" under the lock
  (
    flock 9
    "$@"
  ) 9>"$dir/lock"
}
count_start() {
  local running max
  running=$(( $(cat "$dir/running" 2>/dev/null || echo 0) + 1 ))
  echo "$running" >"$dir/running"
  max=$(cat "$dir/max" 2>/dev/null || echo 0)
  [ "$running" -gt "$max" ] && echo "$running" >"$dir/max"
  echo "$host" >>"$dir/started"
}
count_end() {
  echo $(( $(cat "$dir/running") - 1 )) >"$dir/running"
  echo "$host" >>"$dir/finished"
}

printf '%s\n' "$@" >"$dir/args.$host"
echo "${MAINTENANCE_HOST-unset}" >"$dir/env.$host"
locked count_start

if [ -s "$dir/barrier" ]; then
  target=$(cat "$dir/barrier")
  for ((i = 0; i < 600; i++)); do
    [ "$(cat "$dir/max")" -ge "$target" ] && break
    sleep 0.05
  done
fi

case $host in
  ok*) echo "done $host"; locked count_end; exit 0 ;;
  fail*) echo "boom on $host" >&2; locked count_end; exit 2 ;;
  exit*) code=${host#exit}; code=${code%%-*}; locked count_end; exit "$code" ;;
  sig*) locked count_end; kill -KILL $$ ;;
  hang*)
    sleep 1000 &
    echo "$$ $!" >"$dir/pids.$host"
    wait
    ;;
  stubborn*)
    trap '' TERM
    # The background child ignores SIGTERM too (it inherits the ignored disposition).
    sleep 1000 &
    echo "$$ $!" >"$dir/pids.$host"
    while :; do wait; done
    ;;
  quiet*) locked count_end; exit 0 ;;
  *) echo "standin-host: no rule for $host" >&2; locked count_end; exit 99 ;;
esac
