#!/usr/bin/env bash
# The Pacemaker batch helper (engines/pacemaker, installed as maintenanced-pacemaker) against a
# real one-node cluster: corosync and pacemaker started by a real systemd, as PID 1 of a
# systemd-nspawn container that boots this host's own OS through a throwaway overlay (as
# tests/system/run-system-tests.sh does), on the container's private loopback. The helper is
# installed there with `cmake --install`, and each check runs it as maintenanced would (node
# names on standard input) and looks at the CIB with Pacemaker's own tools.
#
# The cluster: one corosync node named after the container, on 127.0.0.1, with a CIB seeded
# with dc-deadtime=2s (the default 20 s is how long a starting node waits for another DC), and a
# second node entry, pcmk-offline, that the CIB knows but that never runs: a batch of two nodes
# of the CIB without a second machine.
#
# Usage: pacemaker-cluster.sh BUILD_DIR [SOURCE_DIR]
#   KEEP=1         leave the container running at the end, and say how to enter and stop it
#   CHECKS="a b"   run only these checks (names as in CHECKS_ALL)
# Prints PASS/FAIL lines. Exit status: 0 all passed, 1 something failed, 77 cannot run here (not
# root, no systemd-nspawn, no pacemaker or corosync: CTest reports it as skipped).
set -u

BUILD=${1:-}
SRC=${2:-$(cd "$(dirname "$0")/../.." && pwd)}
if [ -z "$BUILD" ] || [ ! -f "$BUILD/CMakeCache.txt" ]; then
  echo "usage: $0 BUILD_DIR [SOURCE_DIR]   (BUILD_DIR: a configured and built build tree)" >&2
  exit 2
fi
BUILD=$(cd "$BUILD" && pwd -P)
SRC=$(cd "$SRC" && pwd -P)

CHECKS_ALL="installed list enter status_maintenance leave status_normal batch_one_change
            protocol same_as_crm_attribute acl_fallback sandbox daemon cluster_down"

# ------------------------------------------------------------------------------ output
T0=$(date +%s%N)
ts() { local n; n=$(date +%s%N); printf '%6.2fs' "$(((n - T0) / 10000000))e-2"; }
FAILS=0 CHECK="" CHECK_FAILS=0
pass() { echo "PASS [$(ts)] ${CHECK:+$CHECK: }$*"; }
fail() { CHECK_FAILS=$((CHECK_FAILS + 1)); FAILS=$((FAILS + 1)); echo "FAIL [$(ts)] ${CHECK:+$CHECK: }$*"; }
info() { echo "INFO [$(ts)] ${CHECK:+$CHECK: }$*"; }
skip_all() { echo "SKIP: $*"; exit 77; }
indent() { sed 's/^/    | /'; }

# ------------------------------------------------------------------------------ can it run here?
[ "$(id -u)" = 0 ] || skip_all "needs root (it boots a container)"
for p in systemd-nspawn nsenter unshare setpriv cmake; do
  command -v "$p" >/dev/null || skip_all "$p is not installed (apt-get install systemd-container)"
done
# The guest is this host's OS: what it runs has to be installed here.
for p in corosync pacemakerd cibadmin crm_attribute crm_mon; do
  PATH=$PATH:/usr/sbin command -v "$p" >/dev/null ||
    skip_all "$p is not installed (apt-get install pacemaker corosync; scripts/install-deps.sh does)"
done
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
grep -qw overlay /proc/filesystems || skip_all "the kernel has no overlay file system"
[ -x /lib/systemd/systemd ] || [ -x /usr/lib/systemd/systemd ] || skip_all "systemd is not installed on this host, so the guest (the host's own OS) has none"
[ -f "$BUILD/cmake_install.cmake" ] || { echo "FAIL: $BUILD has no cmake_install.cmake (not configured?)"; exit 1; }

