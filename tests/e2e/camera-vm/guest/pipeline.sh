#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Guest script (busybox sh, inside the camera VM): what the real vimc pipeline
# does to lingercam-capture's configuration, one scenario after another, each
# leaving its log (and store) in $LINGERCAM_OUT/<scenario> for the host to judge
# (pipeline.sh). A scenario that cannot run at all fails here; what its output
# means is the host's call.
#
#   baseline  `once` at 996x696 (a size vimc takes as it is), defaults otherwise
#   adjusted  `once` at 1001x701 (vimc adjusts it: to multiples of 6 in libcamera
#             0.0.3, to 1000x700 from 0.4 on), rotation 180 (vimc
#             cannot flip), brightness 0.5 (vimc has it), exposure_time and awb
#             (vimc has neither), settle_frames 5
#   timeout   `run` with [camera] timeout 100 ms and 20 settle frames (vimc makes
#             at most 60 frames a second, so no capture can finish): errors,
#             retries, and still exit 0 on SIGTERM
#   unplug    `run` at a 10 s interval; right after its first frame the vimc
#             device is unbound from its driver (the camera disappears, as a USB
#             camera pulled out) while the daemon is idle between stills; once
#             the daemon has said so, bound again.
#             Not while a still is being taken, nor bound again before the daemon
#             noticed: libcamera aborts the process then, 0.0.3, 0.4 and 0.7 alike
#             (README.md here).
set -u
out="${LINGERCAM_OUT:-/out}"
bin=lingercam-capture
command -v "$bin" >/dev/null || { echo "no $bin in the image (build-initramfs.sh --add)"; exit 2; }
uptime_s() { cut -d. -f1 /proc/uptime; }
count() { find "$1" -name '*.jpg' ! -name latest.jpg -type f 2>/dev/null | wc -l; }
# wait_for SECONDS COMMAND...: polls COMMAND every 0.5 s; false if it never held.
wait_for() {
  local limit=$(( $(uptime_s) + $1 )); shift
  while ! "$@"; do
    [ "$(uptime_s)" -lt "$limit" ] || return 1
    sleep 0.5
  done
}
# stop_daemon DIR PID: SIGTERM, exit status into DIR/run.rc
stop_daemon() {
  if kill -0 "$2" 2>/dev/null; then echo yes >"$1/alive-before-sigterm"; else echo no >"$1/alive-before-sigterm"; fi
  kill -TERM "$2" 2>/dev/null
  rc=0; wait "$2" || rc=$?
  echo "$rc" >"$1/run.rc"
  echo "daemon exit status $rc"
}
# once NAME: `lingercam-capture -v once` with $out/NAME/capture.toml
once() {
  mkdir -p "$out/$1/store"
  rc=0
  "$bin" -v -c "$out/$1/capture.toml" --source libcamera --store "$out/$1/store" once \
    >"$out/$1/once.txt" 2>"$out/$1/once.log" || rc=$?
  echo "$rc" >"$out/$1/once.rc"
  grep -v '^\[' "$out/$1/once.log"
  echo "$1: exit $rc"
}

echo "== baseline"
mkdir -p "$out/baseline"
# timeout: a loaded host's TCG guest takes ~1.6 s a vimc frame; these steps are not about it.
printf '[image]\nwidth = 996\nheight = 696\n[camera]\ntimeout = "60s"\n' >"$out/baseline/capture.toml"
once baseline

echo "== adjusted"
mkdir -p "$out/adjusted"
cat >"$out/adjusted/capture.toml" <<'T'
[image]
width = 1001
height = 701
[camera]
timeout = "60s"
rotation = 180
brightness = 0.5
exposure_time = 10000
awb = "daylight"
settle_frames = 5
T
once adjusted

echo "== timeout"
d="$out/timeout"
mkdir -p "$d/store"
printf '[camera]\ntimeout = "100ms"\nsettle_frames = 20\n' >"$d/capture.toml"
"$bin" -c "$d/capture.toml" --source libcamera --interval 2 --store "$d/store" run >"$d/run.log" 2>&1 &
pid=$!
two_timeouts() { [ "$(grep -c 'camera gave no frame within 100 ms' "$d/run.log")" -ge 2 ]; }
wait_for 60 two_timeouts || echo "timeout: fewer than two timeouts within 60 s"
stop_daemon "$d" "$pid"
grep -v '^\[' "$d/run.log"

echo "== unplug"
d="$out/unplug"
mkdir -p "$d/store"
"$bin" -v --source libcamera --interval 10 --store "$d/store" run >"$d/run.log" 2>&1 &
pid=$!
# Polled often: the unbind must land in the idle time after the first frame.
has_frame() { [ "$(count "$d/store")" -ge 1 ]; }
limit=$(( $(uptime_s) + 60 ))
while ! has_frame && [ "$(uptime_s)" -lt "$limit" ]; do sleep 0.1; done
has_frame || echo "unplug: no first frame within 60 s"
echo vimc.0 >/sys/bus/platform/drivers/vimc/unbind && echo "unplug: vimc.0 unbound"
ls /dev/media* /dev/video* 2>&1 | sed 's/^/unplug: /'
noticed() { grep -q 'camera unavailable' "$d/run.log"; }
wait_for 30 noticed || echo "unplug: the daemon did not notice within 30 s"
sleep 3
if kill -0 "$pid" 2>/dev/null; then echo yes >"$d/alive-while-unplugged"; else echo no >"$d/alive-while-unplugged"; fi
count "$d/store" >"$d/frames-before-replug"
echo vimc.0 >/sys/bus/platform/drivers/vimc/bind && echo "unplug: vimc.0 bound again"
udevadm settle --timeout=30
more_frames() { [ "$(count "$d/store")" -gt "$(cat "$d/frames-before-replug")" ]; }
wait_for 60 more_frames || echo "unplug: no new frame within 60 s of the replug"
stop_daemon "$d" "$pid"
grep -v '^\[' "$d/run.log" | grep -v ' debug ' 
exit 0
