# shellcheck shell=bash
# SPDX-License-Identifier: BSD-2-Clause
# debian_mirror: prints the Debian archive URL this machine's apt already uses (the first
# source whose URI ends in /debian and is not the security archive), from deb822 (.sources)
# or one-line (.list) files. Every root and header fetch of the project uses it, so nothing
# names a mirror: a machine that reaches only its own mirror works as it is.
# LINGERCAM_MIRROR overrides it.
debian_mirror() {
  if [ -n "${LINGERCAM_MIRROR:-}" ]; then
    echo "${LINGERCAM_MIRROR%/}"
    return 0
  fi
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    uri="$(awk 'BEGIN{IGNORECASE=1} /^URIs:/ { for (i = 2; i <= NF; i++) print $i }' "$f" \
      | grep -v -- '-security' | grep '/debian/\?$' | head -n1 || true)"
    [ -z "$uri" ] || { echo "${uri%/}"; return 0; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    uri="$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' "$f" \
      | grep -v -- '-security' | grep '/debian/\?$' | head -n1 || true)"
    [ -z "$uri" ] || { echo "${uri%/}"; return 0; }
  done
  return 1
}
