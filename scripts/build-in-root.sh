#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds lingercam inside a Debian root from scripts/debian-root.sh, with that root's
# compiler and libraries and -Werror, and optionally runs its tests or installs it there.
# The source is mounted at /src and the build folder at /build, so ccache (kept in
# ${XDG_CACHE_HOME:-~/.cache}/lingercam/ccache) hits across clones and runs.
#
# Usage: scripts/build-in-root.sh PROFILE [options] [-- CMAKE_OPTION...]
#   PROFILE          debian13 (Debian 13 amd64) or debian13-arm64 (the arm64 cross build,
#                    with scripts/toolchain-arm64.cmake)
#   --build-dir DIR  build folder on this machine (default: build/PROFILE)
#   --no-build       use the build folder as it is
#   --ctest LABELS   then run `ctest -L LABELS` in the root (arm64: under qemu-aarch64)
#   --install DIR    then `cmake --install --strip` into DIR on this machine
# Needs root (chroot). Prints the time of each step.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"

log() { echo "build-in-root: $*" >&2; }
die() { log "error: $*"; exit 1; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-2}"; }

[ $# -ge 1 ] || usage
profile=$1; shift
case "$profile" in
  debian13) toolchain=() ;;
  debian13-arm64) toolchain=(-DCMAKE_TOOLCHAIN_FILE=/src/scripts/toolchain-arm64.cmake) ;;
  -h|--help) usage 0 ;;
  *) die "unknown profile '$profile' (debian13, debian13-arm64)" ;;
esac
build_dir="$repo/build/$profile"
do_build=yes
ctest_labels=""
install_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$2; shift 2 ;;
    --no-build) do_build=no; shift ;;
    --ctest) ctest_labels=$2; shift 2 ;;
    --install) install_dir=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    --) shift; break ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

step() { # NAME cmd...: runs cmd, says how long it took
  local name=$1 t0 rc=0
  shift
  t0=$(date +%s)
  "$@" || rc=$?
  log "$name: $([ $rc = 0 ] && echo ok || echo "FAILED ($rc)") in $(( $(date +%s) - t0 )) s"
  return $rc
}

root=$("$here/debian-root.sh" "$profile")
ccache_dir="${XDG_CACHE_HOME:-$HOME/.cache}/lingercam/ccache"
mkdir -p "$build_dir" "$ccache_dir"
build_dir=$(cd "$build_dir" && pwd)
binds=(--bind "$repo:/src" --bind "$build_dir:/build" --bind "$ccache_dir:/ccache")
if [ -n "$install_dir" ]; then
  rm -rf "$install_dir" && mkdir -p "$install_dir"
  binds+=(--bind "$(cd "$install_dir" && pwd):/install")
fi
in_root() { "$here/in-root.sh" "$root" "${binds[@]}" -- env CCACHE_DIR=/ccache CCACHE_MAXSIZE=2G "$@"; }

if [ "$do_build" = yes ]; then
  step "configure ($profile)" in_root cmake -S /src -B /build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DLINGERCAM_WERROR=ON -DLINGERCAM_BUILD_BENCH=OFF -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    "${toolchain[@]}" "$@" >"$build_dir/configure.log" 2>&1 ||
    { tail -n 30 "$build_dir/configure.log" >&2; die "configure failed; see $build_dir/configure.log"; }
  grep -E 'not registered|sdbus-c\+\+ [0-9]' "$build_dir/configure.log" | sed 's/^-- /build-in-root: cmake: /' >&2 || true
  step "build ($profile, -Werror)" in_root cmake --build /build -j"$(nproc)" >"$build_dir/build.log" 2>&1 ||
    { grep -E -A5 'error:|FAILED' "$build_dir/build.log" | head -n 60 >&2; die "build failed; see $build_dir/build.log"; }
  if [ "$profile" = debian13-arm64 ]; then
    # Every program and test binary is an arm64 ELF (not the build machine's).
    bad=$(in_root sh -c 'cd /build && for f in capture/lingercam-capture pull/lingercam-pull tests/unit/*_tests tests/unit/*/*_tests; do
            file -b "$f" | grep -q "ARM aarch64" || echo "$f: $(file -b "$f")"; done')
    [ -z "$bad" ] || die "not aarch64: $bad"
    log "file: lingercam-capture, lingercam-pull and the unit test programs are ELF 64-bit ARM aarch64"
    in_root file -b /build/capture/lingercam-capture >&2
  fi
fi
if [ -n "$ctest_labels" ]; then
  step "ctest -L '$ctest_labels' ($profile)" in_root sh -c "cd /build && ctest -L '$ctest_labels' -j$(nproc) --output-on-failure --timeout 600"
fi
if [ -n "$install_dir" ]; then
  step "install ($profile) into $install_dir" in_root cmake --install /build --prefix /install --strip >/dev/null
fi
