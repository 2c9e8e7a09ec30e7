#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Many cameras at once: SOURCES sources (default 20) catching up one day each (1,440
# frames of 250 KB) at the same time, on loopback, in one lingercam-pull process. Prints
# the wall time, the throughput and the peak RSS (the kernel's, wait4), and checks every
# mirror byte for byte. The sources share one camera store (one sshd), each with a mirror
# of its own: what is measured is the viewer.
#   bench_sources.sh [path/to/lingercam-pull] [runs]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PULL=$(realpath "${1:-$here/../../build/pull/lingercam-pull}")
RUNS=${2:-1}
SOURCES=${SOURCES:-20}
FRAMES=${FRAMES:-1440}
[ -x "$PULL" ] || { echo "bench_sources: no lingercam-pull at $PULL (build it first)" >&2; exit 2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lingercam-sources-XXXXXX")
. "$here/../../scripts/loopback-sshd.sh"
. "$here/bench-lib.sh"
trap 'stop_loopback_sshd; rm -rf "$WORK"' EXIT
start_loopback_sshd "$WORK/sshd"
make_store "$WORK/store" "$FRAMES"
{
	echo 'active_hours = "always"'
	echo 'ciphers = "aes128-gcm@openssh.com"'
	for i in $(seq "$SOURCES"); do
		source_toml "cam$i" "$SSHD_PORT" "$WORK/sshd" "$WORK/store" "$WORK/mirrors/cam$i"
	done
} > "$WORK/pull.toml"
want=$(cd "$WORK/store" && find . -name '*.jpg' -type f | sort | xargs cat | md5sum)
bytes=$(du -sb --apparent-size "$WORK/store" | cut -f1)
for run in $(seq "$RUNS"); do
	rm -rf "$WORK/mirrors"
	sync
	start=$(date +%s.%N)
	with_rss "$WORK/rss" "$PULL" --config "$WORK/pull.toml" once >"$WORK/log" 2>&1 ||
		{ tail -20 "$WORK/log" >&2; echo "bench_sources: the round failed" >&2; exit 1; }
	end=$(date +%s.%N)
	for i in $(seq "$SOURCES"); do
		got=$(cd "$WORK/mirrors/cam$i" && find . -name '*.jpg' -type f | sort | xargs cat | md5sum)
		[ "$got" = "$want" ] || { echo "bench_sources: mirror cam$i differs from the store" >&2; exit 1; }
	done
	wall=$(echo "$end - $start" | bc -l)
	printf 'bench_sources: %d sources x %d frames (%.1f GB): %.2f s, %.0f MB/s, peak RSS %.1f MiB\n' \
		"$SOURCES" "$FRAMES" "$(echo "$bytes * $SOURCES / 1000000000" | bc -l)" "$wall" \
		"$(echo "$bytes * $SOURCES / 1000000 / $wall" | bc -l)" "$(echo "$(cat "$WORK/rss") / 1024" | bc -l)"
done
