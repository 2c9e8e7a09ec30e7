# shellcheck shell=bash
# SPDX-License-Identifier: BSD-2-Clause
# Shared by the camera VM's host scripts (capture.sh, pipeline.sh, smoke.sh): their options,
# timing, building and booting the guest, and which libcamera an initramfs holds and what
# this folder's tests expect of it. Host side only: nothing in the guest sources it.
# Sourced first thing; the caller sets `here` (this folder). It sets the options every host
# script has to their defaults (a script's options may change them) and `log`, both under the
# script's name: capture.sh logs "capture: ..." and works in
# ${TMPDIR:-/tmp}/lingercam-camera-vm-capture.

host_name=$(basename "$0" .sh)
log() { echo "$host_name: $*" >&2; }
root=""
work="${TMPDIR:-/tmp}/lingercam-camera-vm-$host_name"
timeout_s=600
accel=auto

# usage_of SCRIPT: its header comment (from line 3, after the SPDX line, to `set -euo`), for --help.
usage_of() { sed -n '3,/^set -euo/p' "$1" | sed '$d; s/^# \{0,1\}//'; }
# need_value OPTION COUNT: an option given without its value is a usage error.
need_value() { [ "$2" -ge 2 ] || { log "error: $1 needs a value (see --help)"; exit 2; }; }

# host_options --NAME=VARIABLE... -- ARGS...: the script's command line. Each `--NAME VALUE`
# in ARGS sets VARIABLE to VALUE; -h/--help prints the script's header comment (usage_of);
# anything else, or an option without its value, is a usage error (exit 2).
host_options() {
  local -A var_of=()
  while [ "$1" != -- ]; do var_of[${1%%=*}]=${1#*=}; shift; done
  shift
  while [ $# -gt 0 ]; do
    case "$1" in -h|--help) usage_of "$0"; exit 0 ;; esac
    if [ -z "$1" ] || [ -z "${var_of[$1]+set}" ]; then
      log "error: unknown argument '$1' (see --help)"; exit 2
    fi
    need_value "$1" $#
    printf -v "${var_of[$1]}" '%s' "$2"
    shift 2
  done
}

# need_program OPTION PATH WHAT [HINT]: OPTION was given, and names an executable (WHAT,
# e.g. "capture binary"); else a usage error (exit 2), with HINT when there is one.
need_program() {
  [ -n "$2" ] || { log "error: $1 is required (see --help)"; exit 2; }
  [ -x "$2" ] || { log "error: $1: no $3 at '$2'${4:+ ($4)}"; exit 2; }
}

# fail MESSAGE: the test failed before its own checks (a build, the VM): says why, then the
# count line, and exits 1.
fail() { log "FAIL: $*"; echo "0 passed, 1 failed"; exit 1; }

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

# fresh_work: holds --root's Debian root in use (use_root) when one was given, and empties
# the scratch folder $work.
fresh_work() {
  if [ -n "$root" ]; then use_root "$root"; fi
  rm -rf "${work:?}"
  mkdir -p "$work"
}

# build_guest GUEST_SCRIPT [build-initramfs.sh option]...: the vimc kernel (built, or from
# the cache) and an initramfs that runs guest/GUEST_SCRIPT, with the guest's files from
# $root when set; sets kernel and initrd, and logs how long each took. A failed build fails
# the test.
build_guest() {
  local script=$1 t
  shift
  t=$(now)
  kernel="$("$here/build-kernel.sh")" || fail "kernel build failed"
  log "kernel: $kernel ($(since "$t") s)"
  t=$(now)
  initrd="$("$here/build-initramfs.sh" --script "$here/guest/$script" ${root:+--root "$root"} "$@" \
    --output "$work/initramfs.cpio.gz")" || fail "initramfs build failed"
  log "initramfs: $initrd ($(since "$t") s)"
}

# run_guest [run-vm.sh option]...: boots $kernel with $initrd under --timeout $timeout_s and
# --accel $accel, the guest's results in $work/out; logs its exit status and time. A guest
# that failed fails the test, with the end of its console log shown.
# shellcheck disable=SC2120 # its options are the caller's choice, not the script's arguments
run_guest() {
  local t rc=0
  t=$(now)
  "$here/run-vm.sh" --kernel "$kernel" --initrd "$initrd" --out "$work/out" \
    --timeout "$timeout_s" --accel "$accel" --quiet "$@" || rc=$?
  log "VM: exit $rc ($(since "$t") s), console log $work/out/vm/console.log," \
      "guest output $work/out/vm/test.log"
  if [ "$rc" != 0 ]; then
    tail -n 60 "$work/out/vm/console.log" >&2 || true
    fail "guest script failed (exit $rc)"
  fi
}
