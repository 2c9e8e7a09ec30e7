#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# End-to-end test of lingercam-capture on a real libcamera camera: the vimc
# virtual camera in the camera VM. Builds (or reuses) the kernel, puts the
# capture binary and guest/capture-libcamera.sh in an initramfs, boots it, and
# checks on the host what came back, as a user would:
#   - `lingercam-capture cameras` exits 0 and lists the vimc camera 'Sensor B';
#   - `run --source libcamera --interval 2` wrote at least N frames through
#     LibcameraSource and exited 0 on SIGTERM;
#   - vimc_frame_check over the store: each frame decodes whole as a JPEG of
#     1920x1080, shows vimc's colour bars upright (not blank, not flat), its EXIF
#     DateTimeOriginal is the time in its name, inside the VM's run; no .tmp
#     file left; latest.jpg is relative and on the newest frame.
#
# Usage: capture.sh --binary PATH --checker PATH [--root DIR] [--work DIR] [--frames N]
#                   [--interval S] [--timeout SEC] [--accel auto|kvm|tcg]
#   --binary PATH   lingercam-capture to test (CTest passes the build tree's)
#   --checker PATH  vimc_frame_check (runs here, so from this machine's build tree)
#   --root R        the guest's libcamera, udev and libraries come from this Debian root:
#                   a profile of scripts/debian-root.sh (debian13: libcamera 0.4;
#                   debian13-backports: 0.7) or a root's folder; --binary was built in it
#                   (scripts/build-in-root.sh). Default: this machine's
#   --work DIR      scratch folder, emptied first (default
#                   ${TMPDIR:-/tmp}/lingercam-camera-vm-capture); results stay there
#   --frames N      frames to wait for (default 3), --interval S seconds (default 2)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"
binary=""
checker=""
frames=3
interval=2
host_options --binary=binary --checker=checker --root=root --work=work --frames=frames \
  --interval=interval --timeout=timeout_s --accel=accel -- "$@"

need_program --binary "$binary" "capture binary" "cmake --build BUILD --target lingercam-capture"
need_program --checker "$checker" vimc_frame_check "cmake --build BUILD --target vimc_frame_check"
for n in "$frames" "$interval"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { log "error: '$n' is not a whole number"; exit 2; }
done

fresh_work
total=$(now)
build_guest capture-libcamera.sh --add "$binary"
libcamera_of "$initrd" || fail "cannot tell which libcamera the guest has"

vm_start=$(date -u +%s)
run_guest --append "lingercam.frames=$frames lingercam.interval=$interval"
vm_end=$(date -u +%s)

[ "$(cat "$work/out/cameras.rc" 2>/dev/null)" = 0 ] \
  || fail "'lingercam-capture cameras' did not exit 0 (see $work/out/cameras.log)"
grep -q "Sensor B" "$work/out/cameras.txt" 2>/dev/null \
  || fail "'lingercam-capture cameras' did not list the vimc camera 'Sensor B' (see $work/out/cameras.txt)"
log "camera: $(grep -m1 'Sensor B' "$work/out/cameras.txt")"

[ "$(cat "$work/out/run.rc" 2>/dev/null)" = 0 ] \
  || fail "'lingercam-capture run' did not exit 0 on SIGTERM (see $work/out/run.log)"
grep -q "camera ready .*format=.* size=1920x1080" "$work/out/run.log" \
  || fail "the daemon did not log the negotiated format and size (see $work/out/run.log)"
log "$(grep -m1 -o 'camera ready .*' "$work/out/run.log")"
saved=$(grep -c "frame saved" "$work/out/run.log" || true)
[ "$saved" -ge "$frames" ] || fail "the daemon logged $saved saved frame(s), expected at least $frames"

"$checker" --store "$work/out/store" --width 1920 --height 1080 --min-frames "$frames" \
  --since "$vm_start" --until "$vm_end" --orientation upright >&2 \
  || fail "frames in $work/out/store failed the check"

log "store: $(find "$work/out/store" -name '*.jpg' ! -name latest.jpg -type f | wc -l) frame(s)," \
    "latest.jpg -> $(readlink "$work/out/store/latest.jpg"); libcamera $libcamera_version; total $(since "$total") s"
echo "1 passed, 0 failed"
