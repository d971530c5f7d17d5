#!/usr/bin/env bash
# The bash completion of maintenancectl, sourced into bash with bash-completion's framework,
# against a real maintenanced on a private bus:
#   - the commands, the options of a command, the values of an option;
#   - window IDs (per command: only the windows it can act on) and host names from the daemon;
#   - with the daemon stopped: nothing offered, nothing printed, quickly, and the daemon is not
#     bus-activated (the private bus has an activation file for the name that leaves a mark);
#   - with no bus at all: the same.
#
# Usage: completion-test.sh COMPLETION MAINTENANCECTL MAINTENANCED DBUS_DAEMON POLICY_DIR
# Exit status: 0 passed, 1 failed, 77 cannot run here (not root: only root may own the name).
set -euo pipefail

completion=${1:?usage: completion-test.sh COMPLETION MAINTENANCECTL MAINTENANCED DBUS_DAEMON POLICY_DIR}
ctl=${2:?}
daemon=${3:?}
dbus_daemon=${4:?}
policy_dir=$(cd "${5:?}" && pwd)
framework=${BASH_COMPLETION_SCRIPT:-/usr/share/bash-completion/bash_completion}

skip() {
  echo "SKIP: $*"
  exit 77
}
[ "$(id -u)" = 0 ] || skip "needs root: the bus policy lets only root own org.example.Maintenance1"
[ -r "$framework" ] || skip "bash-completion is not installed ($framework); scripts/install-deps.sh installs it"
command -v busctl >/dev/null || skip "busctl is not installed (systemd)"

failures=0
pass() { echo "ok: $*"; }
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# ------------------------------------------------------------------------------ a private bus
work=$(mktemp -d /tmp/maintenancectl-completion.XXXXXX)
bus_pid='' daemon_pid=''
cleanup() {
  local pid
  for pid in $daemon_pid $bus_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

# The stock system bus policy, less what needs a real system (as tests/integration/harness does),
# plus the project's policy and an activation file for the daemon's name that only leaves a mark.
mkdir "$work/services"
cat >"$work/services/org.example.Maintenance1.service" <<EOF
[D-BUS Service]
Name=org.example.Maintenance1
Exec=/bin/sh -c "touch $work/activated; exit 1"
User=root
EOF
"$policy_dir/../scripts/private-bus-conf.sh" "$work/system_bus_socket" \
  "<servicedir>$work/services</servicedir>
  <limit name=\"service_start_timeout\">5000</limit>
  <includedir>$policy_dir</includedir>" >"$work/bus.conf"
"$dbus_daemon" --config-file="$work/bus.conf" --nofork --nopidfile 2>"$work/bus.log" &
bus_pid=$!
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$work/system_bus_socket

# until SECONDS COMMAND...: runs COMMAND every 50 ms until it succeeds; fails after SECONDS.
until_ok() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}
name_owned() {
  [ "$(busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
         NameHasOwner s org.example.Maintenance1 2>/dev/null)" = "b true" ]
}
until_ok 10 busctl --system status --no-pager org.freedesktop.DBus ||
  { echo "FAIL: dbus-daemon did not start: $(cat "$work/bus.log")"; exit 1; }

# ------------------------------------------------------------------------------ the daemon
mkdir -m 0700 "$work/state"
mkdir "$work/run"
cat >"$work/maintenanced.conf" <<EOF
[Daemon]
StateDirectory=$work/state
RuntimeDirectory=$work/run
Scheduler=internal

[Notify]
Sendmail=
Wall=no
Motd=no

[Host web1]
Backend=command
EnterCommand=/bin/true
LeaveCommand=/bin/true

[Host db1]
Backend=command
EnterCommand=/bin/true
LeaveCommand=/bin/true
EOF
"$daemon" --config "$work/maintenanced.conf" >"$work/daemon.log" 2>&1 &
daemon_pid=$!
daemon_up() { kill -0 "$daemon_pid" 2>/dev/null && name_owned; }
daemon_gone() { ! kill -0 "$daemon_pid" 2>/dev/null; }
until_ok 10 eval 'daemon_up || daemon_gone'
daemon_up || { echo "FAIL: maintenanced did not come up: $(cat "$work/daemon.log")"; exit 1; }

# Window 1 cancelled, window 2 scheduled.
"$ctl" schedule +1h +2h --reason "first" >/dev/null
"$ctl" cancel 1 >/dev/null
"$ctl" schedule +3h +4h --reason "second" >/dev/null

