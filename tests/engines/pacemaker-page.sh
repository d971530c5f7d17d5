#!/usr/bin/env bash
# maintenanced-pacemaker(8) against the helper itself (engines/pacemaker): the commands, the
# options, the environment variables and the exit statuses of its --help are those the page
# documents (as terms of its COMMANDS, OPTIONS, ENVIRONMENT and EXIT STATUS sections), and the
# exit statuses are those the script has (its `exit N` lines, and "failed" is 0 or 1). Needs no
# cluster.
#
# Usage: pacemaker-page.sh HELPER PAGE SOURCE_DIR
set -euo pipefail

helper=${1:?usage: pacemaker-page.sh HELPER PAGE SOURCE_DIR}
page=${2:?}
src=${3:?}
# shellcheck source=tests/docs/man-terms.sh
source "$src/tests/docs/man-terms.sh"

help=$(bash "$helper" --help)
terms=$(man_terms "$page")
status=0

# A block of --help: the lines after "NAME:" up to the next empty line.
help_block() { awk -v name="$1:" '$0 == name { on = 1; next } /^$/ { on = 0 } on' <<<"$help"; }

help_commands=$(help_block Commands | awk '/^  [a-z]/ { print $1 }' | sort -u)
page_commands=$(awk -F'\t' '$1 == "COMMANDS" { split($2, w, " "); print w[1] }' <<<"$terms" | sort -u)
same_sets commands "--help" "$help_commands" "maintenanced-pacemaker(8)" "$page_commands" || status=1

help_options=$(help_block Options | option_words)
page_options=$(awk -F'\t' '$1 == "OPTIONS" { print $2 }' <<<"$terms" | option_words)
same_sets options "--help" "$help_options" "maintenanced-pacemaker(8)" "$page_options" || status=1

# The page writes "$NAME, $OTHER" terms; --help one name a line.
help_env=$(help_block Environment | awk '/^  [A-Z]/ { print $1 }' | sort -u)
page_env=$(awk -F'\t' '$1 == "ENVIRONMENT" { print $2 }' <<<"$terms" | grep -oE '\$[A-Z_]+' | tr -d '$' |
             sort -u)
same_sets "environment variables" "--help" "$help_env" "maintenanced-pacemaker(8)" "$page_env" || status=1
# ... and each is one the script reads.
for v in $help_env; do
  grep -qE "\\\$\\{?${v}[}:]" "$helper" || { echo "FAIL: --help names \$$v, which $helper never reads"; status=1; }
done

help_statuses=$(help_block "Exit status" | awk '/^  [0-9]/ { print $1 }' | sort -u)
page_statuses=$(awk -F'\t' '$1 == "EXIT STATUS" { print $2 }' <<<"$terms" | sort -u)
# `exit "$failed"` is 0 or 1: failed is only ever set to 1.
script_statuses=$( (grep -oE '\bexit [0-9]+' "$helper" | grep -oE '[0-9]+$'
                    grep -q 'exit "\$failed"' "$helper" && printf '0\n1\n') | sort -u)
same_sets "exit statuses" "--help" "$help_statuses" "maintenanced-pacemaker(8)" "$page_statuses" || status=1
same_sets "exit statuses" "--help" "$help_statuses" "$(basename "$helper")" "$script_statuses" || status=1
if grep -E '\bfailed=[^01]' "$helper" >/dev/null; then
  echo "FAIL: $helper sets failed to something other than 0 or 1: $(grep -E '\bfailed=[^01]' "$helper")"
  status=1
fi

exit "$status"
