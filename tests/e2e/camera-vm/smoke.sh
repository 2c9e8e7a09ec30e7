#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Smoke test of the camera VM harness: builds (or takes from the cache) the
# vimc kernel, builds an initramfs with guest/smoke-cam.sh, boots it, and checks
# that `cam` listed the vimc camera and that its frames came back non-empty.
#
# Usage: smoke.sh [--work DIR] [--timeout SEC] [--accel auto|kvm|tcg]
#   --work DIR   scratch folder, emptied first (default
#                ${TMPDIR:-/tmp}/lingercam-camera-vm-smoke); results stay there
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"
host_options --work=work --timeout=timeout_s --accel=accel -- "$@"

fresh_work
build_guest smoke-cam.sh
run_guest

grep -q "Sensor B" "$work/out/cam-list.txt" 2>/dev/null \
  || fail "cam -l did not list the vimc camera 'Sensor B' (see $work/out/cam-list.txt)"
frames=("$work"/out/frames/*)
[ -e "${frames[0]}" ] || fail "no frames came back in $work/out/frames"
[ "${#frames[@]}" -ge 3 ] || fail "expected 3 frames, got ${#frames[@]}"
for f in "${frames[@]}"; do
  [ -s "$f" ] || fail "frame $f is empty"
  # vimc draws a colour-bar test pattern: a frame of only zero bytes means the
  # buffer was never filled.
  [ -n "$(tr -d '\0' <"$f" | head -c 1)" ] || fail "frame $f holds only zero bytes"
done
log "camera: $(grep 'Sensor B' "$work/out/cam-list.txt")"
log "frames: ${#frames[@]} ($(du -ch "${frames[@]}" | tail -n1 | cut -f1)) in $work/out/frames"
echo "1 passed, 0 failed"
