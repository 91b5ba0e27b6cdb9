#!/bin/sh
# build.sh: assemble man/domsh.1 from man/head.1in, every man/cmds/*.1in
# (one fragment per command, in name order) and man/tail.1in.
#   sh man/build.sh [VERSION]          write man/domsh.1
#   sh man/build.sh --check [VERSION]  fail if man/domsh.1 is out of date
set -eu
dir=$(cd "$(dirname "$0")" && pwd)
check=
if [ "${1-}" = --check ]; then check=1; shift; fi
version=${1:-$(sed -n 's/^#define DOMSH_VERSION "\(.*\)"/\1/p' "$dir/../shell/out.h" 2>/dev/null || true)}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
{
    sed "s/@VERSION@/${version:-unknown}/" "$dir/head.1in"
    for f in $(LC_ALL=C ls "$dir"/cmds/*.1in 2>/dev/null); do
        cat "$f"
    done
    cat "$dir/tail.1in"
} > "$tmp"
if [ -n "$check" ]; then
    if ! cmp -s "$tmp" "$dir/domsh.1"; then
        echo "man/domsh.1 is out of date: run 'make man'" >&2
        exit 1
    fi
    exit 0
fi
cat "$tmp" > "$dir/domsh.1"
