#!/usr/bin/env bash
# Package tests: builds the Debian packages from this tree (packaging/build-debs.sh, i.e.
# `dpkg-buildpackage -us -uc -b` on an export of the working tree with packaging/debian as
# debian/), runs lintian on them, and installs them into a fresh minimal Debian 12 booted with
# systemd as PID 1 in systemd-nspawn, the way an admin would: `apt-get install ./*.deb` with the
# dependencies from Debian's mirror. Then checks the service, the client, polkit, the man pages,
# the bash completion, the PAM profile, the desktop agent's files, an upgrade to a rebuilt
# package (windows kept, service restarted), remove (state kept) and purge (state gone).
#
# Usage: run-package-tests.sh BUILD_DIR [SOURCE_DIR]
#   BUILD_DIR   a configured build tree; the minimal Debian root is cached in
#               BUILD_DIR/package-test/rootfs (built by debootstrap on the first run, ~1-3 min,
#               then reused read-only: every run boots it through a throwaway overlay)
#   KEEP=1      leave the container running at the end, and say how to enter and stop it
#   FRESH=1     build the cached root again
#   DEADLINE=S  give up after S seconds (default 1140, below CTest's TIMEOUT)
#   DEBS_CACHE=DIR  (for working on the checks) keep the built packages in DIR/debs1 and
#               DIR/debs2, and when they are there already, use them: no build, no lintian
# Prints PASS/FAIL lines. Exit status: 0 all passed, 1 something failed, 77 cannot run here (not
# root, no systemd-nspawn or debootstrap, ...; under CI=true these fail instead of skipping).
#
# The guest shares the host's network (no --private-network): apt in it needs Debian's mirror.
# Nothing else of the host is visible to it but the package directories, read-only.
set -u

BUILD=${1:-}
SRC=${2:-$(cd "$(dirname "$0")/../.." && pwd)}
if [ -z "$BUILD" ] || [ ! -d "$BUILD" ]; then
  echo "usage: $0 BUILD_DIR [SOURCE_DIR]" >&2
  exit 2
fi
BUILD=$(cd "$BUILD" && pwd -P)
SRC=$(cd "$SRC" && pwd -P)

# ------------------------------------------------------------------------------ output
T0=$(date +%s%N)
ts() { local n; n=$(date +%s%N); printf '%6.2fs' "$(((n - T0) / 10000000))e-2"; }
FAILS=0 PASSES=0
pass() { echo "PASS [$(ts)] $*"; PASSES=$((PASSES + 1)); }
fail() { echo "FAIL [$(ts)] $*"; FAILS=$((FAILS + 1)); }
info() { echo "INFO [$(ts)] $*"; }
cannot_run() {
  if [ "${CI:-}" = true ]; then echo "FAIL: cannot run under CI: $*"; exit 1; fi
  echo "SKIP: $*"; exit 77
}
secs_since() { echo $((($(date +%s%N) - $1) / 1000000000)); }
indent() { sed 's/^/    | /'; }

# ------------------------------------------------------------------------------ can it run here?
[ "$(id -u)" = 0 ] || cannot_run "needs root (it builds a Debian root and boots it)"
for p in systemd-nspawn debootstrap dpkg-buildpackage dpkg-parsechangelog lintian nsenter unshare \
         setpriv setsid flock; do
  command -v "$p" >/dev/null ||
    cannot_run "$p is not installed (scripts/install-deps.sh installs what this test needs)"
done
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
grep -qw overlay /proc/filesystems || cannot_run "the kernel has no overlay file system"