# ------------------------------------------------------------------------------ the container
MACHINE=maintenanced-pcmktest
NODE=$MACHINE                 # the cluster's node: its name is the guest's host name
OFFLINE=pcmk-offline          # a node of the CIB that never runs
UNKNOWN=no-such-node          # a name the cluster does not know
ACL_USER=maint-acl            # may write NODE's entry of the CIB and nothing else
# What a run that was killed outright (SIGKILL) left behind: its work directory and cgroups,
# named after its PID. Its container went down with it (setpriv --pdeathsig below).
for d in /var/tmp/maintenanced-pcmktest.* /sys/fs/cgroup/maintenanced-pcmktest-* \
         /sys/fs/cgroup/*/maintenanced-pcmktest-*; do
  p=${d##*-pcmktest[.-]}; p=${p%%.*}
  [ -e "$d" ] && [ "$p" -gt 0 ] 2>/dev/null && ! kill -0 "$p" 2>/dev/null || continue
  case "$d" in /sys/*) find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null ;; *) rm -rf "$d" ;; esac
done
WORK=$(mktemp -d /var/tmp/maintenanced-pcmktest.$$.XXXXXX)
CG=maintenanced-pcmktest-$$
NSPID="" CPID="" BOOT_T0=""

# The host as it was, in what this test could touch outside its container: the cluster's
# configuration and state, the install directories, the test user, /run/systemd, and the build
# tree's manifest (cmake --install writes it).
hostprint() {
  {
    grep -h "^$ACL_USER:" /etc/passwd /etc/group
    for d in /etc/corosync /usr/local/libexec /usr/local/share/man/man8; do
      echo "== $d"; ls -A "$d" 2>/dev/null
    done
    # (A cluster running on the host writes these itself; this runs only when the guest is down.)
    if ! pgrep -x pacemakerd >/dev/null && ! pgrep -x corosync >/dev/null; then
      for d in /var/lib/corosync /var/lib/pacemaker/cib; do echo "== $d"; ls -A "$d" 2>/dev/null; done
    fi
    echo "== /run/systemd"; ls -A /run/systemd 2>&1
    ls -l --time-style=+%s "$BUILD/install_manifest.txt" 2>&1
  }
}
HOSTPRINT=$(hostprint)

# HOST_SYSTEMD, container_cgroup_dirs, shutdown_container
. "$SRC/tests/lib/container.sh"
CG_DIRS=$(container_cgroup_dirs "$CG")

X() { nsenter -t "$CPID" -a "$@"; }   # a command in all of the guest's namespaces

cleanup() {
  local rc=$?
  [ -n "$WATCHDOG_PID" ] && kill "$WATCHDOG_PID" 2>/dev/null
  [ "${KEEP:-0}" = 1 ] && [ -n "$NSPID" ] && return
  shutdown_container
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "FAIL: interrupted or out of time (DEADLINE=${DEADLINE}s)"; exit 1' INT TERM HUP
# Our own deadline, below CTest's TIMEOUT, so that a hung step still ends in cleanup().
DEADLINE=${DEADLINE:-240}
WATCHDOG_PID=""
start_deadline() {
  ( trap 'kill $sp 2>/dev/null; exit 0' TERM
    sleep "$DEADLINE" & sp=$!
    me=$BASHPID
    wait $sp && [ "$(cut -d' ' -f4 /proc/$me/stat)" = $$ ] && { kill -TERM "$NSPID"; kill -TERM $$; }
  ) 2>/dev/null &
  WATCHDOG_PID=$!
}

# The cluster's configuration, written into the guest's overlay before it boots, so that the
# host's own units (Debian enables corosync.service and pacemaker.service) start this cluster
# and no other. Loopback only (the guest has a private network); no encryption, so no authkey.
write_cluster_config() {  # ROOT: the guest's root, the overlay mounted there
  local root=$1
  mountpoint -q "$root" && [ "$root" != / ] || { echo "write_cluster_config: $root is not the guest's overlay" >&2; return 1; }
  cat >"$root/etc/corosync/corosync.conf" <<EOF
# A one-node cluster on loopback for maintenanced's tests (tests/engines/pacemaker-cluster.sh).
totem {
    version: 2
    cluster_name: maintenanced-test
    crypto_cipher: none
    crypto_hash: none
}
logging {
    to_syslog: yes
    to_logfile: no
    to_stderr: no
}
quorum {
    provider: corosync_votequorum
}
nodelist {
    node {
        name: $NODE
        nodeid: 1
        ring0_addr: 127.0.0.1
    }
}
EOF
  # No cib.xml.sig: pacemaker-based notes that there is none and takes the file as it is.
  rm -rf "$root/var/lib/pacemaker/cib" "$root/var/lib/corosync"
  mkdir -p "$root/var/lib/pacemaker/cib" "$root/var/lib/corosync"
  cat >"$root/var/lib/pacemaker/cib/cib.xml" <<EOF
<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="cib-bootstrap-options-dc-deadtime" name="dc-deadtime" value="2s"/>
      </cluster_property_set>
    </crm_config>
    <nodes/>
    <resources/>
    <constraints/>
  </configuration>
  <status/>
</cib>
EOF
  chown -R hacluster:haclient "$root/var/lib/pacemaker/cib"
  chmod 0750 "$root/var/lib/pacemaker/cib"
  chmod 0600 "$root/var/lib/pacemaker/cib/cib.xml"
}

boot() {
  # The overlay: lower=/ (read only in use), upper=a tmpfs that vanishes with the mount namespace.
  # The source and build trees get overlays of their own, at their own paths (a tree on another
  # mount would not be in the / overlay, and the guest gets a fresh /tmp); `cmake --install` in
  # the guest writes only into these overlays.
  local extra="" i=0 d
  for d in $(printf '%s\n' "$SRC" "$BUILD" | sort -u); do
    i=$((i + 1))
    extra+=" --overlay=$d:$WORK/ovl/tree$i/upper:$d"
  done
  mkdir -p "$WORK/ovl" "$WORK/merged"
  local masks=""
  # Units of the host image that only slow the boot: pcsd is a web UI the test does not use.
  for u in pcsd.service pcsd-ruby.service postgresql.service apt-daily.timer apt-daily-upgrade.timer \
           dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer man-db.timer \
           systemd-tmpfiles-clean.timer logrotate.timer getty@tty1.service exim4.service; do
    masks+=" systemd.mask=$u"
  done
  cat >"$WORK/boot.sh" <<EOF
set -e
for d in $CG_DIRS; do mkdir -p \$d; echo \$\$ >\$d/cgroup.procs; done
[ "$HOST_SYSTEMD" = 1 ] || { mount -t tmpfs tmpfs /run; mkdir -p /run/systemd; }
mount -t tmpfs tmpfs "$WORK/ovl"
mkdir -p "$WORK/ovl/upper" "$WORK/ovl/work" $(seq -f "$WORK/ovl/tree%g/upper" 1 $i | tr '\n' ' ')
mount -t overlay overlay -o "lowerdir=/,upperdir=$WORK/ovl/upper,workdir=$WORK/ovl/work" "$WORK/merged"
. "$WORK/cluster-config.sh"
write_cluster_config "$WORK/merged"
exec systemd-nspawn -D "$WORK/merged" -M $MACHINE --register=no $([ "$HOST_SYSTEMD" = 0 ] && echo --keep-unit) \\
     --private-network --console=passive $extra -b -- systemd.hostname=$MACHINE $masks
EOF
  { declare -p NODE; declare -f write_cluster_config; } >"$WORK/cluster-config.sh"
  local t; t=$(date +%s%N)
  BOOT_T0=$t
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
  st=$(timeout 90 nsenter -t "$CPID" -a systemctl is-system-running --wait 2>&1)
  local secs=$((($(date +%s%N) - t) / 1000000))
  case "$st" in
    running) pass "guest systemd booted (host pid $CPID) in ${secs} ms" ;;
    degraded) pass "guest systemd booted (degraded: $(X systemctl --failed --no-legend --plain | awk '{print $1}' | tr '\n' ' ')) in ${secs} ms" ;;
    *) fail "guest state '$st' after ${secs} ms: $(tail -5 "$WORK/nspawn.log")"; return 1 ;;
  esac
}

# ------------------------------------------------------------------------------ helpers
HELPER=""
wait_until() {  # TENTHS COMMAND...: poll every 0.1 s
  local n=$1; shift
  for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done
  "$@"
}
node_online() { X crm_mon -1 2>/dev/null | grep -q "Online: \[ $NODE \]"; }
node_in_cib() { X cibadmin --query --xpath "/cib/configuration/nodes/node[@uname='$NODE']" >/dev/null 2>&1; }
# The permanent attribute as crm_attribute reads it: its value, or "(absent)".
attribute_of() {
  X crm_attribute --node "$1" --name maintenance --lifetime forever --query --quiet 2>/dev/null || echo "(absent)"
}
epoch() { X cibadmin --query --no-children | grep -o ' epoch="[0-9]*"' | grep -o '[0-9]*'; }
last_writer() { X cibadmin --query --no-children | grep -o ' update-client="[^"]*"' | cut -d'"' -f2; }

# run_helper [VAR=VALUE...] ARGS... <<<NAMES: the installed helper in the guest as root, with the
# daemon's environment. Sets OUT (standard output), ERR (standard error), RC.
run_helper() {
  local env=()
  while [[ "${1:-}" == *=* ]]; do env+=("$1"); shift; done
  OUT=$(X env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${env[@]}" \
          "$HELPER" "$@" 2>"$WORK/stderr"); RC=$?
  ERR=$(cat "$WORK/stderr")
}

# expect_lines WHAT LINE_PATTERN...: OUT has exactly as many lines as patterns, and each pattern (an
# extended regular expression for a whole line) matches exactly one of them.
expect_lines() {
  local what=$1 p n bad=""
  shift
  n=$(printf '%s' "$OUT" | grep -c '')
  [ "$n" = $# ] || bad+=" $n lines for $# hosts;"
  for p in "$@"; do
    [ "$(grep -cxE -- "$p" <<<"$OUT")" = 1 ] || bad+=" no single line '$p';"
  done
  if [ -z "$bad" ]; then
    pass "$what: $(sed ':a; N; $!ba; s/\n/ | /g' <<<"$OUT") (exit status $RC)"
  else
    fail "$what:$bad output (exit status $RC):"; { echo "$OUT"; echo "stderr:"; echo "$ERR"; } | indent
  fi
}

expect_rc() {  # WHAT WANTED
  [ "$RC" = "$2" ] && pass "$1: exit status $RC" || fail "$1: exit status $RC, wanted $2"
}

expect_attribute() {  # NODE VALUE
  local v; v=$(attribute_of "$1")
  [ "$v" = "$2" ] && pass "crm_attribute --node $1 --name maintenance --query: $v" \
    || fail "crm_attribute --node $1 --name maintenance --query: $v, wanted $2"
}

# ------------------------------------------------------------------------------ setup
install_helper() {
  local out
  if out=$(X cmake --install "$BUILD" 2>&1); then
    pass "cmake --install $BUILD in the guest ($(echo "$out" | grep -c 'Installing:') files)"
  else
    fail "cmake --install: $(echo "$out" | tail -5)"; return 1
  fi
  HELPER=$(X grep -m1 '/maintenanced/pacemaker$' "$BUILD/install_manifest.txt")
  [ -n "$HELPER" ] || { fail "libexec/maintenanced/pacemaker is not in install_manifest.txt"; return 1; }
}

start_cluster() {
  local t st
  t=$(date +%s%N)
  # Debian's units are enabled, so the boot has started them already; start is a no-op then.
  if ! st=$(X systemctl start corosync.service pacemaker.service 2>&1); then
    fail "systemctl start corosync pacemaker: $st"
    X journalctl -u corosync -u pacemaker -n 20 --no-pager -q 2>&1 | indent
    return 1
  fi
  if wait_until 900 node_online && wait_until 100 node_in_cib; then
    local now; now=$(date +%s%N)
    pass "node $NODE online ($(X crm_mon -1 | grep -o 'Current DC: .*' | head -1)):" \
         "$(((now - t) / 1000000)) ms after systemctl start, $(((now - BOOT_T0) / 1000000)) ms after the" \
         "container was started (corosync $(X corosync -v | grep -o 'version .[0-9.]*' | tr -d "'")," \
         "pacemaker $(X pacemakerd --version | awk 'NR==1 {print $2}'))"
  else
    fail "node $NODE not online after 90 s:"; X crm_mon -1 2>&1 | indent
    X journalctl -u corosync -u pacemaker -n 20 --no-pager -q 2>&1 | indent
    return 1
  fi
  # The second node entry, and a user in haclient whom an ACL lets write NODE's entry only.
  X cibadmin --create --scope nodes --xml-text "<node id=\"2\" uname=\"$OFFLINE\"/>" ||
    { fail "cibadmin --create $OFFLINE failed"; return 1; }
  X useradd --no-create-home --groups haclient "$ACL_USER" || { fail "useradd $ACL_USER failed"; return 1; }
  X cibadmin --modify --scope configuration --allow-create --xml-text "<configuration><acls>
      <acl_target id=\"$ACL_USER\"><role id=\"maint-$NODE-only\"/></acl_target>
      <acl_role id=\"maint-$NODE-only\">
        <acl_permission id=\"maint-$NODE-only-read\" kind=\"read\" xpath=\"/cib\"/>
        <acl_permission id=\"maint-$NODE-only-write\" kind=\"write\"
                        xpath=\"/cib/configuration/nodes/node[@uname='$NODE']\"/>
      </acl_role></acls></configuration>" &&
    X crm_attribute --type crm_config --name enable-acl --update true ||
    { fail "setting up the ACL of $ACL_USER failed"; return 1; }
  # Until the controller has written what it writes at start (dc-version and the like), the
  # CIB's epoch moves by itself; batch_one_change counts it.
  if ! out=$(X timeout 60 crm_resource --wait 2>&1); then
    fail "crm_resource --wait: the cluster did not settle: $out"; return 1
  fi
  info "CIB: $(X cibadmin --query --scope nodes | tr -s ' \n' ' ')"
}

# ------------------------------------------------------------------------------ checks
check_installed() {
  local mode
  mode=$(X stat -c '%a %U' "$HELPER")
  [ "$mode" = "755 root" ] && pass "$HELPER installed, mode $mode" || fail "$HELPER: mode '$mode'"
  X test -f "$(dirname "$HELPER")/maintenanced" && pass "next to the daemon, $(dirname "$HELPER")/maintenanced" \
    || fail "the daemon is not at $(dirname "$HELPER")/maintenanced"
  local page; page=$(X grep -m1 '/man8/maintenanced-pacemaker.8$' "$BUILD/install_manifest.txt")
  [ -n "$page" ] && pass "man page $page installed" || info "no man page installed (scdoc missing?)"
  run_helper --help </dev/null
  [ "$RC" = 0 ] && grep -q '^Usage: pacemaker enter|leave|status' <<<"$OUT" \
    && pass "maintenanced-pacemaker --help: $(head -1 <<<"$OUT")" || fail "--help (exit status $RC): $OUT $ERR"
}

check_list() {
  run_helper list </dev/null
  if [ "$RC" = 0 ] && [ "$OUT" = "$(printf '%s\n' "$NODE" "$OFFLINE" | LC_ALL=C sort)" ]; then
    pass "list: $(tr '\n' ' ' <<<"$OUT")(the CIB's nodes)"
  else
    fail "list (exit status $RC): $(tr '\n' ' ' <<<"$OUT") $ERR"
  fi
}

check_enter() {
  run_helper enter 7 <<<"$NODE"
  expect_lines "enter $NODE" "$NODE ok( .*)?"
  expect_rc "enter $NODE" 0
  expect_attribute "$NODE" true
  X crm_mon -1 | grep -qE "Node $NODE: maintenance" && pass "crm_mon -1: Node $NODE: maintenance" \
    || { fail "crm_mon -1 does not show $NODE in maintenance:"; X crm_mon -1 | indent; }
  [[ "$ERR" == *"window 7"* ]] && pass "its standard error names window 7: $ERR" \
    || fail "its standard error does not name window 7: $ERR"
}

check_status_maintenance() {
  run_helper status 7 <<<"$NODE"
  expect_lines "status $NODE in maintenance" "$NODE maintenance( .*)?"
  expect_rc "status" 0
  # The daemon's way: the command from MAINTENANCE_ACTION, the window from MAINTENANCE_WINDOW_ID.
  run_helper MAINTENANCE_ACTION=status MAINTENANCE_WINDOW_ID=7 MAINTENANCE_REASON=test <<<"$NODE"
  expect_lines "MAINTENANCE_ACTION=status, no arguments" "$NODE maintenance( .*)?"
}

check_leave() {
  run_helper leave 7 <<<"$NODE"
  expect_lines "leave $NODE" "$NODE ok( .*)?"
  expect_rc "leave $NODE" 0
  expect_attribute "$NODE" "(absent)"
  X crm_mon -1 | grep -qE "Online: \[ $NODE \]" && pass "crm_mon -1: $NODE online again" \
    || { fail "crm_mon -1 does not show $NODE online:"; X crm_mon -1 | indent; }
}

check_status_normal() {
  run_helper status <<<"$NODE"
  expect_lines "status $NODE after leave" "$NODE normal( .*)?"
  # false counts as not in maintenance, as Pacemaker reads it
  X crm_attribute --node "$NODE" --name maintenance --update false
  run_helper status <<<"$NODE"
  expect_lines "status $NODE with maintenance=false" "$NODE normal( .*)?"
  X crm_attribute --node "$NODE" --name maintenance --delete >/dev/null
}

# A batch of the running node, the node that never ran and a name the cluster does not know: the
# two nodes are changed in one CIB change (the epoch moves by one, and cibadmin made it), the
# unknown one fails with Pacemaker's message.
check_batch_one_change() {
  local names e0 e1 w
  names=$(printf '%s\n' "$NODE" "$OFFLINE" "$UNKNOWN")
  for action in enter leave; do
    e0=$(epoch)
    run_helper "$action" 8 <<<"$names"
    e1=$(epoch) w=$(last_writer)
    expect_lines "$action $NODE $OFFLINE $UNKNOWN" "$NODE ok( .*)?" "$OFFLINE ok( .*)?" \
      "$UNKNOWN failed .*[Cc]ould not map name=$UNKNOWN.*"
    expect_rc "$action with an unknown node" 1
    [ "$((e1 - e0))" = 1 ] && [ "$w" = cibadmin ] \
      && pass "$action: one CIB change for both nodes (epoch $e0 -> $e1, by $w)" \
      || fail "$action: epoch $e0 -> $e1, last change by $w (wanted one change, by cibadmin); stderr: $ERR"
    if [ $action = enter ]; then
      expect_attribute "$NODE" true; expect_attribute "$OFFLINE" true
      run_helper status <<<"$names"
      expect_lines "status of the batch" "$NODE maintenance( .*)?" "$OFFLINE maintenance( .*)?" \
        "$UNKNOWN unknown .+"
      expect_rc "status with an unknown node" 0
    else
      expect_attribute "$NODE" "(absent)"; expect_attribute "$OFFLINE" "(absent)"
      run_helper status <<<"$names"
      expect_lines "status of the batch" "$NODE normal( .*)?" "$OFFLINE normal( .*)?" "$UNKNOWN unknown .+"
    fi
  done
}

# What the daemon may send: a name twice, blank lines, a CR, surrounding blanks; and a node that
# is already where it should go. One line per distinct name, and no CIB change for nothing.
check_protocol() {
  local e0
  run_helper enter <<<"$(printf '%s\n\n  %s  \n%s\r\n' "$NODE" "$OFFLINE" "$NODE")"
  expect_lines "enter with a duplicate, a blank line, blanks and a CR" "$NODE ok( .*)?" "$OFFLINE ok( .*)?"
  e0=$(epoch)
  run_helper enter <<<"$NODE"
  expect_lines "enter again" "$NODE ok already in maintenance"
  [ "$(epoch)" = "$e0" ] && pass "enter again: no CIB change (epoch $e0)" || fail "enter again changed the CIB (epoch $e0 -> $(epoch))"
  run_helper leave <<<"$(printf '%s\n' "$NODE" "$OFFLINE")"
  run_helper leave <<<"$NODE"
  expect_lines "leave again" "$NODE ok was not in maintenance"
  run_helper enter </dev/null
  [ -z "$OUT" ] && [ "$RC" = 0 ] && pass "an empty batch: no output, exit status 0" || fail "an empty batch (exit status $RC): $OUT"
  run_helper bogus </dev/null
  expect_rc "an unknown command" 2
  local left
  left=$(X sh -c 'ls /tmp/maintenanced-pacemaker.* 2>/dev/null')
  [ -z "$left" ] && pass "no temporary files left in /tmp" || fail "temporary files left: $left"
}

# The helper's one CIB change leaves a node exactly as crm_attribute --update true and --delete
# leave it, from states pcs, crmsh or an admin make: the node's attributes in a set of another
# name (crm_attribute then adds its set nodes-ID), and maintenance=false in such a set
# (crm_attribute changes it where it is).
check_same_as_crm_attribute() {
  local start name with_helper with_crm
  for start in \
    "<instance_attributes id=\"offline-attrs\"><nvpair id=\"offline-attrs-rack\" name=\"rack\" value=\"r7\"/></instance_attributes>" \
    "<instance_attributes id=\"offline-attrs\"><nvpair id=\"offline-attrs-rack\" name=\"rack\" value=\"r7\"/><nvpair id=\"offline-attrs-maint\" name=\"maintenance\" value=\"false\"/></instance_attributes>"
  do
    case $start in
      *'name="maintenance"'*) name="maintenance=false in offline-attrs" ;;
      *) name="rack=r7 in offline-attrs" ;;
    esac
    set_offline_node "$start" || return
    run_helper enter <<<"$OFFLINE"
    expect_lines "enter $OFFLINE ($name)" "$OFFLINE ok( .*)?"
    with_helper=$(offline_node_xml)
    set_offline_node "$start" || return
    X crm_attribute --node "$OFFLINE" --name maintenance --update true
    with_crm=$(offline_node_xml)
    [ "$with_helper" = "$with_crm" ] && pass "enter ($name): as crm_attribute --update true leaves it: $with_helper" \
      || fail "enter ($name): $with_helper; crm_attribute: $with_crm"
    # from there (crm_attribute's result), leave and crm_attribute --delete
    run_helper leave <<<"$OFFLINE"
    expect_lines "leave $OFFLINE ($name)" "$OFFLINE ok( .*)?"
    with_helper=$(offline_node_xml)
    set_offline_node "$(sed -E 's|^<node [^>]*>||; s|</node>$||' <<<"$with_crm")" || return
    X crm_attribute --node "$OFFLINE" --name maintenance --delete >/dev/null
    with_crm=$(offline_node_xml)
    [ "$with_helper" = "$with_crm" ] && pass "leave ($name): as crm_attribute --delete leaves it: $with_helper" \
      || fail "leave ($name): $with_helper; crm_attribute: $with_crm"
  done
  set_offline_node ""
}
set_offline_node() {  # CHILDREN: the node pcmk-offline with these children, and nothing else
  X cibadmin --replace --scope nodes --xml-text "<node id=\"2\" uname=\"$OFFLINE\">$1</node>" ||
    { fail "cibadmin --replace of $OFFLINE's node entry failed"; return 1; }
}
offline_node_xml() {  # the node entry, on one line, without blanks between elements
  X cibadmin --query --xpath "/cib/configuration/nodes/node[@uname='$OFFLINE']" | tr -d '\n' |
    sed -E 's/>[[:space:]]+</></g'
}

# The batch change is refused (an ACL lets the user write NODE's entry only): the helper falls
# back to crm_attribute node by node, and each node gets its own verdict.
check_acl_fallback() {
  local names
  names=$(printf '%s\n' "$NODE" "$OFFLINE")
  OUT=$(X runuser -u "$ACL_USER" -- "$HELPER" enter 9 <<<"$names" 2>"$WORK/stderr"); RC=$?
  ERR=$(cat "$WORK/stderr")
  expect_lines "enter as $ACL_USER (ACL: $NODE only)" "$NODE ok( .*)?" "$OFFLINE failed .*[Pp]ermission denied.*"
  [[ "$ERR" == *"node by node"* ]] && pass "stderr: $ERR" || fail "stderr does not say it fell back: $ERR"
  expect_attribute "$NODE" true
  expect_attribute "$OFFLINE" "(absent)"
  X crm_attribute --node "$OFFLINE" --name maintenance --update true
  OUT=$(X runuser -u "$ACL_USER" -- "$HELPER" leave 9 <<<"$names" 2>"$WORK/stderr"); RC=$?
  ERR=$(cat "$WORK/stderr")
  expect_lines "leave as $ACL_USER" "$NODE ok( .*)?" "$OFFLINE failed .*[Pp]ermission denied.*"
  expect_attribute "$NODE" "(absent)"
  expect_attribute "$OFFLINE" true
  X crm_attribute --node "$OFFLINE" --name maintenance --delete >/dev/null
}

# maintenanced runs batch commands as its children, so inside maintenanced.service's sandbox. Its
# empty capability bounding set keeps root out of Pacemaker's IPC (the shared memory files of a
# root client's connection are hacluster's, mode 0600): the helper says so on every line. With
# the drop-in maintenanced-pacemaker(8) gives, enter, status and leave work in there.
check_sandbox() {
  local unit action
  unit=$(X grep -m1 '/maintenanced.service$' "$BUILD/install_manifest.txt")
  [ -n "$unit" ] || { fail "maintenanced.service is not in install_manifest.txt"; return; }
  X systemd-tmpfiles --create maintenanced.conf   # /run/motd.d, which the unit names
  # The installed [Service] section minus what makes it the daemon; the helper as a batch
  # command, with the batch on standard input and the daemon's environment.
  X sh -c "{ echo '[Unit]'; echo 'Description=maintenanced-pacemaker %i in the sandbox of maintenanced.service'
             echo '[Service]'
             awk '/^\[Service\]/{s=1; next} /^\[/{s=0}
                  s && !/^(Type|BusName|ExecStart|ExecReload|NotifyAccess|WatchdogSec|Restart|RestartPreventExitStatus)=/' '$unit'
             echo 'Type=oneshot'
             echo 'Environment=MAINTENANCE_ACTION=%i MAINTENANCE_WINDOW_ID=11'
             echo 'StandardInputText=$NODE'
             echo 'StandardOutput=file:/var/tmp/pacemaker-probe.out'
             echo 'StandardError=file:/var/tmp/pacemaker-probe.err'
             echo 'ExecStart=$HELPER'
           } >/run/systemd/system/maintenanced-pacemaker-probe@.service"
  X systemctl daemon-reload
  probe() {  # ACTION: runs it in the sandbox; sets OUT, ERR, RC
    X rm -f /var/tmp/pacemaker-probe.out /var/tmp/pacemaker-probe.err
    X systemctl start "maintenanced-pacemaker-probe@$1.service" 2>/dev/null
    RC=$(X systemctl show -p ExecMainStatus --value "maintenanced-pacemaker-probe@$1.service")
    OUT=$(X cat /var/tmp/pacemaker-probe.out 2>&1) ERR=$(X cat /var/tmp/pacemaker-probe.err 2>&1)
  }
  probe status
  expect_lines "status in the stock sandbox" "$NODE unknown cannot read the CIB: .*CAP_DAC_OVERRIDE.*maintenanced-pacemaker\(8\).*"
  # The drop-in of the man page, word for word.
  local dropin
  dropin=$(sed -n '/^# \/etc\/systemd\/system\/maintenanced.service.d\/pacemaker.conf/,/^```/p' \
             "$SRC/engines/maintenanced-pacemaker.8.scd.in" | sed '1d; $d')
  if [ -z "$dropin" ]; then
    fail "no maintenanced.service drop-in in maintenanced-pacemaker.8.scd.in"
  else
    X mkdir -p /run/systemd/system/maintenanced-pacemaker-probe@.service.d
    X sh -c "cat >/run/systemd/system/maintenanced-pacemaker-probe@.service.d/pacemaker.conf" <<<"$dropin"
    X systemctl daemon-reload
    info "with the drop-in: $(tr '\n' ' ' <<<"$dropin")"
    probe enter
    expect_lines "enter in the sandbox with the drop-in" "$NODE ok( .*)?"
    expect_attribute "$NODE" true
    probe status
    expect_lines "status in the sandbox with the drop-in" "$NODE maintenance( .*)?"
    probe leave
    expect_lines "leave in the sandbox with the drop-in" "$NODE ok( .*)?"
    expect_attribute "$NODE" "(absent)"
  fi
  X rm -rf /run/systemd/system/maintenanced-pacemaker-probe@.service /run/systemd/system/maintenanced-pacemaker-probe@.service.d
  X systemctl daemon-reload
}

attribute_is() { [ "$(attribute_of "$1")" = "$2" ]; }

# The daemon itself flips the cluster: maintenanced.service as installed (its sandbox with the
# drop-in of maintenanced-pacemaker(8)) with a [Hosts cluster] group whose commands are the
# helper. A window's start sets the node's attribute; re-enabling the node by hand clears it.
check_daemon() {
  local ctl id dropin
  ctl=$(X grep -m1 '/bin/maintenancectl$' "$BUILD/install_manifest.txt")
  [ -n "$ctl" ] || { fail "maintenancectl is not in install_manifest.txt"; return; }
  X busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig >/dev/null \
    || fail "dbus ReloadConfig failed"
  X systemd-tmpfiles --create maintenanced.conf
  X mkdir -p /etc/maintenanced /etc/systemd/system/maintenanced.service.d
  X sh -c "cat >/etc/maintenanced/maintenanced.conf" <<EOF
[Daemon]
Scheduler=internal

[Notify]
Sendmail=
Wall=no
Motd=no

[Hosts cluster]
HostsCommand=$HELPER list
EnterCommand=$HELPER enter %w
LeaveCommand=$HELPER leave %w
StatusCommand=$HELPER status
EOF
  dropin=$(sed -n '/^# \/etc\/systemd\/system\/maintenanced.service.d\/pacemaker.conf/,/^```/p' \
             "$SRC/engines/maintenanced-pacemaker.8.scd.in" | sed '1d; $d')
  X sh -c "cat >/etc/systemd/system/maintenanced.service.d/pacemaker.conf" <<<"$dropin"
  X systemctl daemon-reload
  if ! X systemctl restart maintenanced.service; then
    fail "maintenanced.service did not start"
    X journalctl -u maintenanced.service -n 15 --no-pager -q 2>&1 | indent
    return
  fi
  id=$(X "$ctl" --no-ask-password schedule +1h +2h --reason "Pacemaker test" 2>&1)
  [[ "$id" =~ ^[0-9]+$ ]] && pass "maintenancectl schedule: window $id" || { fail "schedule: $id"; return; }
  OUT=$(X "$ctl" --no-ask-password start "$id" 2>&1); RC=$?
  info "maintenancectl start $id (exit status $RC): $(tail -1 <<<"$OUT")"
  if wait_until 300 attribute_is "$NODE" true; then
    pass "the daemon's start set $NODE's maintenance attribute (the group listed by the helper)"
  else
    fail "after the start, $NODE's attribute is $(attribute_of "$NODE")"
    X journalctl -u maintenanced.service -n 15 --no-pager -q 2>&1 | indent
  fi
  OUT=$(X busctl get-property org.example.Maintenance1 "/org/example/Maintenance1/window/$id" \
          org.example.Maintenance1.Window HostResults 2>&1)
  [[ "$OUT" == *"\"$NODE\" \"maintenance\""* ]] && pass "HostResults: $NODE maintenance" \
    || fail "HostResults: $OUT"
  OUT=$(X "$ctl" --no-ask-password host-maintenance "$NODE" off 2>&1); RC=$?
  expect_rc "maintenancectl host-maintenance $NODE off ($OUT)" 0
  expect_attribute "$NODE" "(absent)"
  X "$ctl" --no-ask-password complete "$id" >/dev/null 2>&1 || fail "maintenancectl complete $id failed"
  X systemctl stop maintenanced.service
  X rm -rf /etc/maintenanced /etc/systemd/system/maintenanced.service.d /var/lib/maintenanced
  X systemctl daemon-reload
}

# Pacemaker stopped on this host: every node gets its line, saying why.
check_cluster_down() {
  local names
  X systemctl stop pacemaker.service || fail "systemctl stop pacemaker failed"
  names=$(printf '%s\n' "$NODE" "$OFFLINE")
  run_helper status <<<"$names"
  expect_lines "status with pacemaker stopped" "$NODE unknown cannot read the CIB: .+" "$OFFLINE unknown cannot read the CIB: .+"
  expect_rc "status with pacemaker stopped" 1
  run_helper enter <<<"$names"
  expect_lines "enter with pacemaker stopped" "$NODE failed cannot read the CIB: .+" "$OFFLINE failed cannot read the CIB: .+"
  expect_rc "enter with pacemaker stopped" 1
  run_helper list </dev/null
  [ "$RC" = 1 ] && [ -z "$OUT" ] && pass "list with pacemaker stopped: exit status 1, $ERR" \
    || fail "list with pacemaker stopped (exit status $RC): $OUT"
}

run_check() {
  CHECK=$1 CHECK_FAILS=0
  "check_$1"
  if [ "$CHECK_FAILS" != 0 ]; then
    X journalctl -u pacemaker -n 8 --no-pager -q -o short-monotonic 2>&1 | indent
  fi
  CHECK=""
}

selected() { [ -z "${CHECKS:-}" ] || [[ " $CHECKS " == *" $1 "* ]]; }

# ------------------------------------------------------------------------------ main
info "build $BUILD, source $SRC, work $WORK"
if boot && install_helper && start_cluster; then
  for c in $CHECKS_ALL; do selected "$c" && run_check "$c"; done
fi

if [ "${KEEP:-0}" = 1 ] && [ -n "$NSPID" ]; then
  echo "KEPT: enter with: nsenter -t $CPID -a bash; stop with: kill -TERM $NSPID" \
       "(the next run of this script then removes $WORK and its cgroups)"
else
  shutdown_container
  CHECK=host
  if [ "$(hostprint)" = "$HOSTPRINT" ]; then
    pass "the host's cluster configuration, install directories, users and /run are as they were"
  else
    fail "the host changed:"; diff <(echo "$HOSTPRINT") <(hostprint) | indent
  fi
  for d in $CG_DIRS; do [ -d "$d" ] && fail "cgroup $d left behind"; done
  grep -q "$WORK" /proc/self/mountinfo && fail "mounts under $WORK left behind"
  CHECK=""
fi
echo "RESULT: $FAILS failure(s), in $(ts)"
[ "$FAILS" = 0 ]
