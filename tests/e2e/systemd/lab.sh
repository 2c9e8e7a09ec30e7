# shellcheck shell=bash
# SPDX-License-Identifier: BSD-2-Clause
# The e2e lab: two real systemd machines, capturepi and pullpi, booted with systemd-nspawn
# on a private network that lives only in network namespaces this file creates. The host's
# own network namespace gets no address, no link and no route.
#
# Source it from a bash test running as root, then:
#
#   lab_machines NAME=ADDR...      before lab_up: other machines than capturepi and pullpi
#                                  (addresses in 10.77.0.0/24, which exists only in the lab)
#   lab_up                         build/reuse the rootfs, copy it per machine, boot them all,
#                                  wait for multi-user; installs `trap lab_teardown EXIT`
#   lab_exec  M cmd...             run as root inside M (nsenter, no login, no session)
#   lab_as_pi M cmd...             run as pi inside M without a login (setpriv, no PAM):
#                                  for looking at pi's user manager without starting it
#   lab_ssh   M cmd...             real ssh login as pi, from the harness (a logind session)
#   lab_ssh_root M cmd...          the same as root
#   lab_ssh_from SRC DST cmd...    ssh as pi from machine SRC to machine DST
#   lab_sftp_from SRC DST          sftp as pi from SRC to DST, batch commands on stdin
#   lab_copy_in M SRC DST [OWNER]  copy a file or directory from the host to DST inside M
#   lab_poweroff M / lab_boot M    orderly power-off; boot again on the same filesystem
#   lab_save_logs DIR              console logs and journals of both machines into DIR
#   lab_teardown                   stop everything, delete namespaces, cgroups and copies
#                                  (with LAB_LOG_DIR set, lab_save_logs to it first)
#
# Network: bridge br0 in namespace lc-<id>-lab (10.77.0.254, the harness's side); each
# machine's own namespace lc-<id>-<machine> holds host0 with its address (capturepi
# 10.77.0.1, pullpi 10.77.0.2) and is handed to nspawn with --network-namespace-path, so the
# network outlives a power-off. Names resolve through /etc/hosts inside the machines.
#
# Why not `-x` (ephemeral)? On ext4 nspawn -x makes a full copy (3-10 s here) and throws
# it away at power-off; the reboot scenario needs the same filesystem back. So each machine
# gets an overlayfs over the cached rootfs (instant; a plain copy where overlayfs cannot be
# mounted) in LAB_DIR, kept across lab_poweroff/lab_boot and removed at teardown.

LAB_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAB_MACHINES=(capturepi pullpi)
declare -A LAB_ADDR=([capturepi]=10.77.0.1 [pullpi]=10.77.0.2)
LAB_HARNESS_ADDR=10.77.0.254
LAB_BOOT_TIMEOUT=${LAB_BOOT_TIMEOUT:-120}
LAB_RELEASE=${LAB_RELEASE:-bookworm}   # the machines' Debian release (rootfs.sh --release)
LAB_STATE_ROOT=${LAB_STATE_ROOT:-/tmp}
LAB_CGROUP_ROOTS=(/sys/fs/cgroup/systemd /sys/fs/cgroup/unified)
LAB_ID=""
LAB_DIR=""
LAB_ROOTFS=""

lab_log() { echo "lab: $*" >&2; }
lab_die() { echo "lab: ERROR: $*" >&2; return 1; }

