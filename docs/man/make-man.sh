#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Makes lingercam's man pages from the texts a user already sees, so they cannot drift:
#   section 1 from each program's --help (help2man), one subsection per subcommand from
#   that subcommand's --help, plus the hand-written sections in NAME.h2m;
#   section 5 from the commented default config that lingercam-install writes.
#
# Usage: make-man.sh program PROGRAM VERSION INCLUDE OUT   (PROGRAM: the built binary or script)
#        make-man.sh config  TOML NAME VERSION OUT         (TOML: systemd/capture.toml, ...)
set -euo pipefail
die() { echo "make-man: $*" >&2; exit 1; }

roff_escape() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"; }

program_page() {
  local prog=$1 version=$2 include=$3 out=$4
  command -v help2man >/dev/null || die "help2man missing (scripts/install-deps.sh installs it)"
  local name tmp dir
  # The page's name is the include file's (install.sh is installed as lingercam-install):
  # help2man is pointed at a link of that name.
  name=$(basename "$include" .h2m)
  tmp=$(mktemp)
  dir=$(mktemp -d)
  trap 'rm -rf "$tmp" "$dir"' RETURN
  ln -s "$(readlink -f "$prog")" "$dir/$name"
  prog=$dir/$name
  cat "$include" >"$tmp"
  # The subcommands, each with its own --help, under COMMANDS.
  local subs
  subs=$("$prog" --help | awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
  if [ -n "$subs" ]; then
    printf '[COMMANDS]\n' >>"$tmp"
    for s in $subs; do
      # "DESCRIPTION / Usage: ... / Options: / -h,--help ... / --opt  text": the usage in
      # bold, the description, and the options other than --help as a list.
      "$prog" "$s" --help | awk -v sub_="$s" '
        function esc(x) { gsub(/\\/, "\\e", x); gsub(/-/, "\\-", x); return x }
        NR == 1 { desc = $0; next }
        /^Usage: / { usage = substr($0, 8); next }
        /^  -h,--help/ || /^Options:/ || /^$/ { next }
        /^  -/ { n = split(substr($0, 3), w, " "); opt = w[1]; i = 2
                 # The option, then its value type when it has one (FILE, TEXT:{a,b}, ...).
                 if (n >= 2 && w[2] ~ /^[A-Z]/) { opt = opt " " w[2]; i = 3 }
                 text = ""; for (; i <= n; i++) text = text (text == "" ? "" : " ") w[i]
                 opts = opts sprintf(".TP\n.B %s\n%s\n", esc(opt), esc(text)); next }
        /^   +/ { t = $0; sub(/^ +/, "", t); opts = opts esc(t) "\n"; next }
        END { printf ".SS %s\n.B %s\n.PP\n%s\n", sub_, esc(usage), esc(desc)
              if (opts != "") printf ".RS\n%s.RE\n", opts }' >>"$tmp"
    done
  fi
  # NAME comes from the include file's [NAME], which replaces help2man's guess.
  help2man --no-info --section 1 --version-string "$version" --include "$tmp" --output "$out.tmp" "$prog"
  mv "$out.tmp" "$out"
}

# The commented default config as a section 5 page: its opening comment is the
# description, each [table] a subsection, each key (commented "#key = default" or set
# "key = example") an entry with its comment, and other comments paragraphs between them.
config_page() {
  local toml=$1 name=$2 version=$3 out=$4
  [ -r "$toml" ] || die "$toml: cannot read"
  local prog=${name%.toml}
  {
    printf '.TH %s 5 "" "lingercam %s" "File Formats"\n' "$(echo "$name" | tr '[:lower:]' '[:upper:]')" "$version"
    printf '.SH NAME\n%s \\- configuration of %s\n' "$name" "$prog"
    printf '.SH SYNOPSIS\n$XDG_CONFIG_HOME/lingercam/%s (default ~/.config/lingercam/%s), or the file given with \\fB\\-c\\fR\n' \
      "${name#lingercam-}" "${name#lingercam-}"
    awk -v prog="$prog" '
      function esc(s) { gsub(/\\/, "\\e", s); if (s ~ /^[.\x27]/) s = "\\&" s; return s }
      function prose(s) {
        if (!inpara) { print ".PP"; inpara = 1 }
        if (s ~ /^ /) { sub(/^ +/, "", s); printf ".RS\n.nf\n%s\n.fi\n.RE\n", esc(s) } else print esc(s)
      }
      function key(k, v, c) {
        printf ".TP\n\\fB%s\\fR = %s\n", esc(k), esc(v); if (c != "") print esc(c); inpara = 0
      }
      BEGIN { print ".SH DESCRIPTION"; header = 1 }
      header && /^#/ { sub(/^# ?/, ""); prose($0); next }
      header && /^$/ { header = 0; print ".SH KEYS"; inpara = 0; next }
      /^$/ { inpara = 0; next }
      /^\[/ {
        t = $0; c = ""
        if (match(t, /[ \t]+#/)) { c = substr(t, RSTART + RLENGTH); t = substr(t, 1, RSTART - 1) }
        sub(/^ +/, "", c)
        printf ".SS %s\n", esc(t); if (c != "") prose(c); inpara = 0; next
      }
      /^#?[a-z_]+ = / {
        line = $0; sub(/^#/, "", line); c = ""
        if (match(line, /[ \t]+# /)) { c = substr(line, RSTART + RLENGTH); line = substr(line, 1, RSTART - 1) }
        k = line; sub(/ = .*/, "", k); v = line; sub(/^[a-z_]+ = /, "", v)
        key(k, v, c); next
      }
      /^#/ { sub(/^# ?/, ""); prose($0); next }
      { print "make-man: " FILENAME ": line " NR " is neither a comment, a table nor a key: " $0 > "/dev/stderr"; bad = 1 }
      END {
        printf ".SH SEE ALSO\n\\fB%s\\fR(1), \\fBlingercam-install\\fR(1)\n", prog
        exit bad
      }' "$toml"
  } >"$out.tmp"
  mv "$out.tmp" "$out"
}

case "${1:-}" in
  program) [ $# = 5 ] || die "usage: make-man.sh program PROGRAM VERSION INCLUDE OUT"; program_page "$2" "$3" "$4" "$5" ;;
  config) [ $# = 5 ] || die "usage: make-man.sh config TOML NAME VERSION OUT"; config_page "$2" "$3" "$4" "$5" ;;
  *) die "usage: make-man.sh program|config ..." ;;
esac
