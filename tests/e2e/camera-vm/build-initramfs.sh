#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds the camera VM's initramfs (cpio.gz) from the Debian packages of this machine, or
# of a Debian root made by scripts/debian-root.sh (its libcamera, IPA modules and
# proxies, udev, busybox, loader and libraries): busybox-static, systemd-udevd + udevadm
# and udev's rules, libcamera, `cam` when installed, and every shared library those pull
# in (found by that system's own ldd; initramfs-collect.sh). guest-init.sh becomes /init.
#
# Usage:
#   build-initramfs.sh --script GUEST_SCRIPT [--root DIR] [--add BIN[:GUEST_PATH]]...
#                      [--output FILE]
#
#   --script FILE   the guest test script; /init runs it as `sh /lingercam/test.sh`
#                   once udev has settled, with $LINGERCAM_OUT (/out) as the folder
#                   whose contents come back to the host
#   --root DIR      take the guest's files from this Debian root instead of this machine:
#                   the folder scripts/debian-root.sh prints for a profile, e.g.
#                   $(scripts/debian-root.sh debian13) for libcamera 0.4, or
#                   debian13-backports for 0.7; --add programs must then be built in that
#                   root (scripts/build-in-root.sh)
#   --add BIN[:P]   an extra executable (or shared library) to include, with its
#                   libraries; lands at P, default /usr/local/bin/$(basename BIN)
#                   (on the guest's PATH). Repeatable.
#   --output FILE   where to write the cpio.gz (default:
#                   ${TMPDIR:-/tmp}/lingercam-camera-vm/initramfs.cpio.gz)
# Prints the output path on stdout; FILE.libcamera-version holds the libcamera version
# (Debian package version) inside.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
log() { echo "build-initramfs: $*" >&2; }
die() { log "error: $*"; exit 1; }
usage() { sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
help() { sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0; }

script=""
output="${TMPDIR:-/tmp}/lingercam-camera-vm/initramfs.cpio.gz"
root=""
adds=()
while [ $# -gt 0 ]; do
  case "$1" in
    --script) [ $# -ge 2 ] || usage; script="$2"; shift 2 ;;
    --root) [ $# -ge 2 ] || usage; root="$2"; shift 2 ;;
    --add) [ $# -ge 2 ] || usage; adds+=("$2"); shift 2 ;;
    --output) [ $# -ge 2 ] || usage; output="$2"; shift 2 ;;
    -h|--help) help ;;
    *) log "unknown argument '$1'"; usage ;;
  esac
done
[ -n "$script" ] || { log "--script is required"; usage; }
[ -r "$script" ] || die "guest script '$script' not readable"
if [ -n "$root" ]; then
  [ -f "$root/.lingercam-root-complete" ] ||
    die "--root $root: not a finished root of scripts/debian-root.sh (give the folder it prints, e.g. \$(scripts/debian-root.sh debian13))"
fi
for tool in cpio gzip; do
  command -v "$tool" >/dev/null || die "missing tool '$tool' (run scripts/install-deps.sh)"
done

ms_now() { echo $(( $(date +%s%N) / 1000000 )); }
elapsed_s() { local ms=$(( $(ms_now) - start )); echo "$((ms / 1000)).$((ms % 1000 / 100))"; }
start=$(ms_now)
work="$(mktemp -d "${TMPDIR:-/tmp}/lingercam-initramfs.XXXXXX")"
trap 'rm -rf "$work"' EXIT
stage="$work/stage"
mkdir -p "$stage" "$work/add"

# The --add programs, each copied into a folder of its own that the collector sees (in a
# root, bound at /lingercam-add).
collect_adds=()
i=0
for spec in "${adds[@]}"; do
  bin="${spec%%:*}"
  guest="${spec#*:}"
  [ "$guest" != "$spec" ] || guest="/usr/local/bin/$(basename "$bin")"
  [ -f "$bin" ] || die "--add '$bin': no such file"
  mkdir -p "$work/add/$i"
  cp -pL "$bin" "$work/add/$i/"
  if [ -n "$root" ]; then
    collect_adds+=(--add "/lingercam-add/$i/$(basename "$bin"):$guest")
  else
    collect_adds+=(--add "$work/add/$i/$(basename "$bin"):$guest")
  fi
  i=$((i + 1))
done

if [ -n "$root" ]; then
  "$repo/scripts/in-root.sh" "$root" --bind "$stage:/stage" --bind "$here:/lingercam-vm" \
    --bind "$work/add:/lingercam-add" -- \
    bash /lingercam-vm/initramfs-collect.sh --stage /stage "${collect_adds[@]}"
else
  bash "$here/initramfs-collect.sh" --stage "$stage" "${collect_adds[@]}"
fi

install -m 0755 "$here/guest-init.sh" "$stage/init"
install -m 0755 "$script" "$stage/lingercam/test.sh"

mkdir -p "$(dirname "$output")"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -1) >"$output.tmp"
mv "$output.tmp" "$output"
cp "$stage/.lingercam-libcamera-version" "$output.libcamera-version"

log "wrote $output ($(du -h "$output" | cut -f1), $(find "$stage" -mindepth 1 | wc -l) entries," \
    "libcamera $(cat "$output.libcamera-version")${root:+ from $root}) in $(elapsed_s) s"
echo "$output"
