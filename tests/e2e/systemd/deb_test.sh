#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# End-to-end for the Debian packages (packaging/CMakeLists.txt): builds lingercam-common,
# lingercam-capture and lingercam-pull with scripts/package.sh, looks inside them, then on a
# fresh systemd machine of the lab (one machine, debpkg12 or debpkg13, so it never shares a
# name with the e2e lab's capturepi and pullpi) installs them with apt, offline, sets both
# daemons up as user pi with `lingercam-install --use-installed` over ssh, sees frames taken
# and pulled over SFTP (pull fetches from the same machine), then uninstalls and purges and
# checks that nothing of the packages is left. No unit may ever be enabled globally.
#
#   sudo tests/e2e/systemd/deb_test.sh --build-dir build                       # Debian 12
#   sudo tests/e2e/systemd/deb_test.sh --release trixie --root debian13 --build-dir build/debian13
#
# --release: the machine's Debian release, bookworm (default) or trixie; the packages must
# be built on (--build-dir) or in a root of (--root debian13, scripts/build-in-root.sh) that
# release, since they depend on its libraries. The build folder is packaged as it is.
#
# Ends with "deb: N passed, M failed"; exits non-zero if anything failed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
build_dir=""
root=""
release=bookworm
usage() { echo "usage: $0 [--release bookworm|trixie] [--root debian13] --build-dir DIR" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) [ $# -ge 2 ] || usage; build_dir=$2; shift ;;
    --root) [ $# -ge 2 ] || usage; root=$2; shift ;;
    --release) [ $# -ge 2 ] || usage; release=$2; shift ;;
    *) usage ;;
  esac
  shift
done
[ -n "$build_dir" ] || usage
case "$release" in
  bookworm) debian=12 ;;
  trixie) debian=13 ;;
  *) usage ;;
esac
export LAB_RELEASE=$release
machine=debpkg$debian

# shellcheck source=lab.sh
source "$here/lab.sh"
# shellcheck source=checks.sh
source "$here/checks.sh"
lab_machines "$machine=10.77.0.1"

readonly STORE=/home/pi/.local/share/lingercam/store
readonly MIRROR=/home/pi/.local/share/lingercam/mirror/self
readonly UNITS=/usr/lib/systemd/user
readonly PKGS=(lingercam-common lingercam-capture lingercam-pull)

# Links that enable a lingercam unit for every user (systemctl --global enable, a preset):
# there must never be one, since two capture instances would fight over the camera.
global_links() { # -> the links, one a line
  lab_exec "$machine" sh -c 'find /etc/systemd/user /usr/lib/systemd/user /usr/local/lib/systemd/user \
    \( -path "*.wants/*" -o -path "*.requires/*" \) 2>/dev/null | grep -E "/(capture|pull)\.service$|lingercam" || true'
}
no_global_links() { # WHEN
  local links
  links=$(global_links)
  check "no lingercam unit enabled globally $1" test -z "$links"
  [ -z "$links" ] || evidence <<<"$links"
}
has_frames() { [ "$(frames_in "$machine" "$1")" -ge "$2" ]; } # DIR N: at least N frames in DIR
user_links() { # -> pi's links to the units (~/.config/systemd/user/*.wants/)
  lab_exec "$machine" sh -c 'ls -l /home/pi/.config/systemd/user/*.wants/capture.service \
    /home/pi/.config/systemd/user/*.wants/pull.service 2>/dev/null || true'
}

t_all=$(now)
work=$(mktemp -d /tmp/lingercam-deb-test.XXXXXX)
trap 'rm -rf "$work"' EXIT

# ------------------------------------------------------------------ build and look inside
t=$(now)
root_args=()
[ -z "$root" ] || root_args=(--root "$root")
if ! "$repo/scripts/package.sh" "${root_args[@]}" --build-dir "$build_dir" --no-build --out "$work/debs" \
  >"$work/debs.list"; then
  bad "scripts/package.sh ${root_args[*]} built the packages"
  checks_summary deb || exit 1
