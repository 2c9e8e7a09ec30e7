# SPDX-License-Identifier: BSD-2-Clause
# Sourced by the pull demo and benchmark: a throwaway OpenSSH sshd on a free 127.0.0.1 port
# with generated host and client keys; nothing of ~/.ssh is read or written.
#   start_loopback_sshd DIR [NETNS ADDRESS]   sets SSHD_PORT, SSHD_PID; writes DIR/client_key
#                                             and DIR/known_hosts (for [127.0.0.1]:SSHD_PORT)
#   stop_loopback_sshd
# With NETNS and ADDRESS, sshd runs in that network namespace (root), listening on ADDRESS:
# the pull benchmark's shaped link (bench/pull/shaped-link.sh) reaches it through a proxy.
start_loopback_sshd() {
	local dir=$1 netns=${2:-} address=${3:-127.0.0.1}
	local -a in_ns=()
	[ -z "$netns" ] || in_ns=(ip netns exec "$netns")
	mkdir -p "$dir"
	ssh-keygen -q -t ed25519 -N '' -C loopback-host -f "$dir/host_key"
	ssh-keygen -q -t ed25519 -N '' -C loopback-client -f "$dir/client_key"
	cp "$dir/client_key.pub" "$dir/authorized_keys"
	SSHD_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	cat > "$dir/sshd_config" <<CFG
Port $SSHD_PORT
ListenAddress $address
HostKey $dir/host_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
AllowUsers $(id -un)
Subsystem sftp internal-sftp
MaxStartups 100
CFG
	echo "[127.0.0.1]:$SSHD_PORT $(cat "$dir/host_key.pub")" > "$dir/known_hosts"
	if [ "$(id -u)" = 0 ]; then mkdir -p /run/sshd; fi # privilege separation folder
	"${in_ns[@]}" /usr/sbin/sshd -D -e -f "$dir/sshd_config" 2>"$dir/sshd.log" &
	SSHD_PID=$!
	local _
	for _ in $(seq 100); do
		"${in_ns[@]}" python3 -c "import socket; socket.create_connection(('$address',$SSHD_PORT),0.2)" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "loopback sshd did not start: $(cat "$dir/sshd.log")" >&2
	return 1
}

stop_loopback_sshd() {
	if [ -n "${SSHD_PID:-}" ]; then
		kill "$SSHD_PID" 2>/dev/null || true
		wait "$SSHD_PID" 2>/dev/null || true
		SSHD_PID=
	fi
}