# ------------------------------------------------------------------------------ work directories
CACHE=$BUILD/package-test
mkdir -p "$CACHE"
# One run at a time per build tree: the cached root is rebuilt under this lock, and booted under
# it (an overlay's lower directory must not change while it is mounted). This script and the
# container hold it, nothing else.
exec 9>"$CACHE/lock"
flock -w 600 9 || { echo "FAIL: $CACHE/lock is held by another run"; exit 1; }
# What a run killed outright (SIGKILL) left behind: its work directory and cgroups, named after its
# PID. Its container went down with it (setpriv --pdeathsig below), and its mounts with their
# mount namespaces.
for d in "$CACHE"/run.* "$CACHE"/rootfs.new.* /sys/fs/cgroup/maintenanced-pkgtest-* \
         /sys/fs/cgroup/*/maintenanced-pkgtest-*; do
  [ -e "$d" ] || continue
  p=${d##*[.-]}
  case "$d" in "$CACHE"/run.*) p=${d#"$CACHE"/run.}; p=${p%%.*} ;; esac
  [ "$p" -gt 0 ] 2>/dev/null && ! kill -0 "$p" 2>/dev/null || continue
  case "$d" in /sys/*) find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null ;;
               *) rm -rf --one-file-system "$d" ;; esac
done
WORK=$(mktemp -d "$CACHE/run.$$.XXXXXX")
ROOTFS=$CACHE/rootfs
ROOTFS_NEW=""
MACHINE=maintenanced-pkgtest
CG=maintenanced-pkgtest-$$
NSPID="" CPID="" BGPID="" WATCHDOG_PID=""

# The container plumbing both container tests share: HOST_SYSTEMD, container_cgroup_dirs,
# shutdown_container.
. "$SRC/tests/lib/container.sh"
CG_DIRS=$(container_cgroup_dirs "$CG")

cleanup() {
  local rc=$?
  [ -n "$WATCHDOG_PID" ] && kill "$WATCHDOG_PID" 2>/dev/null
  # a build or debootstrap still running (its own process group, see bg())
  if [ -n "$BGPID" ]; then kill -TERM -- "-$BGPID" 2>/dev/null; wait "$BGPID" 2>/dev/null; fi
  if [ "${KEEP:-0}" = 1 ] && [ -n "$NSPID" ]; then exit "$rc"; fi
  shutdown_container
  # debootstrap ran in a mount namespace of its own: its /proc and /sys mounts went with it.
  [ -n "$ROOTFS_NEW" ] && rm -rf --one-file-system "$ROOTFS_NEW"
  rm -rf --one-file-system "$WORK"
  exit "$rc"
}
trap cleanup EXIT
# (fd 3: the script's own output, also when the signal comes while output is redirected)
exec 3>&1
trap 'echo "FAIL [$(ts)] interrupted or out of time (DEADLINE=${DEADLINE}s)" >&3; exit 1' INT TERM HUP
# Our own deadline, below CTest's TIMEOUT, so that a hung step still ends in cleanup(). The
# watcher also stops what this script left running should it be killed outright (SIGKILL): the
# build or apt-get under way (bg.pid) and the container (nspawn.pid; its systemd then powers
# off). The next run removes the rest (the stale-run cleanup above).
DEADLINE=${DEADLINE:-1140}
( trap 'exit 0' TERM
  me=$BASHPID   # (inside $(...), $BASHPID would be the command substitution's)
  end=$((SECONDS + DEADLINE))
  while [ "$SECONDS" -lt "$end" ]; do
    sleep 2
    if [ "$(cut -d' ' -f4 "/proc/$me/stat")" != $$ ]; then
      [ -s "$WORK/bg.pid" ] && kill -KILL -- "-$(cat "$WORK/bg.pid")"
      [ -s "$WORK/nspawn.pid" ] && kill -TERM "$(cat "$WORK/nspawn.pid")"
      exit 0
    fi
  done
  kill -TERM $$
) 2>/dev/null 9>&- &
WATCHDOG_PID=$!

# Runs a long command in its own process group, in the background, and waits for it: a
# TERM from the deadline is then handled at once (bash runs traps only between foreground
# commands), and cleanup() can stop the whole group.
bg() {  # LOG COMMAND... -> the command's exit status
  local log=$1 rc; shift
  setsid "$@" >"$log" 2>&1 </dev/null 9>&- &
  BGPID=$!
  echo "$BGPID" >"$WORK/bg.pid"
  wait "$BGPID"; rc=$?
  BGPID=""
  : >"$WORK/bg.pid"
  return "$rc"
}

# ------------------------------------------------------------------------------ the packages
ARCH=$(dpkg --print-architecture)
PKGS="maintenanced libpam-maintenance maintenance-notify"
V1=$(dpkg-parsechangelog -l "$SRC/packaging/debian/changelog" -S Version)
V2=${V1%-*}-$((${V1##*-} + 1))
DEBS1=$WORK/debs1 DEBS2=$WORK/debs2

build_packages() {
  local t; t=$(date +%s%N)
  if ! bg "$WORK/build1.log" bash "$SRC/packaging/build-debs.sh" --source "$SRC" \
         --workdir "$WORK/pkg" --jobs "$(nproc)"; then
    fail "dpkg-buildpackage -us -uc -b of $V1: $(tail -15 "$WORK/build1.log" | indent)"
    return 1
  fi
  mkdir -p "$DEBS1"
  mv "$WORK/pkg"/*.deb "$WORK/pkg"/*.changes "$WORK/pkg"/*.buildinfo "$DEBS1"/
  local p missing=""
  for p in $PKGS; do [ -f "$DEBS1/${p}_${V1}_$ARCH.deb" ] || missing+=" $p"; done
  if [ -n "$missing" ]; then fail "not built:$missing (got: $(ls "$DEBS1"))"; return 1; fi
  pass "dpkg-buildpackage -us -uc -b built $V1 in $(secs_since "$t") s: $(cd "$DEBS1" && ls *.deb | tr '\n' ' ')"
}

run_lintian() {
  local t out; t=$(date +%s%N)
  # lintian says it should not run as root; it reads the packages only.
  if bg "$WORK/lintian.log" lintian --fail-on error,warning --tag-display-limit 0 \
        "$DEBS1/maintenanced_${V1}_$ARCH.changes"; then
    out=$(grep -v '^running with root privileges' "$WORK/lintian.log")
    pass "lintian: no errors, no warnings in $(secs_since "$t") s${out:+ (other tags:$(echo; echo "$out" | indent))}"
  else
    fail "lintian: $(echo; grep -v '^running with root privileges' "$WORK/lintian.log" | indent)"
  fi
}

# The upgrade's packages: the same export with one more changelog entry (V2), built again without
# cleaning (dpkg-buildpackage -nc), so only the binary packages are made anew.
build_upgrade() {
  local t tree entry; t=$(date +%s%N)
  tree=$(echo "$WORK/pkg"/maintenanced-*/)
  entry="maintenanced ($V2) $(dpkg-parsechangelog -l "$tree/debian/changelog" -S Distribution); urgency=medium

  * Rebuilt by tests/package/run-package-tests.sh to test upgrades.

 -- $(dpkg-parsechangelog -l "$tree/debian/changelog" -S Maintainer)  $(date -R)
