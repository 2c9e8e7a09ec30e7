# shellcheck shell=bash
# SPDX-License-Identifier: BSD-2-Clause
# The command-line basics these scripts share: log and die under the script's name, --help
# from its header comment, an option's missing value. Sourced before the options are read.

# The name messages go under: scripts/package.sh says "package: ...".
cli_name=$(basename "$0" .sh)
log() { echo "$cli_name: $*" >&2; }
die() { log "error: $*"; exit 1; }
# usage [STATUS]: the script's header comment (from line 3, after the SPDX line, to
# `set -euo`), then exit STATUS (default 1).
usage() { sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-1}"; }
# need "$@": in an option loop, the option in $1 must have its value in $2.
need() { [ $# -ge 2 ] || die "$1 needs a value (see --help)"; }
