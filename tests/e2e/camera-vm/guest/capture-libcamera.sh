#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Guest script (busybox sh, inside the camera VM): the project's capture daemon
# on a real libcamera camera (vimc). Lists the cameras, runs the daemon at a
# fixed interval until the store holds the wanted number of frames (TCG speed
# varies with the host's load, so it waits for frames, not for a set time),
# stops it with SIGTERM as systemd would, and leaves the store in
# $LINGERCAM_OUT/store for the host to check.
#
# Kernel command line knobs: lingercam.frames=N (default 3),
# lingercam.interval=SECONDS (default 2), lingercam.max_seconds=S (default 90:
# give up waiting for frames after that long).
set -eu
out="${LINGERCAM_OUT:-/out}"
store="$out/store"
bin=lingercam-capture
command -v "$bin" >/dev/null || { echo "no $bin in the image (build-initramfs.sh --add)"; exit 2; }
knob() { sed -n "s/.*lingercam\.$1=\([0-9][0-9]*\).*/\1/p" /proc/cmdline; }
frames=$(knob frames); frames=${frames:-3}
interval=$(knob interval); interval=${interval:-2}
max_seconds=$(knob max_seconds); max_seconds=${max_seconds:-90}
count() { find "$store" -name '*.jpg' ! -name latest.jpg -type f 2>/dev/null | wc -l; }

echo "== $bin --version"
"$bin" --version || true

echo "== $bin cameras"
rc=0
"$bin" cameras >"$out/cameras.txt" 2>"$out/cameras.log" || rc=$?
cat "$out/cameras.log" "$out/cameras.txt"
echo "$rc" >"$out/cameras.rc"
[ "$rc" = 0 ] || { echo "'$bin cameras' failed (exit $rc)"; exit 1; }

echo "== $bin --source libcamera --interval $interval --store $store run (until $frames frames, at most $max_seconds s)"
mkdir -p "$store"
start=$(cut -d. -f1 /proc/uptime)
"$bin" --source libcamera --interval "$interval" --store "$store" run >"$out/run.log" 2>&1 &
pid=$!
while [ "$(count)" -lt "$frames" ] && [ $(( $(cut -d. -f1 /proc/uptime) - start )) -lt "$max_seconds" ]; do
  if ! kill -0 "$pid" 2>/dev/null; then
    rc=0; wait "$pid" || rc=$?
    cat "$out/run.log"
    echo "$rc" >"$out/run.rc"
    echo "the daemon exited early (exit $rc)"
    exit 1
  fi
  sleep 0.5
done
echo "$(count) frame(s) after $(( $(cut -d. -f1 /proc/uptime) - start )) s; sending SIGTERM"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
echo "$rc" >"$out/run.rc"
cat "$out/run.log"
[ "$rc" = 0 ] || { echo "the daemon exited $rc on SIGTERM (want 0)"; exit 1; }

echo "== store"
find "$store" | sort
n=$(count)
echo "$n frame(s) in the store"
[ "$n" -ge "$frames" ] || { echo "expected at least $frames frames at a $interval s interval within $max_seconds s"; exit 1; }