"
  { echo "$entry"; cat "$tree/debian/changelog"; } >"$WORK/changelog" && mv "$WORK/changelog" "$tree/debian/changelog"
  if ! bg "$WORK/build2.log" env -C "$tree" DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b -nc; then
    fail "rebuilding as $V2: $(tail -15 "$WORK/build2.log" | indent)"; return 1
  fi
  mkdir -p "$DEBS2"
  mv "$WORK/pkg"/*.deb "$WORK/pkg"/*.changes "$WORK/pkg"/*.buildinfo "$DEBS2"/
  [ -f "$DEBS2/maintenanced_${V2}_$ARCH.deb" ] || { fail "no maintenanced_${V2}_$ARCH.deb"; return 1; }
  pass "rebuilt as $V2 (dpkg-buildpackage -nc) in $(secs_since "$t") s"
  rm -rf --one-file-system "$WORK/pkg"   # the build tree (~100 MB) is not needed any more
}

# ------------------------------------------------------------------------------ the Debian root
# The cache key: a root built otherwise (other packages, mirror, architecture) is built again, and
# so is one older than two weeks. Test tools only (man-db for `man -w`, bash-completion); the
# packages' dependencies (dbus, polkitd, the libraries) come from the mirror at install time.
SUITE=bookworm
INCLUDE=systemd,systemd-sysv,man-db,bash-completion
mirror() {
  local m
  m=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null)
  [ -n "$m" ] || m=$(awk '$1=="deb"{for(i=2;i<=NF;i++) if($i ~ /^https?:/){print $i; exit}}' \
                       /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -1)
  echo "${m:-http://deb.debian.org/debian}"
}
MIRROR=$(mirror)
KEY="suite=$SUITE variant=minbase include=$INCLUDE mirror=$MIRROR arch=$ARCH debootstrap=$(dpkg-query -W -f='${Version}' debootstrap)"
STAMP=$ROOTFS/.maintenanced-package-test

ensure_rootfs() {
  if [ "${FRESH:-0}" != 1 ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$KEY" ] &&
     [ -z "$(find "$STAMP" -mtime +14)" ]; then
    info "reusing the Debian root $ROOTFS ($(du -sh "$ROOTFS" | cut -f1), built $(date -r "$STAMP" '+%F %R'))"
    return 0
  fi
  local t; t=$(date +%s%N)
  ROOTFS_NEW=$CACHE/rootfs.new.$$
  rm -rf --one-file-system "$ROOTFS_NEW"
  # In a mount namespace of its own, so that the /proc and /sys it mounts in the root cannot
  # outlive it, even if it is killed.
  if ! bg "$WORK/debootstrap.log" unshare --mount --propagation private \
         debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$ROOTFS_NEW" "$MIRROR"; then
    fail "debootstrap $SUITE: $(tail -8 "$WORK/debootstrap.log" | indent)"; return 1
  fi
  echo "$KEY" >"$ROOTFS_NEW/.maintenanced-package-test"
  rm -rf --one-file-system "$ROOTFS"
  mv "$ROOTFS_NEW" "$ROOTFS"
  ROOTFS_NEW=""
  pass "debootstrap --variant=minbase $SUITE (+$INCLUDE) from $MIRROR in $(secs_since "$t") s, $(du -sh "$ROOTFS" | cut -f1), cached in $ROOTFS"
}

# ------------------------------------------------------------------------------ the container
X() { nsenter -t "$CPID" -a "$@"; }   # a command in all of the guest's namespaces
G() {  # a command in the guest with a clean environment, as root on its console would have it
  nsenter -t "$CPID" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"
}
G_bg() {  # LOG COMMAND...: a long command in the guest (apt-get), through bg()
  local log=$1; shift
  bg "$log" nsenter -t "$CPID" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

boot() {
  mkdir -p "$WORK/ovl" "$WORK/merged"
  chmod 0755 "$DEBS1" "$DEBS2"   # apt in the guest reads the packages as user _apt
  local masks="" u
  for u in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
           e2scrub_reap.service fstrim.timer man-db.timer systemd-tmpfiles-clean.timer \
           logrotate.timer getty@tty1.service console-getty.service; do
    masks+=" systemd.mask=$u"
  done
  cat >"$WORK/boot.sh" <<EOF
set -e
for d in $CG_DIRS; do mkdir -p \$d; echo \$\$ >\$d/cgroup.procs; done
[ "$HOST_SYSTEMD" = 1 ] || { mount -t tmpfs tmpfs /run; mkdir -p /run/systemd; }
# The cached root is the overlay's lower layer and stays as debootstrap left it; what the guest
# writes goes to a tmpfs that vanishes with this mount namespace.
mount -t tmpfs tmpfs "$WORK/ovl"
mkdir -p "$WORK/ovl/upper" "$WORK/ovl/work"
mount -t overlay overlay -o "lowerdir=$ROOTFS,upperdir=$WORK/ovl/upper,workdir=$WORK/ovl/work" "$WORK/merged"
exec systemd-nspawn -D "$WORK/merged" -M $MACHINE --register=no $([ "$HOST_SYSTEMD" = 0 ] && echo --keep-unit) \\
     --resolv-conf=copy-host --bind-ro="$DEBS1:/mnt/debs1" --bind-ro="$DEBS2:/mnt/debs2" \\
     --console=passive -b -- systemd.hostname=$MACHINE $masks
EOF
  local t; t=$(date +%s%N)
  local pdeath="--pdeathsig TERM"
  [ "${KEEP:-0}" = 1 ] && pdeath=""
  setpriv $pdeath unshare --mount --propagation private bash "$WORK/boot.sh" >"$WORK/nspawn.log" 2>&1 &
  NSPID=$!
  echo "$NSPID" >"$WORK/nspawn.pid"
  for _ in $(seq 400); do
    for c in $(ps -o pid= --ppid "$NSPID" 2>/dev/null); do
      [ "$(cat /proc/"$c"/comm 2>/dev/null)" = systemd ] && CPID=$c
    done
    [ -n "$CPID" ] && break
    kill -0 "$NSPID" 2>/dev/null || break
    sleep 0.05
  done
  if [ -z "$CPID" ]; then fail "the container did not start: $(tail -5 "$WORK/nspawn.log" | indent)"; return 1; fi
  # systemctl talks to PID 1 through /run/systemd/private (the guest has no D-Bus yet)
  for _ in $(seq 400); do X test -S /run/systemd/private 2>/dev/null && break; sleep 0.05; done
  local st
  st=$(timeout 90 nsenter -t "$CPID" -a systemctl is-system-running --wait 2>&1)
  case "$st" in
    running|degraded)
      pass "fresh $SUITE booted with systemd $(X systemctl --version | awk 'NR==1{print $2}') as PID 1 ($st) in $(($(($(date +%s%N) - t)) / 1000000)) ms"
      [ "$st" = degraded ] && info "failed units: $(X systemctl --failed --no-legend --plain | awk '{print $1}' | tr '\n' ' ')"
      return 0 ;;
    *) fail "guest state '$st': $(tail -5 "$WORK/nspawn.log" | indent)"; return 1 ;;
  esac
}

# ------------------------------------------------------------------------------ helpers
apt_install() {  # LOG PACKAGES... (apt-get install in the guest; the log is kept in WORK)
  local log=$1; shift
  G_bg "$WORK/$log" apt-get install -y -q -o Dpkg::Use-Pty=0 "$@"
}
version_of() { G dpkg-query -W -f='${Version}' "$1" 2>/dev/null; }
status_of() { G dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | tr -d ' '; }
main_pid() { X systemctl show -p MainPID --value maintenanced.service; }
wait_until() {  # TENTHS COMMAND...: poll every 0.1 s
  local n=$1; shift
  for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done
  "$@"
}
is_active() { [ "$(X systemctl is-active "$1" 2>/dev/null)" = active ]; }
ctl() { G maintenancectl --no-ask-password "$@"; }
window_status() { ctl --json show "$1" 2>/dev/null | grep -o '"Status":"[a-z-]*"' | cut -d'"' -f4; }
show_journal() { X journalctl -u maintenanced.service -n 15 --no-pager -q 2>&1 | indent; }
deb() { echo "/mnt/debs$1/${2}_$( [ "$1" = 1 ] && echo "$V1" || echo "$V2")_$ARCH.deb"; }

# ------------------------------------------------------------------------------ checks
check_apt_sources() {
  # The cached root's package lists are debootstrap's; after some hours the mirror may have moved
  # on (a point release), so they are refreshed, in the overlay only.
  if [ -n "$(find "$STAMP" -mmin +360)" ]; then
    if G_bg "$WORK/apt-update.log" apt-get update -q; then
      info "apt-get update in the guest (its lists were from $(date -r "$STAMP" '+%F %R'))"
    else
      fail "apt-get update in the guest: $(tail -5 "$WORK/apt-update.log" | indent)"; return 1
    fi
  fi
}

check_install_maintenanced() {
  local t; t=$(date +%s%N)
  if ! apt_install install-maintenanced.log "$(deb 1 maintenanced)"; then
    fail "apt-get install ./maintenanced_${V1}_$ARCH.deb: $(tail -15 "$WORK/install-maintenanced.log" | indent)"
    return 1
  fi
  local pulled
  pulled=$(sed -n '/^The following NEW packages will be installed:/,/^[0-9]* upgraded/p' \
             "$WORK/install-maintenanced.log" | sed '1d;$d' | tr -s ' \n' ' ')
  pass "apt-get install ./maintenanced_${V1}_$ARCH.deb in $(secs_since "$t") s, with:$pulled"
  [ "$(status_of maintenanced)" = ii ] && pass "dpkg: maintenanced $(version_of maintenanced) installed" ||
    fail "dpkg status of maintenanced: $(status_of maintenanced)"

  local en; en=$(X systemctl is-enabled maintenanced.service 2>&1)
  [ "$en" = enabled ] && pass "systemctl is-enabled maintenanced: enabled" || fail "systemctl is-enabled maintenanced: $en"
  if wait_until 100 is_active maintenanced.service; then
    pass "systemctl is-active maintenanced: active (MainPID $(main_pid), started by the postinst)"
  else
    fail "maintenanced is $(X systemctl is-active maintenanced.service) after the install:"; show_journal
  fi
  # Installing must not put the host into maintenance.
  local tg; tg=$(X systemctl is-active maintenance.target 2>&1)
  [ "$tg" = inactive ] && pass "maintenance.target not started by the install" || fail "maintenance.target is $tg after the install"
  X test -d /run/motd.d && pass "tmpfiles: /run/motd.d created by the postinst" || fail "/run/motd.d missing (tmpfiles not run)"
  X test -d /var/lib/maintenanced && pass "/var/lib/maintenanced made by the unit ($(X stat -c %a /var/lib/maintenanced))" ||
    fail "/var/lib/maintenanced missing"
  local cat
  cat=$(X journalctl --list-catalog 195a08429dad4a68971ff932f6ca1f9b 2>&1)
  [[ "$cat" == *"Maintenance window"* ]] && pass "journal catalog indexed (journalctl --list-catalog: $(echo "$cat" | head -1 | tr -s ' '))" ||
    fail "journal catalog not indexed: $cat"
}

check_client() {
  local out rc id
  out=$(ctl status 2>&1); rc=$?
  [ $rc = 0 ] && [[ "$out" == *State:* ]] && pass "maintenancectl status: $(echo "$out" | head -1 | tr -s ' ' | sed 's/^ //')" ||
    fail "maintenancectl status (exit $rc): $out"
  id=$(ctl schedule +1d "+1d 2h" --reason "package test" 2>&1); rc=$?
  if [ $rc = 0 ] && [[ "$id" =~ ^[0-9]+$ ]] && [ "$(window_status "$id")" = scheduled ]; then
    pass "maintenancectl schedule +1d '+1d 2h' --reason ...: window $id scheduled"
  else
    fail "maintenancectl schedule (exit $rc): $id"; return 1
  fi
  out=$(ctl cancel "$id" --reason "package test" 2>&1); rc=$?
  [ $rc = 0 ] && [ "$(window_status "$id")" = cancelled ] && pass "maintenancectl cancel $id: cancelled" ||
    fail "maintenancectl cancel $id (exit $rc): $out; status $(window_status "$id")"
  # bus activation through the installed activation file
  X systemctl stop maintenanced.service
  out=$(ctl list 2>&1); rc=$?
  [ $rc = 0 ] && is_active maintenanced.service && pass "bus activation: maintenancectl list started the stopped service" ||
    fail "bus activation (exit $rc): $out; service $(X systemctl is-active maintenanced.service)"
}

check_polkit() {
  local out missing="" a
  out=$(G pkaction 2>&1)
  for a in schedule run force-start manage-sessions manage-hosts reload; do
    grep -qx "org.example.maintenance1.$a" <<<"$out" || missing+=" $a"
  done
  [ -z "$missing" ] && pass "pkaction lists the 6 org.example.maintenance1.* actions (polkitd $(version_of polkitd), a Recommends)" ||
    fail "pkaction lacks org.example.maintenance1.{${missing# }}: $(grep -i maintenance <<<"$out")"
}

check_man() {  # PAGE...: man -w finds each ("name" or "section name")
  local p w
  for p in "$@"; do
    # shellcheck disable=SC2086
    if w=$(G man -w $p 2>&1); then pass "man -w $p: $w"; else fail "man -w $p: $w"; fi
  done
}

check_completion() {
  # What bash offers after "maintenancectl " and after "maintenancectl cancel --", through
  # bash-completion's own loader (the file is in its completions directory, loaded on demand).
  local script='
    . /usr/share/bash-completion/bash_completion
    __load_completion maintenancectl || { echo "no completion loaded"; exit 1; }
    f=$(complete -p maintenancectl | sed -n "s/.* -F \([^ ]*\) .*/\1/p")
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    "$f" maintenancectl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s\n" "${COMPREPLY[@]}"'
  local out w missing=""
  out=$(G bash -c "$script" completion maintenancectl "" 2>&1)
  for w in status list show schedule cancel start complete dry-run; do
    grep -qx "$w" <<<"$out" || missing+=" $w"
  done
  [ -z "$missing" ] && pass "bash completion: 'maintenancectl <TAB>' offers $(echo "$out" | wc -l) commands" ||
    fail "bash completion of commands lacks$missing: $(echo "$out" | tr '\n' ' ')"
  out=$(G bash -c "$script" completion maintenancectl cancel -- 2>&1)
  grep -qx -- --reason <<<"$out" && pass "bash completion: 'maintenancectl cancel --<TAB>' offers --reason" ||
    fail "bash completion of cancel's options: $(echo "$out" | tr '\n' ' ')"
}

