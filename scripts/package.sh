#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds lingercam's Debian packages with CPack (packaging/CMakeLists.txt): lingercam-common
# (lingercam-install), lingercam-capture and lingercam-pull, each depending on the libraries
# of the release it was built on (dpkg-shlibdeps), so build them on (or in a root of) the
# release they are for.
#
# Usage: scripts/package.sh [--root debian13] [--build-dir DIR] [--out DIR] [--no-build]
#   (no --root)      this machine's release: the build in build/ (scripts/build.sh makes it
#                    when there is none), packages in build/packages/
#   --root debian13  Debian 13: built in the Debian 13 root (scripts/build-in-root.sh), in
#                    build/debian13, packages in build/debian13-packages/
#   --build-dir DIR  another build folder
#   --out DIR        where the .debs go (emptied first; it must be new, empty or an earlier
#                    output of this script)
#   --no-build       package the build folder as it is
# Prints the packages' paths on stdout, one a line; says each step's time on stderr.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"

# shellcheck source=lib/cli.sh
. "$here/lib/cli.sh"

root=""
build_dir=""
out=""
do_build=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --root) need "$@"; root=$2; shift 2 ;;
    --build-dir) need "$@"; build_dir=$2; shift 2 ;;
    --out) need "$@"; out=$2; shift 2 ;;
    --no-build) do_build=no; shift ;;
    -h|--help) usage 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
case "$root" in
  "") : "${build_dir:=$repo/build}"; : "${out:=$build_dir/packages}" ;;
  debian13) : "${build_dir:=$repo/build/debian13}"; : "${out:=$repo/build/debian13-packages}" ;;
  *) die "unknown root '$root' (debian13; see --help)" ;;
esac
build_dir=$(realpath -m "$build_dir")
out=$(realpath -m "$out")

# The same rule as build-in-root.sh's: only a folder that is ours may be emptied.
readonly kMark=.lingercam-build-in-root-install
if [ -e "$out" ] && [ ! -e "$out/$kMark" ] && [ -n "$(ls -A "$out" 2>/dev/null)" ]; then
  die "--out $out: not empty and not an earlier output of this script; give a new folder"
fi

t0=$(date +%s)
if [ -n "$root" ]; then
  build=()
  [ "$do_build" = yes ] || build=(--no-build)
  "$here/build-in-root.sh" "$root" --build-dir "$build_dir" "${build[@]}" --package "$out" >&2
else
  if [ "$do_build" = yes ]; then
    if [ -f "$build_dir/CMakeCache.txt" ]; then
      cmake --build "$build_dir" -j"$(nproc)" >&2
    elif [ "$build_dir" = "$repo/build" ]; then
      "$here/build.sh" >&2
    else
      die "$build_dir is not a configured build folder (scripts/build.sh makes build/)"
    fi
  fi
  [ -f "$build_dir/CPackConfig.cmake" ] || die "no $build_dir/CPackConfig.cmake: configure it again (cmake $build_dir)"
  command -v dpkg-shlibdeps >/dev/null || die "dpkg-shlibdeps missing (dpkg-dev): run scripts/install-deps.sh"
  rm -rf --one-file-system "$out"
  mkdir -p "$out"
  t=$(date +%s)
  # CPack stages each package under OUT/_CPack_Packages (dropped after), so two runs from
  # one build folder into different OUTs do not meet.
  cpack -G DEB --config "$build_dir/CPackConfig.cmake" -B "$out" >"$out/cpack.log" 2>&1 ||
    { tail -n 30 "$out/cpack.log" >&2; die "cpack failed; see $out/cpack.log"; }
  rm -rf "$out/_CPack_Packages"
  touch "$out/$kMark"
  log "cpack: $(( $(date +%s) - t )) s"
fi
debs=("$out"/*.deb)
[ -e "${debs[0]}" ] || die "no .deb in $out"
log "${#debs[@]} packages in $out in $(( $(date +%s) - t0 )) s"
printf '%s\n' "${debs[@]}"
