#!/usr/bin/env bash
# System tests: maintenanced under a real systemd. Boots the host's own OS with systemd as PID 1 in
# systemd-nspawn, through a throwaway overlay of / (so the binaries built here run unchanged and
# nothing reaches the host's disk), installs the build there with `cmake --install`, and checks
# the service as an admin would see it: start, bus calls, bus activation, reload, the watchdog,
# the sandbox, the security score, the journal, the window timers, and logins: logind sessions
# ended at a window's start and during it, and pam_maintenance.so in the guest's PAM stack.
#
# Usage: run-system-tests.sh BUILD_DIR [SOURCE_DIR]
#   KEEP=1         leave the container running at the end, and say how to enter and stop it
#   CHECKS="a b"   run only these checks (names as in READY_CHECKS / PENDING_CHECKS)
#   STRICT=1       count the pending checks' failures too
# Prints PASS/FAIL lines. Exit status: 0 all passed, 1 something failed, 77 cannot run here (not
# root, no systemd-nspawn, ...: CTest reports it as skipped).
#
# Why bash: every step is a command an admin would type (systemd-nspawn, nsenter, systemctl,
# busctl, journalctl, maintenancectl), and the checks read as those commands. The C++ harness in
# tests/integration/ talks to the daemon in-process through generated proxies; here everything
# has to run inside the guest's namespaces, where a shell command line is the natural unit.
set -u

BUILD=${1:-}
SRC=${2:-$(cd "$(dirname "$0")/../.." && pwd)}
if [ -z "$BUILD" ] || [ ! -f "$BUILD/CMakeCache.txt" ]; then
  echo "usage: $0 BUILD_DIR [SOURCE_DIR]   (BUILD_DIR: a configured and built build tree)" >&2
  exit 2
fi
BUILD=$(cd "$BUILD" && pwd -P)
SRC=$(cd "$SRC" && pwd -P)

# The checks, in order. PENDING_CHECKS wait for daemon features that are not there yet: they run,
# but their failures print XFAIL and do not count (STRICT=1 counts them); when one passes it
# prints XPASS, and it is time to move it to READY_CHECKS.
READY_CHECKS="installed_files catalog unit_security sandbox_probe service_start bus_call
              watchdog_armed watchdog_pings reload bus_activation children_and_hosts
              journal_message_id timers_created timer_starts_window cancel_removes_timers elapsed_is_for_the_timer_only
              restart_and_kill_keep_timers journal_each_event wall_login_terminal
              mail_from_the_service
              sessions_end_on_start sessions_list sessions_state_file sessions_starter_spared
              sessions_guard pam_account terminate_sessions"
PENDING_CHECKS=""

# ------------------------------------------------------------------------------ output
T0=$(date +%s%N)
ts() { local n; n=$(date +%s%N); printf '%6.2fs' "$(((n - T0) / 10000000))e-2"; }
FAILS=0 XFAILS=0 CHECK="" CHECK_PENDING=0 CHECK_FAILS=0
pass() { echo "PASS [$(ts)] ${CHECK:+$CHECK: }$*"; }
fail() {
  CHECK_FAILS=$((CHECK_FAILS + 1))
  if [ "$CHECK_PENDING" = 1 ] && [ "${STRICT:-0}" != 1 ]; then
    echo "XFAIL [$(ts)] ${CHECK:+$CHECK: }$*"; XFAILS=$((XFAILS + 1))
  else
    echo "FAIL [$(ts)] ${CHECK:+$CHECK: }$*"; FAILS=$((FAILS + 1))
  fi
}
info() { echo "INFO [$(ts)] ${CHECK:+$CHECK: }$*"; }
skip_all() { echo "SKIP: $*"; exit 77; }

# ------------------------------------------------------------------------------ can it run here?
[ "$(id -u)" = 0 ] || skip_all "needs root (it boots a container)"
for p in systemd-nspawn nsenter unshare setpriv cmake; do
  command -v "$p" >/dev/null || skip_all "$p is not installed (apt-get install systemd-container)"
done
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
grep -qw overlay /proc/filesystems || skip_all "the kernel has no overlay file system"
[ -x /lib/systemd/systemd ] || [ -x /usr/lib/systemd/systemd ] || skip_all "systemd is not installed on this host, so the guest (the host's own OS) has none"
command -v dbus-daemon >/dev/null || command -v dbus-broker >/dev/null || skip_all "no D-Bus daemon installed"
[ -x "$BUILD/daemon/maintenanced" ] || { echo "FAIL: $BUILD/daemon/maintenanced is not built"; exit 1; }

