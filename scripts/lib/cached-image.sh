# shellcheck shell=bash
# SPDX-License-Identifier: BSD-2-Clause
# Cached images (debootstrap roots under ~/.cache/lingercam) that several runs share. A user
# of an image holds a shared flock on "<image>.inuse" for as long as it uses it; the
# builder never deletes an image that someone holds. The caller defines log().

# cached_image_unused DIR: true when nobody holds DIR.inuse.
cached_image_unused() { flock -n -x "$1.inuse" true 2>/dev/null; }

# cached_image_prune KEEP DIR...: removes each DIR but KEEP that is half-built (*.tmp.*,
# debris of a killed build: the caller holds the build lock) or unused, with its side files.
# A removal that fails (a mount left inside by a killed run) is said, never fatal.
cached_image_prune() {
  local keep=$1 old
  shift
  for old in "$@"; do
    [ -d "$old" ] && [ "$old" != "$keep" ] || continue
    if [[ "$old" == *.tmp.* ]] || cached_image_unused "$old"; then
      log "removing old image $old"
      rm -rf --one-file-system "$old" "$old.inuse" "$old.debootstrap.log" ||
        log "could not remove all of $old (a mount inside?)"
    fi
  done
}
