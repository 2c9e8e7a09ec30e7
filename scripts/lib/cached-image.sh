# shellcheck shell=bash
# SPDX-License-Identifier: BSD-2-Clause
# Cached images (debootstrap roots under ~/.cache/lingercam) that several runs share. A user
# of an image holds a shared flock on "<image>.inuse" for as long as it uses it; the
# builder never deletes an image that someone holds. The caller defines log() and die().

# cached_image_unused DIR: true when nobody holds DIR.inuse.
cached_image_unused() { flock -n -x "$1.inuse" true 2>/dev/null; }

# cached_image_ready LOCK DIR MARK REBUILD IN_USE: the start of a build of image DIR. Takes the
# build lock LOCK on fd 9, held until the script ends (one builder at a time: a second waits,
# then finds the image ready); with REBUILD "yes" removes DIR first, unless someone holds it
# ("DIR is in use IN_USE", fatal). True when DIR is already built (holds MARK): the caller
# prints it and is done.
cached_image_ready() {
  local lock=$1 dir=$2 mark=$3 rebuild=$4 in_use=$5
  exec 9>"$lock"
  flock 9
  if [ "$rebuild" = yes ]; then
    cached_image_unused "$dir" || die "$dir is in use $in_use"
    rm -rf --one-file-system "$dir"
  fi
  [ -f "$dir/$mark" ]
}

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
