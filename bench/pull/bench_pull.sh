#!/usr/bin/env bash
# Pull benchmark: one day of frames (1,440 x 250 KB, incompressible) fetched over a loopback
# sshd of its own by lingercam-pull and by the usual tools, in one run, one table.
#   bench_pull.sh [path/to/lingercam-pull] [runs]
# Times are medians of RUNS (default 3) wall-clock runs of fresh processes, each into an
# empty destination; the source files stay in the page cache for every peer alike. Peak RSS
# of lingercam-pull is the kernel's (wait4), the largest of the runs.
# BASELINE_PULL=path/to/an/older/lingercam-pull measures that build too, in the same runs,
# so a change is seen side by side with what it replaced.
set -euo pipefail

PULL=${1:-$(dirname "$0")/../../build/pull/lingercam-pull}
RUNS=${2:-3}
FRAMES=${FRAMES:-1440}
FRAME_BYTES=${FRAME_BYTES:-250000}
[ -x "$PULL" ] || { echo "bench_pull: no lingercam-pull at $PULL (build it first)" >&2; exit 2; }
BASELINE=${BASELINE_PULL:-}
[ -z "$BASELINE" ] || [ -x "$BASELINE" ] || { echo "bench_pull: BASELINE_PULL=$BASELINE is not a program" >&2; exit 2; }
for tool in /usr/sbin/sshd ssh scp sftp rsync tar python3 ssh-keygen; do
	command -v "$tool" >/dev/null || { echo "bench_pull: $tool missing (scripts/install-deps.sh)" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/lingercam-bench-XXXXXX")
. "$(dirname "$0")/../../scripts/loopback-sshd.sh"
cleanup() {
	stop_loopback_sshd
	rm -rf "$WORK"
}
trap cleanup EXIT

# --- a loopback sshd of our own -------------------------------------------------------
start_loopback_sshd "$WORK"
PORT=$SSHD_PORT
USER_NAME=$(id -un)

# --- one day of frames ------------------------------------------------------------------
STORE="$WORK/camera/store"
python3 - "$STORE" "$FRAMES" "$FRAME_BYTES" <<'PY'
import os, sys
store, frames, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
day = os.path.join(store, "2026", "11", "23")
os.makedirs(day, exist_ok=True)
for i in range(frames):
    t = i * 86400 // frames  # spread over the day: one a minute for 1,440 frames
    name = "20261123T%02d%02d%02dZ.jpg" % (t // 3600, t // 60 % 60, t % 60)
    with open(os.path.join(day, name), "wb") as f:
        f.write(b"\xff\xd8" + os.urandom(size - 4) + b"\xff\xd9")
last = sorted(os.listdir(day))[-1]
os.symlink("2026/11/23/" + last, os.path.join(store, "latest.jpg"))
PY
NEWEST=$(readlink "$STORE/latest.jpg")
TOTAL_BYTES=$((FRAMES * FRAME_BYTES))

SSH_OPTS=(-F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -i "$WORK/client_key"
	-o UserKnownHostsFile="$WORK/known_hosts" -o StrictHostKeyChecking=yes -o LogLevel=ERROR)
SSH_CMD="ssh ${SSH_OPTS[*]} -p $PORT"
DEST="$WORK/dest"

cat > "$WORK/pull.toml" <<TOML
active_hours = "always"
[[source]]
name = "bench"
host = "127.0.0.1"
port = $PORT
user = "$USER_NAME"
identity = "$WORK/client_key"
known_hosts = "$WORK/known_hosts"
ssh_config = "none"
remote_store = "$STORE"
local_store = "$DEST"
TOML

# --- measurements -------------------------------------------------------------------------
declare -A TIMES PEAK
fresh() { rm -rf "$DEST"; mkdir -p "$DEST"; sync; }
# Runs a command and writes its peak RSS in KiB (the kernel's ru_maxrss) to $WORK/rss.
with_rss() {
	python3 -c 'import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
open(sys.argv[1], "w").write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status) & 255)' "$WORK/rss" "$@"
}
measure() { # name command...
	local name=$1; shift
	fresh
	local start end
	start=$(date +%s.%N)
	with_rss "$@" >"$WORK/out.log" 2>&1 || { echo "bench_pull: '$name' failed:" >&2; cat "$WORK/out.log" >&2; exit 1; }
	end=$(date +%s.%N)
	TIMES[$name]="${TIMES[$name]:-} $(echo "$end - $start" | bc -l)"
	local rss; rss=$(cat "$WORK/rss")
	[ "${PEAK[$name]:-0}" -ge "$rss" ] || PEAK[$name]=$rss
}
check_count() { # name expected-frames
	local n
	n=$(find "$DEST" -name '*.jpg' -type f | wc -l)
	[ "$n" -ge "$2" ] || { echo "bench_pull: $1 left $n frames, expected $2" >&2; exit 1; }
}

