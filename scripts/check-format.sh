#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Checks that the C++ lines changed since a base commit are formatted as .clang-format says,
# with `git clang-format` (Debian's clang-format package): only the lines changed, never the
# whole tree, so code that predates .clang-format is left alone until someone edits it.
# Prints the diff that would fix them and exits 1 if any line is off; 0 when all are right;
# 77 (CTest's skip) when there is nothing to check against: no git work tree, no git or
# clang-format, or a base that is not in the clone.
# Usage: scripts/check-format.sh [--fix] [BASE]
#   BASE   the commit to compare with. Default: the merge-base of HEAD and main (a branch is
#          checked for everything it changes), or HEAD~1 when HEAD is on main itself (CI:
#          the last commit). Uncommitted changes to tracked files count too.
#   --fix  format those lines in the work tree instead of checking them.
set -euo pipefail
case "${1:-}" in -h|--help) sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
cd "$(dirname "$0")/.."

fix=no
if [ "${1:-}" = --fix ]; then
  fix=yes
  shift
fi
skip() { echo "check-format: skipped: $*"; exit 77; }

command -v git >/dev/null || skip "no git"
command -v clang-format >/dev/null || skip "no clang-format (Debian package clang-format)"
command -v git-clang-format >/dev/null || skip "no git-clang-format (Debian package clang-format)"
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || skip "$(pwd) is not a git work tree"

base=${1:-}
if [ -z "$base" ]; then
  head=$(git rev-parse HEAD)
  for main in main origin/main; do
    base=$(git merge-base HEAD "$main" 2>/dev/null) && break
  done
  if [ -z "$base" ] || [ "$base" = "$head" ]; then
    base=HEAD~1
  fi
fi
git rev-parse --verify --quiet "$base^{commit}" >/dev/null || skip "base '$base' is not in this clone"

echo "check-format: $(clang-format --version | sed 's/^Debian //'), lines changed since" \
  "$(git log -1 --format='%h %s' "$base")"
# C++ only; the fuzz corpora hold inputs, not code.
args=(--extensions 'cpp,h' "$base" -- . ':!tests/fuzz/corpus')
if [ "$fix" = yes ]; then
  git clang-format "${args[@]}"
  exit 0
fi
# git clang-format 14 exits 0 either way: a diff in its output is the verdict.
out=$(git clang-format --diff "${args[@]}")
if ! grep -q '^diff --git' <<<"$out"; then
  echo "check-format: ok ($out)"
  exit 0
fi
echo "$out"
echo "check-format: the lines above are not formatted as .clang-format says;" \
  "scripts/check-format.sh --fix $base formats them"
exit 1
