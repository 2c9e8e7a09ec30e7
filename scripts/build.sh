#!/usr/bin/env bash
# Installs the Debian packages lingercam needs, then configures and builds it in build/.
# Usage: scripts/build.sh [extra cmake -D options]
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLINGERCAM_WERROR=ON "$@" >/dev/null
cmake --build build -j"$(nproc)"
