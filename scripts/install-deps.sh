#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Installs the Debian packages lingercam needs to build, run, test and benchmark, with the
# package names of the release it runs on:
#   Debian 12 (bookworm) and Debian 13 (trixie), amd64 or arm64;
#   Raspberry Pi OS bookworm and trixie, whose libcamera-dev is the Pi's own fork from the
#   Raspberry Pi archive that system already has configured (the binary must be built
#   against it: it is not the same library as Debian's).
# On another release it says what it found and tries the newest names it knows.
# The x86-only camera-VM tooling (qemu-system-x86, a kernel source) is installed on amd64 only.
# Idempotent: nothing is installed when everything is there. Uses sudo when not root.
#
# Usage: scripts/install-deps.sh [--print]   (--print: show the choice and the list, install nothing)
set -euo pipefail

print_only=no
case "${1:-}" in
  "") ;;
  --print) print_only=yes ;;
  -h|--help) sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  *) echo "install-deps: unknown argument '$1' (--print, --help)" >&2; exit 2 ;;
esac

say() { echo "install-deps: $*" >&2; }

SUDO=""
if [ "$print_only" = no ] && [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { say "not root and no sudo"; exit 1; }
  SUDO="sudo"
fi

# --- where are we
os_id=unknown os_codename=unknown os_name=unknown
if [ -r /etc/os-release ]; then
  # shellcheck disable=SC1091
  . /etc/os-release
  os_id=${ID:-unknown}
  os_codename=${VERSION_CODENAME:-unknown}
  os_name=${PRETTY_NAME:-$os_id $os_codename}
fi
arch=$(dpkg --print-architecture 2>/dev/null || echo unknown)
raspberry_pi_os=no
if [ -e /etc/rpi-issue ] || [ "$os_id" = raspbian ] ||
  grep -rqs 'archive\.raspberrypi\.\(com\|org\)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  raspberry_pi_os=yes
fi

release=$os_codename
case "$os_codename" in
  bookworm|trixie) ;;
  *)
    say "found '$os_name' ($os_id $os_codename, $arch): not a release lingercam knows" \
        "(Debian 12 bookworm, Debian 13 trixie, Raspberry Pi OS of either);" \
        "trying Debian 13's package names"
    release=trixie
    ;;
esac
what="$os_name, $arch"
[ "$raspberry_pi_os" = yes ] && what="Raspberry Pi OS $os_codename ($os_name), $arch"

# --- what to install
packages=(
  # build
  build-essential cmake ninja-build pkg-config git ccache
  # the format check on changed lines (scripts/check-format.sh, .clang-format)
  clang-format
  # the man pages, made from each program's --help
  help2man man-db
  # libraries (names are the same on both releases; versions differ: see README)
  libcamera-dev libcamera-ipa libcamera-tools
  libssh-dev libsdbus-c++-dev libsdbus-c++-bin libspdlog-dev libfmt-dev libcli11-dev
  libgtest-dev libgmock-dev libturbojpeg0-dev libtomlplusplus-dev libsystemd-dev
  # integration tests and benchmarks: a real sshd and the peers we compare with
  openssh-server openssh-client rsync faketime procps iproute2 python3 file
  # the gallery's browser test: headless Chromium driven through chromedriver
  chromium chromium-driver
  # fuzzing: libFuzzer comes with clang (scripts/fuzz.sh); llvm for its coverage report
  clang libclang-rt-dev llvm
  # e2e: real systemd in containers; Debian 13 and arm64 build roots
  debootstrap systemd-container dbus udev debian-archive-keyring
)
if [ "$arch" = amd64 ]; then
  # The camera VM: an x86_64 vimc kernel built from Debian's kernel source, under qemu.
  case "$release" in
    bookworm) kernel_source=linux-source-6.1 ;;
    *) kernel_source=linux-source-6.12 ;;
  esac
  packages+=(qemu-system-x86 busybox-static cpio "$kernel_source" bc bison flex libelf-dev libssl-dev xz-utils)
else
  say "$arch: the camera VM tests are x86_64-only; their tooling is left out (configure says so too)"
fi

say "$what: ${#packages[@]} packages${kernel_source:+ (kernel source $kernel_source)}"
if [ "$raspberry_pi_os" = yes ]; then
  say "libcamera-dev comes from the Raspberry Pi archive this system has configured (the Pi's fork)"
fi
if [ "$print_only" = yes ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  say "all ${#packages[@]} packages present"
  exit 0
fi
say "installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
say "done"
