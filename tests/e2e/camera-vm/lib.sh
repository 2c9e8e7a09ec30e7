# shellcheck shell=bash
# SPDX-License-Identifier: BSD-2-Clause
# Shared by the camera VM's host scripts (capture.sh, pipeline.sh): timing, and which
# libcamera an initramfs holds and what this folder's tests expect of it.
# Sourced; the caller sets `log` and `here` (this folder).

# usage_of SCRIPT: its header comment (from line 3, after the SPDX line, to `set -euo`), for --help.
usage_of() { sed -n '3,/^set -euo/p' "$1" | sed '$d; s/^# \{0,1\}//'; }
# need_value OPTION COUNT: an option given without its value is a usage error.
need_value() { [ "$2" -ge 2 ] || { log "error: $1 needs a value (see --help)"; exit 2; }; }

now() { echo $(( $(date +%s%N) / 1000000 )); }
since() { local ms=$(( $(now) - $1 )); echo "$((ms / 1000)).$((ms % 1000 / 100))"; }

# The libcamera versions these tests have run on vimc, oldest first (README.md here says
# what differed between them).
readonly kKnownLibcamera=(0.0 0.4 0.7)

# libcamera_of INITRAMFS: sets libcamera_version (the Debian package version in it, e.g.
# 0.7.1-1~bpo13+1) and libcamera_known (the known major.minor whose expectations apply:
# that version's own, or for a version these tests do not know, the newest known one below
# it, which is said).
libcamera_of() {
  local file="$1.libcamera-version" mm k
  libcamera_version=$(cat "$file" 2>/dev/null) || { log "error: no $file (build-initramfs.sh writes it)"; return 1; }
  mm=$(sed -n 's/^\([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' <<<"$libcamera_version")
  [ -n "$mm" ] || { log "error: cannot read a version from '$libcamera_version' ($file)"; return 1; }
  libcamera_known=""
  for k in "${kKnownLibcamera[@]}"; do
    if [ "$(printf '%s\n%s\n' "$k" "$mm" | sort -V | head -n1)" = "$k" ]; then libcamera_known=$k; fi
  done
  [ -n "$libcamera_known" ] || libcamera_known=${kKnownLibcamera[0]}
  if [ "$libcamera_known" = "$mm" ]; then
    log "libcamera $libcamera_version in the guest"
  else
    log "NOTE: libcamera $libcamera_version in the guest is a version these tests do not know" \
        "(known: ${kKnownLibcamera[*]}); expecting what $libcamera_known did. Where it fails, see" \
        "what this version does differently, and add it to kKnownLibcamera in $(basename "${BASH_SOURCE[0]}")"
  fi
}

# use_root PROFILE|DIR: sets root to that Debian root's folder (a profile of
# scripts/debian-root.sh is made, or taken from its cache), and holds it in use for the
# rest of the script so that no rebuild deletes it meanwhile. Exits 2 when there is no
# such root (a usage error).
use_root() {
  local given=$1
  if [ -d "$given" ]; then
    root=$(cd "$given" && pwd)
  else
    root=$("${here:?}/../../../scripts/debian-root.sh" "$given") ||
      { log "error: --root '$given': no such Debian root folder, and no root of that profile"; exit 2; }
  fi
  exec 7>"$root.inuse"
  flock -s 7
}
