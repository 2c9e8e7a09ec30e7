# shellcheck shell=bash
# SPDX-License-Identifier: BSD-2-Clause
# What the lab's tests (e2e_test.sh, deb_test.sh, smoke.sh) share: counting checks, waiting
# for a state, timing steps, looking at pi's units without logging in. Source it after
# lab.sh (wait_for and timed use lab_since, unit_prop lab_exec and lab_as_pi).
#
#   check DESCRIPTION cmd...      PASS or FAIL by cmd's exit status (ok / bad say it directly)
#   evidence [N] <<<TEXT          the last N lines of what proves a check, indented
#   wait_for TIMEOUT cmd...       polls cmd every half second; prints the seconds it took
#   waits TIMEOUT cmd...          the same, quietly (for check)
#   check_wait TIMEOUT DESC cmd...  PASS when cmd succeeds within TIMEOUT s, saying when
#   timed NAME T0                 notes a step's time since T0 (now) for checks_summary
#   unit_prop MACHINE UNIT PROP   a property of one of pi's units, "no-manager" when pi's
#                                 user manager is not running
#   frames_in MACHINE DIR         the number of frames in a store
#   test_capture_toml FILE NAME   the tests' capture.toml: the test pattern, 2 s, small frames
#   checks_summary NAME           the timings, then "NAME: N passed, M failed"; fails if any did

passed=0
failed=0
declare -a timings=()
ok() { passed=$((passed + 1)); echo "PASS: $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() { # DESCRIPTION cmd...
  local what=$1
  shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}
evidence() { sed 's/^/    | /' | tail -n "${1:-8}"; } # indent what proves a check
now() { date +%s.%N; }
timed() { timings+=("$(printf '%-50s %6s s' "$1" "$(lab_since "$2")")"); }

wait_for() { # TIMEOUT cmd...: polls until cmd succeeds; prints seconds taken
  local t0 timeout=$1
  shift
  t0=$(now)
  until "$@"; do
    if awk -v a="$t0" -v b="$(now)" -v t="$timeout" 'BEGIN { exit !(b - a > t) }'; then
      echo "timeout"
      return 1
    fi
    sleep 0.5
  done
  lab_since "$t0"
}
waits() { wait_for "$@" >/dev/null; } # wait_for, quietly, for check
check_wait() { # TIMEOUT DESCRIPTION cmd...: PASS with the seconds cmd took to succeed, or FAIL
  local timeout=$1 what=$2 took
  shift 2
  if took=$(wait_for "$timeout" "$@"); then ok "$what (+${took} s)"; else bad "$what (not within $timeout s)"; fi
}

# pi's view without logging in (a login would itself start pi's user manager).
unit_prop() { # MACHINE UNIT PROP -> value, "no-manager" when pi's manager is not running
  if [ "$(lab_exec "$1" systemctl is-active user@1000.service 2>/dev/null)" != active ]; then
    echo no-manager
    return
  fi
  lab_as_pi "$1" systemctl --user show "$2" -p "$3" --value 2>/dev/null || echo unknown
}

frames_in() { # MACHINE DIR -> number of frames (latest.jpg and dot files are not frames)
  lab_exec "$1" sh -c "find '$2' -name '*Z*.jpg' ! -name '.*' 2>/dev/null | wc -l"
}

# The capture config of the lab's tests: a 2 s interval on the test pattern (there is no
# camera in a container), small frames. NAME (the test) goes into its first comment line.
test_capture_toml() { # FILE NAME
  cat >"$1" <<EOF
# lingercam $2: test pattern every 2 s
interval = "2s"
source = "testpattern"

[image]
width = 320
height = 240
EOF
}

checks_summary() { # NAME
  echo
  echo "timings:"
  if [ ${#timings[@]} -gt 0 ]; then printf '  %s\n' "${timings[@]}"; fi
  echo
  echo "$1: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
