#!/usr/bin/env bash
# Installs every Debian 12 package lingercam needs to build, run, test and benchmark.
# Idempotent: apt-get install of what is already there is a no-op. Uses sudo when not root.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: not root and no sudo" >&2; exit 1; }
  SUDO="sudo"
fi

packages=(
  # build
  build-essential cmake ninja-build pkg-config git
  # libraries (Debian 12 versions are what the code targets)
  libcamera-dev libcamera-ipa libcamera-tools
  libssh-dev libsdbus-c++-dev libsdbus-c++-bin libspdlog-dev libfmt-dev libcli11-dev
  libgtest-dev libgmock-dev libturbojpeg0-dev libtomlplusplus-dev libsystemd-dev
  # integration tests and benchmarks: a real sshd and the peers we compare with
  openssh-server openssh-client rsync faketime procps iproute2 python3
  # e2e: real systemd in containers, the virtual-camera VM
  debootstrap systemd-container dbus udev qemu-system-x86 busybox-static cpio
  linux-source-6.1 bc bison flex libelf-dev libssl-dev xz-utils
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