lab_machines() { # NAME=ADDR...
  local spec
  LAB_MACHINES=()
  LAB_ADDR=()
  for spec in "$@"; do
    LAB_MACHINES+=("${spec%%=*}")
    LAB_ADDR[${spec%%=*}]=${spec#*=}
  done
}

lab_known_machine() {
  [ -n "${LAB_ADDR[$1]:-}" ] || lab_die "unknown machine '$1' (have: ${LAB_MACHINES[*]})"
}

# ---------------------------------------------------------------- cgroups
# nspawn with --register=no --keep-unit creates no scope: the container lives in whatever
# cgroup nspawn was started in. Without systemd on the host that is the root cgroup, and
# two containers would share it (each one's systemd would fight over init.scope and
# system.slice). So each nspawn is moved into a cgroup of its own first, in every
# hierarchy systemd uses (named "systemd" v1 and the unified v2 one of this hybrid setup).
lab_cgroup_dirs() { # MACHINE -> one dir per hierarchy that exists on this host
  local r
  for r in "${LAB_CGROUP_ROOTS[@]}" /sys/fs/cgroup; do
    if [ "$r" = /sys/fs/cgroup ]; then
      # Pure v2 host: /sys/fs/cgroup itself is cgroup2.
      [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || continue
    else
      [ -e "$r/cgroup.procs" ] || continue
    fi
    echo "$r/lingercam-lab-$LAB_ID/$1"
  done
}

lab_cgroup_enter() { # MACHINE PID
  local d
  for d in $(lab_cgroup_dirs "$1"); do
    mkdir -p "$d"
    echo "$2" >"$d/cgroup.procs"
  done
}

lab_cgroup_remove() { # ID: remove the whole tree of one lab, deepest first
  local r
  for r in "${LAB_CGROUP_ROOTS[@]}" /sys/fs/cgroup; do
    [ -d "$r/lingercam-lab-$1" ] || continue
    find "$r/lingercam-lab-$1" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}

# ---------------------------------------------------------------- network
lab_ns() { echo "lc-$LAB_ID-$1"; } # lab | MACHINE

lab_network_up() {
  local lab m ns
  lab=$(lab_ns lab)
  ip netns add "$lab"
  ip -n "$lab" link set lo up
  ip -n "$lab" link add br0 type bridge
  ip -n "$lab" addr add "$LAB_HARNESS_ADDR/24" dev br0
  ip -n "$lab" link set br0 up
  for m in "${LAB_MACHINES[@]}"; do
    ns=$(lab_ns "$m")
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    # Both ends are created inside our namespaces; nothing ever appears in the host's.
    ip -n "$lab" link add "ve-$m" type veth peer name host0 netns "$ns"
    ip -n "$lab" link set "ve-$m" master br0 up
    ip -n "$ns" addr add "${LAB_ADDR[$m]}/24" dev host0
    ip -n "$ns" link set host0 up
  done
}

# ---------------------------------------------------------------- per-machine filesystem
lab_root() { echo "$LAB_DIR/machines/$1/root"; }

lab_keys() {
  install -d -m 0700 "$LAB_DIR/ssh"
  # pi's key pair: the same on both machines, authorized on both ("both ways"), and used
  # by the harness for pi logins. A second pair lets the harness in as root.
  ssh-keygen -q -t ed25519 -N '' -C "pi@lingercam-lab" -f "$LAB_DIR/ssh/pi_ed25519"
  ssh-keygen -q -t ed25519 -N '' -C "harness@lingercam-lab" -f "$LAB_DIR/ssh/root_ed25519"
  : >"$LAB_DIR/ssh/known_hosts"
}

lab_prepare() { # MACHINE: copy the rootfs and give it its own identity
  local m=$1 r k
  r=$(lab_root "$m")
  mkdir -p "$r" "${r%/root}/upper" "${r%/root}/work"
  # The cached rootfs stays read-only underneath; this machine's writes go to upper/.
  # Where overlayfs cannot be mounted, a full copy does the same job a few seconds slower.
  if ! mount -t overlay "lingercam-lab-$m" \
      -o "lowerdir=$LAB_ROOTFS,upperdir=${r%/root}/upper,workdir=${r%/root}/work" "$r" 2>/dev/null; then
    lab_log "$m: overlayfs unavailable, copying the rootfs"
    rmdir "$r"
    cp -a --reflink=auto "$LAB_ROOTFS" "$r"
  fi
  echo "$m" >"$r/etc/hostname"
  tr -d '-' </proc/sys/kernel/random/uuid >"$r/etc/machine-id"
  {
    echo "127.0.0.1 localhost"
    echo "::1 localhost ip6-localhost ip6-loopback"
    for k in "${LAB_MACHINES[@]}"; do echo "${LAB_ADDR[$k]} $k"; done
    echo "$LAB_HARNESS_ADDR harness"
  } >"$r/etc/hosts"
  # No DNS in the lab: nothing may try to reach a resolver outside it.
  echo "# lingercam e2e lab: no DNS, names are in /etc/hosts" >"$r/etc/resolv.conf"
  ssh-keygen -q -A -f "$r" >/dev/null 2>&1
  for k in "$r"/etc/ssh/ssh_host_*_key.pub; do
    echo "$m,${LAB_ADDR[$m]} $(cut -d' ' -f1,2 "$k")" >>"$LAB_DIR/ssh/known_hosts"
  done
  install -m 0600 "$LAB_DIR/ssh/root_ed25519.pub" "$r/root/.ssh/authorized_keys"
  install -m 0600 -o 1000 -g 1000 "$LAB_DIR/ssh/pi_ed25519" "$r/home/pi/.ssh/id_ed25519"
  install -m 0644 -o 1000 -g 1000 "$LAB_DIR/ssh/pi_ed25519.pub" "$r/home/pi/.ssh/id_ed25519.pub"
  install -m 0600 -o 1000 -g 1000 "$LAB_DIR/ssh/pi_ed25519.pub" "$r/home/pi/.ssh/authorized_keys"
}

lab_share_known_hosts() { # after every machine is prepared: each knows all host keys
  local m
  for m in "${LAB_MACHINES[@]}"; do
    install -m 0644 -o 1000 -g 1000 "$LAB_DIR/ssh/known_hosts" "$(lab_root "$m")/home/pi/.ssh/known_hosts"
    install -m 0644 "$LAB_DIR/ssh/known_hosts" "$(lab_root "$m")/root/.ssh/known_hosts"
  done
}

# ---------------------------------------------------------------- boot and power
lab_nspawn_pid() { cat "$LAB_DIR/$1.nspawn.pid" 2>/dev/null; }

lab_alive() { # PID: running and not a zombie
  local st
  st=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}

lab_pid1() { # MACHINE -> host pid of the container's systemd
  local n p
  lab_known_machine "$1" || return 1
  n=$(lab_nspawn_pid "$1") || lab_die "$1 is not running" || return 1
  for p in $(pgrep -P "$n" 2>/dev/null); do
    # NSpid: <host pid> 1  -> pid 1 of a child pid namespace
    if awk '/^NSpid:/ { exit !($NF == 1 && NF == 3) }' "/proc/$p/status" 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

lab_boot() { # MACHINE: start its container and wait until multi-user.target is reached
  local m=$1 t0 pid
  lab_known_machine "$m" || return 1
  if pid=$(lab_nspawn_pid "$m") && lab_alive "$pid"; then
    lab_die "$m is already running (nspawn pid $pid)"
    return 1
  fi
  t0=$(date +%s.%N)
  (
    lab_cgroup_enter "$m" "$BASHPID"
    exec systemd-nspawn --quiet --boot --directory="$(lab_root "$m")" --machine="$m" \
      --register=no --keep-unit --link-journal=no --resolv-conf=off --timezone=off \
      --network-namespace-path="/run/netns/$(lab_ns "$m")" \
      --console=read-only </dev/null >>"$LAB_DIR/$m.console.log" 2>&1
  ) &
  echo $! >"$LAB_DIR/$m.nspawn.pid"
  lab_wait_running "$m" || return 1
  lab_log "$m: multi-user after $(lab_since "$t0") s"
}

lab_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

lab_wait_running() { # MACHINE
  local m=$1 deadline state
  deadline=$((SECONDS + LAB_BOOT_TIMEOUT))
  while :; do
    lab_alive "$(lab_nspawn_pid "$m")" ||
      { tail -n 30 "$LAB_DIR/$m.console.log" >&2; lab_die "$m: nspawn exited during boot"; return 1; }
    if lab_pid1 "$m" >/dev/null; then
      # --wait blocks while "starting"; it fails (no bus yet) very early in boot.
      state=$(lab_exec "$m" timeout 10 systemctl is-system-running --wait 2>/dev/null) || true
      case "$state" in
        running) return 0 ;;
        degraded)
          lab_log "$m: degraded; failed units:"
          lab_exec "$m" systemctl --failed --no-legend >&2 || true
          return 0 ;;
      esac
    fi
    [ "$SECONDS" -lt "$deadline" ] ||
      { tail -n 30 "$LAB_DIR/$m.console.log" >&2; lab_die "$m: not up after ${LAB_BOOT_TIMEOUT}s (state: ${state:-none})"; return 1; }
    sleep 0.5
  done
}

lab_poweroff() { # MACHINE: orderly shutdown; returns when the container is gone
  local m=$1 pid deadline
  pid=$(lab_nspawn_pid "$m") || lab_die "$m was never booted" || return 1
  lab_alive "$pid" || return 0
  lab_exec "$m" systemctl poweroff --no-block >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + 60))
  while lab_alive "$pid"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      lab_log "$m: no power-off after 60 s, killing"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    sleep 0.2
  done
  wait "$pid" 2>/dev/null || true
  rm -f "$LAB_DIR/$m.nspawn.pid"
}

