#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Smoke test of the e2e lab, and of the bug lingercam exists for, without lingercam:
# a user service started over ssh dies about ten seconds after logout unless the user
# lingers; with lingering it survives logout and comes back at boot with nobody logged in.
# Also: pi's user journal is readable by pi, and pi on pullpi reaches capturepi over ssh
# and SFTP (what lingercam-pull will do).
#
#   sudo tests/e2e/systemd/smoke.sh        (about a minute with the rootfs cached)
#
# Ends with "smoke: N passed, M failed"; exits non-zero if anything failed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lab.sh
source "$here/lab.sh"
# shellcheck source=checks.sh
source "$here/checks.sh"

# State of pi's sleeper on MACHINE, looked at from outside: no login, so no session that
# would itself start pi's user manager. Prints active | inactive | no-manager | ...
sleeper_state() {
  if [ "$(lab_exec "$1" systemctl is-active user@1000.service 2>/dev/null)" != active ]; then
    echo no-manager
    return
  fi
  lab_as_pi "$1" systemctl --user is-active sleeper.service 2>/dev/null || true
}

# Waits up to TIMEOUT s for sleeper_state to become WANT; prints the seconds it took.
wait_sleeper() { # MACHINE WANT TIMEOUT
  local t0 s
  t0=$(now)
  while :; do
    s=$(sleeper_state "$1")
    if [ "$s" = "$2" ] || { [ "$2" = stopped ] && [ "$s" != active ]; }; then
      lab_since "$t0"
      return 0
    fi
    if awk -v a="$t0" -v b="$(now)" -v t="$3" 'BEGIN { exit !(b - a > t) }'; then
      echo "timeout($s)"
      return 1
    fi
    sleep 0.5
  done
}

pi_sessions() { # MACHINE -> number of logind sessions pi has
  lab_exec "$1" loginctl list-sessions --no-legend 2>/dev/null | awk '$3 == "pi"' | wc -l
}

wait_no_sessions() { # MACHINE: logout is asynchronous in logind
  local i
  for i in $(seq 1 40); do
    [ "$(pi_sessions "$1")" -eq 0 ] && return 0
    sleep 0.25
  done
  return 1
}

t_all=$(now)
t=$(now)
lab_up
timed "lab up (rootfs, 2 machines to multi-user)" "$t"

# ------------------------------------------------------------------ the lab itself
check "host namespace has no lab address" \
  bash -c '! ip -o addr show | grep -q "10\.77\."'
check "capturepi has its hostname" test "$(lab_exec capturepi hostname)" = capturepi
check "pullpi has its hostname" test "$(lab_exec pullpi hostname)" = pullpi
check "the image does not linger anyone" \
  test -z "$(lab_exec capturepi ls -A /var/lib/systemd/linger 2>/dev/null)"
# shellcheck disable=SC2016 # expanded by pi's shell on capturepi
check "ssh login as pi on capturepi is a logind session" \
  test "$(lab_ssh capturepi 'loginctl show-session "$XDG_SESSION_ID" -p Name --value')" = pi
check "ssh as root on pullpi" test "$(lab_ssh_root pullpi id -u)" = 0
check "pi ssh pullpi -> capturepi" \
  test "$(lab_ssh_from pullpi capturepi hostname </dev/null)" = capturepi
check "pi ssh capturepi -> pullpi" \
  test "$(lab_ssh_from capturepi pullpi hostname </dev/null)" = pullpi
sftp_lists_keys() { # (not "| grep -q": with pipefail, sftp's SIGPIPE would fail it)
  local out
  out=$(echo 'ls -a /home/pi/.ssh' | lab_sftp_from pullpi capturepi) && grep -q authorized_keys <<<"$out"
}
check "pi sftp pullpi -> capturepi" sftp_lists_keys
wait_no_sessions capturepi || true

# ------------------------------------------------------------------ without lingering
t=$(now)
lab_ssh capturepi 'set -e
  mkdir -p ~/.config/systemd/user
  cat > ~/.config/systemd/user/sleeper.service <<EOF
[Unit]
Description=lingercam smoke sleeper

[Service]
ExecStartPre=/bin/echo sleeper-marker: starting
ExecStart=/bin/sleep infinity

