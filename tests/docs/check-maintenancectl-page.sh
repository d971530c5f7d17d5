#!/usr/bin/env bash
# maintenancectl(1) against maintenancectl itself:
#   - the commands and options of `maintenancectl --help` are those the page documents (as terms
#     of its COMMANDS, WINDOW OPTIONS and OPTIONS sections), and those of the parser's tables in
#     ctl/args.cpp;
#   - the bash and zsh completions offer every long option of --help;
#   - JSON OUTPUT describes every command;
#   - EXIT STATUS lists exactly the exit statuses of ctl/request.hpp.
#
# Usage: check-maintenancectl-page.sh MAINTENANCECTL PAGE SOURCE_DIR
set -euo pipefail

ctl=${1:?usage: check-maintenancectl-page.sh MAINTENANCECTL PAGE SOURCE_DIR}
page=${2:?}
src=${3:?}
# shellcheck source=tests/docs/man-terms.sh
source "$(dirname "$0")/man-terms.sh"

help=$("$ctl" --help)
terms=$(man_terms "$page")
status=0

# Commands: the first word of each line of the "Commands:" block of --help; the terms of the
# page's COMMANDS section that start with a letter (the others are the commands' own options).
help_commands=$(awk '/^Commands:/ { on = 1; next } /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }' \
                  <<<"$help" | sort -u)
page_commands=$(awk -F'\t' '$1 == "COMMANDS" && $2 ~ /^[a-z]/ { split($2, w, " "); print w[1] }' \
                  <<<"$terms" | sort -u)
source_commands=$(grep -oE '\{"[a-z-]+", *Command::' "$src/ctl/args.cpp" | sed -E 's/^\{"([a-z-]+)".*/\1/' |
                    sort -u)
same_sets commands "--help" "$help_commands" "maintenancectl(1)" "$page_commands" || status=1
same_sets commands "--help" "$help_commands" "ctl/args.cpp" "$source_commands" || status=1

# Options: every option word in --help; every option word in the terms of the page's sections
# that document options (a command's synopsis names its own options).
help_options=$(option_words <<<"$help")
page_options=$(awk -F'\t' '$1 ~ /COMMANDS|OPTIONS/ { print $2 }' <<<"$terms" | option_words)
source_options=$( (grep -oE 'OptionSpec\{"[a-z-]+"' "$src/ctl/args.cpp" | sed -E 's/.*"(.*)"/--\1/'
                   grep -oE "OptionSpec\{\"[a-z-]+\", *'[A-Za-z]'" "$src/ctl/args.cpp" |
                     sed -E "s/.*'(.)'/-\1/") | sort -u)
same_sets options "--help" "$help_options" "maintenancectl(1)" "$page_options" || status=1
same_sets options "--help" "$help_options" "ctl/args.cpp" "$source_options" || status=1

# Shell completion: the bash and the zsh completion offer every long option of --help (they
# also name others, of busctl and of the calls they make, hence one direction only).
help_long=$(grep -E '^--' <<<"$help_options")
# In zsh's _arguments specs an option is followed by "=", "[", "+" or "}" ('--lead=[...]').
for completion in ctl/completion/maintenancectl.bash ctl/completion/_maintenancectl; do
  case $completion in
    *.bash) offered=$(grep -oE -- '--[a-z][a-z-]*' "$src/$completion" | sort -u) ;;
    *) offered=$(grep -oE -- '--[a-z][a-z-]*[=[+}]' "$src/$completion" | sed -E 's/.$//' | sort -u) ;;
  esac
  missing=$(comm -23 <(printf '%s\n' "$help_long") <(printf '%s\n' "$offered"))
  if [ -n "$missing" ]; then
    echo "FAIL: options of --help that $completion does not offer: $(tr '\n' ' ' <<<"$missing")"
    status=1
  else
    echo "ok: $completion offers every long option of --help"
  fi
done

# JSON OUTPUT: its terms name commands, several to a term ("schedule, start, ...").
json_commands=$(awk -F'\t' '$1 == "JSON OUTPUT" { print $2 }' <<<"$terms" | tr ',' '\n' |
                  sed -E 's/^ +//; s/ +$//' | sort -u)
same_sets commands "--help" "$help_commands" "JSON OUTPUT of maintenancectl(1)" "$json_commands" || status=1

# Exit statuses.
code_statuses=$(grep -oE 'kExit[A-Za-z]+ *= *[0-9]+' "$src/ctl/request.hpp" | grep -oE '[0-9]+$' | sort -u)
page_statuses=$(awk -F'\t' '$1 == "EXIT STATUS" { print $2 }' <<<"$terms" | sort -u)
same_sets "exit statuses" "ctl/request.hpp" "$code_statuses" "maintenancectl(1)" "$page_statuses" || status=1

exit "$status"