# ------------------------------------------------------------------------------ completing
# shellcheck source=/dev/null
source "$framework"
# shellcheck source=ctl/completion/maintenancectl.bash
source "$completion"

# complete LINE: what TAB offers at the end of LINE (the command line after "maintenancectl "),
# sorted, on one line; what the completion wrote on stderr goes to $work/stderr. The words are
# split as bash splits them for completion: at blanks, and around "=" (a COMP_WORDBREAKS
# character).
complete_line() {
  local line="$ctl $1" word part
  local -a words=()
  for word in $line; do
    while [[ $word == *=* ]]; do
      part=${word%%=*}
      [ -z "$part" ] || words+=("$part")
      words+=("=")
      word=${word#*=}
    done
    [ -z "$word" ] || words+=("$word")
  done
  [[ $line == *' ' ]] && words+=("")
  COMP_WORDS=("${words[@]}")
  COMP_CWORD=$((${#words[@]} - 1))
  COMP_LINE=$line
  COMP_POINT=${#line}
  COMPREPLY=()
  _maintenancectl maintenancectl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" \
    2>"$work/stderr"
  printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//'
}

# expect LINE WANTED: TAB at the end of LINE offers exactly WANTED (sorted, space-separated).
expect() {
  local got
  got=$(complete_line "$1")
  if [ "$got" = "$2" ]; then
    pass "'maintenancectl $1' offers: ${2:-(nothing)}"
  else
    fail "'maintenancectl $1' offers '$got', expected '$2'"
  fi
  if [ -s "$work/stderr" ]; then
    fail "'maintenancectl $1' printed on stderr: $(cat "$work/stderr")"
  fi
}

expect "" "cancel complete dry-run host-maintenance hosts list reload retry-hosts schedule sessions show start status terminate-sessions update"
expect "s" "schedule sessions show start status"
expect "--no-legend ho" "host-maintenance hosts"
expect "complete 1 --" "--failed --help --host --json --no-ask-password --no-legend --note --notify --version"
expect "start 2 --f" "--force"
expect "start 2 --" "--force --help --host --json --max-failed --no-ask-password --no-block --no-legend --version"
expect "start 2 --max-failed " ""
expect "retry-hosts 1 --" "--help --host --json --no-ask-password --no-block --no-legend --version"
expect "update 2 --max" "--max-failed"
expect "show 1 --h" "--help --host --hosts"
expect "update 2 --va" "--valid"
expect "update 2 --valid " "no yes"
expect "update 2 --valid=y" "yes"
expect "schedule +1h +2h --show-login-message=" "no yes"
expect "schedule +1h --du" "--duration"
expect "update 2 --du" ""
expect "--" "--help --host --json --no-ask-password --no-legend --version"

# From the daemon.
expect "show " "1 2"
expect "start " "2"
expect "cancel " "2"
expect "update " "2"
expect "complete " ""
expect "retry-hosts " ""
expect "show --hosts " "1 2"
expect "show 1 --hosts " ""
expect "host-maintenance " "db1 web1"
expect "host-maintenance w" "web1"
expect "host-maintenance web1 " "off on"
expect "schedule +1h +2h --hosts " "db1 web1"
expect "schedule +1h +2h --hosts=web1," "web1,db1"
expect "--json show " "1 2"

# The daemon stopped: nothing, quickly, silently, and it is not activated.
kill "$daemon_pid"
wait "$daemon_pid" || true
daemon_pid=''
until_ok 5 eval '! name_owned' || fail "the daemon's name is still owned after it stopped"
started=$SECONDS
expect "show " ""
expect "host-maintenance " ""
expect "st" "start status"
if [ $((SECONDS - started)) -le 3 ]; then
  pass "completing without the daemon is quick"
else
  fail "completing without the daemon took $((SECONDS - started)) s"
fi
if [ -e "$work/activated" ]; then
  fail "completing bus-activated the daemon"
else
  # The check means something only if a call to the daemon would have activated it.
  "$ctl" list >/dev/null 2>&1 || true
  if [ -e "$work/activated" ]; then
    pass "completing did not bus-activate the daemon (a call to it does)"
  else
    fail "the test's activation file did not work: cannot tell whether completing activates"
  fi
fi

# No bus at all.
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$work/no-such-socket
expect "show " ""
expect "host-maintenance web1 " "off on"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
