#!/usr/bin/env bash
# Boots the camera VM (qemu-system-x86_64; KVM when it works here, else TCG),
# waits for its test script under a hard timeout, and brings its results back:
# the guest writes a tar of /out onto a raw virtio disk, which is untarred into
# OUT_DIR. The serial console goes to OUT_DIR/vm/console.log (and to stderr
# unless --quiet).
#
# Usage:
#   run-vm.sh --kernel BZIMAGE --initrd INITRAMFS --out OUT_DIR
#             [--timeout SEC] [--mem MB] [--disk-size MB] [--accel auto|kvm|tcg]
#             [--append "KERNEL ARGS"] [--quiet]
#
# Exit status: the guest script's own exit status; 124 if the VM hit the
# timeout; 3 if the VM ended without reporting one; 2 for bad usage.
# OUT_DIR must be empty or absent (stale results must never pass for new ones).
set -euo pipefail

log() { echo "run-vm: $*" >&2; }
die() { log "error: $*"; exit 2; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

kernel="" initrd="" out="" timeout_s=600 mem=1024 disk_mb=512 accel=auto append="" quiet=0
while [ $# -gt 0 ]; do
  case "$1" in
    --kernel) [ $# -ge 2 ] || usage; kernel="$2"; shift 2 ;;
    --initrd) [ $# -ge 2 ] || usage; initrd="$2"; shift 2 ;;
    --out) [ $# -ge 2 ] || usage; out="$2"; shift 2 ;;
    --timeout) [ $# -ge 2 ] || usage; timeout_s="$2"; shift 2 ;;
    --mem) [ $# -ge 2 ] || usage; mem="$2"; shift 2 ;;
    --disk-size) [ $# -ge 2 ] || usage; disk_mb="$2"; shift 2 ;;
    --accel) [ $# -ge 2 ] || usage; accel="$2"; shift 2 ;;
    --append) [ $# -ge 2 ] || usage; append="$2"; shift 2 ;;
    --quiet) quiet=1; shift ;;
    -h|--help) usage ;;
    *) log "unknown argument '$1'"; usage ;;
  esac
done
[ -n "$kernel" ] && [ -n "$initrd" ] && [ -n "$out" ] || { log "--kernel, --initrd and --out are required"; usage; }
[ -r "$kernel" ] || die "kernel '$kernel' not readable (build it with build-kernel.sh)"
[ -r "$initrd" ] || die "initramfs '$initrd' not readable (build it with build-initramfs.sh)"
case "$accel" in auto|kvm|tcg) ;; *) die "--accel must be auto, kvm or tcg" ;; esac
for n in "$timeout_s" "$mem" "$disk_mb"; do
  [[ "$n" =~ ^[0-9]+$ ]] || die "'$n' is not a whole number"
done
qemu=qemu-system-x86_64
command -v "$qemu" >/dev/null || die "missing $qemu (Debian package qemu-system-x86)"
for tool in tar timeout truncate; do
  command -v "$tool" >/dev/null || die "missing tool '$tool'"
done
if [ -e "$out" ] && [ -n "$(ls -A "$out")" ]; then
  die "output dir '$out' is not empty"
fi
mkdir -p "$out/vm"
console="$out/vm/console.log"

work="$(mktemp -d "${TMPDIR:-/tmp}/lingercam-vm.XXXXXX")"
qemu_pid=""
tail_pid=""
cleanup() {
  [ -z "$qemu_pid" ] || kill "$qemu_pid" 2>/dev/null || true
  [ -z "$tail_pid" ] || kill "$tail_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# KVM "works" when qemu can open it and create a VM; the probe takes well under
# a second. Where it cannot, TCG is slower but boots the same guest.
kvm_works() {
  [ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
  echo quit | timeout 20 "$qemu" -accel kvm -machine pc -cpu host -nodefaults \
    -display none -monitor stdio >/dev/null 2>&1
}
if [ "$accel" = auto ]; then
  if kvm_works; then accel=kvm; else accel=tcg; fi
fi
if [ "$accel" = kvm ]; then cpu=host; else cpu=max; fi

disk="$work/results.img"
truncate -s "${disk_mb}M" "$disk"

log "booting $kernel + $initrd (accel=$accel, ${mem} MiB, timeout ${timeout_s} s)"
start=$(date +%s.%N)
# -no-reboot: a guest reboot or panic (panic=-1) ends qemu instead of looping.
timeout -k 10 "$timeout_s" "$qemu" \
  -accel "$accel" -cpu "$cpu" -m "$mem" \
  -nographic -nodefaults -no-user-config -no-reboot \
  -serial "file:$console" -monitor none \
  -kernel "$kernel" -initrd "$initrd" \
  -append "console=ttyS0 panic=-1 $append" \
  -drive "file=$disk,format=raw,if=virtio,cache=unsafe" \
  </dev/null >"$work/qemu.out" 2>&1 &
qemu_pid=$!
if [ "$quiet" = 0 ]; then
  # Stream the console while the VM runs (tail waits for qemu to create it).
  tail -n +1 -F --pid="$qemu_pid" "$console" 2>/dev/null >&2 &
  tail_pid=$!
fi
qemu_rc=0
wait "$qemu_pid" || qemu_rc=$?
qemu_pid=""
if [ -n "$tail_pid" ]; then wait "$tail_pid" 2>/dev/null || true; tail_pid=""; fi
elapsed="$(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)")"
cat "$work/qemu.out" >&2

if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
  log "error: VM timed out after ${timeout_s} s (console: $console)"
  exit 124
fi
[ "$qemu_rc" = 0 ] || log "warning: qemu exited with status $qemu_rc"

# An all-zero disk (guest never wrote) untars to nothing.
tar -xf "$disk" -C "$out" || log "warning: results disk did not untar cleanly"

rc=""
if [ -s "$out/vm/exit-code" ]; then
  rc="$(tr -dc 0-9 <"$out/vm/exit-code")"
elif grep -qa 'LINGERCAM-VM-EXIT=' "$console"; then
  rc="$(grep -a -o 'LINGERCAM-VM-EXIT=[0-9]*' "$console" | tail -n1 | cut -d= -f2)"
  log "warning: no results from the guest's disk, exit status taken from the console"
fi
if [ -z "$rc" ]; then
  log "error: VM ended after $elapsed s without reporting a result (console: $console)"
  exit 3
fi
log "guest test exited $rc after $elapsed s (accel=$accel); results in $out"
exit "$rc"
