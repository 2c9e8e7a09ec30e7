#!/bin/sh
# Guest script (busybox sh, inside the camera VM): proves libcamera sees the
# vimc camera and captures from it. Frames land in $LINGERCAM_OUT/frames, which
# run-vm.sh brings back to the host.
set -eu
out="${LINGERCAM_OUT:-/out}"
mkdir -p "$out/frames"

echo "== media and video devices"
ls -l /dev/media* /dev/video* /dev/v4l-subdev* 2>&1 || true

echo "== cam -l"
cam -l >"$out/cam-list.txt" 2>&1 || { cat "$out/cam-list.txt"; echo "cam -l failed"; exit 1; }
cat "$out/cam-list.txt"
grep -q "Sensor B" "$out/cam-list.txt" || { echo "vimc camera 'Sensor B' not listed"; exit 1; }

echo "== cam -c 1 --capture=3"
cam -c 1 --capture=3 --file="$out/frames/frame-#.bin" 2>&1 | tee "$out/cam-capture.txt"
n=$(ls "$out/frames" | wc -l)
echo "captured $n file(s):"
ls -l "$out/frames"
[ "$n" -ge 3 ] || { echo "expected 3 frames, got $n"; exit 1; }
