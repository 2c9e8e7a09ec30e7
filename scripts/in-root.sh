#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Runs a command inside a Debian root made by scripts/debian-root.sh, as root, in a mount
# namespace of its own: /proc, /sys, /dev, a fresh /tmp and /run, and any --bind folders are
# mounted for the command only and vanish with it, whatever way it ends. The network is the
# host's (a test's sshd inside listens on the host's loopback).
#
# Usage: scripts/in-root.sh ROOT [--bind HOST_DIR:ROOT_DIR]... [--] COMMAND [ARG]...
set -euo pipefail

die() { echo "in-root: $*" >&2; exit 2; }
[ $# -ge 1 ] || die "usage: $0 ROOT [--bind HOST:ROOT]... [--] COMMAND..."
root=$(realpath "$1"); shift
[ -x "$root/usr/bin/env" ] || die "$root is not a Debian root (no usr/bin/env)"
binds=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bind) binds+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || die "no command"
[ "$(id -u)" -eq 0 ] || die "must run as root (chroot, mounts)"

# The namespace's script: mounts, then exec chroot. Arguments reach it as "$@".
inner='
set -e
root=$1; shift
nbind=$1; shift
mount --make-rprivate /
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
mount -t tmpfs -o mode=0755 tmpfs "$root/run"
mkdir -p "$root/run/sshd" "$root/run/lock"
i=0
while [ "$i" -lt "$nbind" ]; do
  spec=$1; shift; i=$((i + 1))
  src=${spec%%:*}; dst=${spec#*:}
  mkdir -p "$root$dst"
  mount --bind "$src" "$root$dst"
done
exec chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/root LANG=C.UTF-8 TERM=dumb ${CI:+CI=$CI} "$@"
'
exec unshare --mount --propagation private -- /bin/sh -c "$inner" in-root "$root" "${#binds[@]}" "${binds[@]}" "$@"