PAM_MODULE=""
check_install_pam() {
  if ! apt_install install-pam.log "$(deb 1 libpam-maintenance)"; then
    fail "apt-get install ./libpam-maintenance_${V1}_$ARCH.deb: $(tail -15 "$WORK/install-pam.log" | indent)"; return 1
  fi
  pass "apt-get install ./libpam-maintenance_${V1}_$ARCH.deb"
  PAM_MODULE=$(G dpkg -L libpam-maintenance | grep '/security/pam_maintenance\.so$')
  # libpam finds modules named without a path in its own directory (/lib/<triplet>/security,
  # the same directory on merged /usr)
  local dir; dir=$(X sh -c 'ls -d /lib/*/security' | head -1)
  [ -n "$PAM_MODULE" ] && X test -f "$dir/pam_maintenance.so" &&
    pass "$PAM_MODULE installed, in libpam's module directory $dir" || fail "pam_maintenance.so: '$PAM_MODULE', not in $dir"
  X grep -qx maintenance /var/lib/pam/seen && pass "pam-auth-update --package ran: 'maintenance' is in /var/lib/pam/seen" ||
    fail "'maintenance' not in /var/lib/pam/seen: $(X cat /var/lib/pam/seen 2>&1 | tr '\n' ' ')"
  if X grep -q pam_maintenance /etc/pam.d/common-account; then
    fail "the PAM profile is enabled by default: $(X grep pam_maintenance /etc/pam.d/common-account)"
  else
    pass "the PAM profile is off by default (no pam_maintenance in /etc/pam.d/common-account)"
  fi
  # The admin turns it on; it must stay on over an upgrade and go away with the package.
  if G pam-auth-update --enable maintenance >"$WORK/pam-enable.log" 2>&1 &&
     X grep -q '^account.*required.*pam_maintenance\.so' /etc/pam.d/common-account; then
    pass "pam-auth-update --enable maintenance: $(X grep pam_maintenance /etc/pam.d/common-account | tr -s '\t ' ' ')"
  else
    fail "pam-auth-update --enable maintenance: $(cat "$WORK/pam-enable.log") $(X cat /etc/pam.d/common-account | grep -v '^#')"
  fi
  check_man "8 pam_maintenance"
}