# ------------------------------------------------------------------------------ the container
MACHINE=maintenanced-systest
# What a run that was killed outright (SIGKILL) left behind: its work directory and cgroups,
# named after its PID. Its container went down with it (setpriv --pdeathsig below).
for d in /var/tmp/maintenanced-systest.* /sys/fs/cgroup/maintenanced-systest-* \
         /sys/fs/cgroup/*/maintenanced-systest-*; do
  p=${d##*-systest[.-]}; p=${p%%.*}
  [ -e "$d" ] && [ "$p" -gt 0 ] 2>/dev/null && ! kill -0 "$p" 2>/dev/null || continue
  case "$d" in /sys/*) find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null ;; *) rm -rf "$d" ;; esac
done
WORK=$(mktemp -d /var/tmp/maintenanced-systest.$$.XXXXXX)
CG=maintenanced-systest-$$
NSPID="" CPID=""

# The host as it was, in what this test could touch outside its container: the files the install
# writes, the daemon's directories, the test user, /run/systemd and the build tree's manifest.
# (Only these: other users of a shared machine may add users and files meanwhile.)
hostprint() {
  {
    grep -h '^alice:' /etc/passwd /etc/group
    for d in /etc /etc/maintenanced /var/lib /run /run/motd.d /root /root/.ssh /usr/local/bin \
             /usr/local/libexec /lib/systemd/system /usr/lib/systemd/system /usr/lib/systemd/catalog \
             /usr/lib/tmpfiles.d /usr/share/dbus-1/system-services /usr/share/dbus-1/system.d \
             /usr/share/polkit-1/actions /usr/local/share/doc; do
      echo "== $d"
      ls -A "$d" 2>/dev/null | grep -x -E 'maintenance(d|ctl|\.target)?(\.(service|catalog|conf))?|maintenanced[-.].*|org\.example\.Maintenance1\..*|motd\.d|probe_.*'
    done
    echo "== /run/systemd"; ls -A /run/systemd 2>&1
    ls -l --time-style=+%s "$BUILD/install_manifest.txt" 2>&1
  }
}
HOSTPRINT=$(hostprint)

# The container plumbing both container tests share: HOST_SYSTEMD, container_cgroup_dirs,
# shutdown_container.
. "$SRC/tests/lib/container.sh"
CG_DIRS=$(container_cgroup_dirs "$CG")

X() { nsenter -t "$CPID" -a "$@"; }   # a command in all of the guest's namespaces

cleanup() {
  local rc=$?
  [ -n "$WATCHDOG_PID" ] && kill "$WATCHDOG_PID" 2>/dev/null
  [ "${KEEP:-0}" = 1 ] && [ -n "$NSPID" ] && return
  shutdown_container
  # The overlay's upper layer is a tmpfs in nspawn's private mount namespace: gone with it.
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "FAIL: interrupted or out of time (DEADLINE=${DEADLINE}s)"; exit 1' INT TERM HUP
# Our own deadline, below CTest's TIMEOUT, so that a hung step still ends in cleanup(): when it
# passes, the guest is powered off (so a command hanging in it returns) and this script stopped.
DEADLINE=${DEADLINE:-420}
WATCHDOG_PID=""
start_deadline() {
  ( trap 'kill $sp 2>/dev/null; exit 0' TERM
    sleep "$DEADLINE" & sp=$!
    # only while this script lives (a killed one leaves its watcher to init: PIDs may be reused)
    # (inside $(...), $BASHPID would be the command substitution's own: take it out here)
    me=$BASHPID
    wait $sp && [ "$(cut -d' ' -f4 /proc/$me/stat)" = $$ ] && { kill -TERM "$NSPID"; kill -TERM $$; }
  ) 2>/dev/null &
  WATCHDOG_PID=$!
}

boot() {
  # The overlay: lower=/ (read only in use), upper=a tmpfs that vanishes with the mount namespace.
  # nspawn refuses -D / with --volatile=overlay, so the overlay is made by hand. The source and
  # build trees get overlays of their own, at their own paths: a build tree on another mount
  # would not be in the / overlay, and nspawn mounts a fresh tmpfs on the guest's /tmp.
  # `cmake --install` in the guest writes only into these overlays (install_manifest.txt).
  local extra="" i=0 d
  for d in $(printf '%s\n' "$SRC" "$BUILD" | sort -u); do
    i=$((i + 1))
    extra+=" --overlay=$d:$WORK/ovl/tree$i/upper:$d"
  done
  mkdir -p "$WORK/ovl" "$WORK/merged"
  local masks=""
  # Units of the host image that only slow the boot or fire timers into the test's timer lists.
  # (Debian enables and starts a cluster when pacemaker is installed, as install-deps.sh does for
  # tests/engines: not here.)
  for u in postgresql.service apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
           e2scrub_all.timer e2scrub_reap.service fstrim.timer man-db.timer \
           systemd-tmpfiles-clean.timer logrotate.timer getty@tty1.service \
           corosync.service pacemaker.service pcsd.service pcsd-ruby.service; do
    masks+=" systemd.mask=$u"
  done
  cat >"$WORK/boot.sh" <<EOF
set -e
for d in $CG_DIRS; do mkdir -p \$d; echo \$\$ >\$d/cgroup.procs; done
# Without a host systemd, nspawn's /run/systemd/nspawn/ stays off the host's /run (a tmpfs in
# this namespace only); with one, nspawn needs the host's /run to reach it, and cleans up itself.
[ "$HOST_SYSTEMD" = 1 ] || { mount -t tmpfs tmpfs /run; mkdir -p /run/systemd; }
mount -t tmpfs tmpfs "$WORK/ovl"
mkdir -p "$WORK/ovl/upper" "$WORK/ovl/work" $(seq -f "$WORK/ovl/tree%g/upper" 1 $i | tr '\n' ' ')
mount -t overlay overlay -o "lowerdir=/,upperdir=$WORK/ovl/upper,workdir=$WORK/ovl/work" "$WORK/merged"
exec systemd-nspawn -D "$WORK/merged" -M $MACHINE --register=no $([ "$HOST_SYSTEMD" = 0 ] && echo --keep-unit) \\
     --private-network --console=passive $extra -b -- systemd.hostname=$MACHINE $masks
EOF
  local t; t=$(date +%s%N)
  # --pdeathsig: should this script be killed outright (a CTest timeout), nspawn still gets
  # SIGTERM and powers the guest off. Not with KEEP=1, which leaves the guest running.
  local pdeath="--pdeathsig TERM"
  [ "${KEEP:-0}" = 1 ] && pdeath=""
  setpriv $pdeath unshare --mount --propagation private bash "$WORK/boot.sh" >"$WORK/nspawn.log" 2>&1 &
  NSPID=$!
  start_deadline
  # nspawn forks an intermediate child that forks the guest's init: find the one named systemd
  for _ in $(seq 400); do
    for c in $(ps -o pid= --ppid "$NSPID" 2>/dev/null); do
      [ "$(cat /proc/"$c"/comm 2>/dev/null)" = systemd ] && CPID=$c
    done
    [ -n "$CPID" ] && break
    kill -0 "$NSPID" 2>/dev/null || break
    sleep 0.05
  done
  if [ -z "$CPID" ]; then fail "the container did not start: $(tail -5 "$WORK/nspawn.log")"; return 1; fi
  for _ in $(seq 200); do X test -S /run/dbus/system_bus_socket 2>/dev/null && break; sleep 0.05; done
  local st
  st=$(timeout 60 nsenter -t "$CPID" -a systemctl is-system-running --wait 2>&1)
  local secs=$((($(date +%s%N) - t) / 1000000))
  case "$st" in
    running) pass "guest systemd booted (host pid $CPID) in ${secs} ms" ;;
    degraded) pass "guest systemd booted (degraded: $(X systemctl --failed --no-legend --plain | awk '{print $1}' | tr '\n' ' ')) in ${secs} ms" ;;
    *) fail "guest state '$st' after ${secs} ms: $(tail -5 "$WORK/nspawn.log")"; return 1 ;;
  esac
}

# ------------------------------------------------------------------------------ helpers
BUS=org.example.Maintenance1
MGR_PATH=/org/example/Maintenance1
MGR=org.example.Maintenance1.Manager
CTL="" DAEMON=""

manifest_path() { X grep -m1 "$1\$" "$BUILD/install_manifest.txt"; }
ctl() { X "$CTL" --no-ask-password "$@"; }
prop() { X systemctl show -p "$2" --value "$1"; }
main_pid() { prop maintenanced.service MainPID; }
is_active() { [ "$(X systemctl is-active "$1" 2>/dev/null)" = active ]; }
win_prop() {  # ID PROPERTY -> the value, as busctl prints it without the type
  X busctl get-property $BUS "$MGR_PATH/window/$1" org.example.Maintenance1.Window "$2" 2>/dev/null |
    cut -d' ' -f2- | tr -d '"'
}
journal_cursor() { X journalctl -n0 --show-cursor -q 2>/dev/null | sed -n 's/^-- cursor: //p'; }
wait_until() {  # TENTHS COMMAND...: poll every 0.1 s
  local n=$1; shift
  for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done
  "$@"
}
wait_active_pid() {  # wait until the service is active with a main PID other than $1
  wait_until 100 sh -c "[ \"\$(nsenter -t $CPID -a systemctl is-active maintenanced)\" = active ] &&
    p=\$(nsenter -t $CPID -a systemctl show -p MainPID --value maintenanced) && [ \"\$p\" != 0 ] && [ \"\$p\" != '$1' ]"
}
window_timers() {  # ID -> the window's timer units that exist, one per line, sorted
  X systemctl list-units --all --no-legend --plain --type=timer "maintenanced-window-$1-*" 2>/dev/null |
    awk '{print $1}' | sort
}
listed_timers() {  # ID -> what `systemctl list-timers` shows of the window
  X systemctl list-timers --all --no-legend "maintenanced-window-$1-*" 2>/dev/null |
    grep -o "maintenanced-window-$1-[a-z]*\.timer" | sort
}
schedule() {  # START END [OPTIONS] -> prints the new window's id
  ctl schedule "$@" --reason "system test" 2>&1
}
# Cancels or completes every window still pending, so that each check starts from nothing.
reset_windows() {
  local line id st
  for line in $(ctl --json list 2>/dev/null | grep -o '"Id":[0-9]*,"Status":"[a-z-]*"'); do
    id=${line#\"Id\":}; id=${id%%,*}; st=${line##*:}; st=${st//\"/}
    case "$st" in
      scheduled) ctl cancel "$id" --reason "system test reset" >/dev/null 2>&1 ;;
      in-progress) ctl complete "$id" --note "system test reset" >/dev/null 2>&1 ;;
    esac
  done
}
ensure_running() {
  is_active maintenanced.service || X systemctl start maintenanced.service
}
show_journal() {  # the daemon's last lines, to explain a failure
  X journalctl -u maintenanced.service -n "${1:-15}" --no-pager -q -o short-monotonic 2>&1 | sed 's/^/    | /'
}

# ------------------------------------------------------------------------------ setup
install_project() {
  local out
  if ! X test -f "$BUILD/cmake_install.cmake"; then
    fail "the build tree $BUILD is not visible in the guest"; return 1
  fi
  if out=$(X cmake --install "$BUILD" 2>&1); then
    pass "cmake --install $BUILD in the guest ($(echo "$out" | grep -c 'Installing:') files)"
  else
    fail "cmake --install: $(echo "$out" | tail -5)"; return 1
  fi
  CTL=$(manifest_path /bin/maintenancectl)
  DAEMON=$(manifest_path /maintenanced)
  [ -n "$CTL" ] && [ -n "$DAEMON" ] || { fail "maintenanced/maintenancectl not in install_manifest.txt"; return 1; }
  X systemctl daemon-reload
  X busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig >/dev/null \
    || fail "dbus ReloadConfig failed"
  X systemd-tmpfiles --create maintenanced.conf || fail "systemd-tmpfiles --create maintenanced.conf failed"
  X journalctl --update-catalog || fail "journalctl --update-catalog failed"
  info "installed: $DAEMON, $CTL; systemd $(X systemctl --version | awk 'NR==1{print $2}')"
}

# ------------------------------------------------------------------------------ checks
check_installed_files() {
  local f missing=""
  for f in /maintenanced.service /maintenance.target /org.example.Maintenance1.service \
           /maintenanced.catalog /tmpfiles.d/maintenanced.conf /system.d/org.example.Maintenance1.conf \
           /org.example.Maintenance1.policy; do
    [ -n "$(manifest_path "$f")" ] || missing+=" $f"
  done
  [ -z "$missing" ] && pass "unit, target, activation file, catalog, tmpfiles entry, bus and polkit policy installed" \
    || fail "not installed:$missing"
  [ "$(prop maintenanced.service LoadState)" = loaded ] && pass "systemd loaded maintenanced.service" \
    || fail "maintenanced.service: LoadState=$(prop maintenanced.service LoadState)"
  local exec; exec=$(prop maintenanced.service ExecStart)
  [[ "$exec" == *"path=$DAEMON "* ]] && pass "ExecStart= is the installed daemon ($DAEMON)" || fail "ExecStart: $exec"
  X test -d /run/motd.d && pass "tmpfiles.d created /run/motd.d" || fail "no /run/motd.d"
  local out
  out=$(X systemd-analyze verify maintenanced.service maintenance.target 2>&1) && [ -z "$out" ] \
    && pass "systemd-analyze verify maintenanced.service maintenance.target: clean" \
    || fail "systemd-analyze verify: $out"
}

check_catalog() {
  local ids id missing=""
  ids=$(grep -o '"[0-9a-f]\{32\}"' "$SRC/daemon/system/message_ids.hpp" | tr -d '"')
  for id in $ids; do
    X journalctl --list-catalog "$id" 2>/dev/null | grep -q "^$id maintenanced: " || missing+=" $id"
  done
  [ -n "$ids" ] && [ -z "$missing" ] \
    && pass "journalctl --list-catalog knows all $(echo "$ids" | wc -w) MESSAGE_IDs of message_ids.hpp" \
    || fail "catalog entries missing for:$missing"
  # journalctl fills @WINDOW_ID@ from the entry: the installed text must still have it.
  X journalctl --list-catalog $ids 2>/dev/null | grep -q "Maintenance window @WINDOW_ID@ scheduled" \
    && pass "the installed catalog keeps its @WINDOW_ID@ fields for journalctl to fill" \
    || fail "the installed catalog lost its @FIELD@ words: $(X journalctl --list-catalog $ids 2>/dev/null | head -1)"
}

check_unit_security() {
  local out score
  out=$(X systemd-analyze security --no-pager maintenanced.service 2>&1)
  score=$(echo "$out" | sed -n 's/.*Overall exposure level for maintenanced.service: \([0-9.]*\).*/\1/p')
  if [ -n "$score" ] && X systemd-analyze security --threshold=20 maintenanced.service >/dev/null 2>&1; then
    pass "systemd-analyze security maintenanced.service (online): $score (at most 2.0)"
  else
    fail "security score ${score:-?} (wanted at most 2.0): $(echo "$out" | grep '✗' | awk '{print $2}' | tr '\n' ' ')"
  fi
}

