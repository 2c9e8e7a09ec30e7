# SPDX-License-Identifier: BSD-2-Clause
# Sourced by bench_pull.sh: a camera host behind a real link, on one machine, as root.
# Two network namespaces joined by a veth pair: sshd runs in the camera's, the clients in
# the viewer's. `tc tbf` on both ends of the pair sets the rate. This kernel has no netem,
# so the delay comes from tests/support/delay_proxy.py (shared with the faults suite's cut
# link), which sits in the viewer's namespace in front of sshd and holds every chunk for
# half the round trip in each direction.
#   link_up RATE RTT_MS DIR   e.g. link_up 100mbit 40 /tmp/x; sets LINK_RUN (the prefix
#                             that runs a command as the viewer) and SSHD_PORT: the clients
#                             reach sshd at 127.0.0.1:SSHD_PORT
#   link_down
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/loopback-sshd.sh"

link_up() {
	local rate=$1 rtt=$2 dir=$3
	LINK_CAM=lcam$$ LINK_VIEW=lview$$
	ip netns add "$LINK_CAM"
	ip netns add "$LINK_VIEW"
	ip link add "lc$$" type veth peer name "lv$$"
	ip link set "lc$$" netns "$LINK_CAM"
	ip link set "lv$$" netns "$LINK_VIEW"
	ip -n "$LINK_CAM" addr add 10.77.0.1/24 dev "lc$$"
	ip -n "$LINK_VIEW" addr add 10.77.0.2/24 dev "lv$$"
	local ns dev
	for ns in "$LINK_CAM:lc$$" "$LINK_VIEW:lv$$"; do
		dev=${ns#*:} ns=${ns%%:*}
		ip -n "$ns" link set lo up
		ip -n "$ns" link set "$dev" up
		# A queue deep enough for the bandwidth-delay product, so the shaper drops nothing.
		tc -n "$ns" qdisc add dev "$dev" root tbf rate "$rate" burst 256kb latency 2000ms
	done
	start_loopback_sshd "$dir/sshd" "$LINK_CAM" 10.77.0.1
	ip netns exec "$LINK_VIEW" python3 "$(dirname "${BASH_SOURCE[0]}")/../../tests/support/delay_proxy.py" \
		127.0.0.1 "$SSHD_PORT" 10.77.0.1 "$SSHD_PORT" "$(echo "$rtt / 2" | bc -l)" >"$dir/proxy.log" 2>&1 &
	LINK_PROXY_PID=$!
	local _
	for _ in $(seq 100); do
		grep -q ready "$dir/proxy.log" 2>/dev/null && break
		sleep 0.05
	done
	grep -q ready "$dir/proxy.log" || { echo "shaped-link: the delay proxy did not start: $(cat "$dir/proxy.log")" >&2; return 1; }
	LINK_RUN=(ip netns exec "$LINK_VIEW")
}

link_down() {
	[ -z "${LINK_PROXY_PID:-}" ] || { kill "$LINK_PROXY_PID" 2>/dev/null || true; wait "$LINK_PROXY_PID" 2>/dev/null || true; }
	stop_loopback_sshd
	[ -z "${LINK_CAM:-}" ] || ip netns del "$LINK_CAM" 2>/dev/null || true
	[ -z "${LINK_VIEW:-}" ] || ip netns del "$LINK_VIEW" 2>/dev/null || true
	LINK_PROXY_PID= LINK_CAM= LINK_VIEW=
}
