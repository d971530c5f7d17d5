#!/usr/bin/env bash
# Prints the configuration of a private system bus (scripts/private-bus.conf.in) listening on
# SOCKET, with EXTRA (XML elements: <includedir>, <servicedir>, limits) added.
# Usage: scripts/private-bus-conf.sh SOCKET [EXTRA]
set -euo pipefail
template=$(dirname "$0")/private-bus.conf.in
socket=$1 extra=${2:-}
content=$(<"$template")
content=${content//@SOCKET@/"$socket"}
printf '%s\n' "${content//@EXTRA@/"$extra"}"
