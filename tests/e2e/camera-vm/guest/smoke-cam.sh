#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Guest script (busybox sh, inside the camera VM): proves libcamera sees the
# vimc camera and captures from it. Frames land in $LINGERCAM_OUT/frames, which
# run-vm.sh brings back to the host. libcamera's own log (stderr) is kept apart
# from cam's answers (stdout) so the host can grep the latter.
set -eu
out="${LINGERCAM_OUT:-/out}"
mkdir -p "$out/frames"

echo "== media and video devices"
ls -l /dev/media* /dev/video* /dev/v4l-subdev* 2>&1 || true

echo "== cam -l"
rc=0
cam -l >"$out/cam-list.txt" 2>"$out/cam-list.log" || rc=$?
cat "$out/cam-list.log" "$out/cam-list.txt"
[ "$rc" = 0 ] || { echo "cam -l failed (exit $rc)"; exit 1; }
grep -q "Sensor B" "$out/cam-list.txt" || { echo "vimc camera 'Sensor B' not listed"; exit 1; }

echo "== cam -c 1 --capture=3"
rc=0
cam -c 1 --capture=3 --file="$out/frames/frame-#.bin" >"$out/cam-capture.txt" 2>&1 || rc=$?
cat "$out/cam-capture.txt"
[ "$rc" = 0 ] || { echo "cam --capture failed (exit $rc)"; exit 1; }
n=$(find "$out/frames" -type f | wc -l)
echo "captured $n file(s):"
ls -l "$out/frames"
[ "$n" -ge 3 ] || { echo "expected 3 frames, got $n"; exit 1; }