# Runs a oneshot service with exactly the [Service] sandbox of the installed unit and checks from
# inside that the daemon can do its job there (its directories, the bus, transient timers and
# TerminateSession with polkit stopped, terminals, a child's network, root's SSH keys) and cannot
# do what it must not (write /usr, /etc, /run; hold a capability).
check_sandbox_probe() {
  local unit pty sid out
  unit=$(manifest_path /maintenanced.service)
  X systemctl stop maintenanced.service 2>/dev/null
  X sh -c 'id alice >/dev/null 2>&1 || useradd -m -s /bin/bash alice'
  # A terminal of alice's, as login and sshd leave it (user's, group tty, mode 0620), in a logind
  # session; root's SSH directory with a key, and a private file next to it.
  X systemd-run -q --unit=probe-tty --uid=alice -p PAMName=login /usr/bin/script -q -c 'sleep 120' /dev/null
  wait_until 30 sh -c "nsenter -t $CPID -a sh -c 'ls -l /dev/pts' | grep -q ' alice '"
  pty=$(X sh -c 'for p in /dev/pts/[0-9]*; do [ "$(stat -c %U "$p")" = alice ] && echo "$p"; done' | head -1)
  [ -n "$pty" ] && X sh -c "chgrp tty $pty && chmod 0620 $pty"
  sid=$(X loginctl list-sessions --no-legend | awk '$3=="alice"{print $1}' | head -1)
  wait_until 30 sh -c "[ \"\$(nsenter -t $CPID -a loginctl show-session '$sid' -p State --value 2>/dev/null)\" = active ]"
  X sh -c 'mkdir -p /root/.ssh && echo key >/root/.ssh/probe_key && echo secret >/root/probe_private'
  X sh -c 'cat >/etc/maintenanced-sandbox-probe.sh' <<EOF
ok() { echo "ok \$1"; }
no() { echo "no \$1"; }
try() { local n=\$1; shift; if "\$@" >/dev/null 2>&1; then ok "\$n"; else no "\$n"; fi; }
try state-dir     sh -c 'echo x >/var/lib/maintenanced/probe && rm /var/lib/maintenanced/probe'
try runtime-dir   sh -c 'echo x >/run/maintenanced/probe && rm /run/maintenanced/probe'
try motd-dir      sh -c 'echo x >/run/motd.d/maintenanced-probe && rm /run/motd.d/maintenanced-probe'
try not-etc       sh -c '! touch /etc/maintenanced-probe'
try not-usr       sh -c '! touch /usr/maintenanced-probe'
try not-run       sh -c '! touch /run/maintenanced-probe'
try ssh-key       grep -q key /root/.ssh/probe_key
try not-home      sh -c '! cat /root/probe_private'
try no-caps       grep -q '^CapEff:[[:space:]]*0*\$' /proc/self/status
try bus           busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetId
try journal       systemd-cat -t maintenanced-probe echo probe
try wall-pty      sh -c 'echo "maintenanced sandbox probe" >$pty'
# a child may open an IPv4 socket: connecting to a closed port is refused by the peer, not by
# the sandbox (which would say "Address family not supported" or "Operation not permitted")
r=\$(bash -c 'exec 3<>/dev/tcp/127.0.0.1/9' 2>&1)
case "\$r" in *refused*|"") ok child-inet ;; *) no "child-inet(\$r)" ;; esac
# ssh as a host command would run: resolves a name and connects (nobody listens: refused)
r=\$(ssh -o BatchMode=yes -o ConnectTimeout=3 -o StrictHostKeyChecking=no localhost true 2>&1)
case "\$r" in *"Connection refused"*) ok child-ssh ;; *) no "child-ssh(\$r)" ;; esac
try transient-timer busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager \
    StartTransientUnit 'ssa(sv)a(sa(sv))' maintenanced-probe.timer fail \
    2 OnActiveSec t 3600000000 AccuracyUSec t 1000000 \
    1 maintenanced-probe.service 1 ExecStart 'a(sasb)' 1 /bin/true 1 /bin/true false
try stop-unit     busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager \
    StopUnit ss maintenanced-probe.timer replace
try terminate-session busctl call org.freedesktop.login1 /org/freedesktop/login1 org.freedesktop.login1.Manager \
    TerminateSession s '$sid'
EOF
  # The probe unit: the installed [Service] section minus what makes it the daemon.
  X sh -c "{ echo '[Unit]'; echo 'Description=maintenanced sandbox probe'; echo '[Service]';
             awk '/^\[Service\]/{s=1; next} /^\[/{s=0}
                  s && !/^(Type|BusName|ExecStart|ExecReload|NotifyAccess|WatchdogSec|Restart|RestartPreventExitStatus)=/' '$unit'
             echo 'Type=oneshot'; echo 'ExecStart=/bin/bash /etc/maintenanced-sandbox-probe.sh'
           } >/run/systemd/system/maintenanced-sandbox-probe.service"
  X systemctl daemon-reload
  # Without polkit, so the transient timer and TerminateSession are allowed for root as such.
  X systemctl mask --runtime --now polkit.service >/dev/null 2>&1
  X systemctl start maintenanced-sandbox-probe.service 2>/dev/null
  X systemctl unmask --runtime polkit.service >/dev/null 2>&1
  out=$(X journalctl -u maintenanced-sandbox-probe.service -o cat --no-pager -q 2>/dev/null | grep -E '^(ok|no) ')
  local want got
  for want in state-dir runtime-dir motd-dir not-etc not-usr not-run ssh-key not-home no-caps bus journal \
              wall-pty child-inet child-ssh transient-timer stop-unit terminate-session; do
    got=$(echo "$out" | grep -E "^(ok|no) $want(\(|\$)" | head -1)
    case "$got" in
      "ok $want") pass "in the unit's sandbox: $want" ;;
      "") fail "in the unit's sandbox: $want did not run" ;;
      *) fail "in the unit's sandbox: $want refused ($got)" ;;
    esac
  done
  [ -z "$pty" ] && fail "no pseudo-terminal of alice's was found for the wall probe"
  X systemctl stop probe-tty.service 2>/dev/null
  X rm -f /run/systemd/system/maintenanced-sandbox-probe.service /etc/maintenanced-sandbox-probe.sh \
          /root/.ssh/probe_key /root/probe_private
  X systemctl daemon-reload
}

check_service_start() {
  local out
  X systemctl stop maintenanced.service 2>/dev/null
  if out=$(X systemctl start maintenanced.service 2>&1) && is_active maintenanced.service; then
    pass "systemctl start maintenanced: active (running), MainPID $(main_pid)"
  else
    fail "systemctl start maintenanced: $out"; show_journal; return
  fi
  local owner; owner=$(X busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
                         GetConnectionUnixProcessID s $BUS 2>/dev/null | awk '{print $2}')
  [ "$owner" = "$(main_pid)" ] && pass "the main process owns $BUS" || fail "$BUS is owned by pid '$owner', MainPID $(main_pid)"
}

check_bus_call() {
  ensure_running
  local out
  out=$(X busctl call $BUS $MGR_PATH $MGR ListWindows 2>&1) && pass "busctl call ... Manager ListWindows -> $out" \
    || fail "busctl call ListWindows: $out"
  out=$(X busctl get-property $BUS $MGR_PATH $MGR Version 2>&1) && pass "busctl get-property ... Version -> $out" \
    || fail "Version: $out"
  out=$(ctl status 2>&1) && pass "maintenancectl status: $(echo "$out" | head -1 | tr -s ' ')" \
    || fail "maintenancectl status: $out"
}

check_watchdog_armed() {
  ensure_running
  local usec pid envs
  usec=$(X systemctl show -p WatchdogUSec --value maintenanced.service)
  [ -n "$usec" ] && [ "$usec" != 0 ] && [ "$usec" != infinity ] && pass "WatchdogUSec=$usec" \
    || fail "WatchdogUSec='$usec'"
  pid=$(main_pid)
  envs=$(X cat "/proc/$pid/environ" 2>/dev/null | tr '\0' '\n')
  if echo "$envs" | grep -q '^WATCHDOG_USEC=[1-9]' && echo "$envs" | grep -qx "WATCHDOG_PID=$pid"; then
    pass "the daemon's environment: $(echo "$envs" | grep '^WATCHDOG_' | tr '\n' ' ')"
  else
    fail "no WATCHDOG_USEC/WATCHDOG_PID=$pid in the daemon's environment"
  fi
}

check_reload() {
  ensure_running
  reset_windows
  local pid cursor out id lead
  pid=$(main_pid)
  cursor=$(journal_cursor)
  X sh -c 'mkdir -p /etc/maintenanced && printf "[Notify]\nLeadTimeSec=7min\n" >/etc/maintenanced/maintenanced.conf'
  if out=$(X systemctl reload maintenanced.service 2>&1); then pass "systemctl reload maintenanced"
  else fail "systemctl reload: $out"; show_journal; fi
  is_active maintenanced.service && [ "$(main_pid)" = "$pid" ] \
    && pass "still active, same MainPID $pid" || fail "after reload: $(X systemctl is-active maintenanced), MainPID $(main_pid) (was $pid)"
  X journalctl -u maintenanced.service --after-cursor="$cursor" -o cat --no-pager -q | grep -q "Configuration reloaded" \
    && pass "the journal says: Configuration reloaded" || fail "no 'Configuration reloaded' in the journal"
  # The new LeadTimeSec= is the default notice time of a new window: visible over the bus.
  id=$(schedule +2h +3h)
  lead=$(win_prop "$id" NotifyLeadUSec)
  [ "$lead" = 420000000 ] && pass "a window scheduled after the reload has NotifyLeadUSec=420000000 (LeadTimeSec=7min)" \
    || fail "NotifyLeadUSec of window '$id' is '$lead', wanted 420000000 (schedule said: $id)"
  reset_windows
  # A broken configuration: reload fails, the daemon keeps running on the old one.
  X sh -c 'printf "[Notify]\nLeadTimeSec=7min\nNoSuchKey=1\n" >/etc/maintenanced/maintenanced.conf'
  if out=$(X systemctl reload maintenanced.service 2>&1); then
    fail "systemctl reload accepted a broken configuration"
  else
    pass "systemctl reload refuses a broken configuration"
  fi
  is_active maintenanced.service && [ "$(main_pid)" = "$pid" ] \
    && pass "and the daemon keeps running (MainPID $pid)" || fail "after a refused reload: $(X systemctl is-active maintenanced)"
  X journalctl -u maintenanced.service --after-cursor="$cursor" --no-pager -q -o cat | grep -q "maintenanced.conf:3" \
    && pass "the journal names the bad line (maintenanced.conf:3)" || fail "the journal does not name maintenanced.conf:3"
  X rm -f /etc/maintenanced/maintenanced.conf
  X systemctl reload maintenanced.service >/dev/null 2>&1 || fail "reload back to the built-in defaults failed"
}

check_bus_activation() {
  local cursor out old
  old=$(main_pid)
  X systemctl stop maintenanced.service
  is_active maintenanced.service && { fail "maintenanced did not stop"; return; }
  cursor=$(journal_cursor)
  if out=$(X busctl call $BUS $MGR_PATH org.freedesktop.DBus.Peer Ping 2>&1); then
    pass "with the service stopped, a busctl call to $BUS succeeds"
  else
    fail "busctl call with the service stopped: $out"
  fi
  is_active maintenanced.service && [ "$(main_pid)" != "$old" ] \
    && pass "and started maintenanced.service (MainPID $(main_pid))" || fail "maintenanced is $(X systemctl is-active maintenanced)"
  X journalctl --after-cursor="$cursor" --no-pager -q -o cat | grep -q "Activating via systemd: service name='$BUS' unit='maintenanced.service'" \
    && pass "dbus-daemon: Activating via systemd: ... unit='maintenanced.service'" \
    || fail "no 'Activating via systemd' for maintenanced.service in the journal"
  out=$(ctl status 2>&1) && pass "maintenancectl status after activation" || fail "maintenancectl status: $out"
}