# ---------------------------------------------------------------- getting in
lab_exec() { # MACHINE cmd...: root inside, clean environment, no login session
  local m=$1 p
  shift
  p=$(lab_pid1 "$m") || lab_die "$m: no running container" || return 1
  # --root/--wd without a value: the target's root and cwd (a value would be resolved on
  # the host before entering, leaving the command in a directory outside the container).
  nsenter --target "$p" --all --root --wd \
    /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 TERM=dumb "$@"
}

lab_as_pi() { # MACHINE cmd...: pi inside, with pi's runtime dir, but no PAM, no session
  local m=$1
  shift
  lab_exec "$m" setpriv --reuid=1000 --regid=1000 --init-groups \
    env HOME=/home/pi USER=pi LOGNAME=pi XDG_RUNTIME_DIR=/run/user/1000 \
    DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus "$@"
}

lab_ssh_opts() {
  echo -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes \
    -o UserKnownHostsFile="$LAB_DIR/ssh/known_hosts" -o ConnectTimeout=10 -o LogLevel=ERROR
}

lab_ssh() { # MACHINE cmd...: as with ssh, the words are joined and run by pi's shell
  local m=$1
  shift
  lab_known_machine "$m" || return 1
  # shellcheck disable=SC2046
  ip netns exec "$(lab_ns lab)" ssh $(lab_ssh_opts) -i "$LAB_DIR/ssh/pi_ed25519" \
    "pi@${LAB_ADDR[$m]}" -- "$@"
}

