#!/usr/bin/env bash
# System tests: maintenanced under a real systemd. Boots the host's own OS with systemd as PID 1 in
# systemd-nspawn, through a throwaway overlay of / (so the binaries built here run unchanged and
# nothing reaches the host's disk), installs the build there with `cmake --install`, and checks
# the service as an admin would see it: start, bus calls, bus activation, reload, the watchdog,
# the sandbox, the security score, the journal and the window timers.
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
              journal_message_id timers_created timer_starts_window cancel_removes_timers
              restart_and_kill_keep_timers journal_each_event"
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

# cgroups: without a systemd on the host, nspawn --keep-unit needs a cgroup of its own on the
# host's hierarchies (payload/ and supervisor/ go below it); a host systemd gives it a scope.
HOST_SYSTEMD=0
[ -d /run/systemd/system ] && HOST_SYSTEMD=1
CG_DIRS=""
if [ "$HOST_SYSTEMD" = 0 ]; then
  if [ -d /sys/fs/cgroup/unified ]; then CG_DIRS="/sys/fs/cgroup/systemd/$CG /sys/fs/cgroup/unified/$CG"
  elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then CG_DIRS="/sys/fs/cgroup/$CG"
  else CG_DIRS="/sys/fs/cgroup/systemd/$CG"; fi
fi

X() { nsenter -t "$CPID" -a "$@"; }   # a command in all of the guest's namespaces

shutdown_container() {
  if [ -n "$NSPID" ] && kill -0 "$NSPID" 2>/dev/null; then
    kill -TERM "$NSPID"   # nspawn turns it into SIGRTMIN+3 for the guest's systemd: a clean poweroff
    for _ in $(seq 150); do kill -0 "$NSPID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$NSPID" 2>/dev/null; then kill -KILL "$NSPID"; info "container killed"; fi
    wait "$NSPID" 2>/dev/null
  fi
  NSPID=""
  for d in $CG_DIRS; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
}
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
DEADLINE=${DEADLINE:-200}
WATCHDOG_PID=""
start_deadline() {
  ( trap 'kill $sp 2>/dev/null; exit 0' TERM
    sleep "$DEADLINE" & sp=$!
    # only while this script lives (a killed one leaves its watcher to init: PIDs may be reused)
    wait $sp && [ "$(cut -d' ' -f4 /proc/$BASHPID/stat)" = $$ ] && { kill -TERM "$NSPID"; kill -TERM $$; }
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
  for u in postgresql.service apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
           e2scrub_all.timer e2scrub_reap.service fstrim.timer man-db.timer \
           systemd-tmpfiles-clean.timer logrotate.timer getty@tty1.service; do
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
  msgs=$(ctl --json show "$id" 2>/dev/null | grep -o '"Message":"\([^"\\]\|\\.\)*"')
  dups=$(echo "$msgs" | sort | uniq -d)
  [ -n "$msgs" ] && [ -z "$dups" ] && pass "window $id's Log has each of its $(echo "$msgs" | wc -l) lines once" \
    || fail "window $id's Log repeats: ${dups:-<empty log>}"
  reset_windows
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
