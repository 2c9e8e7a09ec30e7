#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Camera benchmark: lingercam-capture beside cam (libcamera-tools) on the vimc
# virtual camera, inside the camera VM (tests/e2e/camera-vm). Builds
# lingercam-capture, takes the cached vimc kernel (builds it if needed, 5-7 min
# once), boots the VM with guest-bench.sh and prints one table: per-frame latency
# (asking for a still -> its file there) and CPU time per frame, same number of
# 1920x1080 frames for each. A benchmark, not a test: it asserts nothing.
#
# Usage: bench/camera/run.sh [--build-dir DIR] [--frames N] [--work DIR]
#   --build-dir DIR  the project's build tree (default: <repo>/build; configured
#                    and built here if needed)
#   --frames N       stills per tool (default 5)
#   --work DIR       scratch (default ${TMPDIR:-/tmp}/lingercam-bench-camera)
# Under TCG (no working KVM here) every figure is several times what a real
# machine shows; compare the rows with each other, not with hardware.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
vm="$repo/tests/e2e/camera-vm"
build="$repo/build"
frames=5
work="${TMPDIR:-/tmp}/lingercam-bench-camera"
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build="$2"; shift 2 ;;
    --frames) frames="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    *) echo "bench-camera: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
log() { echo "bench-camera: $*" >&2; }
[[ "$frames" =~ ^[0-9]+$ ]] && [ "$frames" -ge 2 ] || { log "--frames must be 2 or more"; exit 2; }

[ -f "$build/CMakeCache.txt" ] || cmake -S "$repo" -B "$build" -G Ninja >&2
cmake --build "$build" --target lingercam-capture >&2
kernel="$("$vm/build-kernel.sh")"
rm -rf "$work"
mkdir -p "$work"
initrd="$("$vm/build-initramfs.sh" --script "$here/guest-bench.sh" \
  --add "$build/capture/lingercam-capture" --output "$work/initramfs.cpio.gz")"
"$vm/run-vm.sh" --kernel "$kernel" --initrd "$initrd" --out "$work/out" --timeout 900 \
  --append "lingercam.frames=$frames" --quiet 2>"$work/run-vm.log" \
  || { cat "$work/run-vm.log" >&2; log "the VM failed (guest output: $work/out/vm/test.log)"; exit 1; }
accel="$(grep -o 'accel=[a-z]*' "$work/run-vm.log" | tail -n1 | cut -d= -f2)"
[ -s "$work/out/bench.tsv" ] || { log "no results (guest output: $work/out/vm/test.log)"; exit 1; }

echo
echo "Camera benchmark: $frames stills of 1920x1080 from vimc each, libcamera $(pkg-config --modversion libcamera 2>/dev/null || echo '?'), qemu ${accel:-?}, $(nproc) host cores"
echo
awk -F'\t' 'BEGIN {
  printf "| %-40s | %6s | %14s | %11s | %13s | %12s | %s |\n", "tool", "frames", "latency median", "latency max", "CPU per frame", "CPU in all", "what a frame is"
  printf "|%s|%s|%s|%s|%s|%s|%s|\n", "------------------------------------------", "--------", "----------------", "-------------", "---------------", "--------------", "---"
}
{ printf "| %-40s | %6s | %11s ms | %8s ms | %10s ms | %9s ms | %s |\n", $1, $2, $3, ($4 == "-" ? "-" : $4), $5, $6, $7 }' "$work/out/bench.tsv"
echo
echo "latency: lingercam-capture = its total_ms (capture() called -> JPEG fsync'd and published);"
echo "cam one process per still = the whole process (open, configure, 2 frames: cam 0.0.3 hangs at --capture=1, files written);"
echo "cam streaming = wall / frames, start-up included."
echo "CPU per frame: lingercam-capture between its first and last frame (daemon start-up apart, in 'CPU in all')."
echo "Raw data and logs: $work/out"
