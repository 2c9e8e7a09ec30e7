#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds the libFuzzer programs of tests/fuzz with clang in build/fuzz and runs them: the
# SFTP client against a server that answers as the fuzzer chooses, the SFTP reply parsers,
# and the name policy. Prints, per fuzzer: executions, executions per second, cov (code
# edges reached) and ft (libFuzzer's finer features: edges with hit counts), and the result.
#
# Usage: scripts/fuzz.sh [options] [TARGET...]      (TARGET: sftp_client sftp_replies name_policy config)
#   --time SECONDS   how long each fuzzer runs (default 60; at least 1)
#   --build-only     build, run nothing
#   --no-build       use build/fuzz as it is
#   --coverage       afterwards, replay each corpus in a coverage build (build/fuzz-cov) and
#                    print the line coverage of every pull/ file it reaches
#   --coverage-only  that report alone, for the corpora as they are (no build, no run)
#   --merge          after this run, add what it found (minimised) to tests/fuzz/corpus/TARGET
# Each run starts from tests/fuzz/corpus/TARGET plus what earlier runs found (kept in
# build/fuzz/corpus/TARGET). A finding stops the run, exit 1, and names the input: copy it
# into tests/fuzz/corpus/TARGET as a regression input once fixed (every build replays it).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
all_targets=(sftp_client sftp_replies name_policy config)
seconds=60 build=yes run=yes coverage=no merge=no targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz: --time needs whole seconds, at least 1" >&2; exit 2; }
            seconds=$2; shift 2 ;;
    --build-only) run=no; shift ;;
    --no-build) build=no; shift ;;
    --coverage) coverage=yes; shift ;;
    --coverage-only) coverage=yes build=no run=no; shift ;;
    --merge) merge=yes; shift ;;
    -h|--help) sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) [[ " ${all_targets[*]} " == *" $1 "* ]] || { echo "fuzz: no target '$1' (${all_targets[*]})" >&2; exit 2; }
       targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
command -v clang++ >/dev/null || { echo "fuzz: clang++ missing (scripts/install-deps.sh installs it)" >&2; exit 2; }

out="$repo/build/fuzz"
export CCACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/lingercam/ccache"
configure() { # DIR extra-cmake-options...
  local dir=$1; shift
  mkdir -p "$dir"
  CXX=clang++ cmake -S "$repo" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLINGERCAM_WERROR=ON \
    -DLINGERCAM_BUILD_TESTS=OFF -DLINGERCAM_BUILD_BENCH=OFF -DCMAKE_CXX_COMPILER_LAUNCHER=ccache "$@" \
    >"$dir/configure.log" 2>&1 || { cat "$dir/configure.log" >&2; exit 1; }
}
if [ "$build" = yes ]; then
  start=$(date +%s)
  configure "$out" -DLINGERCAM_BUILD_FUZZERS=ON
  cmake --build "$out" --target fuzzers -j"$(nproc)" >"$out/build.log" 2>&1 || { cat "$out/build.log" >&2; exit 1; }
  echo "fuzz: built ${all_targets[*]} with $(clang++ --version | head -1) in $(( $(date +%s) - start )) s"
fi
status=0
[ "$run" = yes ] && printf '%-14s %12s %10s %8s %8s %s\n' fuzzer executions exec/s cov ft result
for t in "${targets[@]}"; do
  [ "$run" = yes ] || break
  fuzzer="$out/tests/fuzz/${t}_fuzzer"
  [ -x "$fuzzer" ] || { echo "fuzz: no $fuzzer (run without --no-build)" >&2; exit 2; }
  work="$out/corpus/$t" findings="$out/findings"
  mkdir -p "$work" "$findings"
  log="$out/$t.log"
  # -malloc_limit_mb: one allocation past 64 MiB is a finding (the client's bounds are far
  # below); -timeout: an input that runs 10 s is one (a hang).
  rc=0
  "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 -malloc_limit_mb=64 \
    -print_final_stats=1 -artifact_prefix="$findings/$t-" "$work" "$repo/tests/fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  if [ $rc -eq 0 ]; then result="no finding in ${seconds} s"; else
    result="FINDING (exit $rc): $(ls -t "$findings/$t-"* 2>/dev/null | head -1)"; status=1
  fi
  printf '%-14s %12s %10s %8s %8s %s\n' "$t" "${runs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" "$result"
  if [ $rc -ne 0 ]; then
    grep -E 'ERROR|contract broken|SUMMARY' "$log" | head -5 >&2 || true
    echo "fuzz: log $log; once fixed, keep the input: cp FILE $repo/tests/fuzz/corpus/$t/" >&2
  fi
  if [ "$merge" = yes ] && [ $rc -eq 0 ]; then
    "$fuzzer" -merge=1 "$repo/tests/fuzz/corpus/$t" "$work" >"$out/$t.merge.log" 2>&1
    echo "fuzz: $t corpus: $(ls "$repo/tests/fuzz/corpus/$t" | wc -l) inputs in tests/fuzz/corpus/$t"
  fi
done

if [ "$coverage" = yes ]; then
  cov="$repo/build/fuzz-cov"
  configure "$cov" -DLINGERCAM_BUILD_TESTS=ON -DCMAKE_CXX_FLAGS="-fprofile-instr-generate -fcoverage-mapping" \
    -DCMAKE_EXE_LINKER_FLAGS="-fprofile-instr-generate"
  objects=()
  for t in "${targets[@]}"; do
    cmake --build "$cov" --target "${t}_replay" -j"$(nproc)" >"$cov/build-$t.log" 2>&1 || { cat "$cov/build-$t.log" >&2; exit 1; }
    LLVM_PROFILE_FILE="$cov/$t.profraw" ASAN_OPTIONS=detect_leaks=0 \
      "$cov/tests/fuzz/${t}_replay" "$repo/tests/fuzz/corpus/$t" $( [ -d "$out/corpus/$t" ] && echo "$out/corpus/$t" ) >/dev/null 2>&1
    objects+=(-object "$cov/tests/fuzz/${t}_replay")
  done
  llvm-profdata merge -sparse "$cov"/*.profraw -o "$cov/all.profdata"
  echo "fuzz: line coverage of the code the corpora reach (llvm-cov):"
  llvm-cov report "${objects[@]:1}" -instr-profile="$cov/all.profdata" "$repo/pull" | sed "s|$repo/||"
fi
exit $status
