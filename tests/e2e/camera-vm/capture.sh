#!/usr/bin/env bash
# End-to-end test of lingercam-capture on a real libcamera camera: the vimc
# virtual camera in the camera VM. Builds (or reuses) the kernel, puts the
# capture binary and guest/capture-libcamera.sh in an initramfs, boots it, and
# checks on the host what came back: the camera was listed, the daemon ran at a
# 1 s interval and stopped cleanly on SIGTERM, and the store holds complete
# JPEG frames named by the UTC time of the run, with latest.jpg on the newest.
#
# Usage: capture.sh [--binary PATH] [--work DIR] [--seconds N] [--timeout SEC]
#                   [--accel auto|kvm|tcg]
#   --binary PATH  default: <repo>/build/capture/lingercam-capture
#   --work DIR     scratch folder, emptied first (default
#                  ${TMPDIR:-/tmp}/lingercam-camera-vm-capture); results stay there
#   --seconds N    how long the daemon runs in the guest (default 6)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
binary="$repo/build/capture/lingercam-capture"
work="${TMPDIR:-/tmp}/lingercam-camera-vm-capture"
seconds=6
timeout_s=600
accel=auto
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --timeout) timeout_s="$2"; shift 2 ;;
    --accel) accel="$2"; shift 2 ;;
    *) echo "capture: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

log() { echo "capture: $*" >&2; }
fail() { log "FAIL: $*"; echo "0 passed, 1 failed"; exit 1; }
now() { echo $(( $(date +%s%N) / 1000000 )); }
since() { local ms=$(( $(now) - $1 )); echo "$((ms / 1000)).$((ms % 1000 / 100))"; }

[ -x "$binary" ] || { log "error: no capture binary at $binary (build it: cmake -S . -B build && cmake --build build)"; exit 2; }
command -v python3 >/dev/null || { log "error: missing python3 (run scripts/install-deps.sh)"; exit 2; }
[[ "$seconds" =~ ^[0-9]+$ ]] || { log "error: --seconds '$seconds' is not a whole number"; exit 2; }

rm -rf "$work"
mkdir -p "$work"

t=$(now)
kernel="$("$here/build-kernel.sh")" || fail "kernel build failed"
log "kernel: $kernel ($(since "$t") s)"

t=$(now)
initrd="$("$here/build-initramfs.sh" --script "$here/guest/capture-libcamera.sh" \
  --add "$binary" --output "$work/initramfs.cpio.gz")" || fail "initramfs build failed"
log "initramfs: $initrd ($(since "$t") s)"

t=$(now)
vm_start=$(date -u +%s)
rc=0
"$here/run-vm.sh" --kernel "$kernel" --initrd "$initrd" --out "$work/out" \
  --timeout "$timeout_s" --accel "$accel" --append "lingercam.run_seconds=$seconds" \
  --quiet || rc=$?
vm_end=$(date -u +%s)
log "VM: exit $rc ($(since "$t") s), console log $work/out/vm/console.log"
if [ "$rc" != 0 ]; then
  tail -n 60 "$work/out/vm/console.log" >&2 || true
  fail "guest script failed (exit $rc)"
fi

grep -q "Sensor B" "$work/out/cameras.txt" 2>/dev/null \
  || fail "'lingercam-capture cameras' did not list the vimc camera 'Sensor B' (see $work/out/cameras.txt)"
log "camera: $(grep -m1 'Sensor B' "$work/out/cameras.txt")"

# The store, as the contract in shared/DESIGN.md has it.
python3 - "$work/out/store" "$vm_start" "$vm_end" "$seconds" <<'EOF' || fail "store check failed (store: $work/out/store)"
import os, re, sys, datetime

store, vm_start, vm_end, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
errors = []
frames = []
for dirpath, dirnames, filenames in os.walk(store):
    rel_dir = os.path.relpath(dirpath, store)
    for name in filenames:
        rel = os.path.normpath(os.path.join(rel_dir, name))
        if rel == "latest.jpg" or name.startswith("."):
            if name.endswith(".tmp"):
                errors.append(f"work file left behind: {rel}")
            continue
        m = re.fullmatch(r"(\d{4})/(\d{2})/(\d{2})/(\d{4})(\d{2})(\d{2})T(\d{6})Z\.jpg", rel)
        if not m or m.group(1, 2, 3) != m.group(4, 5, 6):
            errors.append(f"not a frame name: {rel}")
            continue
        frames.append(rel)

frames.sort()
if len(frames) < 2:
    errors.append(f"{len(frames)} frame(s) after {seconds} s at a 1 s interval")

for rel in frames:
    data = open(os.path.join(store, rel), "rb").read()
    if not (data.startswith(b"\xff\xd8") and data.rstrip(b"\0").endswith(b"\xff\xd9")):
        errors.append(f"{rel}: not a complete JPEG ({len(data)} bytes)")
        continue
    if b"Exif\0\0" not in data[:65536]:
        errors.append(f"{rel}: no EXIF block")
    # Frame size from the first SOFn marker.
    i, size = 2, None
    while i + 9 < len(data):
        if data[i] != 0xFF:
            break
        marker, length = data[i + 1], int.from_bytes(data[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            size = (int.from_bytes(data[i + 7:i + 9], "big"), int.from_bytes(data[i + 5:i + 7], "big"))
            break
        i += 2 + length
    stamp = datetime.datetime.strptime(os.path.basename(rel), "%Y%m%dT%H%M%SZ.jpg").replace(
        tzinfo=datetime.timezone.utc).timestamp()
    # The guest's clock is the host's (RTC): every frame is from this run.
    if not (vm_start - 5 <= stamp <= vm_end + 5):
        errors.append(f"{rel}: time outside the VM's run")
    print(f"  {rel} {len(data)} bytes" + (f" {size[0]}x{size[1]}" if size else ""), file=sys.stderr)

latest = os.path.join(store, "latest.jpg")
if not os.path.islink(latest):
    errors.append("latest.jpg is not a symlink")
else:
    target = os.readlink(latest)
    if os.path.isabs(target):
        errors.append(f"latest.jpg -> {target} is absolute")
    elif frames and os.path.normpath(target) != frames[-1]:
        errors.append(f"latest.jpg -> {target}, newest frame is {frames[-1]}")

for e in errors:
    print("  error:", e, file=sys.stderr)
sys.exit(1 if errors else 0)
EOF

n=$(find "$work/out/store" -name '*.jpg' ! -name latest.jpg -type f | wc -l)
log "store: $n frame(s), latest.jpg -> $(readlink "$work/out/store/latest.jpg") in $work/out/store"
echo "1 passed, 0 failed"
