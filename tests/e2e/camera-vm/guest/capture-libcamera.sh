#!/bin/sh
# Guest script (busybox sh, inside the camera VM): the project's capture daemon
# on a real libcamera camera (vimc). Lists the cameras, runs the daemon at a 1 s
# interval for a few seconds, stops it with SIGTERM as systemd would, and leaves
# the store in $LINGERCAM_OUT/store for the host to check.
#
# Kernel command line knob: lingercam.run_seconds=N (default 6).
set -eu
out="${LINGERCAM_OUT:-/out}"
store="$out/store"
bin=lingercam-capture
command -v "$bin" >/dev/null || { echo "no $bin in the image (build-initramfs.sh --add)"; exit 2; }
run_seconds=$(sed -n 's/.*lingercam\.run_seconds=\([0-9][0-9]*\).*/\1/p' /proc/cmdline)
run_seconds=${run_seconds:-6}

echo "== $bin --version"
"$bin" --version || true

echo "== $bin cameras"
rc=0
"$bin" cameras >"$out/cameras.txt" 2>"$out/cameras.log" || rc=$?
cat "$out/cameras.log" "$out/cameras.txt"
echo "$rc" >"$out/cameras.rc"
[ "$rc" = 0 ] || { echo "'$bin cameras' failed (exit $rc)"; exit 1; }

echo "== $bin --source libcamera --interval 1 --store $store run (for $run_seconds s)"
mkdir -p "$store"
"$bin" --source libcamera --interval 1 --store "$store" run >"$out/run.log" 2>&1 &
pid=$!
sleep "$run_seconds"
if ! kill -0 "$pid" 2>/dev/null; then
  rc=0; wait "$pid" || rc=$?
  cat "$out/run.log"
  echo "$rc" >"$out/run.rc"
  echo "the daemon exited early (exit $rc)"
  exit 1
fi
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
echo "$rc" >"$out/run.rc"
cat "$out/run.log"
[ "$rc" = 0 ] || { echo "the daemon exited $rc on SIGTERM (want 0)"; exit 1; }

echo "== store"
find "$store" | sort
ls -l "$store/latest.jpg" || true
n=$(find "$store" -name '*.jpg' ! -name latest.jpg -type f | wc -l)
echo "$n frame(s) in the store"
[ "$n" -ge 2 ] || { echo "expected at least 2 frames in $run_seconds s at a 1 s interval"; exit 1; }