PEERS=("lingercam-pull")
[ -z "$BASELINE" ] || PEERS+=("lingercam-pull (baseline)")
PEERS+=("rsync -a -e ssh" "sftp -r" "scp -r" "ssh tar c | tar x" "ssh tar (aes128-gcm)")
NEWEST_PEERS=("lingercam-pull --mode latest" "scp (one file)")
for run in $(seq "$RUNS"); do
	measure "lingercam-pull" "$PULL" --config "$WORK/pull.toml" once
	check_count lingercam-pull "$FRAMES"
	if [ "$run" = 1 ] && ! diff -rq "$STORE/2026" "$DEST/2026" >/dev/null; then
		echo "bench_pull: lingercam-pull's mirror differs from the store" >&2
		exit 1
	fi
	if [ -n "$BASELINE" ]; then
		measure "lingercam-pull (baseline)" "$BASELINE" --config "$WORK/pull.toml" once
		check_count "lingercam-pull (baseline)" "$FRAMES"
	fi
	measure "rsync -a -e ssh" rsync -a -e "$SSH_CMD" "$USER_NAME@127.0.0.1:$STORE/" "$DEST/"
	check_count rsync "$FRAMES"
	measure "sftp -r" sftp -q "${SSH_OPTS[@]}" -P "$PORT" -r "$USER_NAME@127.0.0.1:$STORE" "$DEST/"
	check_count sftp "$FRAMES"
	measure "scp -r" scp -q "${SSH_OPTS[@]}" -P "$PORT" -r "$USER_NAME@127.0.0.1:$STORE" "$DEST/"
	check_count scp "$FRAMES"
	measure "ssh tar c | tar x" bash -c "$SSH_CMD $USER_NAME@127.0.0.1 'tar c -C $STORE .' | tar x -C $DEST"
	check_count tar "$FRAMES"
	measure "ssh tar (aes128-gcm)" bash -c "$SSH_CMD -c aes128-gcm@openssh.com $USER_NAME@127.0.0.1 'tar c -C $STORE .' | tar x -C $DEST"
	check_count tar-gcm "$FRAMES"
	measure "lingercam-pull --mode latest" "$PULL" --config "$WORK/pull.toml" once --mode latest
	check_count "lingercam-pull --mode latest" 1
	measure "scp (one file)" scp -q "${SSH_OPTS[@]}" -P "$PORT" "$USER_NAME@127.0.0.1:$STORE/latest.jpg" "$DEST/latest.jpg"
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# What lingercam-pull negotiated: its debug log names cipher and read size.
fresh
"$PULL" --config "$WORK/pull.toml" -v once --mode latest >"$WORK/v.log" 2>&1 || true
CIPHER=$(grep -o 'cipher=[^ ]*' "$WORK/v.log" | head -1 | cut -d= -f2)
MAXREAD=$(grep -o 'max_read=[0-9]*' "$WORK/v.log" | head -1 | cut -d= -f2)

OPENSSH=$(ssh -V 2>&1 | cut -d, -f1)
printf '\nlingercam-pull benchmark: %d frames x %d B (%s MiB), loopback sshd (%s), median of %d runs\n' \
	"$FRAMES" "$FRAME_BYTES" "$((TOTAL_BYTES / 1048576))" "$OPENSSH" "$RUNS"
printf 'lingercam-pull: cipher %s, read requests of %s B (the server limit, one per frame), 8 MiB of\n' "$CIPHER" "$MAXREAD"
printf '  reads in flight across up to 64 open files, no compression; peers use OpenSSH defaults\n\n'
printf '%-34s %10s %12s %14s\n' "catch-up, one day into an empty dir" "wall (s)" "x lingercam" "peak RSS (MiB)"
BASE=$(median "${TIMES[lingercam-pull]}")
for p in "${PEERS[@]}"; do
	m=$(median "${TIMES[$p]}")
	rss=-
	[[ "$p" != lingercam-pull* ]] || rss=$(echo "scale=1; ${PEAK[$p]} / 1024" | bc -l)
	printf '%-34s %10.2f %12.2f %14s\n' "$p" "$m" "$(echo "$m / $BASE" | bc -l)" "$rss"
done
printf '\n%-34s %10s %12s\n' "newest frame" "wall (s)" "x lingercam"
NBASE=$(median "${TIMES[lingercam-pull --mode latest]}")
for p in "${NEWEST_PEERS[@]}"; do
	m=$(median "${TIMES[$p]}")
	printf '%-34s %10.2f %12.2f\n' "$p" "$m" "$(echo "$m / $NBASE" | bc -l)"
done

RSYNC=$(median "${TIMES[rsync -a -e ssh]}")
SFTP=$(median "${TIMES[sftp -r]}")
SCP1=$(median "${TIMES[scp (one file)]}")
verdict() { if [ "$(echo "$1" | bc -l)" = 1 ]; then echo met; else echo MISSED; fi; }
printf '\ntargets: catch-up no slower than rsync: %s (%.2f s vs %.2f s)\n' "$(verdict "$BASE <= $RSYNC")" "$BASE" "$RSYNC"
printf '         catch-up at least 1.5x faster than sftp -r: %s (%.2fx)\n' "$(verdict "$SFTP / $BASE >= 1.5")" "$(echo "$SFTP / $BASE" | bc -l)"
printf '         newest frame at most 0.75x scp: %s (%.2fx)\n' "$(verdict "$NBASE / $SCP1 <= 0.75")" "$(echo "$NBASE / $SCP1" | bc -l)"