# --- The daemon's own children in the real unit: a command precheck, a command host and
# the local host (maintenance.target), configured and flipped through maintenancectl.
check_children_and_hosts() {
  ensure_running
  reset_windows
  local out
  X sh -c 'mkdir -p /etc/maintenanced && cat >/etc/maintenanced/maintenanced.conf' <<'EOF'
[Host localhost]
Backend=local

[Host node1]
Backend=command
EnterCommand=/usr/bin/touch /run/maintenanced/test-%h-in-maintenance
LeaveCommand=/usr/bin/rm -f /run/maintenanced/test-%h-in-maintenance
StatusCommand=/usr/bin/test -e /run/maintenanced/test-%h-in-maintenance
TimeoutSec=10

[Check child]
Type=command
Command=/bin/echo a child of the sandboxed daemon ran
Severity=warning
EOF
  X systemctl reload maintenanced.service >/dev/null 2>&1 || { fail "reload with hosts and a check failed"; show_journal 3; }
  out=$(ctl dry-run 2>&1)
  echo "$out" | grep -q "a child of the sandboxed daemon ran" \
    && pass "dry-run ran the command check: $(echo "$out" | grep child | tr -s ' ')" || fail "dry-run: $out"
  out=$(ctl host-maintenance localhost on 2>&1)
  [ "$(X systemctl is-active maintenance.target)" = active ] && pass "host-maintenance localhost on: maintenance.target active" \
    || fail "host-maintenance localhost on: $out; maintenance.target $(X systemctl is-active maintenance.target)"
  out=$(ctl host-maintenance localhost off 2>&1)
  [ "$(X systemctl is-active maintenance.target)" != active ] && pass "host-maintenance localhost off: maintenance.target stopped" \
    || fail "host-maintenance localhost off: $out"
  out=$(ctl host-maintenance node1 on 2>&1)
  X test -e /run/maintenanced/test-node1-in-maintenance && ctl hosts 2>/dev/null | grep -q "node1 *maintenance" \
    && pass "host-maintenance node1 on: EnterCommand ran, StatusCommand says maintenance" \
    || fail "host-maintenance node1 on: $out; hosts: $(ctl hosts 2>&1 | tr '\n' ';')"
  out=$(ctl host-maintenance node1 off 2>&1)
  X test -e /run/maintenanced/test-node1-in-maintenance && fail "host-maintenance node1 off: $out" \
    || pass "host-maintenance node1 off: LeaveCommand ran"
  X rm -f /etc/maintenanced/maintenanced.conf
  X systemctl reload maintenanced.service >/dev/null 2>&1
}

# --- MESSAGE_IDs in the journal (daemon/system/message_ids.hpp).
check_journal_message_id() {
  ensure_running
  reset_windows
  local id scheduled out
  scheduled=$(grep -o 'kScheduled = "[0-9a-f]*"' "$SRC/daemon/system/message_ids.hpp" | grep -o '[0-9a-f]\{32\}')
  id=$(schedule +2h +3h)
  wait_until 20 sh -c "nsenter -t $CPID -a journalctl MESSAGE_ID=$scheduled WINDOW_ID=$id -q --no-pager | grep -q ."
  out=$(X journalctl MESSAGE_ID="$scheduled" WINDOW_ID="$id" _SYSTEMD_UNIT=maintenanced.service -q --no-pager -o cat 2>&1)
  [ -n "$out" ] && pass "journalctl MESSAGE_ID=$scheduled WINDOW_ID=$id: $out" \
    || fail "journalctl MESSAGE_ID=$scheduled WINDOW_ID=$id finds nothing after 'maintenancectl schedule'"
  out=$(X journalctl -x MESSAGE_ID="$scheduled" WINDOW_ID="$id" -q --no-pager 2>&1)
  echo "$out" | grep -q "Subject: Maintenance window $id scheduled" \
    && pass "journalctl -x explains it from the catalog (Subject: Maintenance window $id scheduled)" \
    || fail "journalctl -x shows no catalog text for window $id"
  reset_windows
}

# --- Every lifecycle event's MESSAGE_ID is in the journal, from the daemon's unit, after this
# check made each happen: a window that is updated and cancelled (its notice time already
# passed, so it is upcoming at once), one completed, one failed, and a caller refused.
# (kProblem is for things going wrong, which these tests do not provoke.)
check_journal_each_event() {
  ensure_running
  reset_windows
  local id name mid n missing="" found=""
  id=$(schedule +10min +1h --lead 1h)
  ctl update "$id" --comment "system test update" >/dev/null 2>&1 || fail "maintenancectl update $id failed"
  ctl cancel "$id" --reason "system test" >/dev/null 2>&1 || fail "maintenancectl cancel $id failed"
  id=$(schedule +2h +3h)
  ctl start "$id" --force >/dev/null 2>&1 || fail "maintenancectl start $id --force failed"
  ctl complete "$id" --note "system test" >/dev/null 2>&1 || fail "maintenancectl complete $id failed"
  id=$(schedule +2h +3h)
  ctl start "$id" --force >/dev/null 2>&1 || fail "maintenancectl start $id --force failed"
  ctl complete "$id" --failed --note "system test failure" >/dev/null 2>&1 || fail "maintenancectl complete $id --failed failed"
  ctl host-maintenance localhost off >/dev/null 2>&1
  X sh -c 'id alice >/dev/null 2>&1 || useradd -m -s /bin/bash alice'
  X systemd-run -q --wait --pipe --uid=alice "$CTL" --no-ask-password schedule +2h +3h --reason denied >/dev/null 2>&1 \
    && fail "alice could schedule a window"
  for name in $(grep -o 'k[A-Za-z]* = "[0-9a-f]\{32\}"' "$SRC/daemon/system/message_ids.hpp" | awk '{print $1}'); do
    [ "$name" = kProblem ] && continue
    mid=$(grep -o "$name = \"[0-9a-f]*\"" "$SRC/daemon/system/message_ids.hpp" | grep -o '[0-9a-f]\{32\}')
    n=$(X journalctl MESSAGE_ID="$mid" _SYSTEMD_UNIT=maintenanced.service -q --no-pager -o cat 2>/dev/null | wc -l)
    [ "$n" -gt 0 ] && found+=" ${name#k}($n)" || missing+=" ${name#k}"
  done
  [ -z "$missing" ] && pass "journalctl MESSAGE_ID=... finds every lifecycle event:$found" \
    || fail "journalctl MESSAGE_ID=... finds nothing for:$missing (found:$found)"
}

# --- WATCHDOG=1 pings. With a 4 s watchdog, the daemon must survive 6 s.
check_watchdog_pings() {
  ensure_running
  X sh -c 'mkdir -p /run/systemd/system/maintenanced.service.d &&
           printf "[Service]\nWatchdogSec=4s\n" >/run/systemd/system/maintenanced.service.d/watchdog-test.conf'
  X systemctl daemon-reload
  X systemctl restart maintenanced.service
  local pid restarts t0 t1
  pid=$(main_pid); restarts=$(prop maintenanced.service NRestarts)
  t0=$(prop maintenanced.service WatchdogTimestampMonotonic)
  sleep 6
  t1=$(prop maintenanced.service WatchdogTimestampMonotonic)
  if is_active maintenanced.service && [ "$(main_pid)" = "$pid" ] && [ "$(prop maintenanced.service NRestarts)" = "$restarts" ]; then
    pass "with WatchdogSec=4s the daemon lived 6 s without being killed"
  else
    fail "with WatchdogSec=4s: $(X systemctl is-active maintenanced), MainPID $(main_pid) (was $pid), Result=$(prop maintenanced.service Result)"
  fi
  [ "$t1" -gt "$t0" ] 2>/dev/null && pass "WatchdogTimestamp advanced (pings arrive)" \
    || fail "WatchdogTimestampMonotonic did not advance ($t0 -> $t1)"
  X rm -rf /run/systemd/system/maintenanced.service.d
  X systemctl daemon-reload
  X systemctl reset-failed maintenanced.service 2>/dev/null
  X systemctl restart maintenanced.service
}

# --- The systemd timer scheduler (Scheduler=auto picks it under systemd).
check_timers_created() {
  ensure_running
  reset_windows
  local id want got acc
  id=$(schedule +2h +3h --lead 30min)
  want=$(printf 'maintenanced-window-%s-%s.timer\n' "$id" end "$id" start "$id" upcoming | sort)
  wait_until 20 sh -c "[ \"\$(nsenter -t $CPID -a systemctl list-timers --all --no-legend 'maintenanced-window-$id-*' | wc -l)\" = 3 ]"
  got=$(listed_timers "$id")
  [ "$got" = "$want" ] && pass "systemctl list-timers shows $(echo $got)" \
    || fail "list-timers for window $id: '$(echo $got)', wanted '$(echo $want)'"
  acc=$(prop "maintenanced-window-$id-start.timer" AccuracyUSec)
  case "$acc" in 0|*us|*ms|1s) pass "the start timer's AccuracyUSec=$acc" ;; *) fail "start timer AccuracyUSec='$acc'" ;; esac
  reset_windows
}

check_timer_starts_window() {
  ensure_running
  reset_windows
  local start id st started
  start=$(($(X date +%s) + 4))
  id=$(schedule "@$start" +1h --lead 1s)
  wait_until 60 sh -c "nsenter -t $CPID -a busctl get-property $BUS $MGR_PATH/window/$id org.example.Maintenance1.Window Status 2>/dev/null | grep -q in-progress"
  st=$(win_prop "$id" Status)
  started=$(win_prop "$id" StartedUSec)
  if [ "$st" = in-progress ] && [ -n "$started" ] && [ "$started" -ge $((start * 1000000)) ] && [ "$started" -le $((start * 1000000 + 1000000)) ]; then
    pass "window $id started by itself $(((started - start * 1000000) / 1000)) ms after its start time"
  else
    fail "window $id: Status=$st StartedUSec=$started, start time ${start}000000 (wanted within 1 s)"
  fi
  [ "$(win_prop "$id" StartedByUID)" = 0 ] && pass "started by the timer (StartedByUID=0)" \
    || info "StartedByUID=$(win_prop "$id" StartedByUID)"
  reset_windows
}

