#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The whole test suite: installs what is needed, builds, runs every test (unit, integration
# with a real sshd, end-to-end with real systemd and a real kernel) through CTest.
# Two tests at a time on two cores: the builds take both (RUN_SERIAL), while the tests that
# mostly wait (the systemd labs, the faults, one VM, one fuzzer) run beside another.
# Usage: scripts/test.sh [ctest options, e.g. -L unit]
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
./scripts/build.sh
cd build
# The fault suite's table (tests/faults), which CTest would show only for a failed test:
# printed after the run, when this run ran the faults.
table=tests/faults/faults-table.txt
rm -f "$table"
status=0
ctest -j"$(nproc)" --output-on-failure --timeout 3600 "$@" || status=$?
if [ -f "$table" ]; then cat "$table"; fi
echo "test.sh: finished in $(( $(date +%s) - start )) s"
exit "$status"
