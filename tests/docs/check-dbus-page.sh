#!/usr/bin/env bash
# org.example.Maintenance1(5) against the contract, dbus/org.example.Maintenance1.xml: the
# interface listings of the page (the "interface NAME { methods: ... signals: ... properties: ...
# };" blocks, as systemd's D-Bus pages write them) declare exactly the methods, signals and
# properties of the XML's interfaces, each with the XML's argument directions, types and names,
# and each property with its type. Interfaces the XML does not define (the standard
# org.freedesktop.DBus.* ones) are not compared.
#
# Usage: check-dbus-page.sh PAGE INTERFACE_XML
set -euo pipefail

page=${1:?usage: check-dbus-page.sh PAGE INTERFACE_XML}
xml=${2:?}
# shellcheck source=tests/docs/man-terms.sh
source "$(dirname "$0")/man-terms.sh"

# One member a line: "Interface.Method(in t start_usec, out o window)", "Interface.Signal(u id)",
# "Interface.readonly s State".
xml_members=$(awk '
  function attr(name,    m) {
    if (match($0, name "=\"[^\"]*\"")) { m = substr($0, RSTART, RLENGTH); sub(/^[^"]*"/, "", m); sub(/"$/, "", m); return m }
    return ""
  }
  /<interface / { iface = attr("name") }
  /<method / || /<signal / {
    member = iface "." attr("name"); args = ""
    if ($0 ~ /\/>/) print member "()"
    next
  }
  /<arg / && member != "" {
    dir = attr("direction")
    args = args (args == "" ? "" : ", ") (dir == "" ? "" : dir " ") attr("type") " " attr("name")
    next
  }
  /<\/method>/ || /<\/signal>/ { print member "(" args ")"; member = "" }
  /<property / { print iface ".readonly " attr("type") " " attr("name") }
' "$xml" | sort -u)
if [ -z "$xml_members" ]; then
  echo "FAIL: found no members in $xml"
  exit 1
fi
interfaces=$(grep -oE '<interface name="[^"]+"' "$xml" | sed -E 's/.*"(.*)"/\1/')

page_members=$(sed -n '/^\.nf/,/^\.fi/p' "$page" | man_plain | awk -v wanted="$interfaces" '
  BEGIN { n = split(wanted, w, "\n"); for (i = 1; i <= n; i++) ours[w[i]] = 1 }
  /^ *interface [^ ]+ \{$/ { iface = $2; mode = ""; next }
  /^ *\};/ { iface = ""; next }
  !(iface in ours) { next }
  /^ *(methods|signals|properties):$/ { mode = $1; next }
  /^ *@/ { next }
  mode == "properties:" && /^ *readonly / {
    line = $0; sub(/^ */, "", line); sub(/ *=.*$/, "", line)
    print iface "." line; next
  }
  (mode == "methods:" || mode == "signals:") {
    text = text $0
    if (text ~ /\);$/) {
      gsub(/[ \t]+/, " ", text); sub(/^ /, "", text); sub(/;$/, "", text)
      gsub(/\( /, "(", text); gsub(/ \)/, ")", text); gsub(/ ,/, ",", text)
      print iface "." text
      text = ""
    }
  }
' | sort -u)

same_sets "D-Bus members" "$(basename "$xml")" "$xml_members" "org.example.Maintenance1(5)" "$page_members"
