# shellcheck shell=bash
# Sourced by the docs tests: reading the terms of a man page that scdoc built.
#
# scdoc writes a term of a definition list ("*--json*" followed by an indented description) as a
# text line directly followed by ".RS 4". man_terms prints each such term as "SECTION<TAB>TEXT",
# with the font escapes removed, SECTION being the .SH heading it is under and TEXT the term as a
# reader sees it ("-H, --host=[USER@]HOST").

# One collation for sort and comm.
export LC_ALL=C

# man_terms PAGE
man_terms() {
  awk '
    /^\.SH / { section = substr($0, 5); gsub(/"/, "", section); prev = ""; next }
    /^\.RS/  { if (prev != "" && prev !~ /^[.\x27]/) print section "\t" prev }
    { prev = $0 }
  ' "$1" | man_plain
}

# man_plain: roff escapes of scdoc output to plain text, on standard input and output.
man_plain() {
  sed -E -e 's/\\f[BIRP]//g' -e 's/\\&//g' -e 's/\\-/-/g' -e 's/\\\(aq/'"'"'/g' -e 's/\\e/\\/g'
}

# option_words: every option (-x, --long-name) in the text on standard input, one a line, sorted,
# each once. An option is a dash or two and a letter, at the start of the text or after a blank,
# a bracket, a comma or a bar, up to "=", "[", a blank or the end.
option_words() {
  grep -oE '(^|[][ ,|(])--?[A-Za-z][A-Za-z0-9-]*' | sed -E 's/^[][ ,|(]//' | sort -u
}

# same_sets WHAT LEFT_NAME LEFT RIGHT_NAME RIGHT: prints what is in one list and not in the other
# (both sorted, one item a line), and returns 1 when they differ.
same_sets() {
  local what=$1 left_name=$2 left=$3 right_name=$4 right=$5 only_left only_right
  only_left=$(comm -23 <(printf '%s\n' "$left" | sed '/^$/d') <(printf '%s\n' "$right" | sed '/^$/d'))
  only_right=$(comm -13 <(printf '%s\n' "$left" | sed '/^$/d') <(printf '%s\n' "$right" | sed '/^$/d'))
  if [ -z "$only_left" ] && [ -z "$only_right" ]; then
    local count
    count=$(printf '%s\n' "$left" | sed '/^$/d' | wc -l)
    if [ "$count" -le 30 ]; then
      echo "ok: the $what of $left_name and $right_name agree: $(printf '%s\n' "$left" | sed '/^$/d' | tr '\n' ' ')"
    else
      echo "ok: the $count $what of $left_name and $right_name agree"
    fi
    return 0
  fi
  [ -z "$only_left" ] || echo "FAIL: $what in $left_name but not in $right_name: $(tr '\n' ' ' <<<"$only_left")"
  [ -z "$only_right" ] || echo "FAIL: $what in $right_name but not in $left_name: $(tr '\n' ' ' <<<"$only_right")"
  return 1
}