check_cancel_removes_timers() {
  ensure_running
  reset_windows
  local id
  id=$(schedule +2h +3h)
  wait_until 20 sh -c "[ -n \"\$(nsenter -t $CPID -a systemctl list-units --all --no-legend --plain 'maintenanced-window-$id-*')\" ]"
  [ -n "$(window_timers "$id")" ] || { fail "window $id has no timers to remove"; reset_windows; return; }
  ctl cancel "$id" --reason "system test" >/dev/null 2>&1 || fail "maintenancectl cancel $id failed"
  wait_until 20 sh -c "[ -z \"\$(nsenter -t $CPID -a systemctl list-units --all --no-legend --plain 'maintenanced-window-$id-*')\" ]"
  [ -z "$(X systemctl list-units --all --no-legend --plain "maintenanced-window-$id-*")" ] \
    && pass "Cancel removed window $id's timers and services" \
    || fail "left after Cancel: $(X systemctl list-units --all --no-legend --plain "maintenanced-window-$id-*" | awk '{print $1}' | tr '\n' ' ')"
}

check_elapsed_is_for_the_timer_only() {
  ensure_running
  reset_windows
  local id out
  id=$(schedule +2h +3h)
  # Root, but not running in the window's own timer service: refused, and nothing starts.
  out=$(X busctl call $BUS $MGR_PATH org.example.Maintenance1.Timers Elapsed us "$id" start 2>&1)
  [[ "$out" == *"maintenanced-window-$id-start.service"* || "$out" == *"ccess denied"* ]] \
    && pass "root outside the timer's unit is refused: $out" || fail "Elapsed as plain root: $out"
  # The right unit name, but a service made by hand as another user: the bus policy says no.
  X sh -c 'id alice >/dev/null 2>&1 || useradd -m -s /bin/bash alice'
  # (a window id with no units of its own, so that the name is free)
  out=$(X systemd-run --wait --pipe -q --uid=alice --unit="maintenanced-window-$((id + 1000))-end" \
          busctl call $BUS $MGR_PATH org.example.Maintenance1.Timers Elapsed us $((id + 1000)) end 2>&1)
  [[ "$out" == *"ccess denied"* || "$out" == *"AccessDenied"* ]] \
    && pass "a non-root caller is refused by the bus policy: $out" || fail "Elapsed as alice: $out"
  out=$(X busctl call $BUS $MGR_PATH org.example.Maintenance1.Timers Elapsed us "$id" begin 2>&1)
  [[ "$out" == *"upcoming, start or end"* ]] && pass "an unknown timer kind: $out" || fail "Elapsed begin: $out"
  [ "$(win_prop "$id" Status)" = scheduled ] && pass "window $id is still scheduled" \
    || fail "window $id is $(win_prop "$id" Status) after refused Elapsed calls"
  reset_windows
}

check_restart_and_kill_keep_timers() {
  ensure_running
  reset_windows
  local start id pid want
  # A window that starts in 8 s: restart and kill -9 before its start, then again while it runs.
  start=$(($(X date +%s) + 8))
  id=$(schedule "@$start" +1h --lead 1h)
  want=$(printf 'maintenanced-window-%s-%s.timer\n' "$id" end "$id" start | sort)
  local expect_same
  expect_same() {  # WHAT: the window's timers are exactly $want
    local got; got=$(window_timers "$id")
    [ "$got" = "$want" ] && pass "after $1: timers $(echo $got)" || fail "after $1: timers '$(echo $got)', wanted '$(echo $want)'"
  }
  wait_until 20 sh -c "[ -n \"\$(nsenter -t $CPID -a systemctl list-units --all --no-legend --plain 'maintenanced-window-$id-start.timer')\" ]"
  pid=$(main_pid); X systemctl restart maintenanced.service; wait_active_pid "$pid"
  expect_same "systemctl restart (before the start)"
  pid=$(main_pid); X kill -9 "$pid"; wait_active_pid "$pid"
  expect_same "kill -9 (before the start)"
  wait_until 100 sh -c "nsenter -t $CPID -a busctl get-property $BUS $MGR_PATH/window/$id org.example.Maintenance1.Window Status 2>/dev/null | grep -q in-progress"
  [ "$(win_prop "$id" Status)" = in-progress ] && pass "window $id started through its timer across the restarts" \
    || fail "window $id is $(win_prop "$id" Status) after its start time"
  want=$(printf 'maintenanced-window-%s-end.timer\n' "$id")
  pid=$(main_pid); X systemctl restart maintenanced.service; wait_active_pid "$pid"
  expect_same "systemctl restart (in progress)"
  pid=$(main_pid); X kill -9 "$pid"; wait_active_pid "$pid"
  expect_same "kill -9 (in progress)"
  [ "$(win_prop "$id" Status)" = in-progress ] || fail "window $id is $(win_prop "$id" Status) after the restarts"
  # No step twice: every line of the window's Log appears once.
  local msgs dups
  # (The Log's entries only: HostResults and PrecheckResults have a "Message" of their own.)
  msgs=$(ctl --json show "$id" 2>/dev/null | grep -o '"Level":"[a-z]*","Message":"\([^"\\]\|\\.\)*"')
  dups=$(echo "$msgs" | sort | uniq -d)
  [ -n "$msgs" ] && [ -z "$dups" ] && pass "window $id's Log has each of its $(echo "$msgs" | wc -l) lines once" \
    || fail "window $id's Log repeats: ${dups:-<empty log>}"
  reset_windows
}

# ------------------------------------------------------------------------------ logins and sessions
# The users of the session checks, in the guest only (its /etc is the overlay): alice a plain
# user, bob a member of maintadmin (an admin under the default [Access] AdminGroups), and root.
# The project's example polkit rule (maintadmin may do everything) is installed the way its
# comment says, so that bob may start windows and end sessions.
SESSION_OUT=/tmp/maintenanced-systest-caller.out
# --- Mail from inside the service's sandbox: the guest's own exim4 (Debian's default MTA, the
# configured Sendmail=/usr/sbin/sendmail) queues and delivers the scheduled and cancelled notices
# to alice's mailbox. Inside maintenanced.service (no capabilities, /var read-only) exim's
# sendmail cannot run ("setgroups() failed"): the daemon runs it in a transient unit of its own.
check_mail_from_the_service() {
  ensure_running
  reset_windows
  session_users
  if ! X test -x /usr/sbin/exim4; then fail "no exim4 in the guest (install-deps installs exim4-daemon-light)"; return 1; fi
  X systemctl start exim4.service 2>/dev/null
  X sh -c 'mkdir -p /etc/maintenanced && printf "[Audience ops]\nUsers=alice\n" >/etc/maintenanced/maintenanced.conf'
  X systemctl reload maintenanced.service || { fail "reload with an audience failed"; show_journal; return 1; }
  X sh -c ': >/var/mail/alice; chown alice:mail /var/mail/alice; chmod 0660 /var/mail/alice'
  local id log
  id=$(schedule +2h +3h --notify ops)
  # (The Subject is RFC 2047-encoded: it holds an en dash. The X-Maintenance headers are plain.)
  if wait_until 150 X grep -qx "X-Maintenance-Event: scheduled" /var/mail/alice; then
    pass "the scheduled notice of window $id reached alice's mailbox through exim4"
  else
    fail "no scheduled notice in /var/mail/alice"; window_log "$id" | sed 's/^/    | /'; show_journal
  fi
  ctl cancel "$id" --reason "system test" >/dev/null 2>&1
  wait_until 150 X grep -qx "X-Maintenance-Event: cancelled" /var/mail/alice \
    && pass "and then the cancellation" || fail "no cancellation mail in /var/mail/alice"
  log=$(window_log "$id")
  if grep -qi "notice failed" <<<"$log"; then fail "the window's Log records a failed notice: $log"
  else pass "the window's Log records no failed notice"; fi
  X rm -f /etc/maintenanced/maintenanced.conf
  X systemctl reload maintenanced.service >/dev/null 2>&1 || fail "reload back to the built-in defaults failed"
}

# --- Wall reaches a real login terminal: alice logs in with login(1) on a pseudo-terminal that
# script(1) holds (login writes the utmp record, pam_systemd makes the logind session). Debian's
# login leaves her terminal mode 0600 (TTYPERM): messages off, which the daemon (no
# CAP_DAC_OVERRIDE) respects as wall(1) does, and says so in the journal. She types `mesg y`;
# then a cancellation and the next window's upcoming notice appear on her screen.
check_wall_login_terminal() {
  ensure_running
  reset_windows
  session_users
  local unit=maint-systest-tty screen=/var/tmp/maint-wall.typescript keys=/run/maint-wall.keys
  local id pty cursor
  X rm -f "$screen" "$keys"
  X mkfifo -m 0600 "$keys"
  reset_unit "$unit"
  # What is written into $keys is typed at her shell; a writer that stays keeps it from EOF.
  X systemd-run -q --unit="$unit" /bin/sh -c \
    "sleep 600 >$keys & exec /usr/bin/script -qfc '/bin/login -f alice' $screen <$keys"
  if ! wait_until 150 X sh -c "who | grep -q '^alice *pts/'"; then
    fail "alice's login on a pseudo-terminal is not in utmp: who says '$(X who)'"
    X tail -5 "$screen" 2>&1 | sed 's/^/    | /'
    stop_units "$unit"; return 1
  fi
  pty=/dev/$(X who | awk '$1=="alice" && $2 ~ /^pts\// {print $2; exit}')
  cursor=$(journal_cursor)
  # 10 minutes ahead with a 30-minute lead: the upcoming notice is due at once.
  id=$(schedule +10min +1h --lead 30min)
  if wait_until 50 sh -c "nsenter -t $CPID -a journalctl -u maintenanced.service --after-cursor='$cursor' -q -o cat |
                          grep -qF '$pty: its user turned messages off (mesg n)'"; then
    pass "alice's login terminal with messages off ($(X stat -c %a "$pty")) is left alone, and the journal says why"
  else
    fail "no journal line saying $pty has messages off"; show_journal
  fi
  X grep -q "Maintenance of this system" "$screen" && fail "the notice was written to a terminal with messages off"
  X sh -c "echo 'mesg y' >$keys"
  wait_until 50 sh -c "[ \"\$(nsenter -t $CPID -a stat -c %a $pty)\" = 620 ]" \
    || fail "mesg y did not open alice's terminal ($(X stat -c %a "$pty"))"
  ctl cancel "$id" --reason "system test" >/dev/null 2>&1
  if wait_until 100 X grep -q "is cancelled" "$screen"; then
    pass "after mesg y, the cancellation of window $id reached alice's terminal"
  else
    fail "no cancellation notice on alice's terminal"; X tail -5 "$screen" 2>&1 | sed 's/^/    | /'
  fi
  id=$(schedule +10min +1h --lead 30min --notify-message "Save your work, please.")
  if wait_until 100 X grep -q "Maintenance of this system starts" "$screen"; then
    pass "the upcoming notice of window $id reached it"
  else
    fail "no upcoming notice on alice's terminal"; X tail -5 "$screen" 2>&1 | sed 's/^/    | /'; show_journal
  fi
  X grep -q "Broadcast message from maintenanced" "$screen" && X grep -q "Save your work, please." "$screen" \
    && pass "with the broadcast banner and the notify message" \
    || fail "the notice on alice's terminal lacks the banner or the message: $(X tail -c 400 "$screen")"
  ctl cancel "$id" --reason "system test" >/dev/null 2>&1
  stop_units "$unit"
  X rm -f "$screen" "$keys"
}

