#!/usr/bin/env bash
# maintenanced.conf(5) against the configuration loader: the sections and keys the page documents
# (the "Key=" terms of its "[Section] SECTION OPTIONS" sections) are exactly those of the loader's
# table in daemon/config/config.cpp (kinds(): {Kind::X, "Section", named, {"Key", ...}}).
#
# Usage: check-config-page.sh PAGE SOURCE_DIR
set -euo pipefail

page=${1:?usage: check-config-page.sh PAGE SOURCE_DIR}
src=${2:?}
# shellcheck source=tests/docs/man-terms.sh
source "$(dirname "$0")/man-terms.sh"

loader=$src/daemon/config/config.cpp
# The table, on one line, from "kinds() {" to its closing "}};".
table=$(tr '\n' ' ' <"$loader" | grep -oE 'kinds\(\) *\{.*' | sed -E 's/\}\};.*//' || true)
code_keys=$(grep -oE '\{Kind::[A-Za-z]+, *"[A-Za-z]+", *(true|false), *\{[^}]*\}' <<<"$table" |
              awk '{
                     n = split($0, q, "\"")      # q[2] is the section, q[4], q[6], ... the keys
                     for (i = 4; i <= n; i += 2) print q[2] "." q[i]
                   }' | sort -u)
if [ -z "$code_keys" ]; then
  echo "FAIL: found no sections and keys in $loader (has the kinds() table changed shape? then"
  echo "      update $(basename "$0") to read it)"
  exit 1
fi

page_keys=$(man_terms "$page" |
              awk -F'\t' '$1 ~ /^\[[A-Za-z]+.*\] SECTION OPTIONS$/ && $2 ~ /^[A-Za-z]+=$/ {
                            section = substr($1, 2); sub(/[] ].*/, "", section)
                            key = $2; sub(/=$/, "", key)
                            print section "." key
                          }' | sort -u)
same_sets "configuration keys" "daemon/config/config.cpp" "$code_keys" "maintenanced.conf(5)" "$page_keys"
