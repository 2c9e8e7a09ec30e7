#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds lingercam inside a Debian root from scripts/debian-root.sh, with that root's
# compiler and libraries and -Werror, and optionally runs its tests there or installs the
# build into a folder on this machine (its programs run where that root's release runs:
# Debian 13's glibc and libraries, not Debian 12's).
# The source is mounted at /src and the build folder at /build, so ccache (kept in
# ${XDG_CACHE_HOME:-~/.cache}/lingercam/ccache) hits across clones and runs.
#
# Usage: scripts/build-in-root.sh PROFILE [options] [-- CMAKE_OPTION...]
#   PROFILE          debian13 (Debian 13 amd64), debian13-backports (the same with
#                    trixie-backports' libcamera) or debian13-arm64 (the arm64 cross
#                    build, with scripts/toolchain-arm64.cmake)
#   --build-dir DIR  build folder on this machine (default: build/PROFILE; the programs are
#                    DIR/capture/lingercam-capture and DIR/pull/lingercam-pull)
#   --no-build       use the build folder as it is
#   --ctest LABELS   then run `ctest -L LABELS` in the root (arm64: under qemu-aarch64)
#   --install DIR    then `cmake --install --strip` into DIR on this machine; DIR must be
#                    new, empty, or an earlier such install (it is replaced)
#   --package DIR    then the Debian packages (cpack -G DEB, packaging/CMakeLists.txt) into
#                    DIR on this machine, depending on the root's libraries; the same rules
#                    for DIR as for --install
# Needs root (chroot). Prints the time of each step; each step's own output goes to a log
# in the build folder, whose end is shown when the step fails.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"

# shellcheck source=lib/cli.sh
. "$here/lib/cli.sh"

[ $# -ge 1 ] || usage
profile=$1; shift
case "$profile" in
  debian13) toolchain=() ;;
  debian13-backports) toolchain=() ;;
  debian13-arm64) toolchain=(-DCMAKE_TOOLCHAIN_FILE=/src/scripts/toolchain-arm64.cmake) ;;
  -h|--help) usage 0 ;;
  *) die "unknown profile '$profile' (debian13, debian13-backports, debian13-arm64; see --help)" ;;
esac
build_dir="$repo/build/$profile"
do_build=yes
ctest_labels=""
install_dir=""
package_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) need "$@"; build_dir=$2; shift 2 ;;
    --no-build) do_build=no; shift ;;
    --ctest) need "$@"; ctest_labels=$2; shift 2 ;;
    --install) need "$@"; install_dir=$2; shift 2 ;;
    --package) need "$@"; package_dir=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    --) shift; break ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

# A folder this script may empty: new, empty, or marked as one of its installs.
readonly kInstallMark=.lingercam-build-in-root-install
check_output_dir() { # OPTION DIR
  if [ -e "$2" ] || [ -L "$2" ]; then
    if [ ! -d "$2" ] || [ -L "$2" ]; then
      die "$1 $2: exists and is not a folder; give a new folder"
    elif [ ! -e "$2/$kInstallMark" ] && [ -n "$(ls -A "$2")" ]; then
      die "$1 $2: not empty and not an earlier output of this script; give a new folder"
    fi
  fi
}
[ -z "$install_dir" ] || check_output_dir --install "$install_dir"
[ -z "$package_dir" ] || check_output_dir --package "$package_dir"

# step NAME LOG cmd...: runs cmd with its output in LOG, says how long it took, and on
# failure shows the end of LOG.
step() {
  local name=$1 out=$2 t0 rc=0
  shift 2
  t0=$(date +%s)
  "$@" >"$out" 2>&1 || rc=$?
  if [ $rc = 0 ]; then
    log "$name: ok in $(( $(date +%s) - t0 )) s"
  else
    # What failed: compiler errors, CMake errors, and gtest's failed assertions with the
    # lines that explain them.
    { grep -E -B2 -A8 'error:|CMake Error|: Failure$|\*\*\*Failed|\*\*\*Timeout|No tests were found' "$out" ||
      tail -n 40 "$out"; } 2>/dev/null | head -n 80 >&2 || true
    log "$name: FAILED ($rc) in $(( $(date +%s) - t0 )) s; the whole output: $out"
  fi
  return $rc
}

