#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# lingercam-install: sets lingercam's daemons up as systemd *user* services that survive
# logout and start at boot with nobody logged in. Run it as the user who owns them.
#
#   lingercam-install [options] capture|pull|both
#   lingercam-install --uninstall [--disable-linger] capture|pull|both
#
# Per daemon: installs the binary (into ~/.local/bin, or --prefix DIR, or --use-installed),
# puts the unit in place (the packaged /usr/lib/systemd/user/<name>.service when it runs that
# very binary, else ~/.config/systemd/user/<name>.service with the right ExecStart), writes a
# commented default config if there is none (never overwrites one), daemon-reload, enable; then
# lingering (loginctl enable-linger, through sudo only if polkit refuses), starts the units,
# and checks Linger=yes and each unit active. Run again, it changes only what differs. Exit status 0
# when everything is in place, 1 when something failed, 2 for bad usage.
set -euo pipefail

readonly PROG=lingercam-install
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"

usage() {
  cat <<EOF
Usage: $PROG [options] capture|pull|both
  or:  $PROG --uninstall [--disable-linger] capture|pull|both

Sets lingercam-capture (camera host) and/or lingercam-pull (viewing host) up as systemd
user services with lingering, so they run with nobody logged in and start at boot.
Run it as the user who will own the services (not root).

options:
  --prefix DIR       install the binaries into DIR/bin (default: ~/.local)
  --use-installed    copy no binaries: use those already in PREFIX/bin, or on PATH
                     (with the Debian packages: /usr/bin, and their units)
  --from DIR         take the binaries from DIR (DIR, DIR/bin or a build tree's
                     DIR/capture, DIR/pull; default: next to this script)
  --uninstall        stop, disable and remove the units and the binaries this installer
                     put in place; configs and frames are kept
  --disable-linger   with --uninstall: also turn lingering off (it may serve others)
  -n, --dry-run      say what would be done, change nothing
  -h, --help         this text

Which unit: the Debian packages (and sudo cmake --install) put capture.service and
pull.service in /usr/lib/systemd/user (or /usr/local/lib/systemd/user), enabled for
nobody. When that unit runs the binary chosen here (--use-installed with the packages),
it is the one used, enabled for you only (a link in ~/.config/systemd/user/*.wants/),
and a copy of it in ~/.config/systemd/user is removed. Otherwise this writes
~/.config/systemd/user/NAME.service, which systemd reads instead of a packaged unit of
the same name, for you only. Either way systemctl --user sees one unit of each name.
EOF
}

say() { echo "$PROG: $*"; }
warn() { echo "$PROG: warning: $*" >&2; }
die() { echo "$PROG: error: $*" >&2; exit 1; }
usage_error() { echo "$PROG: $*" >&2; echo "try: $PROG --help" >&2; exit 2; }

prefix=""
use_installed=no
from=""
uninstall=no
disable_linger=no
dry_run=no
components=()

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || usage_error "--prefix needs a folder"; prefix=$2; shift ;;
    --prefix=*) prefix=${1#*=} ;;
    --from) [ $# -ge 2 ] || usage_error "--from needs a folder"; from=$2; shift ;;
    --from=*) from=${1#*=} ;;
    --use-installed) use_installed=yes ;;
    --uninstall) uninstall=yes ;;
    --disable-linger) disable_linger=yes ;;
    -n|--dry-run) dry_run=yes ;;
    -h|--help) usage; exit 0 ;;
    capture|pull) components+=("$1") ;;
    both|all) components+=(capture pull) ;;
    -*) usage_error "unknown option '$1'" ;;
    *) usage_error "unknown daemon '$1' (expected capture, pull or both)" ;;
  esac
  shift
done

[ ${#components[@]} -gt 0 ] || usage_error "say which daemon: capture, pull or both"
# Each once, in a fixed order.
mapfile -t components < <(printf '%s\n' "${components[@]}" | sort -u)
if [ "$disable_linger" = yes ] && [ "$uninstall" = no ]; then
  usage_error "--disable-linger goes with --uninstall"
fi
if [ "$use_installed" = yes ] && [ -n "$from" ]; then
  usage_error "--use-installed and --from exclude each other"
fi

[ -n "${HOME:-}" ] || die "HOME is not set"
user=$(id -un)
if [ "$(id -u)" -eq 0 ] && [ -z "${LINGERCAM_INSTALL_ALLOW_ROOT:-}" ]; then
  die "run this as the user who will own the services, not as root (they are user services of that user)"
fi
[ -n "$prefix" ] || prefix="$HOME/.local"
case "$prefix" in /*) ;; *) prefix="$(pwd)/$prefix" ;; esac
bindir="$prefix/bin"
config_home=${XDG_CONFIG_HOME:-$HOME/.config}
data_home=${XDG_DATA_HOME:-$HOME/.local/share}
unit_dir="$config_home/systemd/user"
config_dir="$config_home/lingercam"
manifest="$data_home/lingercam/installed-files"

# Every change goes through here, so --dry-run shows exactly what a real run does.
run() {
  if [ "$dry_run" = yes ]; then
    echo "would run: $*"
  else
    "$@"
  fi
}

# ------------------------------------------------------------------ where things come from
# The unit and config templates: beside this script in the source tree (systemd/); once
# installed (cmake --install, the .deb), configs in PREFIX/share/lingercam/ and units in
# PREFIX/lib/systemd/user/ (bin/lingercam-install -> ../share/lingercam, ../lib/systemd/user).
# A copy of the installer in PREFIX/bin keeps its templates in PREFIX/share/lingercam/.
find_template() { # FILE -> path, or nothing
  local d
  for d in "${LINGERCAM_SHARE_DIR:-}" "$here" "$here/../share/lingercam" "$here/../lib/systemd/user" \
    "$prefix/share/lingercam"; do
    [ -n "$d" ] && [ -f "$d/$1" ] && { echo "$d/$1"; return 0; }
  done
  return 1
}

template() { # FILE -> path
  find_template "$1" ||
    die "cannot find $1 (looked beside $here, in ../share/lingercam and ../lib/systemd/user)"
}

# The unit of this name that the user manager reads when ~/.config/systemd/user has none:
# the first in its search path (/etc/systemd/user, ..., /usr/local/lib/systemd/user,
# /usr/lib/systemd/user), leaving out the per-user and runtime folders.
system_unit() { # UNIT -> path, or nothing
  local d dirs
  dirs=$(systemd-analyze --user unit-paths 2>/dev/null) ||
    dirs=$(printf '%s\n' /etc/systemd/user /usr/local/lib/systemd/user /usr/lib/systemd/user)
  while read -r d; do
    case "$d" in
      "" | "$config_home"/systemd/* | /run/user/* | "${XDG_RUNTIME_DIR:-/run/user}"/*) continue ;;
    esac
    [ -f "$d/$1" ] && { echo "$d/$1"; return 0; }
  done <<<"$dirs"
  return 1
}

exec_start() { # UNIT_FILE -> its ExecStart= value
  sed -n 's/^ExecStart=//p' "$1" | tail -n 1
}

source_binary() { # NAME -> the binary to install
  local name=$1 d
  local dirs=()
  if [ -n "$from" ]; then
    dirs=("$from" "$from/bin" "$from/${name#lingercam-}")
  else
    dirs=("$here" "$here/../bin")
  fi
  for d in "${dirs[@]}"; do
    [ -x "$d/$name" ] && [ -f "$d/$name" ] && { readlink -f "$d/$name"; return 0; }
  done
  die "no $name in ${dirs[*]}: build it first (scripts/build.sh) and pass --from BUILD_DIR, or --use-installed"
}

installed_binary() { # NAME -> path of an already installed binary (--use-installed)
  local name=$1 p
  if [ -x "$bindir/$name" ]; then echo "$bindir/$name"; return 0; fi
  if p=$(command -v "$name"); then readlink -f "$p"; return 0; fi
  die "--use-installed: no $name in $bindir or on PATH"
}

# ------------------------------------------------------------------ small helpers
# Writes stdin to DEST only if it differs; atomically (temp file + rename). Returns 0 when
# it changed something, 1 when DEST was already so.
put_file() { # DEST MODE
  local dest=$1 mode=$2 tmp
  tmp=$(mktemp "${TMPDIR:-/tmp}/$PROG.XXXXXX")
  cat >"$tmp"
  if [ -f "$dest" ] && cmp -s "$tmp" "$dest"; then
    rm -f "$tmp"
    return 1
  fi
  if [ "$dry_run" = yes ]; then
    echo "would write: $dest"
    rm -f "$tmp"
    return 0
  fi
  mkdir -p "$(dirname "$dest")"
  chmod "$mode" "$tmp"
  mv -f "$tmp" "$dest.new.$$" 2>/dev/null || { cp "$tmp" "$dest.new.$$"; rm -f "$tmp"; }
  mv -f "$dest.new.$$" "$dest"
  return 0
}

remember() { # FILE: the installer put it there, so --uninstall may remove it
  [ "$dry_run" = yes ] && return 0
  mkdir -p "$(dirname "$manifest")"
  touch "$manifest"
  grep -qxF "$1" "$manifest" || echo "$1" >>"$manifest"
}

forget() { # FILE
  [ -f "$manifest" ] || return 0
  [ "$dry_run" = yes ] && return 0
  grep -vxF "$1" "$manifest" >"$manifest.tmp" || true
  mv -f "$manifest.tmp" "$manifest"
}

was_installed_by_us() { [ -f "$manifest" ] && grep -qxF "$1" "$manifest"; }

userctl() { systemctl --user "$@"; }

check_user_manager() {
  if ! userctl show-environment >/dev/null 2>&1; then
    die "cannot reach your systemd user manager (systemctl --user): log in as $user over ssh or at the
  console (not with su or sudo), or set XDG_RUNTIME_DIR=/run/user/$(id -u) if $user already has one running"
  fi
}

linger_state() { # -> yes | no (logind forgets a user with no session and no lingering)
  local v
  v=$(loginctl show-user "$user" -p Linger --value 2>/dev/null) || v=no
  [ "$v" = yes ] && echo yes || echo no
}

# loginctl first: polkit lets a user set its own lingering on Debian and Raspberry Pi OS.
# Where polkit refuses (no polkitd, a stricter policy), only root can, so sudo, saying why.
set_linger() { # enable | disable
  local verb=$1 err sudo_flags=()
  if [ "$dry_run" = yes ]; then
    echo "would run: loginctl $verb-linger (or: sudo loginctl $verb-linger $user)"
    return 0
  fi
  if err=$(loginctl "$verb-linger" 2>&1); then
    say "loginctl $verb-linger: done"
    return 0
  fi
  say "loginctl $verb-linger was refused (${err:-no reason given}): polkit does not let $user change"
  say "  its own lingering here, so this needs root: running sudo loginctl $verb-linger $user"
  command -v sudo >/dev/null || die "no sudo: ask an administrator to run: loginctl $verb-linger $user"
  [ -t 0 ] || sudo_flags=(-n) # no terminal to ask a password on: fail fast instead of hanging
  sudo "${sudo_flags[@]}" loginctl "$verb-linger" "$user" ||
    die "sudo loginctl $verb-linger $user failed: ask an administrator to run it"
}

wait_linger() { # WANT: logind applies it asynchronously
  local _
  for _ in $(seq 1 20); do
    [ "$(linger_state)" = "$1" ] && return 0
    sleep 0.25
  done
  return 1
}

# ------------------------------------------------------------------ one daemon
declare -A unit_changed=()
declare -A unit_path=() # the unit file systemd is to read, per daemon

# Binary, config and unit in place, enabled; start_one starts it once lingering is on.
install_one() { # capture | pull
  local c=$1 name="lingercam-$1" unit="$1.service" bin src changed=no was_active
  say "$c: setting up $unit"

  if [ "$use_installed" = yes ]; then
    bin=$(installed_binary "$name")
    say "$c: using the installed $bin"
  else
    src=$(source_binary "$name")
    bin="$bindir/$name"
    if [ "$src" = "$(readlink -f "$bin" 2>/dev/null)" ]; then
      say "$c: $bin is already the binary to install"
    elif put_file "$bin" 0755 <"$src"; then
      say "$c: installed $bin"
      changed=yes
    else
      say "$c: $bin unchanged"
    fi
    remember "$bin"
    # The installer itself goes along, so --uninstall and re-runs work without the source.
    local me
    me=$(readlink -f "${BASH_SOURCE[0]}")
    if [ "$me" != "$(readlink -f "$bindir/$PROG" 2>/dev/null)" ]; then
      if put_file "$bindir/$PROG" 0755 <"$me"; then :; fi
      remember "$bindir/$PROG"
      local t src_t
      for t in capture.service pull.service capture.toml pull.toml; do
        src_t=$(find_template "$t") || continue
        if put_file "$prefix/share/lingercam/$t" 0644 <"$src_t"; then :; fi
        remember "$prefix/share/lingercam/$t"
      done
    fi
  fi

  # A config that is not valid would make the unit exit 78 and stay down: say so now.
  local config="$config_dir/$c.toml"
  if [ -e "$config" ]; then
    say "$c: keeping your config $config"
  else
    put_file "$config" 0644 <"$(template "$c.toml")" >/dev/null || true
    say "$c: wrote a commented default config $config (edit it, then: systemctl --user restart $c)"
  fi
  if [ "$dry_run" = no ] && [ -x "$bin" ]; then
    local out
    if ! out=$("$bin" check-config 2>&1); then
      echo "$out" >&2
      die "$c: $config is not valid (see above); fix it and run $PROG $c again"
    fi
  fi

  if [ "$c" = capture ]; then check_camera_access "$bin"; fi

  # One unit of this name for systemd. A packaged one that runs this very binary is used as
  # it is (a per-user copy would hide its updates). Otherwise a per-user copy whose ExecStart
  # points at the binary this run chose, everything else as shipped; systemd reads it instead
  # of any packaged unit of that name.
  local sys
  sys=$(system_unit "$unit") || sys=""
  if [ -n "$sys" ] && [ "$(exec_start "$sys")" = "$bin run" ]; then
    unit_path[$c]=$sys
    say "$c: using $sys (it runs $bin), enabled for $user only"
    if [ -f "$unit_dir/$unit" ]; then
      run rm -f "$unit_dir/$unit"
      forget "$unit_dir/$unit"
      say "$c: removed $unit_dir/$unit, which would hide it"
      changed=yes
    fi
  else
    unit_path[$c]="$unit_dir/$unit"
    if sed "s|^ExecStart=.*|ExecStart=$bin run|" "$(template "$unit")" | put_file "$unit_dir/$unit" 0644; then
      say "$c: wrote $unit_dir/$unit"
      changed=yes
    else
      say "$c: $unit_dir/$unit unchanged"
    fi
    if [ -n "$sys" ]; then
      say "$c: for $user it takes the place of $sys, which runs $(exec_start "$sys" | cut -d' ' -f1)"
    fi
  fi

  run systemctl --user daemon-reload
  run systemctl --user enable --quiet "$unit"
  unit_changed[$c]=$changed
}

start_one() { # capture | pull
  local c=$1 unit="$1.service" changed=${unit_changed[$1]} was_active
  was_active=$(userctl is-active "$unit" 2>/dev/null || true)
  # Type=notify: start returns once the daemon said READY (or failed).
  if [ "$was_active" = active ] && [ "$changed" = yes ]; then
    say "$c: restarting $unit (binary or unit changed)"
    run systemctl --user restart "$unit" || start_failed "$c"
  elif [ "$was_active" = active ]; then
    say "$c: $unit already running"
  else
    # A unit that hit its start limit earlier needs a reset before it may start again.
    run systemctl --user reset-failed "$unit" 2>/dev/null || true
    run systemctl --user start "$unit" || start_failed "$c"
  fi
}

start_failed() { # component
  echo "$PROG: $1.service did not start; its status and last log lines:" >&2
  userctl status --no-pager --lines=0 "$1.service" >&2 || true
  journalctl --user -u "$1.service" -n 20 --no-pager >&2 || true
  die "$1.service failed to start (journalctl --user -u $1 for more)"
}

check_camera_access() { # binary
  if id -nG "$user" | tr ' ' '\n' | grep -qx video; then
    say "capture: $user is in group video (camera device nodes)"
    return 0
  fi
  local source
  source=$("$1" check-config 2>/dev/null | awk '$1 == "source:" {print $2}') || true
  if [ "$source" = testpattern ]; then
    say "capture: $user is not in group video, but the config uses the test pattern: no camera needed"
  else
    warn "capture: $user is not in group video, so libcamera cannot open the camera
  (/dev/media*, /dev/video*). Fix: sudo usermod -aG video $user, then log out and in,
  and systemctl --user restart capture. Until then capture runs and waits for the camera."
  fi
}

verify_one() { # component -> 0 when active
  local unit="$1.service" state
  [ "$dry_run" = yes ] && return 0
  state=$(userctl is-active "$unit" 2>/dev/null || true)
  if [ "$state" != active ]; then
    warn "$unit is $state"
    return 1
  fi
  if [ "$(userctl is-enabled "$unit" 2>/dev/null || true)" != enabled ]; then
    warn "$unit is not enabled"
    return 1
  fi
  # A unit in a folder that systemd reads first (a runtime or generator folder) would win.
  local frag
  frag=$(userctl show -p FragmentPath --value "$unit" 2>/dev/null || true)
  if [ -n "$frag" ] && [ -n "${unit_path[$1]:-}" ] && [ "$frag" != "${unit_path[$1]}" ]; then
    warn "systemd reads $unit from $frag, not from ${unit_path[$1]}"
    return 1
  fi
  say "$1: $unit is enabled and active${frag:+ ($frag)}"
}

uninstall_one() { # capture | pull
  local c=$1 unit="$1.service" f
  say "$c: removing $unit"
  if [ -f "$unit_dir/$unit" ] || userctl cat "$unit" >/dev/null 2>&1; then
    run systemctl --user disable --now --quiet "$unit" 2>/dev/null || true
  else
    # No unit file any more (its package was removed first): stop what may still run.
    run systemctl --user stop "$unit" 2>/dev/null || true
  fi
  # The links that enable it, dangling ones included, which systemctl disable leaves.
  for f in "$unit_dir"/*.wants/"$unit"; do
    [ -L "$f" ] || continue
    run rm -f "$f"
    say "$c: removed $f"
  done
  if [ -f "$unit_dir/$unit" ]; then
    run rm -f "$unit_dir/$unit"
    say "$c: removed $unit_dir/$unit"
  fi
  run systemctl --user daemon-reload
  run systemctl --user reset-failed "$unit" 2>/dev/null || true
  f="$bindir/lingercam-$c"
  if was_installed_by_us "$f"; then
    run rm -f "$f"
    forget "$f"
    say "$c: removed $f"
  elif [ -e "$f" ]; then
    say "$c: left $f in place (this installer did not put it there)"
  fi
  say "$c: kept your config $config_dir/$c.toml and the frames (delete them yourself if you want)"
}

# ------------------------------------------------------------------ main
check_user_manager
failed=0

if [ "$uninstall" = yes ]; then
  for c in "${components[@]}"; do uninstall_one "$c"; done
  if [ "$disable_linger" = yes ]; then
    if [ "$(linger_state)" = yes ]; then set_linger disable; fi
    say "lingering for $user is off: user services stop after $user's last session ends"
  else
    say "lingering left as it is ($(linger_state)); --disable-linger turns it off"
  fi
  # Once nothing of ours is left, the installer and its templates go too.
  if [ -f "$manifest" ] && ! grep -q '/lingercam-\(capture\|pull\)$' "$manifest"; then
    while read -r f; do run rm -f "$f"; done <"$manifest"
    run rm -f "$manifest"
  fi
  exit 0
fi

for c in "${components[@]}"; do install_one "$c"; done

# Lingering before the services start: each daemon checks it at start-up and would
# otherwise warn in the journal on every fresh install.
if [ "$(linger_state)" = yes ]; then
  say "$user already lingers"
else
  say "enabling lingering for $user: without it systemd stops these services about 10 s after"
  say "  $user's last session ends, and they do not start at boot until someone logs in"
  set_linger enable
fi
if [ "$dry_run" = no ]; then
  if wait_linger yes; then
    say "logind: Linger=yes for $user"
  else
    warn "logind still says Linger=$(linger_state) for $user"
    failed=1
  fi
fi
for c in "${components[@]}"; do start_one "$c"; done
for c in "${components[@]}"; do verify_one "$c" || failed=1; done

if [ "$failed" -ne 0 ]; then
  die "not everything is in place (see above); lingercam-${components[0]} doctor says what to fix"
fi
case ":$PATH:" in
  *":$bindir:"*) ;;
  *) [ "$use_installed" = yes ] || say "note: $bindir is not on your PATH (Debian's ~/.profile adds ~/.local/bin at the next login)" ;;
esac
echo
for c in "${components[@]}"; do
  echo "$c is running and will start at boot with nobody logged in. Watch it:"
  echo "  journalctl --user -u $c -f"
  echo "  lingercam-$c status      (lingercam-$c doctor checks the whole setup)"
  echo "  config: $config_dir/$c.toml   (then: systemctl --user restart $c)"
done
