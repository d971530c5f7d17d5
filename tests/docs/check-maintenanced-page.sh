#!/usr/bin/env bash
# maintenanced(8) against maintenanced itself:
#   - the options of `maintenanced --help` are those the page's OPTIONS section documents;
#   - EXIT STATUS lists 0, 1 and the exit statuses daemon/main.cpp names (kExit... = N).
#
# Usage: check-maintenanced-page.sh MAINTENANCED PAGE SOURCE_DIR
set -euo pipefail

daemon=${1:?usage: check-maintenanced-page.sh MAINTENANCED PAGE SOURCE_DIR}
page=${2:?}
src=${3:?}
# shellcheck source=tests/docs/man-terms.sh
source "$(dirname "$0")/man-terms.sh"

help=$("$daemon" --help)
terms=$(man_terms "$page")
status=0

help_options=$(option_words <<<"$help")
page_options=$(awk -F'\t' '$1 == "OPTIONS" { print $2 }' <<<"$terms" | option_words)
same_sets options "maintenanced --help" "$help_options" "maintenanced(8)" "$page_options" || status=1

# 0 (stopped, --help, --version) and 1 (any other failure) are plain numbers in main.cpp; the
# others have names.
code_statuses=$( (echo 0; echo 1
                  grep -oE 'kExit[A-Za-z]+ *= *[0-9]+' "$src/daemon/main.cpp" | grep -oE '[0-9]+$') |
                  sort -u)
page_statuses=$(awk -F'\t' '$1 == "EXIT STATUS" { print $2 }' <<<"$terms" | sort -u)
same_sets "exit statuses" "daemon/main.cpp" "$code_statuses" "maintenanced(8)" "$page_statuses" || status=1

exit "$status"
