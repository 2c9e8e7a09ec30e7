#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Compile-checks the sources that use libcamera (capture/libcamera_source.cpp,
# still_picker.cpp, camera_controls.cpp and their unit tests) against newer libcamera
# headers than Debian 12's 0.0.3: Debian trixie's libcamera-dev (0.4), trixie-backports'
# (0.7.1 when written) and sid's (0.7.2), the versions Raspberry Pi OS ships around. The packages come from
# the Debian archive this machine already uses (the mirror is read from its apt
# sources at run time), through a private apt state: nothing is installed, the
# system's package lists are not touched. Each package is unpacked with dpkg -x
# into ${XDG_CACHE_HOME:-~/.cache}/lingercam/libcamera-headers/<suite>/ and kept
# there: a later run needs no network.
#
# The compile command is the project's own for each file (from the build tree's
# compile_commands.json: same defines, warnings, -Werror), with the libcamera
# include folder swapped and -fsyntax-only added.
#
# Usage: libcamera-compat.sh --build-dir DIR [--suite SUITE[:MAJOR.MINOR]]... [--refresh]
#   --build-dir DIR  a configured build tree of this project (compile_commands.json)
#   --suite S[:V]    Debian suite to check against, and the libcamera major.minor it
#                    held when written; default: trixie:0.4 trixie-backports:0.7 sid:0.7.
#                    A suite that has moved on is checked all the same, and the check
#                    says which version it found instead (update the default then)
#   --refresh        fetch again even if the suite is cached (sid moves on)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
source_files=("$repo/capture/libcamera_source.cpp" "$repo/capture/still_picker.cpp"
              "$repo/capture/camera_controls.cpp" "$repo/tests/unit/capture/still_picker_test.cpp"
              "$repo/tests/unit/capture/camera_controls_test.cpp")
cache="${XDG_CACHE_HOME:-$HOME/.cache}/lingercam/libcamera-headers"
build_dir=""
suites=()
refresh=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --suite) suites+=("$2"); shift 2 ;;
    --refresh) refresh=1; shift ;;
    -h|--help) sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "libcamera-compat: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ ${#suites[@]} -gt 0 ] || suites=(trixie:0.4 trixie-backports:0.7 sid:0.7)

log() { echo "libcamera-compat: $*" >&2; }
die() { log "error: $*"; echo "0 passed, 1 failed"; exit 1; }

[ -n "$build_dir" ] || die "--build-dir is required"
[ -r "$build_dir/compile_commands.json" ] || die "no $build_dir/compile_commands.json (configure the build first)"
for tool in apt-get dpkg python3 flock; do
  command -v "$tool" >/dev/null || die "missing tool '$tool'"
done

# The project's compile command for each file, one argument per line and a blank line
# after each file, minus the output and -c, with -fsyntax-only; LIBCAMERA_INCLUDE marks
# the spot of the system's libcamera include folder.
base_cmds="$(python3 - "$build_dir/compile_commands.json" "${source_files[@]}" <<'EOF'
import json, shlex, sys
entries = {e["file"]: e for e in json.load(open(sys.argv[1]))}
for source in sys.argv[2:]:
    e = entries.get(source)
    if e is None:
        sys.exit("no compile command for " + source)
    args = e["arguments"] if "arguments" in e else shlex.split(e["command"])
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
            continue
        if a in ("-o", "-c"):
            skip = a == "-o"
            continue
        if a == e["file"]:
            continue
        out.append(a)
    # Swap the libcamera include folder: "-isystem DIR" or "-IDIR" ending in /libcamera.
    res, i = [], 0
    while i < len(out):
        a = out[i]
        if a in ("-isystem", "-I") and i + 1 < len(out) and out[i + 1].rstrip("/").endswith("include/libcamera"):
            res += ["-isystem", "LIBCAMERA_INCLUDE"]; i += 2; continue
        if a.startswith("-I") and a.rstrip("/").endswith("include/libcamera"):
            res += ["-isystem", "LIBCAMERA_INCLUDE"]; i += 1; continue
        res.append(a); i += 1
    if "LIBCAMERA_INCLUDE" not in res:
        sys.exit("no libcamera include folder in the compile command of " + source)
    print("\n".join(res + ["-fsyntax-only", e["file"]]))
    print()
