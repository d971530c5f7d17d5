#!/usr/bin/env bash
# A real Slurm controller for tests: munged and slurmctld on loopback, with their own key, socket,
# configuration and state in DIR, and NODES nodes (node00001 ... by default 10,000) that exist
# without any slurmd. Clients (scontrol, sinfo, the helpers) reach it with SLURM_CONF set to
# DIR/slurm.conf; DIR/env holds that line for `source`.
#
# Usage:
#   slurm-fixture.sh start DIR    stop whatever an earlier start left in DIR, then start afresh
#                                 (empty state: every node IDLE, none drained); prints the
#                                 export line of DIR/env
#   slurm-fixture.sh stop DIR     stop the controller and munged of DIR (by their pid files,
#                                 checked against the process's command line); nothing running
#                                 is fine
#   slurm-fixture.sh status DIR   exit status 0 when the controller of DIR answers
#
# Environment:
#   SLURM_FIXTURE_NODES   how many nodes (1 to 99999; default 10000), named node00001, node00002...
#   SLURM_FIXTURE_PORT    the controller's port (default: a free one, and the next one for the
#                         SlurmdPort nobody listens on)
#
# The nodes: NodeName=node[...] State=DOWN in slurm.conf, then one RESUME makes them IDLE (shown
# "idle*": not responding, which SlurmdTimeout=0 keeps from turning into DOWN). Not State=UNKNOWN:
# a node that never registered stays UNKNOWN, and Slurm 22.05 answers a RESUME of an UNKNOWN+DRAIN
# node with "Invalid node state specified" while clearing the drain. Each block of 250 nodes gets
# loopback addresses (127.0.B.1-250), so that the controller never asks DNS about 10,000 names.
#
# Runs as root (munged then needs --force; slurmctld runs as SlurmUser=root) or as any user
# (SlurmUser is that user). Unix socket paths are short: DIR must be under ~80 bytes.
#
# For the daemon against this cluster: start it, put SLURM_CONF (DIR/env) into the daemon's
# environment (the helper and scontrol inherit it), and give it a group such as
#   [Hosts slurm]
#   Backend=batch
#   Hosts=node[00001-10000]
#   EnterCommand=BUILD/engines/slurm enter %w
#   LeaveCommand=BUILD/engines/slurm leave %w
#   StatusCommand=BUILD/engines/slurm status
#   BatchSize=10000
# then check with `sinfo -h -N -o '%N %T %E'` (or `sinfo -h -o '%T %E %N'`, much faster for
# 10,000 nodes) what Slurm says. `stop DIR` when done; a later `start DIR` cleans up after a run
# that was killed.
#
# Exit status: 0 done, 1 failed (the logs in DIR say why: slurmctld.log, munge/munged.log),
# 2 bad usage, 77 cannot run here (slurmctld, munged or the Slurm clients are not installed).
set -euo pipefail

usage() {
  echo "usage: slurm-fixture.sh start|stop|status DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
action=$1
dir=$2
case $action in start | stop | status) ;; *) usage ;; esac
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

nodes=${SLURM_FIXTURE_NODES:-10000}
if ! [[ $nodes =~ ^[1-9][0-9]{0,4}$ ]]; then
  echo "slurm-fixture: SLURM_FIXTURE_NODES=$nodes: expected a number from 1 to 99999" >&2
  exit 2
fi
last=$(printf 'node%05d' "$nodes")
all_nodes="node[00001-$(printf '%05d' "$nodes")]"
[ "$nodes" -eq 1 ] && all_nodes=node00001

conf=$dir/slurm.conf
socket=$dir/munge/munge.socket

# stop_pidfile FILE WORD: ends the process FILE names if its command line has WORD (the path of
# this DIR's configuration or socket: never a process of another fixture or of the system).
stop_pidfile() {
  local file=$1 word=$2 pid i
  [ -s "$file" ] || return 0
  pid=$(tr -dc '0-9' <"$file")
  if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] &&
     tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$word"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -f "$file"
}

stop() {
  stop_pidfile "$dir/slurmctld.pid" "$conf"
  stop_pidfile "$dir/munge/munged.pid" "$socket"
  rm -f "$dir/env"
}

controller_up() {
  SLURM_CONF=$conf scontrol ping 2>/dev/null | grep -q 'is UP'
}

case $action in
  stop)
    stop
    exit 0
    ;;
  status)
    [ -s "$conf" ] && controller_up
    exit
    ;;
esac

for program in slurmctld munged munge unmunge scontrol sinfo; do
  if ! command -v "$program" >/dev/null; then
    echo "SKIP: $program is not installed (scripts/install-deps.sh installs slurmctld, slurm-client and munge)"
    exit 77
  fi
