#!/usr/bin/env bash
# The Slurm helper (engines/slurm) against a real slurmctld and munged: the cluster that
# slurm-fixture.sh started in CLUSTER_DIR (10,000 nodes node00001..node10000, no slurmd). Each
# case first resumes every node, so that it starts from an idle cluster whatever ran before.
# What Slurm says is read with sinfo, as an admin would, not with the helper.
#
# Usage: slurm-helper-test.sh CASE HELPER CLUSTER_DIR
#   CASE: enter-10000 | status-10000 | leave-subset | unknown-node | foreign-drain |
#         status-states | refused-calls | hostlist-fold
# Exit status: 0 passed, 1 failed, 77 no cluster (the fixture was skipped: Slurm not installed).
set -uo pipefail
shopt -s lastpipe # `... | run_helper` sets $status in this shell

case_name=${1:?usage: slurm-helper-test.sh CASE HELPER CLUSTER_DIR}
helper=${2:?}
cluster=${3:?}
# shellcheck source=tests/engines/lib.sh
source "$(dirname "$0")/lib.sh"

if [ ! -s "$cluster/env" ]; then
  echo "SKIP: no Slurm cluster in $cluster (tests/engines/slurm-fixture.sh start did not run or was skipped)"
  exit 77
fi
# shellcheck disable=SC1091
source "$cluster/env"
export SLURM_CONF
unset MAINTENANCE_WINDOW_ID MAINTENANCE_REASON MAINTENANCE_ACTION SCONTROL

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=$work/out

all='node[00001-10000]'
# RESUME of a node that is not drained is refused, but the drained ones are resumed.
scontrol update NodeName="$all" State=RESUME >/dev/null 2>&1 || true
if [ -n "$(sinfo -h -t drain,down,fail -o '%N')" ]; then
  echo "FAIL: the cluster is not idle after a RESUME of every node: $(sinfo -h -o '%T %N' | tr '\n' ' ')"
  exit 1
fi

names() { # names FROM TO: node names, one a line
  seq -f 'node%05g' "$1" "$2"
}
# run_helper ACTION [WINDOW] < hosts: lines in $out, exit status in $status
run_helper() {
  "$helper" "$@" >"$out" 2>"$work/err"
  status=$?
}
# The nodes in a state, per sinfo, one a line, sorted ("drain" takes in drained and draining).
nodes_in() {
  sinfo -h -N -t "$1" -o '%N' | sort -u
}
# The nodes that are not drained (sinfo's "idle" takes in drained idle nodes).
nodes_not_drained() {
  comm -23 <(names 1 10000) <(nodes_in drain)
}
# node_field NODE FORMAT: one sinfo field of one node.
node_field() {
  sinfo -h -N -n "$1" -o "$2" | head -n 1
}

