#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds the camera VM's kernel (x86_64 tinyconfig + kernel.config: vimc built in)
# from Debian's linux-source (6.1 on Debian 12, 6.12 on Debian 13: the newest installed)
# and caches it outside the clone, keyed by the
# fragment and the source package version. Prints the bzImage path on stdout;
# everything else goes to stderr. A cached kernel returns in well under a second.
#
# Environment:
#   XDG_CACHE_HOME        cache root is ${XDG_CACHE_HOME:-$HOME/.cache}/lingercam
#   LINGERCAM_KERNEL_SRC  source tarball (default: the newest /usr/src/linux-source-*.tar.xz)
#   LINGERCAM_JOBS        make -j (default: nproc)
# Usage: build-kernel.sh (no arguments; -h or --help prints this)
set -euo pipefail
case "${1:-}" in
  "") ;;
  -h|--help) sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  *) echo "build-kernel: takes no arguments (got '$1'; see --help)" >&2; exit 2 ;;
esac

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fragment="$here/kernel.config"
src_tar="${LINGERCAM_KERNEL_SRC:-$(ls -1 /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n1)}"
src_tar="${src_tar:-/usr/src/linux-source-6.1.tar.xz}"
src_pkg="$(basename "$src_tar" .tar.xz)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/lingercam"
jobs="${LINGERCAM_JOBS:-$(nproc)}"

log() { echo "build-kernel: $*" >&2; }
die() { log "error: $*"; exit 1; }

[ -r "$fragment" ] || die "missing config fragment $fragment"
[ -r "$src_tar" ] || die "missing kernel source $src_tar (install Debian package $src_pkg: scripts/install-deps.sh)"
for tool in make gcc bc bison flex tar xz sha256sum; do
  command -v "$tool" >/dev/null || die "missing tool '$tool' (run scripts/install-deps.sh)"
done
[ -e /usr/include/libelf.h ] || die "missing libelf headers (Debian package libelf-dev)"
[ -e /usr/include/openssl/ssl.h ] || die "missing OpenSSL headers (Debian package libssl-dev)"

src_version="$(dpkg-query -W -f='${Version}' "$src_pkg" 2>/dev/null || true)"
if [ -z "$src_version" ]; then
  # Not installed through dpkg (e.g. a tarball given by hand): key on its content.
  src_version="sha256:$(sha256sum <"$src_tar" | cut -d' ' -f1)"
fi
key="$({ cat "$fragment"; echo "$src_pkg=$src_version"; } | sha256sum | cut -c1-16)"
out_dir="$cache/kernel-$key"
image="$out_dir/bzImage"

if [ -s "$image" ]; then
  log "cached kernel $image ($src_pkg $src_version)"
  echo "$image"
  exit 0
fi

mkdir -p "$cache"
# One build at a time per cache: two CI jobs or a user and CI must not share a tree.
exec 9>"$cache/.build-kernel.lock"
flock 9
if [ -s "$image" ]; then  # built by whoever held the lock before us
  echo "$image"
  exit 0
fi

safe_version="${src_version//[^A-Za-z0-9.+-]/_}"
src_dir="$cache/src-$src_pkg-$safe_version"
build_dir="$cache/kbuild-$src_pkg-$safe_version"
start=$(date +%s)

if [ ! -e "$src_dir/.extracted" ]; then
  log "extracting $src_tar into $src_dir"
  rm -rf "$src_dir" "$src_dir.tmp"
  mkdir -p "$src_dir.tmp"
  tar -xf "$src_tar" -C "$src_dir.tmp" --strip-components=1
  touch "$src_dir.tmp/.extracted"
  mv "$src_dir.tmp" "$src_dir"
fi

# Out-of-tree build: the extracted source stays pristine, and a changed fragment
# rebuilds incrementally in the same build dir.
mkdir -p "$build_dir"
build_log="$build_dir/build.log"
kmake() { make -C "$src_dir" O="$build_dir" ARCH=x86_64 "$@"; }

log "configuring (tinyconfig + $fragment)"
kmake tinyconfig >"$build_log" 2>&1 || die "make tinyconfig failed, see $build_log"
KCONFIG_CONFIG="$build_dir/.config" "$src_dir/scripts/kconfig/merge_config.sh" \
  -m -O "$build_dir" "$build_dir/.config" "$fragment" >>"$build_log" 2>&1 \
  || die "merging $fragment failed, see $build_log"
kmake olddefconfig >>"$build_log" 2>&1 || die "make olddefconfig failed, see $build_log"

# olddefconfig silently drops what has unmet dependencies: insist on every
# option the fragment asks for.
missing=()
while IFS= read -r line; do
  grep -qxF "$line" "$build_dir/.config" || missing+=("$line")
done < <(grep -E '^CONFIG_[A-Za-z0-9_]+=' "$fragment")
if [ ${#missing[@]} -gt 0 ]; then
  die "options in kernel.config not in the final .config (unmet dependencies?): ${missing[*]}"
fi

log "building bzImage with -j$jobs (log: $build_log)"
kmake -j"$jobs" bzImage >>"$build_log" 2>&1 || { tail -n 30 "$build_log" >&2; die "kernel build failed, see $build_log"; }

tmp_out="$out_dir.tmp.$$"
rm -rf "$tmp_out"
mkdir -p "$tmp_out"
cp "$build_dir/arch/x86/boot/bzImage" "$tmp_out/bzImage"
cp "$build_dir/.config" "$tmp_out/config"
cp "$fragment" "$tmp_out/kernel.config"
echo "$src_pkg=$src_version" >"$tmp_out/source-version"
rm -rf "$out_dir"
mv "$tmp_out" "$out_dir"

log "built $image in $(( $(date +%s) - start )) s"
echo "$image"
