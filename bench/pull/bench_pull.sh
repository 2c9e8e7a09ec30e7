#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Pull benchmark: incompressible frames of 250 KB fetched from an sshd of our own by
# lingercam-pull and by the usual tools, on loopback and over shaped links, in one run,
# one table.
#   bench_pull.sh [path/to/lingercam-pull] [runs]
# LINKS chooses the links (default: all three below), each "loopback" or RATE,RTT_MS,FRAMES:
#   loopback          1,440 frames (one day), sshd on 127.0.0.1
#   100mbit,40,300    300 frames at 100 Mbit/s and 40 ms round trip
#   50mbit,200,120    120 frames at 50 Mbit/s and 200 ms round trip
# A shaped link is two network namespaces and a veth pair: sshd in one, the clients in the
# other, `tc tbf` for the rate and tests/support/delay_proxy.py for the delay, since this
# kernel has no netem (bench/pull/shaped-link.sh; root needed). Every tool uses the same
# cipher (aes128-gcm@openssh.com). Times are medians of RUNS (default 3) runs of fresh
# processes into an empty folder; every run's result is compared with the store, byte for
# byte. "x tar" is the time over the tar stream's, "x floor" over bytes / rate. Peak RSS of
# lingercam-pull is the kernel's (wait4), the largest of the runs. "newest" is the time
# until the newest frame is in the mirror (lingercam-pull --mode latest, with its own
# connection), beside scp of latest.jpg, and the part of it after the SSH session is up
# (authenticated, the channel running the sftp subsystem: the -v log's "session up").
# trace_round.sh shows where one round's time goes.
# BASELINE_PULL=path/to/an/older/lingercam-pull measures that build too, in the same runs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
PULL=$(realpath "${1:-$here/../../build/pull/lingercam-pull}")
RUNS=${2:-3}
LINKS=${LINKS:-loopback 100mbit,40,300 50mbit,200,120}
FRAME_BYTES=${FRAME_BYTES:-250000}
CIPHER=aes128-gcm@openssh.com
[ -x "$PULL" ] || { echo "bench_pull: no lingercam-pull at $PULL (build it first)" >&2; exit 2; }
BASELINE=${BASELINE_PULL:-}
[ -z "$BASELINE" ] || [ -x "$BASELINE" ] || { echo "bench_pull: BASELINE_PULL=$BASELINE is not a program" >&2; exit 2; }
for tool in /usr/sbin/sshd ssh scp sftp rsync tar python3 ssh-keygen bc ip tc; do
	command -v "$tool" >/dev/null || { echo "bench_pull: $tool missing (scripts/install-deps.sh)" >&2; exit 2; }
