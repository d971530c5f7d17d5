# The container plumbing shared by tests/system/run-system-tests.sh and
# tests/package/run-package-tests.sh (sourced, not run): both boot a guest with systemd as PID 1
# in systemd-nspawn and must leave the host as they found it. The sourcing script defines
# info() and keeps the container's PID in NSPID.

# 1 when the host runs systemd (then nspawn gets a scope from it), else 0.
HOST_SYSTEMD=0
[ -d /run/systemd/system ] && HOST_SYSTEMD=1

# The cgroups nspawn --keep-unit needs for the cgroup named $1: without a systemd on the host, a
# cgroup of its own on each of the host's hierarchies (payload/ and supervisor/ go below it); a
# host systemd gives it a scope (nothing to make or remove).
container_cgroup_dirs() {
  [ "$HOST_SYSTEMD" = 1 ] && return 0
  if [ -d /sys/fs/cgroup/unified ]; then echo "/sys/fs/cgroup/systemd/$1 /sys/fs/cgroup/unified/$1"
  elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then echo "/sys/fs/cgroup/$1"
  else echo "/sys/fs/cgroup/systemd/$1"; fi
}

# Powers the guest off (SIGTERM: nspawn turns it into SIGRTMIN+3 for the guest's systemd), kills
# it after 15 s, and removes the cgroups in $CG_DIRS.
shutdown_container() {
  if [ -n "$NSPID" ] && kill -0 "$NSPID" 2>/dev/null; then
    kill -TERM "$NSPID"
    for _ in $(seq 150); do kill -0 "$NSPID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$NSPID" 2>/dev/null; then kill -KILL "$NSPID"; info "container killed"; fi
    wait "$NSPID" 2>/dev/null
  fi
  NSPID=""
  local d
  for d in $CG_DIRS; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
}
