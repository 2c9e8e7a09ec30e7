#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The camera VM's file collector, run by build-initramfs.sh on the system whose files the
# guest gets: this machine, or a Debian root (inside it, through scripts/in-root.sh), so
# that every path, symlink and library is resolved as that system resolves it. Copies into
# STAGE: busybox-static with a link per applet, systemd-udevd + udevadm + udev's rules and
# helpers, libcamera (the runtime package and every file of libcamera-ipa: IPA modules,
# their signatures, proxies and data), `cam` when installed, the --add programs, and every
# shared library ldd finds for each of them, dynamic loader included. Writes /etc/passwd
# and /etc/group with the groups udev rules name, and STAGE/.lingercam-libcamera-version.
#
# Usage: initramfs-collect.sh --stage DIR [--add BIN[:GUEST_PATH]]...
set -euo pipefail

log() { echo "initramfs-collect: $*" >&2; }
die() { log "error: $*"; exit 1; }

root=""
adds=()
while [ $# -gt 0 ]; do
  case "$1" in
    --stage) root="$2"; shift 2 ;;
    --add) adds+=("$2"); shift 2 ;;
    *) die "unknown argument '$1'" ;;
  esac
done
if [ -z "$root" ] || [ ! -d "$root" ]; then die "--stage DIR: an existing folder is required"; fi

# What the guest needs, and the Debian package that has it.
busybox=/bin/busybox
udevadm=/bin/udevadm
udevd=/lib/systemd/systemd-udevd
need() {  # need PATH PACKAGE
  [ -e "$1" ] || die "missing $1 (Debian package $2; run scripts/install-deps.sh, or add it to the root's profile in scripts/debian-root.sh)"
}
need "$busybox" busybox-static
need "$udevadm" udev
need "$udevd" udev
need /lib/udev/rules.d udev
for tool in ldd find dpkg-query getent; do
  command -v "$tool" >/dev/null || die "missing tool '$tool'"
done
grep -q 'not a dynamic executable' <<<"$(ldd "$busybox" 2>&1 || true)" \
  || die "$busybox is not static (install busybox-static, not busybox)"

# libcamera's packages here: the runtime library (libcamera0.0.3, libcamera0.4, ...) and the
# IPA modules (libcamera-ipa), whatever folders this version keeps them in.
mapfile -t camera_pkgs < <(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' 'libcamera[0-9]*' libcamera-ipa 2>/dev/null |
  awk '$1 == "ii" { print $2 }')
printf '%s\n' "${camera_pkgs[@]}" | grep -qx libcamera-ipa || die "missing libcamera-ipa (Debian package libcamera-ipa)"
[ "${#camera_pkgs[@]}" -ge 2 ] || die "no libcamera runtime package installed (libcamera0.*)"

# Mirror the merged-/usr layout (/lib -> usr/lib ...), so that a path copied as ldd
# printed it lands where the guest's loader will look for it.
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

# add_path PATH [GUEST_PATH]: copy a file, a symlink (and what it points to) or a
# directory into the image, keeping its path unless told otherwise.
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

# add_elf PATH [GUEST_PATH]: the file plus every library ldd resolves for it (ldd
# already prints the whole transitive closure, and the loader).
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
is_elf() { [ -f "$1" ] && [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; }

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
add_elf "$udevd" /lib/systemd/systemd-udevd
add_path /lib/udev/rules.d
for helper in /lib/udev/*_id; do
  if [ -f "$helper" ] && [ -x "$helper" ]; then add_elf "$helper"; fi
done
if [ -f /etc/udev/udev.conf ]; then add_path /etc/udev/udev.conf; fi

# libcamera: every file its packages install outside the docs; ELF files with their
# libraries (the IPA modules and their isolating proxies among them).
files=0
for pkg in "${camera_pkgs[@]}"; do
  while read -r f; do
    case "$f" in /usr/share/doc/*|/usr/share/lintian/*|/usr/share/bug/*) continue ;; esac
    if [ -L "$f" ] || [ ! -f "$f" ]; then continue; fi
    if is_elf "$f"; then add_elf "$f"; else add_path "$f"; fi
    files=$((files + 1))
  done < <(dpkg-query -L "$pkg")
done
if [ -x /usr/bin/cam ]; then add_elf /usr/bin/cam; fi
version=$(dpkg-query -W -f='${Version}' libcamera-ipa)
log "libcamera $version: $files files from ${camera_pkgs[*]}$([ -x /usr/bin/cam ] && echo ', and cam')"
echo "$version" >"$root/.lingercam-libcamera-version"

# Extra programs from the caller.
for spec in "${adds[@]}"; do
  bin="${spec%%:*}"
  guest="${spec#*:}"
  [ "$guest" != "$spec" ] || guest="/usr/local/bin/$(basename "$bin")"
  [ -f "$bin" ] || die "--add '$bin': no such file"
  add_elf "$(readlink -f "$bin")" "$guest"
done

# Users and groups that udev rules name (GROUP="video" ...), with this system's ids;
# glibc's files NSS module is built into libc.
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
