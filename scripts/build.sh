#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Installs the Debian packages lingercam needs, then configures and builds it in build/.
# Usage: scripts/build.sh [extra cmake -D options]
set -euo pipefail
case "${1:-}" in -h|--help) sed -n '3,4p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
mkdir -p build
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLINGERCAM_WERROR=ON "$@" >build/configure.log 2>&1 ||
  { cat build/configure.log >&2; exit 1; }
# What this machine cannot run, and why (e.g. the x86_64 camera VM on a Raspberry Pi).
{ grep 'not registered' build/configure.log || true; } | sed 's/^-- /build: /'
cmake --build build -j"$(nproc)"

