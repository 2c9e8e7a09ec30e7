#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Where a round's time goes on a shaped link: one lingercam-pull round with -v over the
# same link as bench_pull.sh: its log with millisecond times (connect, "session up", the
# newest frame, the backfill per day, "plan complete", "all frames in", the .pulled write,
# a rate line a second), then the wall time beside `ssh true` and the tar stream.
#   trace_round.sh [path/to/lingercam-pull] [RATE,RTT_MS,FRAMES]   (default 50mbit,200,120)
# MODE=latest traces a round of --mode latest.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PULL=$(realpath "${1:-$here/../../build/pull/lingercam-pull}")
LINK=${2:-50mbit,200,120}
[ "$(id -u)" = 0 ] || { echo "trace_round: needs root (network namespaces)" >&2; exit 2; }
IFS=, read -r rate rtt frames <<<"$LINK"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lingercam-trace-XXXXXX")
. "$here/shaped-link.sh"
. "$here/bench-lib.sh"
trap 'link_down; rm -rf "$WORK"' EXIT
link_up "$rate" "$rtt" "$WORK"
make_store "$WORK/store" "$frames"
{
	printf 'active_hours = "always"\nciphers = "aes128-gcm@openssh.com"\n'
	source_toml trace "$SSHD_PORT" "$WORK/sshd" "$WORK/store" "$WORK/dest"
} > "$WORK/pull.toml"
start=$(date +%s.%N)
"${LINK_RUN[@]}" "$PULL" --config "$WORK/pull.toml" -v once ${MODE:+--mode "$MODE"} >"$WORK/log" 2>&1 || { cat "$WORK/log"; exit 1; }
end=$(date +%s.%N)
cut -c12-220 "$WORK/log" | tail -${TRACE_LINES:-60}
printf 'trace_round: %s, %s frames: %.2f s wall\n' "$LINK" "$frames" "$(echo "$end - $start" | bc -l)"
# For comparison: an ssh login that runs nothing (connect, key exchange, authentication,
# a session), and the tar stream, on the same link.
SSH=(ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -i "$WORK/sshd/client_key" -c aes128-gcm@openssh.com
	-o UserKnownHostsFile="$WORK/sshd/known_hosts" -o StrictHostKeyChecking=yes -o LogLevel=ERROR -p "$SSHD_PORT")
for what in "ssh true" "ssh tar c | tar x"; do
	rm -rf "$WORK/tar" && mkdir -p "$WORK/tar"
	start=$(date +%s.%N)
	if [ "$what" = "ssh true" ]; then
		"${LINK_RUN[@]}" "${SSH[@]}" "$(id -un)@127.0.0.1" true
	else
		"${LINK_RUN[@]}" bash -c "${SSH[*]} $(id -un)@127.0.0.1 'tar c -C $WORK/store .' | tar x -C $WORK/tar"
	fi
	end=$(date +%s.%N)
	printf 'trace_round: %s: %.2f s wall\n' "$what" "$(echo "$end - $start" | bc -l)"
done
