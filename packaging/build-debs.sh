#!/usr/bin/env bash
# Builds the Debian packages of maintenanced from the working tree as it is (uncommitted and
# untracked work included, no git needed): exports the tree to WORKDIR/maintenanced-VERSION/,
# puts packaging/debian there as debian/, and runs `dpkg-buildpackage -us -uc -b`.
#
# Usage: packaging/build-debs.sh [--workdir DIR] [--jobs N] [--source DIR]
#   --workdir DIR  where to export and build (created; default: a new /var/tmp/maintenanced-debs.*)
#   --jobs N       parallel build jobs (default: nproc)
#   --source DIR   the tree to export (default: the one this script is in)
# The .deb (also -dbgsym), .buildinfo and .changes files land in WORKDIR; its path is the last line
# printed. What is exported: everything but .git, the top-level build*/ directories and other
# CMake build trees, the paths the top-level .gitignore names, and a top-level debian/
# (packaging/debian takes its place).
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd -P)
workdir="" jobs=$(nproc)
while [ $# -gt 0 ]; do
  case $1 in
    --workdir) workdir=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --source) src=$(cd "$2" && pwd -P); shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "build-debs: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -f "$src/packaging/debian/control" ] || { echo "build-debs: $src has no packaging/debian" >&2; exit 2; }
if [ -z "$workdir" ]; then
  workdir=$(mktemp -d /var/tmp/maintenanced-debs.XXXXXX)
else
  mkdir -p "$workdir"
  workdir=$(cd "$workdir" && pwd -P)
fi

# The upstream version is the project's (CMakeLists.txt), the package version debian/changelog's.
upstream=$(sed -n 's/^project(maintenanced VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
pkgver=$(dpkg-parsechangelog -l "$src/packaging/debian/changelog" -S Version)
[ -n "$upstream" ] || { echo "build-debs: no project version in $src/CMakeLists.txt" >&2; exit 1; }
case $pkgver in
  "$upstream"-*) ;;
  *) echo "build-debs: debian/changelog is at $pkgver, CMakeLists.txt at $upstream" >&2; exit 1 ;;
esac

# The export. tar's --anchored patterns are matched from the top ("./build*" is build/, not
# scripts/build.sh); .gitignore's unanchored ones anywhere. Negated patterns are not supported.
excludes=(--anchored --exclude=./.git --exclude='./build*' --exclude=./debian)
if [ -f "$src/.gitignore" ]; then
  while IFS= read -r pat || [ -n "$pat" ]; do
    pat=${pat%/}
    case $pat in
      ''|'#'*|'!'*) ;;
      /*) excludes+=(--anchored "--exclude=.$pat") ;;
      *) excludes+=(--no-anchored "--exclude=$pat") ;;
    esac
  done <"$src/.gitignore"
fi
case $workdir/ in
  "$src"/*) excludes+=(--anchored "--exclude=./${workdir#"$src"/}") ;;
esac
for d in "$src"/*/; do   # build trees of any name (they hold the package test's cached root)
  [ -f "$d/CMakeCache.txt" ] && excludes+=(--anchored "--exclude=./$(basename "$d")")
done
tree=$workdir/maintenanced-$upstream
rm -rf "$tree"
mkdir -p "$tree"
tar -C "$src" "${excludes[@]}" -cf - . | tar -C "$tree" -xf -
cp -a "$src/packaging/debian" "$tree/debian"

echo "build-debs: building maintenanced $pkgver in $tree"
# As by hand: the unit tests run unless the caller sets DEB_BUILD_OPTIONS=nocheck.
(cd "$tree" && dpkg-buildpackage -us -uc -b -j"$jobs")
ls "$workdir"/*.deb >/dev/null
echo "$workdir"