case $case_name in
  enter-10000)
    # The drain by hand, then through the helper, timed (printed, not checked: timing depends on
    # the machine), then what Slurm says.
    names 1 10000 >"$work/hosts"
    for round in 1 2 3; do
      t0=$(now_ms)
      scontrol update NodeName="$all" State=DRAIN Reason="by hand (maintenance window 1)"
      t1=$(now_ms)
      scontrol update NodeName="$all" State=RESUME
      t2=$(now_ms)
      MAINTENANCE_REASON="kernel update" run_helper enter 42 <"$work/hosts"
      t3=$(now_ms)
      echo "timing, round $round: 10,000 nodes drained by hand in $((t1 - t0)) ms, through the helper in $((t3 - t2)) ms"
      [ "$round" -lt 3 ] && scontrol update NodeName="$all" State=RESUME
    done
    expect_eq "exit status" 0 "$status"
    expect_eq "result lines" 10000 "$(wc -l <"$out")"
    expect_eq "ok lines" 10000 "$(grep -c '^node[0-9]\{5\} ok drain set$' "$out")"
    expect_eq "each host once" "$(cat "$work/hosts")" "$(cut -d' ' -f1 "$out" | sort)"
    expect_eq "drained nodes, per sinfo" "$(cat "$work/hosts")" "$(nodes_in drain)"
    expect_eq "reasons, per sinfo" "10000 kernel update (maintenance window 42)" \
      "$(sinfo -h -N -o '%E' | sort | uniq -c | sed 's/^ *//')"
    ;;

  status-10000)
    names 1 10000 >"$work/hosts"
    run_helper status <"$work/hosts"
    expect_eq "exit status, all idle" 0 "$status"
    expect_eq "normal lines" 10000 "$(grep -c '^node[0-9]\{5\} normal idle' "$out")"
    MAINTENANCE_WINDOW_ID=5 run_helper enter <"$work/hosts"
    expect_eq "exit status of enter (window from the environment)" 0 "$status"
    run_helper status <"$work/hosts"
    expect_eq "exit status, all drained" 0 "$status"
    expect_eq "result lines" 10000 "$(wc -l <"$out")"
    expect_eq "maintenance lines" 10000 \
      "$(grep -c '^node[0-9]\{5\} maintenance drained: maintenance (maintenance window 5)$' "$out")"
    ;;

  leave-subset)
    # Drain all; leave a subset (a range and scattered nodes); exactly those are back in service.
    names 1 10000 >"$work/all"
    MAINTENANCE_REASON=patching run_helper enter 9 <"$work/all"
    expect_eq "exit status of enter" 0 "$status"
    { names 1 1500; names 4000 4000; seq -f 'node%05g' 7001 7 9999; } | sort -u >"$work/subset"
    run_helper leave 9 <"$work/subset"
    expect_eq "exit status of leave" 0 "$status"
    expect_eq "ok lines" "$(wc -l <"$work/subset")" "$(grep -c ' ok resumed$' "$out")"
    expect_eq "resumed nodes (not drained, per sinfo)" "$(cat "$work/subset")" "$(nodes_not_drained)"
    expect_eq "still drained" "$(comm -23 "$work/all" "$work/subset")" "$(nodes_in drain)"
    # Leaving again: nothing to undo, every host ok, nothing changes.
    run_helper leave 9 <"$work/subset"
    expect_eq "exit status of a second leave" 0 "$status"
    expect_eq "not-drained lines" "$(wc -l <"$work/subset")" "$(grep -c ' ok not drained: IDLE' "$out")"
    expect_eq "still drained after the second leave" "$(comm -23 "$work/all" "$work/subset")" "$(nodes_in drain)"
    ;;

  unknown-node)
    # Slurm refuses a whole update for one unknown name: the helper still drains the others and
    # fails only the unknown ones, with Slurm's message.
    { names 1 5000; echo nosuchnode; echo node99999; names 5001 10000; } >"$work/hosts"
    run_helper enter 3 <"$work/hosts"
    expect_eq "exit status" 1 "$status"
    expect_eq "result lines" 10002 "$(wc -l <"$out")"
    expect_line "$out" "nosuchnode failed not a Slurm node: Node nosuchnode not found"
    expect_line "$out" "node99999 failed not a Slurm node: Node node99999 not found"
    expect_eq "ok lines" 10000 "$(grep -c '^node[0-9]\{5\} ok drain set$' "$out")"
    expect_eq "drained nodes" 10000 "$(nodes_in drain | wc -l)"
    # Status and leave say the same about them.
    printf '%s\n' node00001 nosuchnode | run_helper status
    expect_line "$out" "nosuchnode unknown not a Slurm node: Node nosuchnode not found"
    expect_line "$out" "node00001 maintenance drained: maintenance (maintenance window 3)"
    printf '%s\n' nosuchnode node00002 | run_helper leave 3
    expect_line "$out" "nosuchnode failed not a Slurm node: Node nosuchnode not found"
    expect_line "$out" "node00002 ok resumed"
    expect_eq "node00002 after leave" "idle*" "$(node_field node00002 '%T')"
    ;;

  foreign-drain)
    # A node an admin drained for another reason is maintenance to status; the daemon then does
    # not flip it (here: a flip by hand, no window, of the others), and leave never resumes it.
    scontrol update NodeName=node00010 State=DRAIN Reason="broken DIMM"
    names 1 20 >"$work/hosts"
    run_helper status <"$work/hosts"
    expect_line "$out" "node00010 maintenance drained: broken DIMM"
    grep -v '^node00010$' "$work/hosts" | run_helper enter
    expect_eq "exit status of enter" 0 "$status"
    expect_eq "reason of node00011" "maintenance (maintenanced)" "$(node_field node00011 '%E')"
    run_helper leave <"$work/hosts"
    expect_eq "exit status of leave" 1 "$status"
    expect_line "$out" "node00010 failed drained for another reason (\"broken DIMM\"), not by maintenanced: left drained; \`scontrol update NodeName=node00010 State=RESUME\` resumes it"
    expect_eq "ok lines" 19 "$(grep -c ' ok resumed$' "$out")"
    expect_eq "drained nodes" node00010 "$(nodes_in drain)"
    expect_eq "reason of node00010" "broken DIMM" "$(node_field node00010 '%E')"
    ;;

  status-states)
    scontrol update NodeName=node00001 State=DRAIN Reason="x (maintenance window 2)"
    scontrol update NodeName=node00002 State=DOWN Reason="power supply"
    printf '%s\n' node00001 node00002 node00003 nosuch | run_helper status
    expect_eq "exit status" 0 "$status"
    expect_line "$out" "node00001 maintenance drained: x (maintenance window 2)"
    expect_line "$out" "node00002 unknown DOWN+NOT_RESPONDING: power supply"
    expect_line "$out" "node00003 normal idle+not_responding"
    expect_line "$out" "nosuch unknown not a Slurm node: Node nosuch not found"
    # A controller that cannot be reached: every host has a line that says so.
    printf '%s\n' node00001 node00002 | SCONTROL=/nonexistent/scontrol run_helper status
    expect_eq "lines without a controller" 2 "$(grep -c ' unknown scontrol show node failed: could not run /nonexistent/scontrol' "$out")"
    printf '%s\n' node00001 node00002 | SCONTROL=/nonexistent/scontrol run_helper enter 1
    expect_eq "exit status of enter without a controller" 1 "$status"
    expect_eq "failed lines without a controller" 2 "$(grep -c ' failed scontrol show node failed: could not run /nonexistent/scontrol' "$out")"
    ;;

  refused-calls)
    # When Slurm refuses a call: the helper asks where each node is and gives each host the
    # result Slurm's state says; hosts it still cannot place are tried alone, at most 32.
    refusing=$(dirname "$0")/scontrol-refusing.sh
    names 1 100 >"$work/hosts"
    REFUSE=after-applying CALLS=$work/calls SCONTROL=$refusing run_helper enter 8 <"$work/hosts"
    expect_eq "after-applying: exit status" 0 "$status"
    expect_eq "after-applying: ok lines" 100 "$(grep -c ' ok drain set$' "$out")"
    expect_eq "after-applying: drained nodes" "$(cat "$work/hosts")" "$(nodes_in drain)"
    expect_eq "after-applying: update calls (none tried again: all are drained)" 1 "$(wc -l <"$work/calls")"
    : >"$work/calls"
    REFUSE=after-applying CALLS=$work/calls SCONTROL=$refusing run_helper leave 8 <"$work/hosts"
    expect_eq "after-applying: exit status of leave" 0 "$status"
    expect_eq "after-applying: resumed lines" 100 "$(grep -c ' ok resumed$' "$out")"
    expect_eq "after-applying: drained nodes after leave" "" "$(nodes_in drain)"

    names 1 40 >"$work/hosts"
    : >"$work/calls"
    REFUSE=all CALLS=$work/calls SCONTROL=$refusing run_helper enter 8 <"$work/hosts"
    expect_eq "all refused: exit status" 1 "$status"
    expect_eq "all refused: result lines" 40 "$(wc -l <"$out")"
    expect_eq "all refused: ok lines (tried alone)" 32 "$(grep -c ' ok drain set$' "$out")"
    expect_eq "all refused: failed lines (beyond 32)" 8 \
      "$(grep -c ' failed slurm_update error: simulated refusal (not tried alone: more than 32 hosts of the batch were refused)$' "$out")"
    expect_eq "all refused: drained nodes" 32 "$(nodes_in drain | wc -l)"
    expect_eq "all refused: update calls (2 for the batch, 32 alone)" "2 32" \
      "$(awk '$1 > 1 { many++ } $1 == 1 { one++ } END { print many + 0, one + 0 }' "$work/calls")"
    ;;

  hostlist-fold)
    # The NodeName= arguments the helper makes, expanded by Slurm itself (scontrol show
    # hostnames), are exactly the batch; a batch that does not fold into 128 KiB is split into
    # several calls, none of whose arguments the kernel refuses. scontrol here is a stand-in that
    # records its NodeName= argument and succeeds.
    cat >"$work/scontrol" <<'EOF'
