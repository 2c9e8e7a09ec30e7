#!/usr/bin/env bash
# Builds the camera VM's initramfs (cpio.gz) from this machine's own Debian
# packages: busybox-static, systemd-udevd + udevadm and udev's rules, libcamera
# with `cam`, the vimc IPA module and its proxy, and every shared library those
# pull in (found with ldd, dynamic loader included). guest-init.sh becomes /init.
#
# Usage:
#   build-initramfs.sh --script GUEST_SCRIPT [--add BIN[:GUEST_PATH]]... [--output FILE]
#
#   --script FILE   the guest test script; /init runs it as `sh /lingercam/test.sh`
#                   once udev has settled, with $LINGERCAM_OUT (/out) as the folder
#                   whose contents come back to the host
#   --add BIN[:P]   an extra executable (or shared library) to include, with its
#                   libraries; lands at P, default /usr/local/bin/$(basename BIN)
#                   (on the guest's PATH). Repeatable.
#   --output FILE   where to write the cpio.gz (default:
#                   ${TMPDIR:-/tmp}/lingercam-camera-vm/initramfs.cpio.gz)
# Prints the output path on stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { echo "build-initramfs: $*" >&2; }
die() { log "error: $*"; exit 1; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

script=""
output="${TMPDIR:-/tmp}/lingercam-camera-vm/initramfs.cpio.gz"
adds=()
while [ $# -gt 0 ]; do
  case "$1" in
    --script) [ $# -ge 2 ] || usage; script="$2"; shift 2 ;;
    --add) [ $# -ge 2 ] || usage; adds+=("$2"); shift 2 ;;
    --output) [ $# -ge 2 ] || usage; output="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) log "unknown argument '$1'"; usage ;;
  esac
done
[ -n "$script" ] || { log "--script is required"; usage; }
[ -r "$script" ] || die "guest script '$script' not readable"

# What the guest needs from this machine, and the Debian package that has it.
busybox=/bin/busybox
udevadm=/bin/udevadm
udevd=/lib/systemd/systemd-udevd
cam=/usr/bin/cam
libcamera_dir=/usr/lib/x86_64-linux-gnu/libcamera
ipa_data=/usr/share/libcamera/ipa/vimc
need() {  # need PATH PACKAGE
  [ -e "$1" ] || die "missing $1 (Debian package $2; run scripts/install-deps.sh)"
}
need "$busybox" busybox-static
need "$udevadm" udev
need "$udevd" udev
need /lib/udev/rules.d udev
need "$cam" libcamera-tools
need "$libcamera_dir/ipa_vimc.so" libcamera-ipa
need "$libcamera_dir/ipa_vimc.so.sign" libcamera-ipa
need "$libcamera_dir/vimc_ipa_proxy" libcamera-ipa
need "$ipa_data" libcamera-ipa
for tool in cpio gzip ldd find; do
  command -v "$tool" >/dev/null || die "missing tool '$tool' (run scripts/install-deps.sh)"
done
grep -q 'not a dynamic executable' <<<"$(ldd "$busybox" 2>&1 || true)" \
  || die "$busybox is not static (install busybox-static, not busybox)"

ms_now() { echo $(( $(date +%s%N) / 1000000 )); }
elapsed_s() { local ms=$(( $(ms_now) - start )); echo "$((ms / 1000)).$((ms % 1000 / 100))"; }
start=$(ms_now)
root="$(mktemp -d "${TMPDIR:-/tmp}/lingercam-initramfs.XXXXXX")"
trap 'rm -rf "$root"' EXIT

# Mirror the host's merged-/usr layout (/lib -> usr/lib ...), so that a path
# copied as ldd printed it lands where the guest's loader will look for it.
for d in bin sbin lib lib64; do
  if [ -L "/$d" ]; then
    mkdir -p "$root/$(readlink -f "/$d")"
    ln -s "$(readlink "/$d")" "$root/$d"
  else
    mkdir -p "$root/$d"
  fi
done
mkdir -p "$root"/{dev,proc,sys,run,tmp,etc,out,lingercam,usr/local/bin,var/tmp}
chmod 1777 "$root/tmp" "$root/var/tmp"

# add_path HOST_PATH [GUEST_PATH]: copy a file, a symlink (and what it points
# to) or a directory into the image, keeping its path unless told otherwise.
add_path() {
  local src="$1" dst="${2:-$1}"
  [ -e "$src" ] || die "cannot include '$src': no such file"
  if [ -L "$src" ] && [ "$dst" = "$src" ]; then
    if [ ! -e "$root$dst" ] && [ ! -L "$root$dst" ]; then
      mkdir -p "$(dirname "$root$dst")"
      ln -s "$(readlink "$src")" "$root$dst"
    fi
    add_path "$(readlink -f "$src")"
  elif [ -d "$src" ]; then
    mkdir -p "$root$dst"
    cp -a "$src/." "$root$dst/"
  elif [ ! -e "$root$dst" ]; then
    mkdir -p "$(dirname "$root$dst")"
    cp -pL "$src" "$root$dst"
  fi
}

# add_elf HOST_PATH [GUEST_PATH]: the file plus every library ldd resolves for
# it (ldd already prints the whole transitive closure, and the loader).
declare -A seen_libs=()
add_elf() {
  local src="$1" dst="${2:-$1}" lib out
  add_path "$src" "$dst"
  out="$(ldd "$src" 2>&1)" || {
    # Static executables make ldd exit non-zero; anything else is an error.
    grep -q 'not a dynamic executable\|statically linked' <<<"$out" && return 0
    die "ldd $src failed: $out"
  }
  if grep -q 'not found' <<<"$out"; then
    die "ldd $src: unresolved libraries: $(grep 'not found' <<<"$out" | tr -s ' \t' ' ')"
  fi
  while read -r lib; do
    [ -n "$lib" ] || continue
    [ -z "${seen_libs[$lib]:-}" ] || continue
    seen_libs[$lib]=1
    add_path "$lib"
  done < <(sed -n 's/.*=> \(\/[^ ]*\) (0x.*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (0x.*/\1/p' <<<"$out")
}

# busybox and its applets (a link per applet, never over a real binary).
add_path "$busybox"
while read -r applet; do
  [ -e "$root/$applet" ] || [ -L "$root/$applet" ] || {
    mkdir -p "$(dirname "$root/$applet")"
    ln -s /bin/busybox "$root/$applet"
  }
done < <("$busybox" --list-full)

# udev: the daemon, udevadm, the rules and the helpers the rules call.
add_elf "$udevadm"
add_path "$udevd"
add_path /lib/udev/rules.d
for helper in /lib/udev/*_id; do
  if [ -f "$helper" ] && [ -x "$helper" ]; then add_elf "$helper"; fi
done
if [ -f /etc/udev/udev.conf ]; then add_path /etc/udev/udev.conf; fi

# libcamera: cam, the vimc IPA (module, signature, isolating proxy) and its data.
add_elf "$cam"
add_elf "$libcamera_dir/ipa_vimc.so"
add_path "$libcamera_dir/ipa_vimc.so.sign"
add_elf "$libcamera_dir/vimc_ipa_proxy"
add_path "$ipa_data"

# Extra binaries from the caller.
for spec in "${adds[@]}"; do
  bin="${spec%%:*}"
  guest="${spec#*:}"
  [ "$guest" != "$spec" ] || guest="/usr/local/bin/$(basename "$bin")"
  [ -f "$bin" ] || die "--add '$bin': no such file"
  add_elf "$(readlink -f "$bin")" "$guest"
done

# Users and groups that udev rules name (GROUP="video" ...), with this
# machine's ids; glibc's files NSS module is built into libc.
{
  echo "root:x:0:0:root:/root:/bin/sh"
  echo "nobody:x:65534:65534:nobody:/nonexistent:/bin/false"
} >"$root/etc/passwd"
{
  echo "root:x:0:"
  for g in tty disk kmem video audio input render kvm sgx dialout cdrom tape lp floppy uucp; do
    getent group "$g" | cut -d: -f1-3 | sed 's/$/:/' || true
  done
  echo "nogroup:x:65534:"
} >"$root/etc/group"
echo "lingercam-vm" >"$root/etc/hostname"
: >"$root/etc/machine-id"

install -m 0755 "$here/guest-init.sh" "$root/init"
install -m 0755 "$script" "$root/lingercam/test.sh"

mkdir -p "$(dirname "$output")"
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -1) >"$output.tmp"
mv "$output.tmp" "$output"

log "wrote $output ($(du -h "$output" | cut -f1), $(find "$root" -mindepth 1 | wc -l) entries) in $(elapsed_s) s"
echo "$output"