done
if [ ${#socket} -gt 100 ]; then
  echo "slurm-fixture: $socket is too long for a unix socket (108 bytes at most): use a shorter DIR" >&2
  exit 1
fi

# A port nobody listens on (TCP, v4 or v6), judged by /proc/net: no tool needed.
port_free() {
  local hex
  hex=$(printf ':%04X ' "$1")
  ! awk 'NR > 1 { print $2 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -q -- "${hex% }$"
}
pick_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 40000))
    if port_free "$p" && port_free $((p + 1)); then
      echo "$p"
      return 0
    fi
  done
  echo "slurm-fixture: found no free port" >&2
  return 1
}

fail() {
  echo "slurm-fixture: $*" >&2
  for log in "$dir/slurmctld.log" "$dir/munge/munged.log"; do
    [ -s "$log" ] && { echo "--- last lines of $log:" >&2; tail -n 15 "$log" >&2; }
  done
  exit 1
}

stop
rm -rf "$dir/state" "$dir/munge" "$dir/slurmctld.log"
mkdir -p "$dir/state" "$dir/munge"
# munged refuses a socket directory others may write to, and warns about one they cannot enter.
chmod 0755 "$dir" "$dir/munge"
chmod 0700 "$dir/state"

if command -v mungekey >/dev/null; then
  mungekey --create --keyfile="$dir/munge/munge.key" --force
else
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
fi
chmod 0600 "$dir/munge/munge.key"

force=()
[ "$(id -u)" -eq 0 ] && force=(--force) # munged as root refuses to start without it
munged "${force[@]}" --socket="$socket" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
  --seed-file="$dir/munge/munged.seed" || fail "munged did not start"
for ((i = 0; i < 100; i++)); do
  munge -n -S "$socket" 2>/dev/null | unmunge -S "$socket" >/dev/null 2>&1 && break
  sleep 0.1
done
munge -n -S "$socket" | unmunge -S "$socket" >/dev/null || fail "munged at $socket does not answer"

user=$(id -un)
port=${SLURM_FIXTURE_PORT:-$(pick_port)}
{
  echo "# Written by tests/engines/slurm-fixture.sh: a controller for tests, no slurmd anywhere."
  echo "ClusterName=mainttest"
  echo "SlurmctldHost=localhost(127.0.0.1)"
  echo "SlurmctldPort=$port"
  echo "SlurmdPort=$((port + 1))"
  echo "SlurmUser=$user"
  echo "SlurmdUser=$user"
  echo "AuthType=auth/munge"
  echo "CredType=cred/munge"
  echo "AuthInfo=socket=$socket"
  echo "StateSaveLocation=$dir/state"
  echo "SlurmdSpoolDir=$dir/slurmd"
  echo "SlurmctldPidFile=$dir/slurmctld.pid"
  echo "SlurmctldLogFile=$dir/slurmctld.log"
  echo "SlurmctldDebug=info"
  # Never mark a node DOWN for not answering: there is no slurmd.
  echo "SlurmdTimeout=0"
  echo "ReturnToService=1"
  echo "ProctrackType=proctrack/linuxproc"
  echo "TaskPlugin=task/none"
  echo "SelectType=select/linear"
  echo "SchedulerType=sched/builtin"
  echo "MpiDefault=none"
  echo "JobAcctGatherType=jobacct_gather/none"
  echo "AccountingStorageType=accounting_storage/none"
  # 250 nodes per line, each block on its own 127.0.B.x addresses.
  for ((first = 1; first <= nodes; first += 250)); do
    end=$((first + 249 < nodes ? first + 249 : nodes))
    block=$(((first - 1) / 250))
    if [ "$first" -eq "$end" ]; then
      printf 'NodeName=node%05d NodeAddr=127.0.%d.1 State=DOWN\n' "$first" "$block"
    else
      printf 'NodeName=node[%05d-%05d] NodeAddr=127.0.%d.[1-%d] State=DOWN\n' \
        "$first" "$end" "$block" $((end - first + 1))
    fi
  done
  echo "PartitionName=all Nodes=ALL Default=YES State=UP MaxTime=INFINITE"
} >"$conf"

slurmctld -f "$conf" || fail "slurmctld did not start"
for ((i = 0; i < 300; i++)); do
  controller_up && break
  sleep 0.2
done
controller_up || fail "slurmctld of $conf does not answer scontrol ping"

SLURM_CONF=$conf scontrol update NodeName="$all_nodes" State=RESUME ||
  fail "could not resume the nodes $all_nodes"
not_idle=$(SLURM_CONF=$conf sinfo -h -t drain,down,unknown,fail -o '%N')
[ -z "$not_idle" ] || fail "nodes $not_idle are not idle after the RESUME"

echo "export SLURM_CONF=$conf" >"$dir/env"
cat "$dir/env"
echo "slurm-fixture: slurmctld (pid $(cat "$dir/slurmctld.pid")) on port $port, nodes node00001..$last" >&2
