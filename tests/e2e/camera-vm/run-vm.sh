#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
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
# LINGERCAM_KVM_PROBE_SECONDS (default 10): how long --accel auto gives KVM to
# show it can boot the kernel before falling back to TCG.
#
# The guest kills its test script 30 s before the hard timeout (--timeout of
# 60 s or more), writes back what it has and reports 124.
#
# Exit status: the guest script's own exit status; 124 if the test or the VM hit
# the timeout; 3 if the VM ended without reporting one; 2 for bad usage.
# OUT_DIR must be empty or absent (stale results must never pass for new ones).
set -euo pipefail

log() { echo "run-vm: $*" >&2; }
die() { log "error: $*"; exit 2; }
usage() { sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
help() { sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0; }

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
    -h|--help) help ;;
    *) log "unknown argument '$1'"; usage ;;
  esac
done
if [ -z "$kernel" ] || [ -z "$initrd" ] || [ -z "$out" ]; then
  log "--kernel, --initrd and --out are required"; usage
fi
[ -r "$kernel" ] || die "kernel '$kernel' not readable (build it with build-kernel.sh)"
[ -r "$initrd" ] || die "initramfs '$initrd' not readable (build it with build-initramfs.sh)"
case "$accel" in auto|kvm|tcg) ;; *) die "--accel must be auto, kvm or tcg" ;; esac
for n in "$timeout_s" "$mem" "$disk_mb"; do
  [[ "$n" =~ ^[0-9]+$ ]] || die "'$n' is not a whole number"
done
qemu="qemu-system-x86_64"
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
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  [ -z "$qemu_pid" ] || kill "$qemu_pid" 2>/dev/null || true
  [ -z "$tail_pid" ] || kill "$tail_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# KVM "works" when it boots this kernel, not merely when /dev/kvm opens: on
# hosts without working nested virtualisation (this one) qemu starts, SeaBIOS
# runs, and the kernel then hangs forever. The probe boots the kernel without
# an initramfs and waits for its first console line, which a working KVM
# prints within a second; TCG is slower but boots the same guest.
# Some hosts also cannot set the IA32_ARCH_CAPABILITIES MSR that "-cpu host"
# passes through (qemu aborts); nothing in the guest needs it.
kvm_cpu="host,-arch-capabilities"
probe_s="${LINGERCAM_KVM_PROBE_SECONDS:-10}"
kvm_works() {
  if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then log "no usable /dev/kvm"; return 1; fi
  local probe_log="$work/kvm-probe.log" pid i
  timeout -k 2 "$probe_s" "$qemu" -accel kvm -cpu "$kvm_cpu" -m 256 \
    -nographic -nodefaults -no-user-config -no-reboot \
    -serial "file:$probe_log" -monitor none -kernel "$kernel" \
    -append "console=ttyS0 earlyprintk=serial panic=-1" \
    </dev/null >"$work/kvm-probe.out" 2>&1 &
  pid=$!
  for ((i = 0; i < probe_s * 5; i++)); do
    if grep -qa 'Linux version' "$probe_log" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  log "KVM did not boot the kernel within ${probe_s} s ($(head -c 200 "$work/kvm-probe.out" | tr '\n' ' '))"
  return 1
}
# The answer holds until the host reboots or qemu changes: remember it, so
# that a run of several VMs pays for the probe once.
probe_cache="${XDG_CACHE_HOME:-$HOME/.cache}/lingercam/kvm-probe"
probe_key="$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || true) $("$qemu" --version | head -n1)"
if [ "$accel" = auto ]; then
  if [ -r "$probe_cache" ] && [ "$(sed -n 1p "$probe_cache")" = "$probe_key" ]; then
    accel="$(sed -n 2p "$probe_cache")"
    log "accel=$accel (probed earlier since this host booted; rm $probe_cache to probe again)"
  else
    if kvm_works; then accel=kvm; else accel=tcg; fi
    mkdir -p "$(dirname "$probe_cache")"
    printf '%s\n%s\n' "$probe_key" "$accel" >"$probe_cache"
  fi
fi
case "$accel" in kvm|tcg) ;; *) die "bad cached accel '$accel' in $probe_cache" ;; esac
if [ "$accel" = kvm ]; then cpu="$kvm_cpu"; else cpu=max; fi

disk="$work/results.img"
truncate -s "${disk_mb}M" "$disk"

# The guest stops its own test a little before the hard timeout, so that a
# hung test still brings back its logs and partial results.
if [ "$timeout_s" -ge 60 ]; then
  append="lingercam.timeout=$((timeout_s - 30)) $append"
fi

log "booting $kernel + $initrd (accel=$accel, ${mem} MiB, timeout ${timeout_s} s)"
start_ms=$(( $(date +%s%N) / 1000000 ))
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
  tail -n +1 -F --pid="$qemu_pid" "$console" >&2 2>/dev/null &
  tail_pid=$!
fi
qemu_rc=0
wait "$qemu_pid" || qemu_rc=$?
qemu_pid=""
if [ -n "$tail_pid" ]; then wait "$tail_pid" 2>/dev/null || true; tail_pid=""; fi
elapsed_ms=$(( $(date +%s%N) / 1000000 - start_ms ))
elapsed="$((elapsed_ms / 1000)).$((elapsed_ms % 1000 / 100))"
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