check_install_notify() {
  if ! apt_install install-notify.log "$(deb 1 maintenance-notify)"; then
    fail "apt-get install ./maintenance-notify_${V1}_$ARCH.deb: $(tail -15 "$WORK/install-notify.log" | indent)"; return 1
  fi
  pass "apt-get install ./maintenance-notify_${V1}_$ARCH.deb"
  local f
  for f in /usr/bin/maintenance-notify /usr/lib/systemd/user/maintenance-notify.service \
           /etc/xdg/autostart/maintenance-notify.desktop; do
    X test -f "$f" && pass "$f in place" || fail "$f missing"
  done
  local en; en=$(X systemctl --global is-enabled maintenance-notify.service 2>&1)
  [ "$en" = enabled ] && pass "user unit enabled for every user (systemctl --global is-enabled: enabled)" ||
    fail "systemctl --global is-enabled maintenance-notify.service: $en"
  local v; v=$(G maintenance-notify --version 2>&1)
  [ $? = 0 ] && pass "maintenance-notify --version: $v" || fail "maintenance-notify --version: $v"
  check_man "1 maintenance-notify"
}

KEPT_WINDOW=""
check_upgrade() {
  local pid1 pid2 id out t rc
  id=$(ctl schedule +2d "+2d 2h" --reason "kept over the upgrade" 2>&1)
  [[ "$id" =~ ^[0-9]+$ ]] || { fail "schedule before the upgrade: $id"; return 1; }
  KEPT_WINDOW=$id
  pid1=$(main_pid)
  t=$(date +%s%N)
  if ! apt_install upgrade.log "$(deb 2 maintenanced)" "$(deb 2 libpam-maintenance)" "$(deb 2 maintenance-notify)"; then
    fail "apt-get install of the $V2 packages: $(tail -15 "$WORK/upgrade.log" | indent)"; return 1
  fi
  local p bad=""
  for p in $PKGS; do [ "$(version_of "$p")" = "$V2" ] && [ "$(status_of "$p")" = ii ] || bad+=" $p=$(version_of "$p")/$(status_of "$p")"; done
  [ -z "$bad" ] && pass "upgraded $V1 -> $V2 in $(secs_since "$t") s: $PKGS" || fail "after the upgrade:$bad"
  wait_until 100 sh -c "[ \"\$(nsenter -t $CPID -a systemctl is-active maintenanced)\" = active ]"
  pid2=$(main_pid)
  [ "$pid2" != 0 ] && [ "$pid2" != "$pid1" ] && is_active maintenanced.service &&
    pass "upgrade restarted maintenanced: MainPID $pid1 -> $pid2, active" ||
    { fail "after the upgrade: MainPID $pid1 -> $pid2, $(X systemctl is-active maintenanced.service)"; show_journal; }
  [ "$(X systemctl is-enabled maintenanced.service 2>&1)" = enabled ] && pass "still enabled after the upgrade" ||
    fail "is-enabled after the upgrade: $(X systemctl is-enabled maintenanced.service 2>&1)"
  out=$(window_status "$id")
  [ "$out" = scheduled ] && pass "window $id still scheduled after the upgrade" ||
    fail "window $id after the upgrade: '$out' ($(ctl list 2>&1 | tr '\n' ' '))"
  X grep -q pam_maintenance /etc/pam.d/common-account && pass "the enabled PAM profile stays enabled over the upgrade" ||
    fail "the PAM profile was turned off by the upgrade"
}

