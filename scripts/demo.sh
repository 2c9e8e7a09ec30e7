#!/usr/bin/env bash
# lingercam on its built-in default, no camera and no second host needed: installs what is
# needed, builds, then runs the capture daemon with the test-pattern camera every 2 s into a
# store under build/demo/ and shows the frames and latest.jpg.
# Usage: scripts/demo.sh            (DEMO_SECONDS=N to run longer; default 12)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
root=$PWD
demo=$root/build/demo
seconds=${DEMO_SECONDS:-12}
rm -rf "$demo"
mkdir -p "$demo"

echo
echo "== capture: test-pattern camera, one frame every 2 s, for ${seconds} s =="
./build/capture/lingercam-capture run --source testpattern --interval 2s --store "$demo/store" &
capture=$!
trap 'kill $capture 2>/dev/null || true' EXIT
sleep "$seconds"
kill -TERM "$capture"
wait "$capture"
trap - EXIT

echo
echo "== frames in $demo/store =="
(cd "$demo/store" && find . -name '*.jpg' -type f | sort | sed 's|^\./|  |')
echo "  latest.jpg -> $(readlink "$demo/store/latest.jpg")"
