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

pair_usage() {
  cat <<EOF

       $PROG [options] pull --pair [user@]camerahost[:port] [--pair-only]

pairing (on the viewing host, as the user who owns pull):
  --pair [user@]camerahost[:port]
                     let pull fetch from that camera host with the least it needs:
                     1. a key of pull's own, ~/.config/lingercam/id_ed25519_<camera>
                        (made once, then reused; your own keys are never used or touched);
                     2. the camera's host key, the one your own ssh login verified, into
                        ~/.config/lingercam/known_hosts (its fingerprint is shown);
                     3. over your own ssh login (it may ask your password), a line in the
                        camera user's ~/.ssh/authorized_keys that lets that key run only
                        sftp-server, limited to the requests pull sends: no shell, no
                        commands, no forwarding, no deleting. Paired again, the line is
                        replaced, never added twice;
                     4. a [[source]] for it in ~/.config/lingercam/pull.toml (one for the
                        same host and port is replaced, the others are kept), its remote
                        store being where the camera's lingercam-capture keeps frames;
                     5. lingercam-pull doctor for that source, shown.
                     Then the setup goes on as for "pull" (a running pull is restarted).
                     With -n it still logs in to the camera host to look, changing nothing.
  --pair-only        pair, and leave the binary, the unit and lingering alone
  --ssh-config FILE  the ssh config for your login to the camera host (ssh -F); the
                     [[source]] gets it as ssh_config too
  --authorized-keys FILE
                     the authorized_keys file on the camera host, when its sshd reads
                     another one than ~/.ssh/authorized_keys
  --remote-store DIR the camera's store (default: what lingercam-capture check-config says
                     there, else its capture.toml, else ~/.local/share/lingercam/store)
EOF
}

prefix=""
use_installed=no
from=""
uninstall=no
disable_linger=no
dry_run=no
components=()
pair_target=""
pair_only=no
pair_ssh_config=""
pair_authorized_keys=""
pair_remote_store=""

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
    --pair) [ $# -ge 2 ] || usage_error "--pair needs [user@]camerahost[:port]"; pair_target=$2; shift ;;
    --pair=*) pair_target=${1#*=} ;;
    --pair-only) pair_only=yes ;;
    --ssh-config) [ $# -ge 2 ] || usage_error "--ssh-config needs a file"; pair_ssh_config=$2; shift ;;
    --ssh-config=*) pair_ssh_config=${1#*=} ;;
    --authorized-keys) [ $# -ge 2 ] || usage_error "--authorized-keys needs a path"; pair_authorized_keys=$2; shift ;;
    --authorized-keys=*) pair_authorized_keys=${1#*=} ;;
    --remote-store) [ $# -ge 2 ] || usage_error "--remote-store needs a folder"; pair_remote_store=$2; shift ;;
    --remote-store=*) pair_remote_store=${1#*=} ;;
    -h|--help) usage; pair_usage; exit 0 ;;
    capture|pull) components+=("$1") ;;
    both|all) components+=(capture pull) ;;
    -*) usage_error "unknown option '$1'" ;;
    *) usage_error "unknown daemon '$1' (expected capture, pull or both)" ;;
  esac
  shift
done