check_remove_purge() {
  local out
  if ! G_bg "$WORK/remove.log" apt-get remove -y -q maintenanced; then
    fail "apt-get remove maintenanced: $(tail -10 "$WORK/remove.log" | indent)"; return 1
  fi
  [ "$(status_of maintenanced)" = rc ] && pass "apt-get remove maintenanced: removed, configuration kept (dpkg: rc)" ||
    fail "dpkg status after remove: $(status_of maintenanced)"
  out=$(X systemctl is-active maintenanced.service 2>&1)
  [ "$out" != active ] && pass "service stopped by the removal ($out)" || fail "maintenanced still $out after remove"
  X test -f /var/lib/maintenanced/windows.db && pass "remove kept /var/lib/maintenanced ($(X ls /var/lib/maintenanced | tr '\n' ' '))" ||
    fail "remove lost /var/lib/maintenanced: $(X ls -la /var/lib/maintenanced 2>&1)"
  # reinstalling finds the windows again
  if apt_install reinstall.log "$(deb 2 maintenanced)" && wait_until 100 is_active maintenanced.service &&
     [ "$(window_status "$KEPT_WINDOW")" = scheduled ]; then
    pass "reinstalled $V2: window $KEPT_WINDOW is back, service active"
  else
    fail "reinstall: window $KEPT_WINDOW '$(window_status "$KEPT_WINDOW")', $(tail -5 "$WORK/reinstall.log")"
  fi
  if ! G_bg "$WORK/purge.log" apt-get purge -y -q maintenanced; then
    fail "apt-get purge maintenanced: $(tail -10 "$WORK/purge.log" | indent)"; return 1
  fi
  [ -z "$(status_of maintenanced)" ] || [ "$(status_of maintenanced)" = un ] &&
    pass "apt-get purge maintenanced: gone from dpkg" || fail "dpkg status after purge: $(status_of maintenanced)"
  X test -e /var/lib/maintenanced && fail "purge left /var/lib/maintenanced: $(X ls -la /var/lib/maintenanced 2>&1)" ||
    pass "purge removed /var/lib/maintenanced"
  X test -L /etc/systemd/system/multi-user.target.wants/maintenanced.service &&
    fail "purge left the unit's enablement link" || pass "purge removed the enablement link"
  # the PAM module last: its prerm must take it out of the stack
  if G_bg "$WORK/purge-pam.log" apt-get purge -y -q libpam-maintenance &&
     ! X grep -q pam_maintenance /etc/pam.d/common-account && ! X test -e "$PAM_MODULE"; then
    pass "apt-get purge libpam-maintenance: module gone and out of /etc/pam.d/common-account"
  else
    fail "purge libpam-maintenance: $(tail -5 "$WORK/purge-pam.log"); $(X grep pam_maintenance /etc/pam.d/common-account)"
  fi
  out=$(G su -s /bin/sh -c 'echo ok' nobody 2>&1)
  [ "$out" = ok ] && pass "PAM still works after the purge (su to nobody)" || fail "su after the purge: $out"
}