[Install]
WantedBy=default.target
EOF
  systemctl --user daemon-reload
  systemctl --user enable --now sleeper.service 2>/dev/null
  systemctl --user is-active sleeper.service' >/dev/null
t_logout=$(now)
check "linger is off for pi" \
  test "$(lab_exec capturepi loginctl show-user pi -p Linger --value 2>/dev/null || echo gone)" != yes
if stop_after=$(wait_sleeper capturepi stopped 40); then
  stop_after=$(lab_since "$t_logout")
  echo "sleeper stopped ${stop_after} s after logout (no lingering)"
  check "without lingering the service stops 5-30 s after logout (${stop_after} s)" \
    awk -v s="$stop_after" 'BEGIN { exit !(s >= 5 && s <= 30) }'
else
  bad "without lingering the service stops after logout (still $(sleeper_state capturepi) after 40 s)"
fi
timed "no-linger: start, log out, wait for stop" "$t"

# Any new session starts the user manager and with it the enabled service again: this is
# why a cron job's ssh login seems to "fix" a daemon that is really dying at every logout.
# shellcheck disable=SC2016
check "a new ssh login brings the enabled service back" \
  test "$(lab_ssh capturepi 'for i in $(seq 20); do systemctl --user is-active -q sleeper && break; sleep 0.25; done
    systemctl --user is-active sleeper')" = active

# ------------------------------------------------------------------ with lingering
t=$(now)
# As the installer will: pi enables its own lingering (polkit allows set-self-linger).
check "pi can enable its own lingering over ssh" \
  lab_ssh capturepi 'loginctl enable-linger && systemctl --user start sleeper.service'
check "linger is on for pi" \
  test "$(lab_exec capturepi loginctl show-user pi -p Linger --value)" = yes
check "logind records the linger flag file" lab_exec capturepi test -e /var/lib/systemd/linger/pi
check "pi's sessions all closed after logout" wait_no_sessions capturepi
held=yes
for i in $(seq 1 20); do
  sleep 1
  s=$(sleeper_state capturepi)
  if [ "$s" != active ]; then held="no: $s after ${i} s"; break; fi
done
check "with lingering the service is still active 20 s after logout ($held)" test "$held" = yes
timed "linger: log out, hold 20 s" "$t"

# ------------------------------------------------------------------ user journal
journal=$(lab_ssh capturepi 'journalctl --user -u sleeper.service --no-pager -o cat' 2>&1 || true)
check "pi reads its own user journal (journalctl --user -u sleeper)" \
  grep -q 'sleeper-marker: starting' <<<"$journal"
not_privileged_reader() { ! grep -qwE 'systemd-journal|adm' <<<"$(lab_exec capturepi id -nG pi)"; }
check "... without being in systemd-journal or adm" not_privileged_reader

# ------------------------------------------------------------------ power cycle
t=$(now)
lab_poweroff capturepi
timed "capturepi power-off" "$t"
t=$(now)
lab_boot capturepi
timed "capturepi boot to multi-user" "$t"
t=$(now)
if came=$(wait_sleeper capturepi active 30); then
  check "after boot, with lingering and no login, the service is active (+${came} s)" true
else
  bad "after boot, with lingering and no login, the service is active ($came)"
fi
timed "boot -> lingering user's service active" "$t"
check "... and really nobody logged in" test "$(pi_sessions capturepi)" -eq 0
# What lingercam's daemons will use with nobody logged in: logind's Linger property on the
# system bus, and pi's own user bus (dbus-user-session).
check "pi reads Linger=true from logind over D-Bus, no login" \
  test "$(lab_as_pi capturepi busctl get-property org.freedesktop.login1 \
    /org/freedesktop/login1/user/_1000 org.freedesktop.login1.User Linger)" = "b true"
check "pi's user bus is up with no login" lab_as_pi capturepi busctl --user status --no-pager -q
check "the user journal survived the reboot (two starts of sleeper recorded)" \
  test "$(lab_as_pi capturepi journalctl --user -u sleeper.service --no-pager -o cat |
    grep -c 'sleeper-marker: starting')" -ge 2

check "pi ssh pullpi -> capturepi after the reboot" \
  test "$(lab_ssh_from pullpi capturepi hostname </dev/null)" = capturepi

timed "whole smoke run" "$t_all"
checks_summary smoke
