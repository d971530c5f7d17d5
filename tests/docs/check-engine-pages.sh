#!/usr/bin/env bash
# The batch helpers' pages against the helpers themselves:
#   - maintenanced-slurm(8): the commands of `slurm --help` are the terms of its COMMANDS
#     section, and its options those of its OPTIONS section;
#   - maintenanced-each-host(8): the options of `each-host --help` are those of its OPTIONS
#     section;
#   - EXIT STATUS of each page lists 0 and the exit statuses its source names (kExit... = N).
#
# Usage: check-engine-pages.sh SLURM SLURM_PAGE EACH_HOST EACH_HOST_PAGE SOURCE_DIR
set -euo pipefail

slurm=${1:?usage: check-engine-pages.sh SLURM SLURM_PAGE EACH_HOST EACH_HOST_PAGE SOURCE_DIR}
slurm_page=${2:?}
each_host=${3:?}
each_host_page=${4:?}
src=${5:?}
# shellcheck source=tests/docs/man-terms.sh
source "$(dirname "$0")/man-terms.sh"
status=0

# check_page NAME PROGRAM PAGE SOURCE
check_page() {
  local name=$1 program=$2 page=$3 source=$4 help terms
  help=$("$program" --help)
  terms=$(man_terms "$page")
  same_sets options "$name --help" "$(option_words <<<"$help")" "$(basename "$page")" \
    "$(awk -F'\t' '$1 == "OPTIONS" { print $2 }' <<<"$terms" | option_words)" || status=1
  same_sets "exit statuses" "$source" \
    "$( (echo 0; grep -oE 'kExit[A-Za-z]+ *= *[0-9]+' "$src/$source" | grep -oE '[0-9]+$') | sort -u)" \
    "$(basename "$page")" "$(awk -F'\t' '$1 == "EXIT STATUS" { print $2 }' <<<"$terms" | sort -u)" ||
    status=1
}

check_page slurm "$slurm" "$slurm_page" engines/slurm_main.cpp
check_page each-host "$each_host" "$each_host_page" engines/each_host_main.cpp

# The commands of the Slurm helper: the first word of each line of the "Commands:" block of
# --help; the terms of the page's COMMANDS section.
help_commands=$(awk '/^Commands:/ { on = 1; next } /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }' \
                  <<<"$("$slurm" --help)" | sort -u)
page_commands=$(man_terms "$slurm_page" | awk -F'\t' '$1 == "COMMANDS" { split($2, w, " "); print w[1] }' |
                  sort -u)
same_sets commands "slurm --help" "$help_commands" "$(basename "$slurm_page")" "$page_commands" ||
  status=1

exit "$status"
