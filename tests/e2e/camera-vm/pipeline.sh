#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# End-to-end test of LibcameraSource against what a real libcamera pipeline
# (vimc; this machine's libcamera, or a Debian root's with --root) does to a
# configuration; boots the camera VM with guest/pipeline.sh and checks, on the host,
# each scenario's log and frames:
#   baseline  996x696, upright colour bars; the still is the frame after the 3
#             default settle frames (sequence 3), which were dropped; no startup or
#             error frames (vimc has none)
#   adjusted  1001x701 asked, and delivered as the version's vimc adjusts it (0.0.3:
#             996x696; 0.4 and 0.7: 1000x700) and said so; rotation 180, which
#             vimc cannot do, said so and done in software (bars turned round);
#             brightness applied (the frame is brighter than the baseline);
#             exposure_time and awb named as ignored; 5 settle frames dropped
#   timeout   a 100 ms capture timeout fires with a clear error, the camera is
#             released and acquired again, the daemon stays up and exits 0
#   unplug    the vimc device unbound: the daemon says the camera is gone, stays
#             up, finds it again once bound, writes frames again, exits 0
#
# Usage: pipeline.sh --binary PATH --checker PATH [--root R] [--work DIR] [--timeout SEC]
#                    [--accel auto|kvm|tcg]
#   --root R   the guest's libcamera from this Debian root (a scripts/debian-root.sh
#              profile or folder; --binary built in it), as in capture.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"
binary=""
checker=""
host_options --binary=binary --checker=checker --root=root --work=work --timeout=timeout_s \
  --accel=accel -- "$@"

need_program --binary "$binary" "capture binary"
need_program --checker "$checker" vimc_frame_check

fresh_work
total=$(now)
build_guest pipeline.sh --add "$binary"
libcamera_of "$initrd" || fail "cannot tell which libcamera the guest has"

# What differs between the libcamera versions seen (README.md here).
case "$libcamera_known" in
  # vimc's scaler triples the sensor's (even) size: multiples of 6.
  0.0) adjusted_size=996x696 ;;
  # From 0.4 on, vimc runs its sensor at the size asked, rounded down a little.
  *) adjusted_size=1000x700 ;;
esac
adjusted_w=${adjusted_size%x*} adjusted_h=${adjusted_size#*x}
run_guest

o="$work/out"
passed=0 failed=0
check() {  # check "what a user expects" COMMAND...
  local what="$1"; shift
  if "$@" >/dev/null 2>&1; then
    log "ok   $what"; passed=$((passed + 1))
  else
    log "FAIL $what"; failed=$((failed + 1))
  fi
}
has() { grep -qE -- "$2" "$1"; }
is() { [ "$(cat "$1" 2>/dev/null)" = "$2" ]; }
atleast() { [ "$(grep -cE -- "$2" "$1")" -ge "$3" ]; }
frames_ok() {  # frames_ok STORE WIDTH HEIGHT ORIENTATION: vimc_frame_check, output kept
  "$checker" --store "$1" --width "$2" --height "$3" --orientation "$4" >"$1.check" 2>&1
}
luma() { sed -n 's/.* luma_mean=\([0-9.]*\) .*/\1/p' "$1.check" | head -n1; }
brighter() { awk -v a="$(luma "$1")" -v b="$(luma "$2")" 'BEGIN { exit !(a != "" && b != "" && a > b + 10) }'; }

# baseline
b="$o/baseline"
check "baseline: once exits 0" is "$b/once.rc" 0
check "baseline: negotiated format and size logged" has "$b/once.log" "camera ready .* format=BGR888 size=996x696 "
check "baseline: no adjustment at a size vimc takes" bash -c "! grep -q 'camera adjusted' '$b/once.log'"
check "baseline: 3 settle frames dropped, the still is the 4th frame (sequence 3)" \
  has "$b/once.log" "still taken sequence=3 settle_frames_dropped=3 "
check "baseline: vimc gives no startup or error frames, and the still's line says so" \
  has "$b/once.log" "still taken .* startup_frames_skipped=0 error_frames_skipped=0 "
check "baseline: frame is 996x696 colour bars, upright" frames_ok "$b/store" 996 696 upright

# adjusted
a="$o/adjusted"
check "adjusted: once exits 0" is "$a/once.rc" 0
check "adjusted: the size vimc chose is logged (libcamera $libcamera_known: $adjusted_size)" \
  has "$a/once.log" "camera adjusted the image size requested=1001x701 using=$adjusted_size"
check "adjusted: frame has the adjusted size $adjusted_size, turned 180 degrees" \
  frames_ok "$a/store" "$adjusted_w" "$adjusted_h" rotate180
check "adjusted: rotation vimc cannot do is logged, and done in software" \
  has "$a/once.log" "camera cannot flip or rotate as configured requested=rotate180 camera_applies=none software_applies=rotate180"
check "adjusted: brightness applied" has "$a/once.log" "camera controls from config applied brightness=0.5"
check "adjusted: controls vimc lacks named as ignored" \
  has "$a/once.log" "camera controls from config ignored=exposure_time,awb: the camera has no such control"
check "adjusted: brightness 0.5 makes the frame brighter than the baseline" brighter "$a/store" "$b/store"
check "adjusted: 5 settle frames dropped, the still is the 6th frame (sequence 5)" \
  has "$a/once.log" "still taken sequence=5 settle_frames_dropped=5 "

# timeout
t="$o/timeout"
check "timeout: a clear error names the timeout" \
  has "$t/run.log" "camera unavailable: camera gave no frame within 100 ms"
check "timeout: retried (at least two timeouts)" atleast "$t/run.log" "camera gave no frame within 100 ms" 2
check "timeout: camera released and acquired again" atleast "$t/run.log" "camera ready" 2
check "timeout: daemon still running before SIGTERM" is "$t/alive-before-sigterm" yes
check "timeout: exit 0 on SIGTERM" is "$t/run.rc" 0
check "timeout: no frame stored" bash -c "[ -z \"\$(find '$t/store' -name '*.jpg' -type f)\" ]"

# unplug
u="$o/unplug"
check "unplug: frames before the unplug" bash -c "[ \"\$(cat '$u/frames-before-replug')\" -ge 1 ]"
check "unplug: the daemon says the camera is gone" has "$u/run.log" "camera unavailable: .*(No such device|disconnected|no camera found)"
check "unplug: daemon still running while the camera is gone" is "$u/alive-while-unplugged" yes
check "unplug: camera working again after the replug" has "$u/run.log" "camera working again after [0-9]+ failed attempts"
check "unplug: frames written after the replug" \
  bash -c "[ \"\$(find '$u/store' -name '*.jpg' ! -name latest.jpg -type f | wc -l)\" -gt \"\$(cat '$u/frames-before-replug')\" ]"
check "unplug: all frames are whole 1920x1080 colour bars" frames_ok "$u/store" 1920 1080 upright
check "unplug: exit 0 on SIGTERM" is "$u/run.rc" 0

log "luma mean: baseline $(luma "$b/store"), brightness 0.5 $(luma "$a/store");" \
    "libcamera $libcamera_version; total $(since "$total") s"
if [ "$failed" != 0 ]; then
  log "guest output: $work/out/vm/test.log"
  tail -n 80 "$work/out/vm/test.log" >&2
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