done
for link in $LINKS; do
	[ "$link" = loopback ] || [[ "$link" =~ ^[0-9]+[kmg]bit,[0-9]+,[0-9]+$ ]] ||
		{ echo "bench_pull: link '$link' is not loopback or RATE,RTT_MS,FRAMES (e.g. 100mbit,40,300)" >&2; exit 2; }
	[ "$link" = loopback ] || [ "$(id -u)" = 0 ] || { echo "bench_pull: shaped links need root (network namespaces)" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/lingercam-bench-XXXXXX")
. "$here/shaped-link.sh"
. "$here/bench-lib.sh"
cleanup() {
	link_down
	rm -rf "$WORK"
}
trap cleanup EXIT
USER_NAME=$(id -un)

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

declare -A TIMES PEAK AFTER
ROWS=()
for link in $LINKS; do
	dir="$WORK/$link"
	mkdir -p "$dir"
	if [ "$link" = loopback ]; then
		frames=1440 rate_bits=0 label="loopback"
		start_loopback_sshd "$dir/sshd"
		RUN=()
	else
		IFS=, read -r rate rtt frames <<<"$link"
		label="$rate, ${rtt} ms RTT"
		rate_bits=$(echo "$rate" | sed 's/kbit/*1000/; s/mbit/*1000000/; s/gbit/*1000000000/' | bc)
		link_up "$rate" "$rtt" "$dir"
		RUN=("${LINK_RUN[@]}")
	fi
	PORT=$SSHD_PORT
	STORE="$dir/camera/store"
	make_store "$STORE" "$frames"
	TOTAL_BYTES=$((frames * FRAME_BYTES))
	DEST="$dir/dest"
	KEYS="$dir/sshd"
	SSH_OPTS=(-F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -i "$KEYS/client_key" -c "$CIPHER"
		-o UserKnownHostsFile="$KEYS/known_hosts" -o StrictHostKeyChecking=yes -o LogLevel=ERROR)
	SSH_CMD="ssh ${SSH_OPTS[*]} -p $PORT"
	{
		printf 'active_hours = "always"\nciphers = "%s"\n' "$CIPHER"
		source_toml bench "$PORT" "$KEYS" "$STORE" "$DEST"
	} > "$dir/pull.toml"

	fresh() { rm -rf "$DEST"; mkdir -p "$DEST"; sync; }
	# name expected-frames command...: one timed run, its peak RSS, and its result checked.
	measure() {
		local name=$1 expect=$2; shift 2
		fresh
		local start end
		start=$(date +%s.%N)
		with_rss "$WORK/rss" "${RUN[@]}" "$@" >"$dir/out.log" 2>&1 || { echo "bench_pull: '$name' failed ($label):" >&2; cat "$dir/out.log" >&2; exit 1; }
		end=$(date +%s.%N)
		TIMES[$link/$name]="${TIMES[$link/$name]:-} $(echo "$end - $start" | bc -l)"
		local rss; rss=$(cat "$WORK/rss")
		[ "${PEAK[$link/$name]:-0}" -ge "$rss" ] || PEAK[$link/$name]=$rss
		if [ "$expect" = all ]; then
			# The years, wherever the tool put them (rsync into DEST, sftp and scp into DEST/store).
			local year got
			for year in $(ls "$STORE" | grep -E '^[0-9]{4}$'); do
				got=$(find "$DEST" -maxdepth 2 -type d -name "$year" | head -1)
				[ -n "$got" ] && diff -rq "$STORE/$year" "$got" >/dev/null ||
					{ echo "bench_pull: '$name' ($label): the copy differs from the store ($year)" >&2; exit 1; }
			done
		else
			cmp -s "$STORE/$(readlink "$STORE/latest.jpg")" "$DEST/$expect" ||
				{ echo "bench_pull: '$name' ($label): the newest frame differs" >&2; exit 1; }
		fi
	}
	newest=$(readlink "$STORE/latest.jpg")
	PEERS=("lingercam-pull")
	[ -z "$BASELINE" ] || PEERS+=("lingercam-pull (baseline)")
	PEERS+=("rsync -a" "rsync -a --fsync" "sftp -r" "scp -r" "ssh tar c | tar x")
	for run in $(seq "$RUNS"); do
		echo "bench_pull: $label, run $run of $RUNS" >&2
		measure "lingercam-pull" all "$PULL" --config "$dir/pull.toml" once
		[ -z "$BASELINE" ] || measure "lingercam-pull (baseline)" all "$BASELINE" --config "$dir/pull.toml" once
		measure "rsync -a" all rsync -a -e "$SSH_CMD" "$USER_NAME@127.0.0.1:$STORE/" "$DEST/"
		measure "rsync -a --fsync" all rsync -a --fsync -e "$SSH_CMD" "$USER_NAME@127.0.0.1:$STORE/" "$DEST/"
		measure "sftp -r" all sftp -q "${SSH_OPTS[@]}" -P "$PORT" -r "$USER_NAME@127.0.0.1:$STORE" "$DEST/"
		measure "scp -r" all scp -q "${SSH_OPTS[@]}" -P "$PORT" -r "$USER_NAME@127.0.0.1:$STORE" "$DEST/"
		measure "ssh tar c | tar x" all bash -c "$SSH_CMD $USER_NAME@127.0.0.1 'tar c -C $STORE .' | tar x -C $DEST"
		measure "newest: lingercam-pull --mode latest" "$newest" "$PULL" --config "$dir/pull.toml" -v once --mode latest
		# From the SSH session up (authenticated, its channel running the sftp subsystem) to the
		# frame in the mirror.
		AFTER[$link]="${AFTER[$link]:-} $(awk '/session up peer=/ && !a {a=$2} /fetched the newest frame/ {b=$2}
			function ms(t) { split(t, p, ":"); return (p[1] * 3600 + p[2] * 60 + p[3]) * 1000 }
			END { printf "%d", ms(b) - ms(a) }' "$dir/out.log")"
		measure "newest: scp latest.jpg" "latest.jpg" scp -q "${SSH_OPTS[@]}" -P "$PORT" "$USER_NAME@127.0.0.1:$STORE/latest.jpg" "$DEST/latest.jpg"
	done

	tar_time=$(median "${TIMES[$link/ssh tar c | tar x]}")
	floor=-
	[ "$rate_bits" = 0 ] || floor=$(echo "$TOTAL_BYTES * 8 / $rate_bits" | bc -l)
	for p in "${PEERS[@]}" "newest: lingercam-pull --mode latest" "newest: scp latest.jpg"; do
		m=$(median "${TIMES[$link/$p]}")
		x_tar=- x_floor=- rss=-
		[[ "$p" == newest* ]] || x_tar=$(printf '%.2f' "$(echo "$m / $tar_time" | bc -l)")
		[[ "$p" == newest* ]] || [ "$floor" = - ] || x_floor=$(printf '%.2f' "$(echo "$m / $floor" | bc -l)")
		[[ "$p" != lingercam-pull* && "$p" != "newest: lingercam-pull"* ]] || rss=$(printf '%.1f' "$(echo "${PEAK[$link/$p]} / 1024" | bc -l)")
		ROWS+=("$(printf '%-26s %-6s %-38s %9.2f %7s %8s %9s' "$label" "$frames" "$p" "$m" "$x_tar" "$x_floor" "$rss")")
	done
	[ "$floor" = - ] || ROWS+=("$(printf '%-26s %-6s %-38s %9.2f' "$label" "$frames" "floor: bytes / rate" "$floor")")
	after=$(median "${AFTER[$link]}")
	rtt_note=""
	[ "$rate_bits" = 0 ] || rtt_note=$(printf ' = %.1f round trips of %s ms' "$(echo "$after / $rtt" | bc -l)" "$rtt")
	ROWS+=("$(printf '%-26s %-6s %-38s %9.2f   (%d ms%s)' "$label" "$frames" "newest: after the SSH session is up" "$(echo "$after / 1000" | bc -l)" "$after" "$rtt_note")")
	link_down
	stop_loopback_sshd
done

printf '\nlingercam-pull benchmark: frames of %d B, cipher %s for every tool, median of %d runs (%s)\n' \
	"$FRAME_BYTES" "$CIPHER" "$RUNS" "$(ssh -V 2>&1 | cut -d, -f1)"
printf '%-26s %-6s %-38s %9s %7s %8s %9s\n' link frames tool "wall (s)" "x tar" "x floor" "RSS (MiB)"
printf '%s\n' "${ROWS[@]}"
