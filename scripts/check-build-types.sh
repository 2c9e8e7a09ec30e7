#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds the whole tree (programs, tests, benchmarks) in each CMake build type with -Werror, so a
# warning that only one optimisation level raises (g++ 12's -Wrestrict at -O2, -O3) fails here
# and not in a user's or a packager's Release build. Prints each build's time.
#
# Usage: scripts/check-build-types.sh [--root PROFILE] [--work DIR] [TYPE...]
#   --root PROFILE  build inside that Debian root (scripts/debian-root.sh; e.g. debian13 for
#                   g++ 14) instead of with this machine's compiler
#   --work DIR      where the build folders go (default build/build-types)
#   TYPE            default: Release Debug (RelWithDebInfo is what build.sh and CI build)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
root_profile=""
work="$repo/build/build-types"
types=()
while [ $# -gt 0 ]; do
  case "$1" in
    --root|--work) [ $# -ge 2 ] || { echo "check-build-types: $1 needs a value" >&2; exit 2; }
                   if [ "$1" = --root ]; then root_profile=$2; else work=$2; fi; shift 2 ;;
    -h|--help) sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "check-build-types: unknown option '$1'" >&2; exit 2 ;;
    *) types+=("$1"); shift ;;
  esac
done
[ ${#types[@]} -gt 0 ] || types=(Release Debug)

passed=0 failed=0
for type in "${types[@]}"; do
  dir="$work/${root_profile:-host}-$type"
  # Explicit: a build folder made before keeps its cached options otherwise.
  opts=(-DCMAKE_BUILD_TYPE="$type" -DLINGERCAM_WERROR=ON -DLINGERCAM_BUILD_TESTS=ON -DLINGERCAM_BUILD_BENCH=ON)
  t0=$(date +%s)
  if [ -n "$root_profile" ]; then
    "$here/build-in-root.sh" "$root_profile" --build-dir "$dir" -- "${opts[@]}" && rc=0 || rc=$?
  else
    mkdir -p "$dir"
    # ccache (cached across clones and runs) when there is one.
    if command -v ccache >/dev/null; then
      opts+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
      # Paths relative to the clone and no working directory in the hash: a fresh clone
      # elsewhere (as CI makes) still hits.
      export CCACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/lingercam/ccache" CCACHE_MAXSIZE=2G \
        CCACHE_BASEDIR="$repo" CCACHE_NOHASHDIR=1
    fi
    { cmake -S "$repo" -B "$dir" -G Ninja "${opts[@]}" >"$dir/configure.log" 2>&1 &&
      cmake --build "$dir" -j"$(nproc)" >"$dir/build.log" 2>&1; } && rc=0 || rc=$?
    [ $rc = 0 ] || { grep -E -A5 'error|Error|warning:' "$dir/configure.log" "$dir/build.log" 2>/dev/null || true; } | head -n 40 >&2 || true
  fi
  if [ $rc = 0 ]; then
    echo "check-build-types: ok   $type (${root_profile:-$(c++ -dumpfullversion 2>/dev/null | sed 's/^/g++ /')}, -Werror) in $(( $(date +%s) - t0 )) s"
    passed=$((passed + 1))
  else
    echo "check-build-types: FAIL $type (${root_profile:-host}, -Werror): see $dir"
    failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
