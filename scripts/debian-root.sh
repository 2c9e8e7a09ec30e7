#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds (once) a Debian root to build and test lingercam in, and prints its path. Roots
# are cached under ${XDG_CACHE_HOME:-~/.cache}/lingercam/roots/, keyed by the profile's
# suite, architectures and package list, so a second call returns at once; downloaded
# .debs are kept in a shared apt cache there, so rebuilding a root downloads nothing.
#
# Profiles:
#   debian13        Debian 13 (trixie) amd64 with the build and test dependencies:
#                   g++ 14, sdbus-c++ 2, libssh 0.11, spdlog 1.15, libcamera 0.4, sshd;
#                   and what the camera VM's initramfs takes from it (libcamera's IPA
#                   modules, udev, busybox-static)
#   debian13-backports
#                   the same, with libcamera from trixie-backports (0.7.x when written),
#                   for the camera VM tests on a newer libcamera
#   debian13-arm64  Debian 13 amd64 with arm64 as a foreign architecture: the arm64 cross
#                   compiler, the :arm64 -dev packages and qemu-user to run arm64 tests.
#                   A root of its own, because trixie's libcamera-dev is not Multi-Arch: same.
#
# Usage: scripts/debian-root.sh PROFILE [--rebuild]
# Needs root (debootstrap, chroot). The mirror is the one this machine's apt uses
# (LINGERCAM_MIRROR overrides it).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib/cli.sh"
. "$here/lib/debian-mirror.sh"
. "$here/lib/cached-image.sh"

# Bump when the steps below change the root in a way the package list does not show.
readonly ROOT_VERSION=1

profile=""
rebuild=no
while [ $# -gt 0 ]; do
  case "$1" in
    --rebuild) rebuild=yes ;;
    -h|--help) usage 0 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) [ -z "$profile" ] || die "one profile at a time (got '$profile' and '$1')"; profile=$1 ;;
  esac
  shift
done

# Packages both profiles share: the build tools and what the tests run.
common_tools=(build-essential cmake ninja-build pkg-config git ccache file python3 procps
              iproute2 dbus dbus-daemon systemd openssh-server openssh-client openssh-sftp-server
              rsync faketime ca-certificates)
# The libraries, without architecture (CLI11 is headers only, Architecture: all).
libs=(libcamera-dev libssh-dev libsdbus-c++-dev libspdlog-dev libfmt-dev
      libgtest-dev libgmock-dev libturbojpeg0-dev libtomlplusplus-dev libsystemd-dev)

# The camera VM (tests/e2e/camera-vm) boots an initramfs made from a root's own libcamera,
# udev and busybox.
camera_vm=(libcamera-ipa udev busybox-static)

suite=trixie
foreign=""
backports=""
case "$profile" in
  debian13)
    # help2man: the man pages (from --help) for the Debian 13 packages.
    packages=("${common_tools[@]}" "${libs[@]}" libcli11-dev libsdbus-c++-bin help2man "${camera_vm[@]}")
    ;;
  debian13-backports)
    # Only libcamera comes from backports ("package/release" pins each one there); its
    # other dependencies come from trixie where it has them.
    backports="$suite-backports"
    packages=("${common_tools[@]}" libcli11-dev libsdbus-c++-bin udev busybox-static)
    for p in "${libs[@]}"; do
      case "$p" in
        libcamera-dev) packages+=("$p/$backports" "libcamera-ipa/$backports") ;;
        *) packages+=("$p") ;;
      esac
    done
    ;;
  debian13-arm64)
    foreign=arm64
    packages=("${common_tools[@]}" crossbuild-essential-arm64 qemu-user libsdbus-c++-bin libcli11-dev)
    for p in "${libs[@]}"; do packages+=("$p:arm64"); done
    ;;
  "") usage ;;
  *) die "unknown profile '$profile' (debian13, debian13-backports, debian13-arm64; see --help)" ;;
esac

[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap, chroot)"
command -v debootstrap >/dev/null || die "debootstrap missing: run scripts/install-deps.sh"

cache="${XDG_CACHE_HOME:-$HOME/.cache}/lingercam"
key_lines=("v=$ROOT_VERSION" "suite=$suite" "foreign=$foreign")
if [ -n "$backports" ]; then key_lines+=("backports=$backports"); fi
key=$(printf '%s\n' "${key_lines[@]}" "${packages[@]}" | sha256sum | cut -c1-12)
target="$cache/roots/$profile.$key"
archives="$cache/apt-archives/$suite"
mkdir -p "$cache/roots" "$archives/partial"

# One root build at a time (they share the apt archive cache). A user of a root
# (build-in-root.sh) holds a shared lock on "<root>.inuse": such a root is never deleted
# under it.
if cached_image_ready "$cache/roots/.build.lock" "$target" .lingercam-root-complete "$rebuild" \
  "(a build in it is running)"; then
  echo "$target"
  exit 0
fi

mirror=$(debian_mirror) || die "no Debian archive in this machine's apt sources; set LINGERCAM_MIRROR"
start=$(date +%s)
work="$target.tmp.$$"
trap 'rm -rf --one-file-system "$work"' EXIT
log "building $profile root ($suite${foreign:+ + $foreign}) in $target from $mirror"
debootstrap --variant=minbase --components=main --cache-dir="$archives" "$suite" "$work" "$mirror" \
  >"$cache/roots/$profile.debootstrap.log" 2>&1 ||
  die "debootstrap failed; see $cache/roots/$profile.debootstrap.log"
echo "deb $mirror $suite main" >"$work/etc/apt/sources.list"
if [ -n "$backports" ]; then echo "deb $mirror $backports main" >>"$work/etc/apt/sources.list"; fi
# No daemon starts inside a root that is only chrooted into (openssh-server, dbus).
printf '#!/bin/sh\nexit 101\n' >"$work/usr/sbin/policy-rc.d"
chmod +x "$work/usr/sbin/policy-rc.d"
in_root=("$here/in-root.sh" "$work" --bind "$archives:/var/cache/apt/archives" --)
if [ -n "$foreign" ]; then "${in_root[@]}" dpkg --add-architecture "$foreign"; fi
"${in_root[@]}" apt-get -q update >"$cache/roots/$profile.apt.log" 2>&1 ||
  die "apt-get update failed; see $cache/roots/$profile.apt.log"
"${in_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  "${packages[@]}" >>"$cache/roots/$profile.apt.log" 2>&1 ||
  die "installing the packages failed; see $cache/roots/$profile.apt.log"
"${in_root[@]}" dpkg-query -W -f='${Package}:${Architecture} ${Version}\n' >"$work/.lingercam-packages"
rm -f "$work"/etc/ssh/ssh_host_*
touch "$work/.lingercam-root-complete"
mv "$work" "$target"
trap - EXIT
# Roots of this profile's older package lists are dead weight once replaced and unused
# ("debian13.*" never matches "debian13-arm64.*").
cached_image_prune "$target" "$cache/roots/$profile".*
log "done in $(( $(date +%s) - start )) s: $(du -sh --one-file-system "$target" | cut -f1)"
echo "$target"
