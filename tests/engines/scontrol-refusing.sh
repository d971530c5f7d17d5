#!/usr/bin/env bash
# A stand-in in front of the real scontrol that refuses updates of more than one node, as a
# controller does for reasons a test cluster has no way to produce (a node in a state it cannot
# leave, a RESUME that races with an admin). Everything else goes to the real scontrol.
#
#   REFUSE=after-applying  the update is made, then reported as refused (Slurm's RESUME of a
#                          list with a node that is not drained changes the others, then fails)
#   REFUSE=all             the update is refused and nothing changes
#
# Every update it sees is appended to $CALLS (when set): the number of nodes, a blank, the list.
set -u
if [ "${1:-}" = update ]; then
  list=${2#NodeName=}
  count=$(scontrol show hostnames "$list" | wc -l)
  [ -n "${CALLS:-}" ] && echo "$count $list" >>"$CALLS"
  if [ "$count" -gt 1 ]; then
    case ${REFUSE:?} in
      after-applying) scontrol "$@" >/dev/null 2>&1 ;;
      all) ;;
      *) echo "scontrol-refusing: REFUSE=$REFUSE: expected after-applying or all" >&2; exit 2 ;;
    esac
    echo "slurm_update error: simulated refusal" >&2
    exit 1
  fi
fi
exec scontrol "$@"
