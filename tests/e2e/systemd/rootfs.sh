#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds (once) the root filesystem of one Debian release that the e2e lab boots with
# systemd-nspawn, and prints its path on stdout. The image is cached, keyed by the release,
# the package list and ROOTFS_VERSION, so every run after the first takes well under a second.
#
#   tests/e2e/systemd/rootfs.sh [--release R]            build if needed, print the path
#   tests/e2e/systemd/rootfs.sh [--release R] --rebuild  throw the cached image away first
#
# R: bookworm (Debian 12, systemd 252; the default) or trixie (Debian 13, systemd 257, what
# Raspberry Pi OS is built on now). Only the runtime library names differ between them.
#
# Environment: XDG_CACHE_HOME (cache root), LINGERCAM_MIRROR (apt mirror URL; default:
# the Debian archive this machine's own apt sources use, scripts/lib/debian-mirror.sh).
#
# What the image is, and what it deliberately is not:
# - minbase + systemd as init, logind (libpam-systemd), D-Bus (system and user bus),
#   polkit (so pi may `loginctl enable-linger` itself, as on a real Pi), sshd, sudo, and
#   the runtime libraries lingercam links;
# - user pi (uid 1000, group video, passwordless sudo as on Raspberry Pi OS), no password;
# - persistent journal: only then does journald split out user-1000.journal with a read
#   ACL for pi, so `journalctl --user` works for pi (see README.md);
# - NOT per machine: no ssh host keys, no machine-id, no hostname, no ssh user keys.
#   lab.sh puts those into each machine's copy;
# - NO lingering for anyone: enabling it is the installer's job, and the test's point.
set -euo pipefail
# shellcheck source=../../../scripts/lib/debian-mirror.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../../../scripts/lib/debian-mirror.sh"
# shellcheck source=../../../scripts/lib/cached-image.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../../../scripts/lib/cached-image.sh"

# Bump when anything below changes the image other than the package list.
readonly ROOTFS_VERSION=1

die() { echo "rootfs.sh: $*" >&2; exit 1; }
log() { echo "rootfs.sh: $*" >&2; }

SUITE=bookworm
rebuild=no
while [ $# -gt 0 ]; do
  case "$1" in
    --release) SUITE=$2; shift 2 ;;
    --rebuild) rebuild=yes; shift ;;
    *) die "usage: $0 [--release bookworm|trixie] [--rebuild]" ;;
  esac
done

# What lingercam-capture / lingercam-pull link at run time, by release.
case "$SUITE" in
  bookworm) runtime=(libcamera0.0.3 libcamera-ipa libssh-4 libsdbus-c++1 libspdlog1.10 libfmt9
                     libturbojpeg0 libsystemd0 libtomlplusplus3 libstdc++6) ;;
  trixie) runtime=(libcamera0.4 libcamera-ipa libssh-4 libsdbus-c++2 libspdlog1.15 libfmt10
                   libturbojpeg0 libsystemd0 libtomlplusplus3t64 libstdc++6) ;;
  *) die "unknown release '$SUITE' (bookworm, trixie)" ;;
esac
readonly SUITE
readonly PACKAGES=(
  # init, sessions, buses
  systemd systemd-sysv dbus dbus-user-session libpam-systemd polkitd
  # logins and tools the tests use inside
  openssh-server openssh-client openssh-sftp-server sudo iproute2 procps
  "${runtime[@]}"
)

[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap, chroot)"
command -v debootstrap >/dev/null || die "debootstrap missing: run scripts/install-deps.sh"

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/lingercam"
key=$(printf '%s\n' "version=$ROOTFS_VERSION" "suite=$SUITE" "${PACKAGES[@]}" | sha256sum | cut -c1-16)
target="$cache_root/rootfs-$SUITE-$key"
mkdir -p "$cache_root"

# One builder at a time. A running lab holds a shared lock on "<image>.inuse" (its overlays
# sit on the image).
if cached_image_ready "$cache_root/rootfs.lock" "$target" .lingercam-rootfs-complete "$rebuild" \
  "by a running lab"; then
  echo "$target"
  exit 0
fi

mirror=$(debian_mirror) || die "no Debian archive in this machine's apt sources; set LINGERCAM_MIRROR"

work="$target.tmp.$$"
cleanup() { rm -rf --one-file-system "$work"; }
trap cleanup EXIT

log "building $target from $mirror (about a minute)"
include=$(IFS=,; echo "${PACKAGES[*]}")
debootstrap --variant=minbase --components=main --include="$include" \
  "$SUITE" "$work" "$mirror" >"$target.debootstrap.log" 2>&1 ||
  die "debootstrap failed; see $target.debootstrap.log"

in_root() { chroot "$work" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C "$@"; }

# apt inside the machines talks to the same mirror (only used when a test installs more).
echo "deb $mirror $SUITE main" >"$work/etc/apt/sources.list"

# pi: uid 1000 as on Raspberry Pi OS. '*' (not '!') so sshd's PAM path lets keys in.
in_root useradd --create-home --uid 1000 --user-group --groups video --shell /bin/bash pi
in_root usermod --password '*' pi
echo 'pi ALL=(ALL) NOPASSWD:ALL' >"$work/etc/sudoers.d/010_pi-nopasswd"
chmod 0440 "$work/etc/sudoers.d/010_pi-nopasswd"
install -d -m 0700 -o 1000 -g 1000 "$work/home/pi/.ssh"
install -d -m 0700 "$work/root/.ssh"

# Persistent journal: journald then writes user-UID.journal files that the user can read.
install -d "$work/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=persistent\n' >"$work/etc/systemd/journald.conf.d/lingercam-e2e.conf"
# (systemd-tmpfiles fixes its group and ACLs at every boot.)
in_root install -d -m 2755 -g systemd-journal /var/log/journal

# sshd: keys only, and nothing that waits on DNS inside an offline lab.
cat >"$work/etc/ssh/sshd_config.d/lingercam-e2e.conf" <<'EOF'
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UseDNS no
EOF
in_root systemctl enable ssh.service >/dev/null 2>&1 || die "cannot enable ssh.service"

# Per machine, written by lab.sh into each copy.
rm -f "$work"/etc/ssh/ssh_host_*
: >"$work/etc/machine-id"
rm -f "$work/var/lib/dbus/machine-id" "$work/etc/hostname"
# Nobody lingers in the image; the installer under test turns it on.
rm -rf "$work/var/lib/systemd/linger"

# Units that only make sense on real hardware and fail or wait in a container.
for u in systemd-networkd-wait-online.service e2scrub_reap.service; do
  in_root systemctl mask "$u" >/dev/null 2>&1 || true
done

in_root apt-get clean
rm -rf "$work"/var/lib/apt/lists/*_Packages "$work"/var/log/*.log

touch "$work/.lingercam-rootfs-complete"
mv "$work" "$target"
trap - EXIT

# Images of this release's other package lists or versions are dead weight (200 MB each)
# once unused, and so are those named before there were releases (rootfs-<16 hex>);
# half-built ones are debris of a killed build. Other releases' images stay: the suite
# runs on both.
old_images=("$cache_root/rootfs-$SUITE-"*)
for old in "$cache_root"/rootfs-*; do
  [[ "${old##*/}" =~ ^rootfs-[0-9a-f]{16}(\.tmp\..*)?$ ]] && old_images+=("$old")
done
cached_image_prune "$target" "${old_images[@]}"
log "done: $(du -sh --one-file-system "$target" | cut -f1)"
echo "$target"
