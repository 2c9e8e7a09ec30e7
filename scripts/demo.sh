#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# lingercam on its built-in default, no camera and no second host needed: installs what is
# needed, builds, then runs the capture daemon with the test-pattern camera every 2 s into a
# store under build/demo/ and shows the frames and latest.jpg; then starts a loopback sshd of
# its own and shows lingercam-pull fetching those frames over SFTP into build/demo/mirror/.
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

# pull: a loopback sshd of its own serves that store; lingercam-pull fetches it over SFTP
# (newest frame first, then the rest) into a mirror, and writes .pulled back.
echo
echo "== pull: loopback sshd of its own, then lingercam-pull once =="
ssh_dir=$demo/sshd
. ./scripts/loopback-sshd.sh
start_loopback_sshd "$ssh_dir"
port=$SSHD_PORT
trap stop_loopback_sshd EXIT
cat > "$demo/pull.toml" <<TOML
[[source]]
name = "demo"
host = "127.0.0.1"
port = $port
user = "$(id -un)"
identity = "$ssh_dir/client_key"
known_hosts = "$ssh_dir/known_hosts"
ssh_config = "none"
remote_store = "$demo/store"
local_store = "$demo/mirror"
TOML
./build/pull/lingercam-pull --config "$demo/pull.toml" once
stop_loopback_sshd
trap - EXIT

echo
echo "== mirror in $demo/mirror (fetched over SFTP from 127.0.0.1:$port) =="
(cd "$demo/mirror" && find . -name '*.jpg' -type f | sort | sed 's|^\./|  |')
echo "  latest.jpg -> $(readlink "$demo/mirror/latest.jpg")"
echo "  .pulled (also written back to the camera's store): $(cat "$demo/store/.pulled")"