#!/usr/bin/env bash
# Records the hostlist of "scontrol update NodeName=LIST ..." and succeeds.
[ "$1" = update ] || exit 1
printf '%s\n' "${2#NodeName=}" >>"${RECORD:?}"
EOF
    chmod +x "$work/scontrol"
    {
      seq -f 'node%05g' 1 10000               # padded
      seq -f 'n%g' 1 200                      # unpadded, across widths
      seq -f 'n%03g' 5 20                     # padded twin names of some of them
      printf '%s\n' login gpu07 gpu7 1234 rack1-n01 rack1-n02 rack2-n01 a-b.c_d9
      seq -f 'wide%06g' 1 70000               # longer than one Slurm range may be
    } >"$work/tricky"
    # 10,000 names that share no numbered prefix: they do not fold.
    awk 'BEGIN { for (i = 1; i <= 10000; i++) printf "host-%x-%d-x\n", i * 7919, i }' >"$work/unfoldable"
    for set in tricky unfoldable; do
      : >"$work/calls"
      RECORD=$work/calls SCONTROL=$work/scontrol run_helper enter 1 <"$work/$set"
      expect_eq "$set: exit status" 0 "$status"
      expect_eq "$set: ok lines" "$(sort -u "$work/$set" | wc -l)" "$(grep -c ' ok drain set$' "$out")"
      longest=$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$work/calls")
      check "$set: every NodeName= argument is below 128 KiB ($longest bytes)" test "$longest" -lt 131072
      : >"$work/expanded"
      while read -r list; do scontrol show hostnames "$list" >>"$work/expanded"; done <"$work/calls"
      expect_eq "$set: Slurm's expansion of the arguments" "$(sort -u "$work/$set")" "$(sort "$work/expanded")"
      echo "$set: $(wc -l <"$work/calls") call(s), $(wc -c <"$work/calls") bytes of hostlist"
    done
    check "the unfoldable batch took more than one call" test "$(wc -l <"$work/calls")" -gt 1
    ;;

  *)
    echo "slurm-helper-test: unknown case $case_name"
    exit 2
    ;;
esac
finish
