#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Cross-builds lingercam for arm64 (Raspberry Pi OS's architecture) on an amd64 Debian
# machine (elsewhere, set LINGERCAM_MIRROR to a Debian archive), in a Debian 13 root of its
# own with arm64 multiarch (made and cached by scripts/debian-root.sh: 1 to 2 minutes the
# first time), checks with `file` that the programs are aarch64, and runs the unit tests
# under qemu-user.
#
# Usage: sudo scripts/cross-build-arm64.sh [--no-tests] [--build-dir DIR]
#   The binaries end up in DIR (default build/debian13-arm64): capture/lingercam-capture,
#   pull/lingercam-pull. They link Debian 13's libcamera 0.4: on a Raspberry Pi, build on
#   the Pi itself instead (README, "On a Raspberry Pi"), against Raspberry Pi OS's own.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tests=(--ctest unit)
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-tests) tests=(); shift ;;
    --build-dir) [ $# -ge 2 ] || { echo "cross-build-arm64: --build-dir needs a value" >&2; exit 2; }
                 args+=(--build-dir "$2"); shift 2 ;;
    -h|--help) sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "cross-build-arm64: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
exec "$here/build-in-root.sh" debian13-arm64 "${args[@]}" "${tests[@]}"