# ------------------------------------------------------------------------------ run
info "source $SRC, work $WORK; packages $V1, upgrade $V2"
if [ -n "${DEBS_CACHE:-}" ] && [ -d "$DEBS_CACHE/debs1" ] && [ -d "$DEBS_CACHE/debs2" ]; then
  cp -a "$DEBS_CACHE/debs1" "$DEBS_CACHE/debs2" "$WORK"/
  info "packages from DEBS_CACHE=$DEBS_CACHE, not built"
else
  build_packages || exit 1
  run_lintian
  build_upgrade || exit 1
  [ -n "${DEBS_CACHE:-}" ] && mkdir -p "$DEBS_CACHE" && cp -a "$DEBS1" "$DEBS2" "$DEBS_CACHE"/
fi
ensure_rootfs || exit 1
boot || exit 1
check_apt_sources || exit 1
if check_install_maintenanced; then
  check_client
  check_polkit
  check_man "1 maintenancectl" "8 maintenanced" "5 maintenanced.conf" "5 org.example.Maintenance1"
  check_completion
  check_install_pam
  check_install_notify
  check_upgrade
  check_remove_purge
fi

if [ "${KEEP:-0}" = 1 ]; then
  echo "KEPT: nspawn pid $NSPID, guest PID 1 = host pid $CPID; enter: nsenter -t $CPID -a bash;"
  echo "      stop: kill -TERM $NSPID; then rm -rf $WORK"
fi
echo "$PASSES passed, $FAILS failed"
[ "$FAILS" = 0 ]