session_users() {
  X sh -c 'getent group maintadmin >/dev/null || groupadd maintadmin
           id alice >/dev/null 2>&1 || useradd -m -s /bin/bash alice
           id bob >/dev/null 2>&1 || useradd -m -s /bin/bash -G maintadmin bob
           id -nG bob | grep -qw maintadmin || usermod -aG maintadmin bob'
  if ! X test -f /etc/polkit-1/rules.d/49-maintenanced.rules; then
    local rules; rules=$(manifest_path /maintadmin.rules.example)
    [ -n "$rules" ] || { fail "maintadmin.rules.example is not in install_manifest.txt"; return 1; }
    X install -m 0644 "$rules" /etc/polkit-1/rules.d/49-maintenanced.rules
    sleep 0.5   # polkitd reloads its rules when the directory changes
  fi
  # What runs in a caller's own session: says which session that is (pam_systemd's
  # XDG_SESSION_ID, and logind's answer for this very process), runs the command, and stays, so
  # that the session stays too. (A file, not `sh -c`: systemd would expand the $ itself.)
  X sh -c 'cat >/run/maintenanced-systest-caller.sh' <<'EOF'
out=$1; shift
{ echo "session=${XDG_SESSION_ID:-none}"
  busctl call org.freedesktop.login1 /org/freedesktop/login1 org.freedesktop.login1.Manager \
    GetSessionByPID u $$ 2>&1 | sed 's/^/by-pid=/'
  "$@"; echo "rc=$?"; } >"$out.tmp" 2>&1
mv "$out.tmp" "$out"
exec sleep 600
EOF
}
login1() { X busctl call org.freedesktop.login1 /org/freedesktop/login1 org.freedesktop.login1.Manager "$@"; }
session_state() { X loginctl show-session "$1" -p State --value 2>/dev/null; }
session_gone() { [ -z "$(session_state "$1")" ]; }
sessions_of() { X loginctl list-sessions --no-legend 2>/dev/null | awk -v u="$1" '$3==u{print $1}' | sort -n | tr '\n' ' '; }
# UNIT: the id of the logind session the unit's main process is in, once that session is active
# (a session still "opening" can leave its processes behind when it is ended).
session_of_unit() {
  local pid path sid=""
  for _ in $(seq 50); do
    pid=$(prop "$1" MainPID)
    if [ -n "$pid" ] && [ "$pid" != 0 ]; then
      path=$(login1 GetSessionByPID u "$pid" 2>/dev/null | awk '{print $2}' | tr -d '"')
      [ -n "$path" ] && sid=$(X busctl get-property org.freedesktop.login1 "$path" \
                                org.freedesktop.login1.Session Id 2>/dev/null | awk '{print $2}' | tr -d '"')
      [ -n "$sid" ] && [ "$(session_state "$sid")" = active ] && { echo "$sid"; return 0; }
    fi
    sleep 0.1
  done
  [ -n "$sid" ] && echo "$sid"
  return 1
}
# USER UNIT [user]: starts a session of USER opened by the PAM service "login" for a transient
# unit, as systemd-run -p PAMName=login makes it (class background; "user" asks pam_systemd for
# class user). session_of_unit UNIT then says its id: a user's first session takes a second or
# two (the user manager starts), so a check starts all of its sessions before it waits for one.
start_session() {
  local env=""
  [ "${3:-}" = user ] && env="-E XDG_SESSION_CLASS=user -E XDG_SESSION_TYPE=tty"
  reset_unit "$2"
  X systemd-run -q --unit="$2" --uid="$1" -p PAMName=login $env /usr/bin/sleep 600
}
# USER UNIT: starts a session of USER opened by `su -l USER`, run by root in a transient unit.
start_su_session() {
  reset_unit "$2"
  X systemd-run -q --unit="$2" /bin/su -l "$1" -c '/usr/bin/sleep 600'
}
open_session() { start_session "$@" && session_of_unit "$2"; }
reset_unit() { X sh -c "systemctl stop '$1'; systemctl reset-failed '$1'" 2>/dev/null; true; }
# USER UNIT CMD...: runs CMD as USER in a logind session of its own (PAM service "login", class
# user) and waits for it; the unit stays afterwards and with it the session. Prints the caller
# script's output (session=ID, by-pid=..., CMD's output, rc=STATUS).
run_in_session() {
  local user=$1 unit=$2; shift 2
  X rm -f "$SESSION_OUT" "$SESSION_OUT.tmp"
  reset_unit "$unit"
  X systemd-run -q --unit="$unit" --uid="$user" -p PAMName=login -E XDG_SESSION_CLASS=user \
    -E XDG_SESSION_TYPE=tty /bin/sh /run/maintenanced-systest-caller.sh "$SESSION_OUT" "$@"
  wait_until 150 X test -f "$SESSION_OUT"
  X cat "$SESSION_OUT" 2>&1
}
stop_units() { X systemctl stop "$@" 2>/dev/null; X systemctl reset-failed "$@" 2>/dev/null; true; }
window_log() {  # ID -> the messages of the window's Log, one per line
  ctl --json show "$1" 2>/dev/null | grep -o '"Level":"[a-z]*","Message":"\([^"\\]\|\\.\)*"' |
    sed 's/^"Level":"[a-z]*","Message":"//; s/"$//'
}
count_lines() { grep -cxF -- "$1" <<<"$2"; }
# The window in progress, started by root (from outside any session) if there is none.
window_in_progress() {
  local path id
  path=$(X busctl get-property $BUS $MGR_PATH $MGR ActiveWindow 2>/dev/null | awk '{print $2}' | tr -d '"')
  if [ -n "$path" ] && [ "$path" != / ]; then echo "${path##*/}"; return 0; fi
  id=$(schedule +2h +3h --login-message "$LOGIN_MSG" --show-login-message)
  ctl start "$id" --force >/dev/null 2>&1 || { fail "maintenancectl start $id --force failed"; return 1; }
  echo "$id"
}
LOGIN_MSG="Down for the kernel upgrade until 04:00; try again then."

# --- A window started by an admin (bob, maintadmin) from his own session ends every session of
# the plain user (a PAM login and an su -l), and no session of bob's or root's; its Log names
# each ended session once.
check_sessions_end_on_start() {
  ensure_running
  reset_windows
  session_users || return
  local a1 a2 b r id out s uid_alice uid_bob
  start_session alice systest-alice-login; start_su_session alice systest-alice-su
  start_session bob systest-bob-login user; start_session root systest-root-login user
  a1=$(session_of_unit systest-alice-login) || fail "no active session of alice through PAMName=login (${a1:-none})"
  a2=$(session_of_unit systest-alice-su) || fail "no active session of alice through su -l (${a2:-none})"
  b=$(session_of_unit systest-bob-login) || fail "no active session of bob (${b:-none})"
  r=$(session_of_unit systest-root-login) || fail "no active session of root (${r:-none})"
  [ -n "$a1" ] && [ -n "$a2" ] && [ -n "$b" ] && [ -n "$r" ] || { stop_units 'systest-*'; return; }
  pass "active sessions: alice $a1 (PAMName=login), alice $a2 (su -l), bob $b (class $(X loginctl show-session "$b" -p Class --value)), root $r"
  uid_alice=$(X id -u alice); uid_bob=$(X id -u bob)
  id=$(schedule +2h +3h --login-message "$LOGIN_MSG" --show-login-message)
  out=$(run_in_session bob systest-bob-start "$CTL" --no-ask-password start "$id")
  s=$(echo "$out" | sed -n 's/^session=//p')
  if echo "$out" | grep -qx 'rc=0' && [ "$(win_prop "$id" Status)" = in-progress ]; then
    pass "bob ran 'maintenancectl start $id' in his session $s: in-progress, StartedByUID=$(win_prop "$id" StartedByUID)"
  else
    fail "bob's 'maintenancectl start $id' in session ${s:-?}: $(echo "$out" | tr '\n' ';')"; stop_units 'systest-*'; return
  fi
  echo "$out" | grep -q "^by-pid=o \"/org/freedesktop/login1/session/.*" \
    || fail "logind does not find the starter's process in a session: $(echo "$out" | grep by-pid)"
  [ "$(win_prop "$id" StartedByUID)" = "$uid_bob" ] || fail "StartedByUID=$(win_prop "$id" StartedByUID), bob is $uid_bob"
  wait_until 50 sh -c "[ -z \"\$(nsenter -t $CPID -a loginctl list-sessions --no-legend | awk '\$3==\"alice\"')\" ]"
  [ -z "$(sessions_of alice)" ] && pass "alice's sessions $a1 and $a2 are gone (loginctl list-sessions)" \
    || fail "alice still has sessions: $(sessions_of alice) (states: $(for x in $(sessions_of alice); do echo -n "$x=$(session_state "$x") "; done))"
  is_active systest-alice-login.service || is_active systest-alice-su.service \
    && fail "alice's processes live on: systest-alice-login $(X systemctl is-active systest-alice-login), systest-alice-su $(X systemctl is-active systest-alice-su)"
  local keep=""
  for x in "$b" "$r" "$s"; do [ "$(session_state "$x")" = active ] || keep+=" $x=$(session_state "$x")"; done
  [ -z "$keep" ] && pass "bob's session $b, root's $r and the starter's $s stay active" \
    || fail "sessions that should stay did not:$keep"
  local log; log=$(window_log "$id")
  local bad=""
  for x in "$a1" "$a2"; do
    [ "$(count_lines "Session $x of alice (UID $uid_alice) ended." "$log")" = 1 ] || bad+=" $x"
  done
  [ -z "$bad" ] && pass "the window's Log says once each: Session $a1 of alice (UID $uid_alice) ended. / Session $a2 ..." \
    || fail "the Log does not say once that session(s)$bad of alice ended: $(echo "$log" | grep -i session | tr '\n' ';')"
  out=$(echo "$log" | grep -E "^Session ($b|$r|$s) ") && fail "the Log names sessions that stay: $out"
  stop_units systest-alice-login systest-alice-su
  # The window, bob's and root's sessions are left for the next checks (guard, state file).
}

