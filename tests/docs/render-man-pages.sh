#!/usr/bin/env bash
# Renders every man page the build made, as man(1) would on a terminal, and fails on any warning
# of groff (-ww: all of them) and on any error. Also checks that every page of this project that
# a page refers to, such as maintenanced.conf(5), was built: a cross-reference to a page that does
# not exist, or to the wrong section, is a broken link for the reader.
#
# Usage: render-man-pages.sh PAGE_LIST
#   PAGE_LIST: a file naming the built pages, one path a line (CMake writes it from the `man`
#   target's MAINT_MAN_PAGES property, see cmake/Scdoc.cmake).
# Exit status: 0 passed, 1 failed, 77 cannot run here (no groff).
set -euo pipefail

list=${1:?usage: render-man-pages.sh PAGE_LIST}
if ! command -v groff >/dev/null; then
  echo "SKIP: groff is not installed (groff-base; scripts/install-deps.sh installs it)"
  exit 77
fi
mapfile -t pages < <(sed '/^$/d' "$list")
if [ ${#pages[@]} -eq 0 ]; then
  echo "FAIL: $list names no man pages"
  exit 1
fi

failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

built=()
for page in "${pages[@]}"; do
  built+=("$(basename "$page")")
done

for page in "${pages[@]}"; do
  name=$(basename "$page")
  if [ ! -s "$page" ]; then
    fail "$name: $page is missing or empty (was the project built?)"
    continue
  fi
  # -t: tbl, in case a page has a table; -Tutf8 and a line length of 80 columns: a terminal.
  if ! warnings=$(groff -man -t -ww -z -Tutf8 -rLL=80n "$page" 2>&1); then
    fail "$name: groff failed: $warnings"
  elif [ -n "$warnings" ]; then
    fail "$name: groff warns:"
    printf '%s\n' "$warnings" | sed 's/^/    /'
  else
    echo "ok: $name renders without warnings"
  fi
  grep -q '^\.SH NAME' "$page" || fail "$name: no NAME section"
  grep -q '^\.SH "\{0,1\}SEE ALSO' "$page" || fail "$name: no SEE ALSO section"

  # References to this project's pages: \fBmaintenanced.conf\fR(5) and the like (scdoc writes
  # "\&" after each dot).
  while read -r ref; do
    [ -n "$ref" ] || continue
    found=0
    for b in "${built[@]}"; do
      [ "$b" = "$ref" ] && found=1
    done
    [ "$found" = 1 ] || fail "$name refers to $ref, which was not built"
  done < <(sed 's/\\&//g' "$page" |
             grep -oE '\\fB(maintenance[A-Za-z0-9._-]*|pam\\?_maintenance|org\.example\.Maintenance1)\\fR\([1-8]\)' |
             sed -E 's/\\fB//; s/\\fR\(([1-8])\)/.\1/; s/\\_/_/g' | sort -u)
done

if [ "$failures" -ne 0 ]; then
  echo "$failures problem(s) in ${#pages[@]} man page(s)"
  exit 1
fi
echo "all ${#pages[@]} man pages render cleanly"
