#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Guest script (busybox sh, inside the camera VM): lingercam-capture beside cam
# (libcamera-tools), each taking the same number of 1920x1080 stills from the
# vimc camera. Writes one tab-separated row per tool and mode to
# $LINGERCAM_OUT/bench.tsv:
#   name  frames  latency_median_ms  latency_max_ms  cpu_ms_per_frame  cpu_ms_total  note
# latency: from asking for a still to its file being there. lingercam-capture:
#   the daemon's own total_ms (capture() called -> JPEG published: fsync'd,
#   renamed, latest.jpg moved). cam, one process per still: the process's wall
#   time (open the camera, configure, two frames, files written; see below).
#   cam streaming: the run's wall time divided by the frames.
# cpu: user+system time; lingercam-capture's per-frame figure is measured
#   between its first and last frame (the daemon stays up; start-up apart),
#   cpu_ms_total includes start-up.
#
# Kernel command line: lingercam.frames=N (default 5).
set -u
out="${LINGERCAM_OUT:-/out}"
frames=$(sed -n 's/.*lingercam\.frames=\([0-9][0-9]*\).*/\1/p' /proc/cmdline)
frames=${frames:-5}
tsv="$out/bench.tsv"
hz=100 # USER_HZ: /proc times are in 1/100 s on x86
: >"$tsv"
ms_now() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
count() { find "$1" -name '*.jpg' ! -name latest.jpg -type f 2>/dev/null | wc -l; }
# cpu_ms PID: user+system of a running process; children_cpu_ms: of this shell's
# waited-for children.
cpu_ms() { awk -v hz=$hz '{ print ($14 + $15) * 1000 / hz }' "/proc/$1/stat"; }
stats() { # stats < numbers: "median max"
  sort -n | awk '{ v[NR] = $1 } END { if (!NR) { print "- -"; exit } m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m, v[NR] }'
}

# lingercam_run NAME SETTLE: the daemon at a 2 s interval until $frames frames.
lingercam_run() {
  d="$out/$1"
  mkdir -p "$d/store"
  printf '[camera]\nsettle_frames = %s\n' "$2" >"$d/capture.toml"
  sh -c 'lingercam-capture -c "$1" --source libcamera --interval 2 --store "$2" run >"$3" 2>&1 &
         echo $! >"$4"; wait $!; cat /proc/$$/stat >"$5"' \
    sh "$d/capture.toml" "$d/store" "$d/run.log" "$d/pid" "$d/wrapper.stat" &
  wrapper=$!
  while [ ! -s "$d/pid" ]; do sleep 0.1; done
  pid=$(cat "$d/pid")
  first="" limit=$(( $(ms_now) + 120000 ))
  while [ "$(count "$d/store")" -lt "$frames" ] && [ "$(ms_now)" -lt "$limit" ]; do
    if [ -z "$first" ] && [ "$(count "$d/store")" -ge 1 ]; then first=$(cpu_ms "$pid"); fi
    sleep 0.1
  done
  last=$(cpu_ms "$pid")
  kill -TERM "$pid"
  wait "$wrapper"
  n=$(count "$d/store")
  total=$(awk -v hz=$hz '{ print ($16 + $17) * 1000 / hz }' "$d/wrapper.stat")
  set -- $(sed -n 's/.*frame saved .* total_ms=\([0-9]*\).*/\1/p' "$d/run.log" | stats)
  # (parenthesised: a bare > in an awk printf is a redirection)
  per=$(awk -v a="${first:-0}" -v b="$last" -v n="$n" 'BEGIN { printf "%.0f", (n > 1 ? (b - a) / (n - 1) : b) }')
  printf '%s\t%s\t%s\t%s\t%s\t%.0f\t%s\n' "$name" "$n" "$1" "$2" "$per" "$total" "$note" >>"$tsv"
}

echo "== lingercam-capture, settle_frames 3 (default)"
name="lingercam-capture run, settle_frames=3" note="JPEG q90 + EXIF, fsync, atomic publish"
lingercam_run lingercam-settle3 3
echo "== lingercam-capture, settle_frames 0"
name="lingercam-capture run, settle_frames=0" note="JPEG q90 + EXIF, fsync, atomic publish"
lingercam_run lingercam-settle0 0

# measured LOG CMD...: runs CMD (output to LOG) in a shell of its own and prints
# "wall_ms cpu_ms" for it alone (the shell's reaped-children times are CMD's).
measured() {
  log=$1; shift
  t0=$(ms_now)
  sh -c '"$@"; cat /proc/$$/stat' sh "$@" 2>>"$log" | tail -n 1 >"$log.stat"
  t1=$(ms_now)
  awk -v w=$((t1 - t0)) -v hz=$hz '{ print w, ($16 + $17) * 1000 / hz }' "$log.stat"
}
stream="role=still,width=1920,height=1080,pixelformat=BGR888"

# cam 0.0.3 never finishes `--capture=1` (it writes nothing and waits forever,
# seen in this VM), so a still on demand is `--capture=2`: two frames written.
echo "== cam, one process per still"
d="$out/cam-once"
mkdir -p "$d/frames"
: >"$d/runs"
i=0
while [ $i -lt "$frames" ]; do
  measured "$d/cam.log" timeout 120 cam -c 1 -s "$stream" --capture=2 --file="$d/frames/still-$i-#.bin" >>"$d/runs"
  i=$((i + 1))
done
n=$(( $(find "$d/frames" -type f | wc -l) / 2 ))
set -- $(cut -d' ' -f1 "$d/runs" | stats)
cpu=$(awk '{ c += $2 } END { print c }' "$d/runs")
printf '%s\t%s\t%s\t%s\t%.0f\t%.0f\t%s\n' "cam --capture=2, one process per still" "$n" "$1" "$2" \
  "$(awk -v c="$cpu" -v n="$n" 'BEGIN { print n ? c / n : 0 }')" "$cpu" "2 raw BGR888 files (6.2 MB each), no fsync; process wall time" >>"$tsv"

echo "== cam, one stream of $frames frames"
d="$out/cam-stream"
mkdir -p "$d/frames"
set -- $(measured "$d/cam.log" timeout 120 cam -c 1 -s "$stream" --capture="$frames" --file="$d/frames/frame-#.bin")
n=$(find "$d/frames" -type f | wc -l)
printf '%s\t%s\t%s\t%s\t%.0f\t%.0f\t%s\n' "cam --capture=$frames, one stream" "$n" \
  "$(awk -v w="$1" -v n="$n" 'BEGIN { printf "%.0f", n ? w / n : 0 }')" "-" \
  "$(awk -v c="$2" -v n="$n" 'BEGIN { print n ? c / n : 0 }')" "$2" \
  "raw BGR888 files; latency = wall / frames, start-up included" >>"$tsv"

cat "$tsv"
# Raw frames are big and the host needs only the table.
rm -rf "$out"/cam-once/frames "$out"/cam-stream/frames