lab_ssh_root() {
  local m=$1
  shift
  lab_known_machine "$m" || return 1
  # shellcheck disable=SC2046
  ip netns exec "$(lab_ns lab)" ssh $(lab_ssh_opts) -i "$LAB_DIR/ssh/root_ed25519" \
    "root@${LAB_ADDR[$m]}" -- "$@"
}

lab_ssh_from() { # SRC DST cmd...: pi on SRC runs ssh pi@DST with pi's own key and known_hosts
  local src=$1 dst=$2
  shift 2
  lab_known_machine "$dst" || return 1
  lab_exec "$src" setpriv --reuid=1000 --regid=1000 --init-groups \
    env HOME=/home/pi USER=pi LOGNAME=pi \
    ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=10 "pi@$dst" -- "$@"
}

lab_sftp_from() { # SRC DST: pi on SRC runs sftp pi@DST, batch commands from stdin
  lab_known_machine "$2" || return 1
  lab_exec "$1" setpriv --reuid=1000 --regid=1000 --init-groups \
    env HOME=/home/pi USER=pi LOGNAME=pi \
    sftp -q -o BatchMode=yes -o StrictHostKeyChecking=yes -b - "pi@$2"
}

lab_copy_in() { # MACHINE SRC DST [OWNER]: DST is the path SRC gets inside the machine
  local m=$1 src=$2 dst=$3 owner=${4:-root}
  [ -e "$src" ] || lab_die "lab_copy_in: no such file: $src" || return 1
  # Streamed through tar inside the machine, so DST resolves against its own root
  # (symlinks such as /lib -> usr/lib included). Parent directories it has to create
  # belong to OWNER too: a root-owned ~/.config would break pi's `systemctl --user`.
  # shellcheck disable=SC2016 # the sh -c script is expanded by the shell inside
  tar -C "$(dirname "$src")" --transform="s|^$(basename "$src")|$(basename "$dst")|" \
    -cf - "$(basename "$src")" |
    lab_exec "$m" sh -c 'set -e
      d=$(dirname "$1"); top=$d
      while [ ! -e "$top" ]; do top=$(dirname "$top"); done
      mkdir -p "$d"
      tar -C "$d" --no-same-owner -xf -
      chown -R "$2:" "$1"
      while [ "$d" != "$top" ]; do chown "$2:" "$d"; d=$(dirname "$d"); done' sh "$dst" "$owner"
}

