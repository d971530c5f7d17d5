#!/usr/bin/env bash
# The demo: installs what is needed, builds, starts a private system bus and maintenanced with
# built-in defaults (only its state and runtime directories point into a temporary directory),
# and walks one maintenance window through schedule -> dry-run -> start -> complete with
# maintenancectl, printing each step. Stops everything it started.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

"$top/scripts/install-deps.sh"
# The same tree and options as the tests (scripts/build.sh normal): either command may run first.
"$top/scripts/build.sh" normal

work=$(mktemp -d /tmp/maintenanced-demo.XXXXXX)
bus_pid= daemon_pid=
cleanup() {
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
  [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# A private system bus: the stock policy, our own socket, and maintenanced's bus policy.
"$top/scripts/private-bus-conf.sh" "$work/bus.socket" "<includedir>$top/dbus</includedir>" >"$work/bus.conf"
dbus-daemon --config-file="$work/bus.conf" --nofork --nopidfile 2>"$work/bus.log" &
bus_pid=$!
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$work/bus.socket"
for _ in $(seq 100); do [ -S "$work/bus.socket" ] && break; sleep 0.05; done
if [ ! -S "$work/bus.socket" ]; then
  echo "demo: the private bus did not start:" >&2
  cat "$work/bus.log" >&2
  exit 1
fi

# Built-in defaults, except where the demo must not touch this machine: its state lives in the
# temporary directory, it writes to no one's terminal and not to /run/motd.d, and its one host is
# a stand-in whose "maintenance mode" is a file there (the default host is this machine's
# maintenance.target).
cat >"$work/maintenanced.conf" <<CONF
[Daemon]
StateDirectory=$work/state
RuntimeDirectory=$work/run

[Notify]
Wall=no
Motd=no

[Host demo-node]
Backend=command
EnterCommand=/bin/sh -c "touch $work/demo-node.maintenance; echo '%h: services drained'"
LeaveCommand=/bin/rm -f $work/demo-node.maintenance
StatusCommand=/usr/bin/test -e $work/demo-node.maintenance
CONF
"$top/build/daemon/maintenanced" --config "$work/maintenanced.conf" 2>"$work/daemon.log" &
daemon_pid=$!

ctl="$top/build/ctl/maintenancectl"
for _ in $(seq 100); do "$ctl" status >/dev/null 2>&1 && break; sleep 0.05; done

step() {
  printf '\n\033[1m$ maintenancectl %s\033[0m\n' "$*"
  "$ctl" "$@" || printf '(exit status %d)\n' "$?"
}

step status
step schedule "+1h" "+3h" --reason "Kernel and firmware upgrade" --comment "Ticket OPS-1234" \
  --notify-message "Expect two reboots."
step list
step dry-run
step start 1
step hosts
step status
step complete 1 --note "Upgraded to the new kernel; all services back."
step show 1
step list

printf '\nThe daemon logged:\n'
sed 's/^/  /' "$work/daemon.log"