if [ -n "$pair_target" ] && [ ${#components[@]} -eq 0 ]; then components=(pull); fi
[ ${#components[@]} -gt 0 ] || usage_error "say which daemon: capture, pull or both"
# Each once, in a fixed order.
mapfile -t components < <(printf '%s\n' "${components[@]}" | sort -u)
if [ "$disable_linger" = yes ] && [ "$uninstall" = no ]; then
  usage_error "--disable-linger goes with --uninstall"
fi
if [ "$use_installed" = yes ] && [ -n "$from" ]; then
  usage_error "--use-installed and --from exclude each other"
fi
if [ -z "$pair_target" ]; then
  [ "$pair_only" = no ] || usage_error "--pair-only goes with --pair"
  [ -z "$pair_ssh_config$pair_authorized_keys$pair_remote_store" ] ||
    usage_error "--ssh-config, --authorized-keys and --remote-store go with --pair"
else
  [ "$uninstall" = no ] || usage_error "--pair and --uninstall exclude each other"
  printf '%s\n' "${components[@]}" | grep -qx pull || usage_error "--pair is for pull (the viewing host)"
  if [ "$pair_only" = yes ] && [ "${components[*]}" != pull ]; then
    usage_error "--pair-only sets up nothing but the pairing: leave out capture"
  fi
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

# ------------------------------------------------------------------ pairing (pull --pair)
# The requests pull's SFTP client sends (pull/sftp_channel.cpp, pull/sftp_remote_store.cpp),
# in sftp-server's -p names; the paired key may send nothing else. Every one is needed:
# open/read/close and lstat fetch a frame (lstat also checks a name is a regular file, not a
# link), opendir/readdir list the day folders, readlink reads latest.jpg, open/write/close and
# posix-rename replace the viewer's .pulled.<viewer>. No remove: pull never deletes on the
# camera host (its temporary file is always renamed over its confirmation file).
readonly PAIR_REQUESTS="open close read write lstat opendir readdir readlink posix-rename"
# Sent only when this sftp-server knows them: fsync (the confirmation file reaches the disk
# before its rename; pull asks for it whenever the server offers it, so it must be allowed
# then) and limits (reads of 255 KiB instead of 32 KiB).
readonly PAIR_REQUESTS_IF_KNOWN="fsync limits"

pair_changed=no

sq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; } # quoted for sh
toml_string() { local v=${1//\\/\\\\}; printf '"%s"' "${v//\"/\\\"}"; }
home_relative() { # PATH -> ~/PATH when under HOME, for pull.toml
  # shellcheck disable=SC2088 # a literal ~/ for pull's config, which expands it
  case $1 in "$HOME"/*) echo "~/${1#"$HOME"/}" ;; *) echo "$1" ;; esac
}

# The lingercam-pull to check the config and run doctor with: this run's, else one already
# installed (--pair-only on a machine where pull is installed, or from a build tree).
pair_pull_binary() {
  if [ "$use_installed" = yes ]; then installed_binary lingercam-pull; return; fi
  if [ -n "$from" ]; then source_binary lingercam-pull; return; fi
  if [ -x "$bindir/lingercam-pull" ]; then echo "$bindir/lingercam-pull"; return; fi
  local p
  if p=$(command -v lingercam-pull); then echo "$p"; return; fi
  source_binary lingercam-pull
}

# Run by sh on the camera host over the user's own login: finds sftp-server and the store,
# and (unless a dry run) puts the key's line into authorized_keys in place of any earlier one
# for the same key or comment. Says what it found as "lingercam-pair:key=value" lines.
pair_remote_script() { # DRY PUBLIC_KEY_LINE COMMENT AUTHORIZED_KEYS STORE
  cat <<EOF
dry=$(sq "$1"); pubkey=$(sq "$2"); comment=$(sq "$3"); ak=$(sq "$4"); store=$(sq "$5")
needed=$(sq "$PAIR_REQUESTS"); if_known=$(sq "$PAIR_REQUESTS_IF_KNOWN")
EOF
  cat <<'EOF'
set -u
say() { printf 'lingercam-pair:%s\n' "$*"; }
fail() { say "error=$*"; exit 3; }

server=""
for s in $(awk 'tolower($1) == "subsystem" && $2 == "sftp" { print $3 }' /etc/ssh/sshd_config \
             /etc/ssh/sshd_config.d/*.conf 2>/dev/null) \
         /usr/lib/openssh/sftp-server /usr/libexec/openssh/sftp-server /usr/libexec/sftp-server \
         /usr/lib/ssh/sftp-server /usr/local/libexec/sftp-server; do
  case $s in /*) if [ -f "$s" ] && [ -x "$s" ]; then server=$s; break; fi ;; esac
done
[ -n "$server" ] || fail "no sftp-server on $(uname -n) (looked where sshd_config and the usual packages put it): install openssh-sftp-server there"
known=" $("$server" -Q requests 2>/dev/null | tr '\n' ' ') "
[ "$known" != "  " ] || fail "$server cannot list its requests (sftp-server -Q requests needs OpenSSH 6.5 or newer)"
allow=""
for r in $needed; do
  case $known in *" $r "*) allow=$allow${allow:+,}$r ;; *) fail "$server does not serve the $r request pull needs" ;; esac
done
for r in $if_known; do case $known in *" $r "*) allow=$allow,$r ;; esac; done
say "sftp_server=$server"
say "allow=$allow"

from=--remote-store
if [ -z "$store" ]; then
  cap=$(command -v lingercam-capture 2>/dev/null) || cap=$HOME/.local/bin/lingercam-capture
  if [ -x "$cap" ] && out=$("$cap" check-config 2>/dev/null); then
    store=$(printf '%s\n' "$out" | sed -n 's/^store: *//p' | head -n 1)
    from="$cap check-config"
  fi
fi
if [ -z "$store" ]; then
  cfg=${XDG_CONFIG_HOME:-$HOME/.config}/lingercam/capture.toml
  if [ -r "$cfg" ]; then
    store=$(sed -n 's/^[[:space:]]*store[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$cfg" | head -n 1)
    case $store in "~/"*) store=$HOME/${store#"~/"} ;; esac
    from=$cfg
  fi
fi
if [ -z "$store" ]; then
  store=${XDG_DATA_HOME:-$HOME/.local/share}/lingercam/store
  from="the default (no lingercam-capture or capture.toml found)"
fi
say "home=$HOME"
say "store=$store"
say "store_from=$from"
if [ -d "$store" ]; then say "store_exists=yes"; else say "store_exists=no"; fi

case $ak in "") ak=$HOME/.ssh/authorized_keys ;; "~/"*) ak=$HOME/${ak#"~/"} ;; /*) ;; *) ak=$HOME/$ak ;; esac
say "authorized_keys=$ak"
line="restrict,command=\"$server -p $allow\" $pubkey"
say "line=$line"
blob=$(printf '%s\n' "$pubkey" | awk '{ print $2 }')
# Earlier lines for this key (its blob) or this viewer's pairing (its comment, last field).
ours='{ s = $0 " " } index(s, " " b " ") > 0 || $NF == c'
old=""
[ -f "$ak" ] && old=$(awk -v b="$blob" -v c="$comment" "$ours { print }" "$ak")
if [ "$old" = "$line" ]; then say "action=unchanged"; exit 0; fi
if [ -n "$old" ]; then action=replaced; else action=added; fi
if [ "$dry" = yes ]; then say "action=would be $action"; exit 0; fi
target=$ak
[ -L "$ak" ] && target=$(readlink -f "$ak")
dir=$(dirname "$target")
[ -d "$dir" ] || mkdir -p -m 700 "$dir" || fail "cannot create $dir"
tmp=$dir/.authorized_keys.lingercam.$$
{
  if [ -f "$target" ]; then awk -v b="$blob" -v c="$comment" "$ours { next } { print }" "$target"; fi
  printf '%s\n' "$line"
} >"$tmp" || { rm -f "$tmp"; fail "cannot write $tmp"; }
if [ -f "$target" ]; then chmod "$(stat -c %a "$target")" "$tmp"; else chmod 600 "$tmp"; fi
mv -f "$tmp" "$target" || { rm -f "$tmp"; fail "cannot replace $target"; }
say "action=$action"
EOF
}

# pull.toml's [[source]] tables: prints "index name local_store" of the first one for HOST
# and PORT (no port: 22), or nothing. Its name is pull's default when it has none.
pair_find_source() { # CONFIG HOST PORT
  awk -v host="$2" -v port="$3" '
    function value(line, key,   v) {
      if (line !~ "^[ \t]*" key "[ \t]*=") return ""
      v = line; sub("^[ \t]*" key "[ \t]*=[ \t]*", "", v)
      if (v ~ /^"/) { v = substr(v, 2); sub(/".*/, "", v) } else sub(/[ \t#].*/, "", v)
      return v
    }
    function done() {
      if (n >= 0 && h == host && (p == "" ? 22 : p) == port && !found) {
        found = 1
        print n, (nm != "" ? nm : (n == 0 ? h : h "-" n + 1)), (ls != "" ? ls : "-")
      }
    }
    BEGIN { n = -1; insrc = 0 }
    /^[ \t]*\[/ {
      if (insrc) done()
      insrc = $0 ~ /^[ \t]*\[\[[ \t]*source[ \t]*\]\]/
      if (insrc) { n++; h = ""; p = ""; nm = ""; ls = "" }
      next
    }
    insrc {
      if ((v = value($0, "host")) != "") h = v
      if ((v = value($0, "port")) != "") p = v
      if ((v = value($0, "name")) != "") nm = v
      if ((v = value($0, "local_store")) != "") ls = v
    }
    END { if (insrc) done() }' "$1"
}

# CONFIG with BLOCK in place of source INDEX (-1: added at the end) and without a [[source]]
# that is the template's untouched example (TEMPLATE_BLOCK).
pair_edit_config() { # CONFIG INDEX BLOCK_FILE TEMPLATE_BLOCK_FILE
  awk -v index_="$2" -v blockfile="$3" -v tmplfile="$4" '
    BEGIN {
      while ((getline l < blockfile) > 0) block = block l "\n"
      while ((getline l < tmplfile) > 0) tmpl = tmpl l "\n"
      n = -1; seg = ""; insrc = 0
    }
    function flush() {
      if (!insrc) printf "%s", seg
      else if (n == index_ + 0) {
        t = seg; trail = ""  # the blank lines after it stay
        while (t ~ /\n\n$/) { trail = trail "\n"; t = substr(t, 1, length(t) - 1) }
        printf "%s%s", block, trail
      }
      else if (seg != tmpl) printf "%s", seg
      seg = ""
    }
    /^[ \t]*\[/ {
      flush()
      insrc = $0 ~ /^[ \t]*\[\[[ \t]*source[ \t]*\]\]/
      if (insrc) n++
    }
    { seg = seg $0 "\n" }
    END {
      flush()
      if (index_ + 0 < 0) printf "\n%s", block
    }' "$1"
}

pair_value() { sed -n "s/^lingercam-pair:$1=//p" <<<"$out" | head -n 1; } # KEY: of the remote's $out

# [user@]host[:port] (host may be [v6]) -> pair_ruser, pair_rhost, pair_rport; before anything
# is changed, so a bad target is a usage error.
pair_parse_target() {
  local target=$pair_target ruser="" rhost rport="" t
  for t in ssh ssh-keygen ssh-keyscan; do
    command -v "$t" >/dev/null || die "--pair needs $t (Debian: apt install openssh-client)"
  done
  case $target in *@*) ruser=${target%%@*}; target=${target#*@} ;; esac
  case $target in
    \[*\]:*) rhost=${target%%]:*}; rhost=${rhost#[}; rport=${target##*]:} ;;
    \[*\]) rhost=${target#[}; rhost=${rhost%]} ;;
    *:*:*) rhost=$target ;; # an IPv6 address
    *:*) rhost=${target%:*}; rport=${target##*:} ;;
    *) rhost=$target ;;
  esac
  case $rhost in "" | -* | *[[:space:]\"\'\\]*) usage_error "--pair: '$pair_target' is not [user@]host[:port]" ;; esac
  case $ruser in -* | *[[:space:]\"\'\\]*) usage_error "--pair: '$ruser' is not a user name" ;; esac
  if [ -n "$rport" ]; then
    case $rport in *[!0-9]* | "") usage_error "--pair: port '$rport' is not a number" ;; esac
    [ "$rport" -ge 1 ] && [ "$rport" -le 65535 ] || usage_error "--pair: port $rport is out of range"
  fi
  if [ -n "$pair_ssh_config" ]; then
    [ -f "$pair_ssh_config" ] || usage_error "--ssh-config: no file $pair_ssh_config"
    pair_ssh_config=$(readlink -f "$pair_ssh_config")
  fi
  pair_ruser=$ruser pair_rhost=$rhost pair_rport=$rport
}

pair_pull() { # PULL_BINARY
  local bin=$1 ruser=$pair_ruser rhost=$pair_rhost rport=$pair_rport t

  # The login's own settings, as ssh resolves them (aliases and ~/.ssh/config included).
  local login=(ssh)
  [ -z "$pair_ssh_config" ] || login+=(-F "$pair_ssh_config")
  [ -z "$rport" ] || login+=(-p "$rport")
  [ -z "$ruser" ] || login+=(-l "$ruser")
  local resolved hostname port ruser_resolved
  resolved=$("${login[@]}" -G "$rhost" 2>/dev/null) || die "ssh cannot make out '$pair_target' (ssh -G $rhost failed)"
  hostname=$(awk '$1 == "hostname" { print $2; exit }' <<<"$resolved")
  port=$(awk '$1 == "port" { print $2; exit }' <<<"$resolved")
  ruser_resolved=$(awk '$1 == "user" { print $2; exit }' <<<"$resolved")
  [ -n "$hostname" ] && [ -n "$port" ] && [ -n "$ruser_resolved" ] || die "ssh -G $rhost said no hostname, port or user"

  # One name per camera: the source's default name, the key's and the known_hosts entry's.
  local name
  name=$(printf '%s' "$rhost" | tr -c 'A-Za-z0-9._-' '-' | sed 's/^[.-]*//' | cut -c1-58)
  [ -n "$name" ] || name=camera
  [ "$port" = 22 ] || name="$name-$port"
  local config="$config_dir/pull.toml"
  local existing="" src_index=-1
  if [ -f "$config" ]; then
    existing=$(pair_find_source "$config" "$rhost" "$port")
    if [ -n "$existing" ]; then
      read -r src_index name t <<<"$existing"
      say "pair: $config has a [[source]] for $rhost port $port (\"$name\"): this pairing takes its place"
    fi
  fi
  local src_local_store=""
  [ -z "$existing" ] || [ "$t" = - ] || src_local_store=$t

  # 1. pull's own key, never the user's.
  local key_name
  key_name=$(printf '%s' "$rhost" | tr -c 'A-Za-z0-9._-' '_')
  [ "$port" = 22 ] || key_name="${key_name}_$port"
  local key="$config_dir/id_ed25519_$key_name"
  local comment
  comment=$(uname -n)
  comment="lingercam-pull:$user@${comment//[^A-Za-z0-9._-]/_}:$key_name"
  local pubkey
  if [ -f "$key" ]; then
    say "pair: pull's key for $rhost: $key (made earlier, reused)"
    if [ ! -f "$key.pub" ]; then
      if [ "$dry_run" = yes ]; then echo "would write: $key.pub"
      else ssh-keygen -y -f "$key" >"$key.pub" || die "cannot read $key (a passphrase? pull needs a key without one)"; fi
    fi
  else
    say "pair: making a key for pull alone: $key (ed25519, no passphrase: the daemon runs unattended)"
    run mkdir -p "$config_dir"
    run ssh-keygen -q -t ed25519 -N "" -C "$comment" -f "$key" </dev/null
  fi
  if [ -f "$key.pub" ]; then
    pubkey="$(awk '{ print $1, $2 }' "$key.pub") $comment"
  else
    pubkey="ssh-ed25519 NEW-KEY $comment"
  fi

  # 3. over the user's own login: sftp-server, the store, the authorized_keys line. ssh's
  # debug log (-E, not the terminal) names the host key that this login verified.
  local log out rc=0
  log=$(mktemp "${TMPDIR:-/tmp}/$PROG.ssh.XXXXXX")
  say "pair: logging in to $ruser_resolved@$hostname port $port as yourself, with ssh (it may ask for your password)"
  out=$(pair_remote_script "$dry_run" "$pubkey" "$comment" "$pair_authorized_keys" "$pair_remote_store" |
    "${login[@]}" -v -E "$log" -o ControlMaster=no -o ControlPath=none "$rhost" sh -s) || rc=$?
  local verified
  verified=$(tr -d '\r' <"$log" | sed -n 's/^debug1: Server host key: [^ ]* \(SHA256:[^ ]*\).*/\1/p' | tail -n 1)
  local remote_error
  remote_error=$(sed -n 's/^lingercam-pair:error=//p' <<<"$out")
  if [ -n "$remote_error" ]; then
    rm -f "$log"
    die "on $hostname: $remote_error"
  fi
  if [ "$rc" -ne 0 ]; then
    tr -d '\r' <"$log" | grep -v '^debug' | sed 's/^/  ssh: /' >&2 || true
    rm -f "$log"
    die "could not log in to $ruser_resolved@$hostname port $port with ssh (exit $rc): ssh $pair_target true must work for you first"
  fi
  rm -f "$log"
  local sftp_server allow remote_home store store_from store_exists ak action line
  sftp_server=$(pair_value sftp_server); allow=$(pair_value allow); remote_home=$(pair_value home)
  store=$(pair_value store); store_from=$(pair_value store_from); store_exists=$(pair_value store_exists)
  ak=$(pair_value authorized_keys); action=$(pair_value action); line=$(pair_value line)
  [ -n "$sftp_server" ] && [ -n "$store" ] && [ -n "$action" ] ||
    die "the camera host's answer was incomplete: $out"
  say "pair: sftp-server on $hostname: $sftp_server, allowed requests: $allow"
  say "pair: $ak: line for pull's key $action:"
  echo "  $line"
  say "pair: the camera's store: $store (from $store_from)"
  [ "$store_exists" = yes ] ||
    warn "$hostname has no folder $store yet: install and start lingercam-capture there (lingercam-install capture)"

  # 2. the host key, as pull's known_hosts names it ([host]:port unless port 22), only the
  # one that the login verified. ssh-keyscan alone would trust whoever answers.
  local scan khname
  [ "$port" = 22 ] && khname=$hostname || khname="[$hostname]:$port"
  scan=$(ssh-keyscan -T 15 -p "$port" "$hostname" 2>/dev/null | grep -v '^#') || true
  [ -n "$scan" ] || die "ssh-keyscan -p $port $hostname got no host key"
  local keep="" scanned fpline fp
  while IFS= read -r scanned; do
    fpline=$(ssh-keygen -lf - <<<"$scanned" 2>/dev/null) || continue
    fp=$(awk '{ print $2 }' <<<"$fpline")
    if [ -z "$verified" ] || [ "$fp" = "$verified" ]; then
      keep+=$scanned$'\n'
      say "pair: host key of $khname: $(awk '{ gsub(/[()]/, "", $NF); print $NF }' <<<"$fpline") $fp"
    fi
  done <<<"$scan"
  if [ -z "$verified" ]; then
    warn "ssh did not say which host key it verified: recording what ssh-keyscan got; compare it on the
  camera host with: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub"
  elif [ -z "$keep" ]; then
    die "the host key ssh-keyscan got for $khname is not the one your ssh login verified ($verified): refusing to record it"
  else
    say "pair:   (the key your own ssh login verified)"
  fi
  local kh="$config_dir/known_hosts"
  if { [ -f "$kh" ] && awk -v n="$khname" '{ split($1, names, ","); for (i in names) if (names[i] == n) next; print }' "$kh"
       printf '%s' "$keep"; } | put_file "$kh" 0644; then
    [ "$dry_run" = yes ] || say "pair: wrote $kh"
  else
    say "pair: $kh already has it"
  fi

  # 4. the [[source]], in place of one for the same host and port.
  local rstore=$store
  case $rstore in "$remote_home"/*) rstore=${rstore#"$remote_home"/} ;; esac
  local block
  block=$(mktemp "${TMPDIR:-/tmp}/$PROG.block.XXXXXX")
  {
    echo "[[source]]                    # lingercam-install --pair $pair_target"
    echo "name = $(toml_string "$name")"
    echo "host = $(toml_string "$rhost")"
    [ "$port" = 22 ] || echo "port = $port"
    echo "user = $(toml_string "$ruser_resolved")"
    echo "identity = $(toml_string "$(home_relative "$key")")   # pull's own key"
    echo "known_hosts = $(toml_string "$(home_relative "$kh")")"
    echo "host_key_policy = \"strict\""
    [ -z "$pair_ssh_config" ] || echo "ssh_config = $(toml_string "$(home_relative "$pair_ssh_config")")"
    echo "remote_store = $(toml_string "$rstore")"
    [ -z "$src_local_store" ] || echo "local_store = $(toml_string "$src_local_store")"
  } >"$block"
  local base=$config tmpl_block candidate
  [ -f "$base" ] || base=$(template pull.toml)
  tmpl_block=$(mktemp "${TMPDIR:-/tmp}/$PROG.tmpl.XXXXXX")
  sed -n '/^\[\[source\]\]/,$p' "$(template pull.toml)" >"$tmpl_block"
  candidate=$(mktemp "${TMPDIR:-/tmp}/$PROG.toml.XXXXXX")
  pair_edit_config "$base" "$src_index" "$block" "$tmpl_block" >"$candidate"
  local check
  if ! check=$("$bin" --config "$candidate" check-config 2>&1); then
    echo "$check" >&2
    rm -f "$block" "$tmpl_block" "$candidate"
    die "pull.toml with this [[source]] would not be valid (above); $config is unchanged"
  fi
  say "pair: the [[source]] for $rhost:"
  sed 's/^/  /' "$block"
  if put_file "$config" 0644 <"$candidate"; then
    [ "$dry_run" = yes ] || say "pair: wrote $config"
    pair_changed=yes
  else
    say "pair: $config already has it"
  fi
  rm -f "$block" "$tmpl_block" "$candidate"
  pair_source=$name
}

# 5. lingercam-pull doctor for the paired source: its ssh check logs in with pull's key and
# opens the store over SFTP, as a round does.
pair_doctor() { # PULL_BINARY
  if [ "$dry_run" = yes ]; then
    echo "would run: $1 --source $pair_source doctor"
    return 0
  fi
  local out
  out=$("$1" --config "$config_dir/pull.toml" --source "$pair_source" doctor 2>&1) || true
  say "pair: lingercam-pull --source $pair_source doctor says:"
  sed 's/^/  /' <<<"$out"
  if grep -q "^ok  *ssh ($pair_source):" <<<"$out"; then
    say "pair: pull reaches $pair_source with its own key"
  else
    die "pull cannot reach $pair_source with its key: see the ssh line above"
  fi
}

# ------------------------------------------------------------------ main
[ -z "$pair_target" ] || pair_parse_target
if [ -n "$pair_target" ] && [ "$pair_only" = yes ]; then
  pull_bin=$(pair_pull_binary) || exit 1
  pair_pull "$pull_bin"
  pair_doctor "$pull_bin"
  if [ "$pair_changed" = yes ] && [ "$dry_run" = no ]; then
    say "a pull already running reads the new pull.toml once restarted: systemctl --user restart pull"
  fi
  exit 0
fi

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
if [ -n "$pair_target" ]; then
  pull_bin=$(pair_pull_binary) || exit 1
  pair_pull "$pull_bin"
  if [ "$pair_changed" = yes ]; then unit_changed[pull]=yes; fi # a running pull restarts
fi

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
[ -z "$pair_target" ] || pair_doctor "$pull_bin"
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