# ---------------------------------------------------------------- life cycle
lab_up() {
  local m t0
  [ "$(id -u)" -eq 0 ] || lab_die "the lab needs root (nspawn, netns, cgroups)" || return 1
  for m in systemd-nspawn nsenter ip ssh ssh-keygen setpriv pgrep; do
    command -v "$m" >/dev/null || lab_die "$m missing: run scripts/install-deps.sh" || return 1
  done
  lab_gc
  LAB_ROOTFS=$("$LAB_HERE/rootfs.sh" --release "$LAB_RELEASE") || lab_die "rootfs build failed" || return 1
  # Shared lock for the lab's lifetime: rootfs.sh will not delete an image in use.
  exec {LAB_ROOTFS_LOCK}>"$LAB_ROOTFS.inuse"
  flock -s "$LAB_ROOTFS_LOCK"
  LAB_DIR=$(mktemp -d "$LAB_STATE_ROOT/lingercam-lab.XXXXXX")
  LAB_ID=${LAB_DIR##*.}
  lab_proc_id "$$" >"$LAB_DIR/owner"
  # bash skips the EXIT trap when a signal it does not trap kills it: trap them all.
  trap 'lab_teardown' EXIT
  trap 'exit 129' HUP
  trap 'exit 130' INT
  trap 'exit 141' PIPE
  trap 'exit 143' TERM
  lab_log "id $LAB_ID, state in $LAB_DIR, rootfs $LAB_ROOTFS"
  t0=$(date +%s.%N)
  lab_keys
  for m in "${LAB_MACHINES[@]}"; do lab_prepare "$m"; done
  lab_share_known_hosts
  lab_network_up
  lab_log "prepared in $(lab_since "$t0") s"
  t0=$(date +%s.%N)
  for m in "${LAB_MACHINES[@]}"; do lab_boot "$m" || return 1; done
  lab_log "all machines up in $(lab_since "$t0") s"
}

# Stops one lab, given its id and state dir; also used for labs whose test was killed.
lab_destroy() { # ID DIR
  local id=$1 dir=$2 f pid deadline ns
  for f in "$dir"/*.nspawn.pid; do
    [ -e "$f" ] || continue
    pid=$(cat "$f")
    # SIGTERM makes nspawn power the container off in order; SIGKILL after 15 s.
    lab_alive "$pid" && kill -TERM "$pid" 2>/dev/null
  done
  deadline=$((SECONDS + 15))
  for f in "$dir"/*.nspawn.pid; do
    [ -e "$f" ] || continue
    pid=$(cat "$f")
    while lab_alive "$pid" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    lab_alive "$pid" && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
  done
  for ns in $(ip netns list 2>/dev/null | awk -v p="lc-$id-" 'index($1, p) == 1 {print $1}'); do
    ip netns delete "$ns" || true
  done
  lab_cgroup_remove "$id"
  # Unmount the machines' overlays (deepest first); --one-file-system below guarantees
  # that a mount left behind is never descended into, so the cached rootfs is safe.
  awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r |
    while read -r f; do umount "$f" 2>/dev/null || umount -l "$f" || true; done
  rm -rf --one-file-system "$dir"
}

lab_save_logs() { # DIR: each machine's console output and journal of this boot
  local m
  mkdir -p "$1"
  for m in "${LAB_MACHINES[@]}"; do
    cp "$LAB_DIR/$m.console.log" "$1/" 2>/dev/null || true
    lab_exec "$m" journalctl --no-pager -o short-precise >"$1/$m.journal.txt" 2>&1 || true
  done
  lab_log "logs saved in $1"
}

lab_teardown() {
  [ -n "$LAB_DIR" ] && [ -d "$LAB_DIR" ] || return 0
  if [ -n "${LAB_LOG_DIR:-}" ]; then lab_save_logs "$LAB_LOG_DIR" || true; fi
  lab_log "teardown $LAB_ID"
  lab_destroy "$LAB_ID" "$LAB_DIR"
  LAB_DIR=""
  if [ -n "${LAB_ROOTFS_LOCK:-}" ]; then exec {LAB_ROOTFS_LOCK}>&-; LAB_ROOTFS_LOCK=""; fi
}

# "PID STARTTIME": names one process for good, even after its pid is reused.
lab_proc_id() { echo "$1 $(awk '{ sub(/^.*\) /, ""); print $20 }' "/proc/$1/stat" 2>/dev/null)"; }

lab_gc() { # remove what killed test runs left behind (their owner process is gone)
  local dir owner
  for dir in "$LAB_STATE_ROOT"/lingercam-lab.*; do
    [ -d "$dir" ] || continue
    owner=$(cat "$dir/owner" 2>/dev/null || true)
    # Alive (not a zombie) and still the same process: a lab in use by another test.
    if [ -n "$owner" ] && lab_alive "${owner%% *}" && [ "$(lab_proc_id "${owner%% *}")" = "$owner" ]; then
      continue
    fi
    lab_log "removing stale lab ${dir##*.}"
    lab_destroy "${dir##*.}" "$dir"
  done
}
