# SPDX-License-Identifier: BSD-2-Clause
# Sourced by the pull benchmarks.
#
# make_store DIR FRAMES writes FRAMES incompressible frames of
# FRAME_BYTES (default 250000) spread over the last 24 hours up to now, as a camera that
# runs has them (one a minute for 1,440 frames; today's and yesterday's folders), and
# latest.jpg.
make_store() { # DIR FRAMES
	python3 - "$1" "$2" "${FRAME_BYTES:-250000}" <<'PY'
import os, sys, time
store, frames, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
now = int(time.time()) // 60 * 60
newest = None
for i in range(frames):
    t = time.gmtime(now - (frames - 1 - i) * 86400 // frames)
    rel = time.strftime("%Y/%m/%d/%Y%m%dT%H%M%SZ.jpg", t)
    os.makedirs(os.path.join(store, os.path.dirname(rel)), exist_ok=True)
    with open(os.path.join(store, rel), "wb") as f:
        f.write(b"\xff\xd8" + os.urandom(size - 4) + b"\xff\xd9")
    newest = rel
os.symlink(newest, os.path.join(store, "latest.jpg"))
PY
}


# with_rss RSS_FILE COMMAND...: runs COMMAND and writes its peak RSS in KiB (the kernel's
# ru_maxrss, from wait4) to RSS_FILE; exits as COMMAND did.
with_rss() {
	python3 -c 'import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
open(sys.argv[1], "w").write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status) & 255)' "$@"
}

# source_toml NAME PORT KEYS_DIR REMOTE_STORE LOCAL_STORE: one [[source]] of pull.toml for
# a camera store behind the sshd of scripts/loopback-sshd.sh (keys in KEYS_DIR).
source_toml() {
	cat <<TOML
[[source]]
name = "$1"
host = "127.0.0.1"
port = $2
user = "$(id -un)"
identity = "$3/client_key"
known_hosts = "$3/known_hosts"
ssh_config = "none"
remote_store = "$4"
local_store = "$5"
TOML
}