# --- The starter's own session is spared even when the starter is no admin: carol, in none of
# the admin groups, may start windows through a polkit rule of this test's own; she starts one
# from one of her two sessions, and only the other one is ended.
check_sessions_starter_spared() {
  ensure_running
  reset_windows
  session_users || return
  X sh -c 'id carol >/dev/null 2>&1 || useradd -m -s /bin/bash carol
           cat >/etc/polkit-1/rules.d/48-maintenanced-systest.rules' <<'EOF'
polkit.addRule(function(action, subject) {
    if (action.id.indexOf("org.example.maintenance1.") == 0 && subject.user == "carol")
        return polkit.Result.YES;
});
EOF
  sleep 0.5   # polkitd reloads its rules when the directory changes
  local c id out s log uid_carol
  uid_carol=$(X id -u carol)
  c=$(open_session carol systest-carol-login) || fail "no active session of carol (${c:-none})"
  id=$(schedule +2h +3h)
  out=$(run_in_session carol systest-carol-start "$CTL" --no-ask-password start "$id")
  s=$(echo "$out" | sed -n 's/^session=//p')
  echo "$out" | grep -qx 'rc=0' && [ "$(win_prop "$id" StartedByUID)" = "$uid_carol" ] \
    && pass "carol (no admin) started window $id from her session $s" \
    || fail "carol's 'maintenancectl start $id' in session ${s:-?}: $(echo "$out" | tr '\n' ';')"
  wait_until 30 sh -c "! nsenter -t $CPID -a loginctl show-session '$c' >/dev/null 2>&1"
  session_gone "$c" && [ "$(session_state "$s")" = active ] \
    && pass "carol's other session $c was ended, the starter's $s stays" \
    || fail "carol's other session $c: '$(session_state "$c")', the starter's $s: '$(session_state "$s")'"
  log=$(window_log "$id")
  [ "$(count_lines "Session $c of carol (UID $uid_carol) ended." "$log")" = 1 ] && ! echo "$log" | grep -q "^Session $s " \
    && pass "the Log names session $c once, and not the starter's $s" \
    || fail "the Log of window $id: $(echo "$log" | grep -i session | tr '\n' ';')"
  X rm -f /etc/polkit-1/rules.d/48-maintenanced-systest.rules
  reset_windows
  stop_units 'systest-*'
}

# --- While the window is in progress a new session of a non-admin (no PAM module in the stack
# yet, so nothing keeps alice out at login) is ended by the daemon within seconds, and with it
# her process. Her user manager is stopped first, as it is by then in real life (it goes 10 s
# after her last session, and the window's start ended those): so the new session stays
# "opening" for a second or so while user@.service starts, which is when SessionNew comes.
check_sessions_guard() {
  ensure_running
  session_users || return
  local id a log uid_alice t0 t1 cursor before
  id=$(window_in_progress) || return
  uid_alice=$(X id -u alice)
  stop_units systest-alice-late "user@$uid_alice.service"
  before=$(window_log "$id" | grep -c "^Session .* of alice (UID $uid_alice) began during the window")
  cursor=$(journal_cursor)
  t0=$(date +%s%N)
  X systemd-run -q --unit=systest-alice-late --uid=alice -p PAMName=login /usr/bin/sleep 600
  # (at most 5 s: each round of loginctl and systemctl takes a few tenths)
  X sh -c 'end=$(($(date +%s) + 5)); while [ "$(date +%s)" -lt "$end" ]; do
             [ -z "$(loginctl list-sessions --no-legend | awk "\$3==\"alice\"")" ] &&
               ! systemctl -q is-active systest-alice-late && break
             sleep 0.1
           done'
  t1=$(date +%s%N)
  # Which session it was: its scope in the journal, if it got that far, else the daemon's Log.
  a=$(X journalctl -q --no-pager -o cat --after-cursor="$cursor" | sed -n 's/.*session-\([^ .]*\)\.scope - Session [^ ]* of User alice\b.*/\1/p' | tail -1)
  log=$(window_log "$id")
  [ -z "$a" ] && [ "$(echo "$log" | grep -c "^Session .* of alice (UID $uid_alice) began during the window")" -gt "$before" ] \
    && a=$(echo "$log" | sed -n "s/^Session \([^ ]*\) of alice (UID $uid_alice) began during the window.*/\1/p" | tail -1)
  if [ -n "$a" ] && [ -z "$(sessions_of alice)" ] && ! is_active systest-alice-late.service; then
    pass "alice's new session $a during window $id was ended, its process killed, $(((t1 - t0) / 1000000)) ms after systemd-run"
  else
    fail "alice's new session ${a:-?} during window $id: sessions of alice now '$(sessions_of alice)';" \
         "her process (systest-alice-late.service) is $(X systemctl is-active systest-alice-late) in $(X systemctl show -p ControlGroup --value systest-alice-late)" \
         "after $(((t1 - t0) / 1000000)) ms; scope: $(X journalctl -q --no-pager -o cat --after-cursor="$cursor" | grep -c 'session-.*\.scope') journal lines"
  fi
  [ -n "$a" ] && [ "$(count_lines "Session $a of alice (UID $uid_alice) began during the window and was ended." "$log")" = 1 ] \
    && pass "the Log says: Session $a of alice (UID $uid_alice) began during the window and was ended." \
    || fail "the Log of window $id: $(echo "$log" | grep -i session | tr '\n' ';')"
  stop_units systest-alice-late
}

# --- While the window is in progress an admin's new session stays, and ListSessions over the bus
# lists the sessions there are, each with the right is_admin.
check_sessions_list() {
  ensure_running
  session_users || return
  local id b
  id=$(window_in_progress) || return
  b=$(open_session bob systest-bob-late) || fail "no active session of bob during the window"
  sleep 1
  [ -n "$b" ] && [ "$(session_state "$b")" = active ] && pass "bob's new session $b during window $id stays" \
    || fail "bob's new session ${b:-?} during window $id: '$(session_state "$b")'"
  # ListSessions: (id, uid, user, is_admin, where)
  local json rows bad=""
  json=$(X busctl --json=short call $BUS $MGR_PATH $MGR ListSessions 2>&1)
  rows=$(echo "$json" | grep -o '\["[^"]*",[0-9]*,"[^"]*",\(true\|false\)' | tr -d '["' | tr ',' ' ')
  [ -n "$rows" ] || { fail "ListSessions: $json"; stop_units systest-bob-late; return; }
  echo "$rows" | awk '$3=="alice"' | grep -q . && bad+=" alice-listed"
  echo "$rows" | awk '$3=="bob" && $4!="true"' | grep -q . && bad+=" bob-not-admin"
  echo "$rows" | awk '$3=="root" && ($4!="true" || $2!=0)' | grep -q . && bad+=" root-not-admin"
  echo "$rows" | awk -v s="$b" '$1==s && $3=="bob"' | grep -q . || bad+=" no-$b"
  [ "$(echo "$rows" | awk '{print $1}' | sort | tr '\n' ' ')" = "$(X loginctl list-sessions --no-legend | awk '{print $1}' | sort | tr '\n' ' ')" ] \
    || bad+=" not-logind's-list"
  [ -z "$bad" ] && pass "ListSessions: $(echo "$rows" | awk '{printf "%s(%s,%s,admin=%s) ", $1, $3, $2, $4}')" \
    || fail "ListSessions ($bad): $(echo "$rows" | tr '\n' ';') logind: $(X loginctl list-sessions --no-legend | tr -s ' ' | tr '\n' ';')"
  stop_units systest-bob-late
}

# --- The PAM module's state file: there with the window's id and login message while the
# window is in progress, gone after Complete; then alice logs in again and her session stays.
check_sessions_state_file() {
  ensure_running
  session_users || return
  local id f a
  id=$(window_in_progress) || return
  f=$(X cat /run/maintenanced/active 2>&1)
  if echo "$f" | grep -qx "WINDOW_ID=$id" && echo "$f" | grep -qxF "LOGIN_MESSAGE=$LOGIN_MSG" \
     && echo "$f" | grep -qx "SHOW_LOGIN_MESSAGE=yes"; then
    pass "/run/maintenanced/active: WINDOW_ID=$id, SHOW_LOGIN_MESSAGE=yes, LOGIN_MESSAGE=$LOGIN_MSG ($(X stat -c '%U %a' /run/maintenanced/active))"
  else
    fail "/run/maintenanced/active while window $id is in progress: $(echo "$f" | tr '\n' ';')"
  fi
  ctl complete "$id" --note "system test" >/dev/null 2>&1 || fail "maintenancectl complete $id failed"
  X test -e /run/maintenanced/active && fail "/run/maintenanced/active is still there after Complete ($(win_prop "$id" Status))" \
    || pass "after Complete ($(win_prop "$id" Status)) /run/maintenanced/active is gone"
  a=$(open_session alice systest-alice-after) || fail "alice could not open a session after the window"
  sleep 1.5
  [ -n "$a" ] && [ "$(session_state "$a")" = active ] && pass "after the window alice logs in (session $a) and stays" \
    || fail "alice's session ${a:-?} after the window: '$(session_state "$a")'"
  stop_units 'systest-*'
}