root=$("$here/debian-root.sh" "$profile")
# Held while the root is in use: debian-root.sh never deletes a root someone holds.
exec 8>"$root.inuse"
flock -s 8
ccache_dir="${XDG_CACHE_HOME:-$HOME/.cache}/lingercam/ccache"
mkdir -p "$build_dir" "$ccache_dir"
build_dir=$(cd "$build_dir" && pwd)
binds=(--bind "$repo:/src" --bind "$build_dir:/build" --bind "$ccache_dir:/ccache")
if [ -n "$install_dir" ]; then
  rm -rf --one-file-system "$install_dir"
  mkdir -p "$install_dir"
  binds+=(--bind "$(cd "$install_dir" && pwd):/install")
fi
if [ -n "$package_dir" ]; then
  rm -rf --one-file-system "$package_dir"
  mkdir -p "$package_dir"
  binds+=(--bind "$(cd "$package_dir" && pwd):/packages")
fi
in_root() { "$here/in-root.sh" "$root" "${binds[@]}" -- env CCACHE_DIR=/ccache CCACHE_MAXSIZE=2G "$@"; }

if [ "$do_build" = yes ]; then
  step "configure ($profile)" "$build_dir/configure.log" \
    in_root cmake -S /src -B /build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DLINGERCAM_WERROR=ON -DLINGERCAM_BUILD_BENCH=OFF -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    "${toolchain[@]}" "$@"
  { grep -E 'not registered|sdbus-c\+\+ [0-9]' "$build_dir/configure.log" || true; } | sed 's/^-- /build-in-root: cmake: /' >&2
  step "build ($profile, -Werror)" "$build_dir/build.log" in_root cmake --build /build -j"$(nproc)"
  log "programs: $build_dir/capture/lingercam-capture, $build_dir/pull/lingercam-pull"
  if [ "$profile" = debian13-arm64 ]; then
    # Every program and test binary is an arm64 ELF (not the build machine's).
    bad=$(in_root sh -c 'cd /build && for f in capture/lingercam-capture pull/lingercam-pull tests/unit/*_tests \
            tests/unit/*/*_tests tests/integration/pull_integration_test; do
            [ -e "$f" ] || continue
            file -b "$f" | grep -q "ARM aarch64" || echo "$f: $(file -b "$f")"; done')
    [ -z "$bad" ] || die "not aarch64: $bad"
    log "file: lingercam-capture, lingercam-pull and the test programs are ELF 64-bit ARM aarch64"
  fi
fi
if [ -n "$ctest_labels" ]; then
  # --no-tests-error: a label that matches nothing, or an empty build folder, is a failure.
  step "ctest -L '$ctest_labels' ($profile)" "$build_dir/ctest-$ctest_labels.log" \
    in_root sh -c "cd /build && ctest -L '$ctest_labels' -j$(nproc) --output-on-failure --timeout 600 --no-tests=error"
  grep -E 'tests passed|tests failed' "$build_dir/ctest-$ctest_labels.log" | sed 's/^/build-in-root: /' >&2 || true
fi
if [ -n "$install_dir" ]; then
  step "install ($profile) into $install_dir (for Debian 13)" "$build_dir/install.log" \
    in_root cmake --install /build --prefix /install --strip
  touch "$install_dir/$kInstallMark"
fi
if [ -n "$package_dir" ]; then
  # CPack stages each package under /packages/_CPack_Packages (dropped after) and runs the
  # root's dpkg-shlibdeps, so the packages depend on Debian 13's libraries.
  step "package ($profile) into $package_dir" "$build_dir/package.log" \
    in_root sh -c 'cpack -G DEB --config /build/CPackConfig.cmake -B /packages && rm -rf /packages/_CPack_Packages'
  touch "$package_dir/$kInstallMark"
  log "packages: $(cd "$package_dir" && echo *.deb)"
fi