EOF
)" || die "cannot read the compile commands from $build_dir/compile_commands.json (built with tests?)"

# The Debian archive this machine's apt uses (debian_mirror).
# shellcheck source=../../scripts/lib/debian-mirror.sh
. "$repo/scripts/lib/debian-mirror.sh"

# fetch SUITE DEST: libcamera-dev from SUITE, unpacked into DEST (atomically).
fetch() {
  local suite="$1" dest="$2" url work apt_opts deb
  url="$(debian_mirror)" || die "no Debian archive in this machine's apt sources (/etc/apt/sources.list*)"
  work="$(mktemp -d "$cache/.fetch-$suite.XXXXXX")"
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [ -r "$keyring" ] || die "missing $keyring (Debian package debian-archive-keyring)"
  echo "deb [signed-by=$keyring] $url $suite main" >"$work/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
            -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
            -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
            -o APT::Sandbox::User=root -o Acquire::Languages=none -q)
  log "fetching libcamera-dev from Debian $suite (private apt state in $work)"
  apt-get "${apt_opts[@]}" update >"$work/update.log" 2>&1 \
    || { cat "$work/update.log" >&2; die "apt-get update for $suite failed"; }
  (cd "$work/debs" && apt-get "${apt_opts[@]}" download libcamera-dev >"$work/download.log" 2>&1) \
    || { cat "$work/download.log" >&2; die "apt-get download libcamera-dev ($suite) failed"; }
  for deb in "$work"/debs/*.deb; do
    dpkg -x "$deb" "$work/root"
    dpkg-deb -f "$deb" Package Version | tr '\n' ' ' >>"$work/root/.packages"
    echo >>"$work/root/.packages"
  done
  rm -rf "$dest"
  mv "$work/root" "$dest"
  rm -rf "$work"
}

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

passed=0 failed=0
for spec in "${suites[@]}"; do
  suite="${spec%%:*}"
  want=""
  [ "$suite" = "$spec" ] || want="${spec#*:}"
  dest="$cache/$suite"
  if [ "$refresh" = 1 ] || [ ! -r "$dest/.packages" ]; then
    fetch "$suite" "$dest"
  fi
  version_h="$(find "$dest/usr/include" -path '*/libcamera/version.h' | head -n1)"
  [ -n "$version_h" ] || die "no libcamera/version.h in $dest ($(cat "$dest/.packages"))"
  include="$(dirname "$(dirname "$version_h")")"
  version="$(awk '/define LIBCAMERA_VERSION_(MAJOR|MINOR|PATCH)/ { v = v (v ? "." : "") $3 } END { print v }' "$version_h")"
  if [ -n "$want" ] && [ "${version%.*}" != "$want" ]; then
    log "NOTE $suite: holds libcamera $version now, not the $want.x these checks know" \
        "($(cat "$dest/.packages")); checking against $version"
  fi
  bad=0
  start=$(date +%s%N)
  while IFS= read -r -d $'\x1e' block; do
    mapfile -t cmd <<<"${block//LIBCAMERA_INCLUDE/$include}"
    [ "${#cmd[@]}" -gt 1 ] || continue
    file="${cmd[-1]#"$repo/"}"
    if ! out="$("${cmd[@]}" 2>&1)"; then
      printf '%s\n' "$out" >&2
      log "FAIL $suite: $file does not compile against libcamera $version (headers $include)"
      bad=1
    fi
  done < <(awk 'BEGIN { RS = ""; ORS = "\x1e" } { print }' <<<"$base_cmds")
  if [ "$bad" = 0 ]; then
    log "ok   $suite: ${#source_files[@]} files compile against libcamera $version" \
        "($(( ($(date +%s%N) - start) / 1000000 )) ms; headers $include)"
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