# --- pam_maintenance.so in the guest's account stack (/etc/pam.d/common-account, the line the
# man page gives): during a window alice is refused with the login message and bob and root
# are admitted, by pamtester (the "login" service's account phase), by a real login
# (systemd-run -p PAMName=login) and by su -l; after Complete alice is admitted again.
check_pam_account() {
  ensure_running
  reset_windows
  session_users || return
  local so out id rc cursor line="account required pam_maintenance.so"
  so=$(manifest_path /pam_maintenance.so)
  [ -n "$so" ] || { fail "pam_maintenance.so is not in install_manifest.txt (is pam/ built?)"; return; }
  X sh -c "grep -qx '$line' /etc/pam.d/common-account || echo '$line' >>/etc/pam.d/common-account"
  local have_pamtester=1
  X test -x /usr/bin/pamtester || { have_pamtester=0; fail "pamtester is not installed (bash scripts/install-deps.sh)"; }
  # no window: the module has no opinion
  if [ $have_pamtester = 1 ]; then
    out=$(X pamtester login alice acct_mgmt 2>&1) && pass "no window: pamtester login alice acct_mgmt: $out" \
      || fail "no window: pamtester login alice acct_mgmt: $out"
  fi
  id=$(schedule +2h +3h --login-message "$LOGIN_MSG" --show-login-message)
  ctl start "$id" --force >/dev/null 2>&1 || { fail "maintenancectl start $id --force failed"; }
  if [ $have_pamtester = 1 ]; then
    out=$(X pamtester login alice acct_mgmt 2>&1); rc=$?
    [ $rc != 0 ] && [[ "$out" == *"$LOGIN_MSG"* ]] && [[ "$out" == *"ermission denied"* ]] \
      && pass "window $id: pamtester login alice acct_mgmt refused, with the login message: $(echo "$out" | tr '\n' ' ')" \
      || fail "window $id: pamtester login alice acct_mgmt (rc $rc): $out"
    for u in bob root; do
      out=$(X pamtester login "$u" acct_mgmt 2>&1) && pass "window $id: pamtester login $u acct_mgmt: $out" \
        || fail "window $id: pamtester login $u acct_mgmt: $out"
    done
  fi
  # A real login of alice's: the unit does not start, PAM said no, and the module says why.
  stop_units systest-pam-alice
  cursor=$(journal_cursor)
  X systemd-run -q --wait --unit=systest-pam-alice --uid=alice -p PAMName=login /bin/true >/dev/null 2>&1
  out=$(X journalctl -q --no-pager -o cat --after-cursor="$cursor" 2>/dev/null | grep "pam_maintenance(login:account): refused user alice" | tail -1)
  [ "$(prop systest-pam-alice.service Result)" = exit-code ] && [ "$(prop systest-pam-alice.service ExecMainStatus)" = 224 ] && [ -n "$out" ] \
    && pass "window $id: systemd-run -p PAMName=login --uid=alice fails (status 224/PAM); journal: $out" \
    || fail "window $id: alice's PAMName=login unit: Result=$(prop systest-pam-alice.service Result) status=$(prop systest-pam-alice.service ExecMainStatus); journal: ${out:-nothing from pam_maintenance}"
  stop_units systest-pam-alice
  out=$(X systemd-run -q --wait --pipe --uid=bob -p PAMName=login /usr/bin/id -un 2>&1) && [ "$out" = bob ] \
    && pass "window $id: systemd-run -p PAMName=login --uid=bob runs" || fail "window $id: bob's PAMName=login unit: $out"
  # su -l run by root: pam_rootok skips authentication, not the account phase
  out=$(X su -l alice -c 'echo in' 2>&1); rc=$?
  [ $rc != 0 ] && ! echo "$out" | grep -qx in && [[ "$out" == *"$LOGIN_MSG"* ]] \
    && pass "window $id: root's su -l alice refused (rc $rc) with the login message: $(echo "$out" | tr '\n' ' ')" \
    || fail "window $id: root's su -l alice (rc $rc): $out"
  out=$(X su -l bob -c 'echo in' 2>&1) && [ "$out" = in ] && pass "window $id: root's su -l bob admitted" \
    || fail "window $id: root's su -l bob: $out"
  ctl complete "$id" --note "system test" >/dev/null 2>&1 || fail "maintenancectl complete $id failed"
  if [ $have_pamtester = 1 ]; then
    out=$(X pamtester login alice acct_mgmt 2>&1) && pass "after Complete: pamtester login alice acct_mgmt: $out" \
      || fail "after Complete: pamtester login alice acct_mgmt: $out"
  fi
  out=$(X systemd-run -q --wait --pipe --uid=alice -p PAMName=login /usr/bin/id -un 2>&1) && [ "$out" = alice ] \
    && pass "after Complete: systemd-run -p PAMName=login --uid=alice runs" || fail "after Complete: alice's PAMName=login unit: $out"
  X sed -i "\\|^$line\$|d" /etc/pam.d/common-account
}

# --- TerminateSessions as root from root's own session: without include_admins it ends alice's
# sessions only; with it bob's and root's other session too, but never the caller's own.
check_terminate_sessions() {
  ensure_running
  reset_windows
  session_users || return
  local a1 a2 b r out s ended
  start_session alice systest-alice-login; start_su_session alice systest-alice-su
  start_session bob systest-bob-login user; start_session root systest-root-login user
  a1=$(session_of_unit systest-alice-login) || fail "no active session of alice"
  a2=$(session_of_unit systest-alice-su) || fail "no active su session of alice"
  b=$(session_of_unit systest-bob-login) || fail "no active session of bob"
  r=$(session_of_unit systest-root-login) || fail "no active session of root"
  # (outside a window, ListSessions also shows the plain user's sessions, as no admin)
  out=$(X busctl --json=short call $BUS $MGR_PATH $MGR ListSessions 2>&1)
  [[ "$out" == *"[\"$a1\",$(X id -u alice),\"alice\",false,"* && "$out" == *"[\"$b\",$(X id -u bob),\"bob\",true,"* ]] \
    && pass "ListSessions: alice's $a1 is_admin=false, bob's $b is_admin=true" || fail "ListSessions: $out"
  out=$(run_in_session root systest-root-caller busctl call $BUS $MGR_PATH $MGR TerminateSessions b false)
  s=$(echo "$out" | sed -n 's/^session=//p')
  ended=$(echo "$out" | grep '^as ')
  if echo "$out" | grep -qx 'rc=0' && [[ "$ended" == *"\"$a1\""* && "$ended" == *"\"$a2\""* ]] \
     && [[ "$ended" != *"\"$b\""* && "$ended" != *"\"$r\""* && "$ended" != *"\"$s\""* ]]; then
    pass "TerminateSessions(false) from root's session $s -> $ended"
  else
    fail "TerminateSessions(false) from root's session ${s:-?} (alice $a1 $a2, bob $b, root $r): $(echo "$out" | tr '\n' ';')"
  fi
  wait_until 50 sh -c "[ -z \"\$(nsenter -t $CPID -a loginctl list-sessions --no-legend | awk '\$3==\"alice\"')\" ]"
  [ -z "$(sessions_of alice)" ] && [ "$(session_state "$b")" = active ] && [ "$(session_state "$r")" = active ] \
    && [ "$(session_state "$s")" = active ] && pass "alice's sessions gone; bob's $b, root's $r and the caller's $s active" \
    || fail "after TerminateSessions(false): alice '$(sessions_of alice)', bob $b '$(session_state "$b")', root $r '$(session_state "$r")', caller $s '$(session_state "$s")'"
  out=$(run_in_session root systest-root-caller2 busctl call $BUS $MGR_PATH $MGR TerminateSessions b true)
  s=$(echo "$out" | sed -n 's/^session=//p')
  ended=$(echo "$out" | grep '^as ')
  if echo "$out" | grep -qx 'rc=0' && [[ "$ended" == *"\"$b\""* && "$ended" == *"\"$r\""* && "$ended" != *"\"$s\""* ]]; then
    pass "TerminateSessions(true) from root's session $s -> $ended"
  else
    fail "TerminateSessions(true) from root's session ${s:-?} (bob $b, root $r): $(echo "$out" | tr '\n' ';')"
  fi
  wait_until 50 sh -c "! nsenter -t $CPID -a loginctl show-session $b >/dev/null 2>&1 && ! nsenter -t $CPID -a loginctl show-session $r >/dev/null 2>&1"
  session_gone "$b" && session_gone "$r" && [ "$(session_state "$s")" = active ] \
    && pass "bob's $b and root's other session $r gone; the caller's own $s stays" \
    || fail "after TerminateSessions(true): bob $b '$(session_state "$b")', root $r '$(session_state "$r")', caller $s '$(session_state "$s")'"
  # a plain user may not
  out=$(X systemd-run -q --wait --pipe --uid=alice busctl call $BUS $MGR_PATH $MGR TerminateSessions b false 2>&1) \
    && fail "alice could call TerminateSessions: $out" || pass "alice calling TerminateSessions is refused: $out"
  stop_units 'systest-*'
}

run_check() {
  local name=$1 pending=$2
  CHECK=$name CHECK_PENDING=$pending CHECK_FAILS=0
  "check_$name"
  if [ "$pending" = 1 ] && [ "$CHECK_FAILS" = 0 ]; then
    echo "XPASS [$(ts)] $name: passes now; move it from PENDING_CHECKS to READY_CHECKS"
  fi
  if [ "$CHECK_FAILS" != 0 ] && [ "$pending" = 0 ]; then show_journal 10; fi
  CHECK="" CHECK_PENDING=0
}

selected() { [ -z "${CHECKS:-}" ] || [[ " $CHECKS " == *" $1 "* ]]; }

# ------------------------------------------------------------------------------ main
info "build $BUILD, source $SRC, work $WORK"
if boot && install_project; then
  for c in $READY_CHECKS; do selected "$c" && run_check "$c" 0; done
  for c in $PENDING_CHECKS; do selected "$c" && run_check "$c" 1; done
fi

if [ "${KEEP:-0}" = 1 ] && [ -n "$NSPID" ]; then
  echo "KEPT: enter with: nsenter -t $CPID -a bash; stop with: kill -TERM $NSPID" \
       "(the next run of this script then removes $WORK and its cgroups)"
else
  shutdown_container
  CHECK=host CHECK_PENDING=0
  if [ "$(hostprint)" = "$HOSTPRINT" ]; then
    pass "the host's users, install directories, /run and the build tree are as they were"
  else
    fail "the host changed:"; diff <(echo "$HOSTPRINT") <(hostprint) | sed 's/^/    | /'
  fi
  for d in $CG_DIRS; do [ -d "$d" ] && fail "cgroup $d left behind"; done
  grep -q "$WORK" /proc/self/mountinfo && fail "mounts under $WORK left behind"
  CHECK=""
fi
echo "RESULT: $FAILS failure(s), $XFAILS expected failure(s) of pending checks, in $(ts)"
[ "$FAILS" = 0 ]
