#!/usr/bin/env bash
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
mkdir -p "$ssh_dir"
ssh-keygen -q -t ed25519 -N '' -C demo-host -f "$ssh_dir/host_key"
ssh-keygen -q -t ed25519 -N '' -C demo-client -f "$ssh_dir/client_key"
cp "$ssh_dir/client_key.pub" "$ssh_dir/authorized_keys"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$ssh_dir/sshd_config" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $ssh_dir/host_key
PidFile $ssh_dir/sshd.pid
AuthorizedKeysFile $ssh_dir/authorized_keys
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
AllowUsers $(id -un)
Subsystem sftp internal-sftp
CFG
echo "[127.0.0.1]:$port $(cat "$ssh_dir/host_key.pub")" > "$ssh_dir/known_hosts"
[ "$(id -u)" = 0 ] && mkdir -p /run/sshd
/usr/sbin/sshd -D -e -f "$ssh_dir/sshd_config" 2>"$ssh_dir/sshd.log" &
sshd=$!
trap 'kill $sshd 2>/dev/null || true' EXIT
for _ in $(seq 100); do
	python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null && break
	sleep 0.05
done
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
kill "$sshd"
wait "$sshd" 2>/dev/null || true
trap - EXIT

echo
echo "== mirror in $demo/mirror (fetched over SFTP from 127.0.0.1:$port) =="
(cd "$demo/mirror" && find . -name '*.jpg' -type f | sort | sed 's|^\./|  |')
echo "  latest.jpg -> $(readlink "$demo/mirror/latest.jpg")"
echo "  .pulled (also written back to the camera's store): $(cat "$demo/store/.pulled")"