fi
timed "build the packages (cpack${root:+ in the $root root})" "$t"
echo "deb: machine $machine runs Debian $debian ($release)"
deb() { local f; for f in "$work/debs/$1"_*.deb; do [ -f "$f" ] && echo "$f"; return; done; }
built=yes
for p in "${PKGS[@]}"; do
  if [ -n "$(deb "$p")" ]; then ok "package $p built: $(basename "$(deb "$p")")"; else bad "package $p built"; built=no; fi
done
[ "$built" = yes ] || { checks_summary deb || exit 1; }
field() { dpkg-deb -f "$(deb "$1")" "$2"; }
files() { dpkg-deb -c "$(deb "$1")" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./|/|'; } # no folders
version=$(field lingercam-capture Version)
check "version $version names Debian $debian's build (+deb$debian)" grep -q "+deb$debian\$" <<<"$version"
for p in lingercam-common lingercam-pull; do
  check "$p has the same version" test "$(field $p Version)" = "$version"
done
check "lingercam-common is Architecture: all" test "$(field lingercam-common Architecture)" = all
for c in capture pull; do
  p=lingercam-$c
  f=$(files "$p")
  for want in /usr/bin/$p $UNITS/$c.service /usr/share/lingercam/$c.toml /usr/share/doc/$p/copyright \
    /usr/share/doc/$p/README.md; do
    check "$p holds $want" grep -qx "$want" <<<"$f"
  done
  deps=$(field "$p" Depends)
  check "$p depends on lingercam-common (= $version)" grep -qF "lingercam-common (= $version)" <<<"$deps"
  check "$p depends on libsdbus-c++ (found by dpkg-shlibdeps)" grep -q 'libsdbus-c++' <<<"$deps"
  evidence 1 <<<"Depends: $deps"
  unit=$(dpkg-deb --fsys-tarfile "$(deb "$p")" | tar -xOf - ".$UNITS/$c.service")
  check "$p's unit runs /usr/bin/$p" grep -qx "ExecStart=/usr/bin/$p run" <<<"$unit"
done
check "lingercam-capture depends on libcamera" grep -q 'libcamera0' <<<"$(field lingercam-capture Depends)"
check "lingercam-pull depends on libssh" grep -q 'libssh-4' <<<"$(field lingercam-pull Depends)"
check "lingercam-common holds /usr/bin/lingercam-install" grep -qx /usr/bin/lingercam-install <<<"$(files lingercam-common)"
shared=$(for p in "${PKGS[@]}"; do files "$p"; done | sort | uniq -d)
check "no file is in two packages" test -z "$shared"
[ -z "$shared" ] || evidence <<<"$shared"
scripts=$(for p in "${PKGS[@]}"; do dpkg-deb --ctrl-tarfile "$(deb "$p")" | tar -tf - |
  grep -E 'preinst|postinst|prerm|postrm' | sed "s|^|$p: |"; done || true)
check "no maintainer scripts (nothing enables a unit at install)" test -z "$scripts"
[ -z "$scripts" ] || evidence <<<"$scripts"
presets=$(for p in "${PKGS[@]}"; do files "$p"; done | grep -E 'systemd/user-preset|systemd/system-preset' || true)
check "no preset file" test -z "$presets"

# ------------------------------------------------------------------ a fresh machine
test_capture_toml "$work/capture.toml" "deb test"
cat >"$work/pull.toml" <<EOF
# lingercam deb test: pull from this very machine every 5 s, all day
interval = "5s"
active_hours = "always"
connect_timeout = "5s"
io_timeout = "10s"

[[source]]
name = "self"
host = "$machine"
user = "pi"
EOF

t=$(now)
lab_up
trap 'lab_teardown; rm -rf "$work"' EXIT
timed "lab up (rootfs, $machine to multi-user)" "$t"

lab_copy_in "$machine" "$work/debs" /var/tmp/lingercam-debs root
lab_exec "$machine" chmod -R a+rX /var/tmp/lingercam-debs # apt's _apt user reads them
lab_copy_in "$machine" "$work/capture.toml" /home/pi/.config/lingercam/capture.toml pi
lab_copy_in "$machine" "$work/pull.toml" /home/pi/.config/lingercam/pull.toml pi

# ------------------------------------------------------------------ apt install, offline
echo "--- apt install ./lingercam-*.deb (no network: the image has the libraries)"
t=$(now)
if out=$(lab_exec "$machine" env DEBIAN_FRONTEND=noninteractive sh -c \
  'cd /var/tmp/lingercam-debs && apt-get install -y ./lingercam-common_*.deb ./lingercam-capture_*.deb ./lingercam-pull_*.deb' 2>&1); then
  ok "apt-get install ./lingercam-{common,capture,pull}_*.deb, exit 0"
else
  bad "apt-get install ./lingercam-{common,capture,pull}_*.deb, exit 0"
fi
evidence 6 <<<"$out"
timed "apt-get install (3 packages)" "$t"
for p in "${PKGS[@]}"; do
  check "dpkg: $p is installed" \
    test "$(lab_exec "$machine" dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed"
  lab_exec "$machine" dpkg -L "$p" >"$work/$p.files" 2>/dev/null || true
done
no_global_links "after apt install"
check "systemctl --global is-enabled capture.service: disabled" \
  test "$(lab_exec "$machine" systemctl --global is-enabled capture.service 2>/dev/null)" = disabled
check "systemctl --global is-enabled pull.service: disabled" \
  test "$(lab_exec "$machine" systemctl --global is-enabled pull.service 2>/dev/null)" = disabled
for p in lingercam-capture lingercam-pull; do
  if out=$(lab_exec "$machine" "$p" --version 2>&1); then
    ok "$p --version runs (its libraries are there): $out"
  else
    bad "$p --version runs (its libraries are there)"
    evidence 4 <<<"$out"
  fi
done

# The man pages come with their daemon (lingercam-install's with lingercam-common).
for pkg_page in capture:man1/lingercam-capture.1 capture:man5/lingercam-capture.toml.5 \
                pull:man1/lingercam-pull.1 pull:man5/lingercam-pull.toml.5 common:man1/lingercam-install.1; do
  pkg=${pkg_page%%:*} page=${pkg_page#*:}
  man=$(grep -E "/$page(\.gz)?\$" "$work/lingercam-$pkg.files" || true)
  if [ -n "$man" ]; then
    check "lingercam-$pkg has the man page $man" lab_exec "$machine" sh -c "zcat -f '$man' | grep -q '^\.TH'"
  else
    bad "lingercam-$pkg has no man page $page"
  fi
done

# lingercam-install NAME --use-installed as pi over ssh, as a person would: exit 0, the
# first LINES of what it said, its time.
install_as_pi() { # NAME LINES
  local t out
  t=$(now)
  if out=$(lab_ssh "$machine" "lingercam-install $1 --use-installed" 2>&1); then
    ok "lingercam-install $1 --use-installed, exit 0"
  else
    bad "lingercam-install $1 --use-installed, exit 0"
  fi
  evidence "$2" <<<"$out"
  timed "lingercam-install $1" "$t"
}

# ------------------------------------------------------------------ capture, as pi
echo "--- lingercam-install capture --use-installed, as pi over ssh"
install_as_pi capture 12
check "... Linger=yes for pi" test "$(lab_exec "$machine" loginctl show-user pi -p Linger --value)" = yes
check "capture.service is active" test "$(unit_prop "$machine" capture ActiveState)" = active
check "capture.service is enabled for pi" test "$(unit_prop "$machine" capture UnitFileState)" = enabled
check "systemd reads the packaged unit, $UNITS/capture.service" \
  test "$(unit_prop "$machine" capture FragmentPath)" = "$UNITS/capture.service"
check "... and there is no per-user copy to hide it" \
  lab_exec "$machine" test ! -e /home/pi/.config/systemd/user/capture.service
check "pi's default.target.wants links the packaged unit" \
  test "$(lab_exec "$machine" readlink /home/pi/.config/systemd/user/default.target.wants/capture.service)" = \
  "$UNITS/capture.service"
verify=$(lab_ssh "$machine" "systemd-analyze --user verify --man=no $UNITS/capture.service $UNITS/pull.service 2>&1; echo rc=\$?")
check "systemd-analyze --user verify of both packaged units is clean" test "$verify" = "rc=0"
evidence 4 <<<"$verify"
t=$(now)
check_wait 30 "2 frames appear in pi's store" has_frames "$STORE" 2
timed "first 2 frames" "$t"
no_global_links "after lingercam-install capture"

# ------------------------------------------------------------------ pull, as pi
echo "--- lingercam-install pull --use-installed, as pi over ssh (it pulls from this machine)"
check "lingercam-pull check-config passes" lab_ssh "$machine" 'lingercam-pull check-config >/dev/null'
install_as_pi pull 8
check "pull.service is active" test "$(unit_prop "$machine" pull ActiveState)" = active
check "pull.service is enabled for pi" test "$(unit_prop "$machine" pull UnitFileState)" = enabled
check "systemd reads the packaged unit, $UNITS/pull.service" \
  test "$(unit_prop "$machine" pull FragmentPath)" = "$UNITS/pull.service"
t=$(now)
check_wait 60 "pull mirrors frames over SFTP" has_frames "$MIRROR" 1
timed "first pulled frame" "$t"
no_global_links "after lingercam-install pull"

# ------------------------------------------------------------------ uninstall, purge
echo "--- lingercam-install --uninstall, then apt-get purge"
t=$(now)
check "lingercam-install --uninstall capture, exit 0" lab_ssh "$machine" 'lingercam-install --uninstall capture >/dev/null'
check "... capture.service is no longer active" \
  test "$(unit_prop "$machine" capture ActiveState)" != active
check "lingercam-install --uninstall --disable-linger pull, exit 0" \
  lab_ssh "$machine" 'lingercam-install --uninstall --disable-linger pull >/dev/null'
links=$(user_links)
check "pi has no link to either unit left" test -z "$links"
[ -z "$links" ] || evidence <<<"$links"
check "... and no unit of its own" \
  lab_exec "$machine" sh -c 'test ! -e /home/pi/.config/systemd/user/capture.service -a ! -e /home/pi/.config/systemd/user/pull.service'
no_global_links "after lingercam-install --uninstall"
timed "uninstall both" "$t"

t=$(now)
if out=$(lab_exec "$machine" env DEBIAN_FRONTEND=noninteractive apt-get purge -y "${PKGS[@]}" 2>&1); then
  ok "apt-get purge ${PKGS[*]}, exit 0"
else
  bad "apt-get purge ${PKGS[*]}, exit 0"
fi
evidence 4 <<<"$out"
timed "apt-get purge" "$t"
none_known() { [ -z "$(lab_exec "$machine" dpkg-query -W 'lingercam-*' 2>/dev/null || true)" ]; }
check "dpkg knows none of the packages any more (purged)" none_known
left=$(cat "$work"/lingercam-*.files | sort -u | lab_exec "$machine" sh -c '
  while read -r f; do [ -e "$f" ] && [ ! -d "$f" ] && echo "$f"; done
  for d in /usr/share/lingercam /usr/share/doc/lingercam-common /usr/share/doc/lingercam-capture \
    /usr/share/doc/lingercam-pull; do [ -e "$d" ] && echo "$d"; done; true')
check "no file or folder of the packages is left ($(cat "$work"/lingercam-*.files | wc -l) were installed)" test -z "$left"
[ -z "$left" ] || evidence <<<"$left"
no_daemon() { ! lab_exec "$machine" pgrep -u 1000 -f /usr/bin/lingercam- >/dev/null; }
check "no lingercam process left" no_daemon
no_global_links "after apt-get purge"
linger_off() { [ "$(lab_exec "$machine" loginctl show-user pi -p Linger --value 2>/dev/null || echo no)" = no ]; }
check "logind: Linger=no again (--disable-linger)" waits 10 linger_off

timed "whole deb run" "$t_all"
checks_summary deb
