#!/bin/sh
# check-layers.sh: the include graph follows the layer order (README,
# "Hacking").  Every #include "..." of shell/, commands/, completion/ and
# core/ is resolved to a file and both ends are given a layer; an include
# may point to its own layer or a lower one, never up.  The supervisor may
# include base/ only (it links without libxml2), a private header
# (*_priv.h) only from its own folder, the supervisor from outside only
# through core/supervisor/entry.h, and a layer's folder may not form a
# cycle with another (the order is total, so an upward include is the only
# way to make one).  Prints every offending include; exit 1 if any.
#
#   rank  layer        files
#   0     base         core/base/       mem, err, buf, fsutil, proto, qmp, rundir
#   0     supervisor   core/supervisor/ (base only)
#   1     xml          core/xml/        tree, schema, libxml2, the domain model
#   2     store        core/store/      config dir, locks, history, the config transaction
#   3     devices      core/devices/    device selectors, keys, fragments
#   4     runtime      core/runtime/    backends, argv, supervisor spawn, status, console,
#                                       live device changes
#   5     domains      core/domains/    resolve and list domains with their states, the
#                                       config-change engine
#   6     framework    shell/ but main.c and repl.c: cmd table, parser, dispatcher, output
#   7     completion   completion/
#   8     commands     commands/
#   9     program      shell/main.c, shell/repl.c
set -eu
cd "${1:-$(dirname "$0")/..}"

layer_of() {
    case "$1" in
    core/base/*) echo "0 base" ;;
    core/supervisor/*) echo "0 supervisor" ;;
    core/xml/*) echo "1 xml" ;;
    core/store/*) echo "2 store" ;;
    core/devices/*) echo "3 devices" ;;
    core/runtime/*) echo "4 runtime" ;;
    core/domains/*) echo "5 domains" ;;
    shell/main.c | shell/repl.c | shell/repl.h) echo "9 program" ;;
    shell/*) echo "6 framework" ;;
    completion/*) echo "7 completion" ;;
    commands/*) echo "8 commands" ;;
    *) echo "? unknown" ;;
    esac
}

# "file included-path" pairs, the included path resolved against the file's folder
pairs=$(for f in $(find core shell commands completion -name '*.[ch]' | LC_ALL=C sort); do
    d=$(dirname "$f")
    sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
        while read -r inc; do
            case "$inc" in *.inc) continue ;; esac
            t=$(realpath -m --relative-to=. "$d/$inc")
            echo "$f $t"
        done
done)

bad=0
report() { echo "check-layers: $1" >&2; bad=1; }
while read -r f t; do
    [ -n "$f" ] || continue
    [ -e "$t" ] || { report "$f includes $t, which does not exist"; continue; }
    set -- $(layer_of "$f"); fr=$1 fl=$2
    set -- $(layer_of "$t"); tr=$1 tl=$2
    [ "$fr" != "?" ] || { report "$f is in no layer (add it to scripts/check-layers.sh)"; continue; }
    [ "$tr" != "?" ] || { report "$f includes $t, which is in no layer"; continue; }
    case "$t" in
    *_priv.h) [ "$(dirname "$f")" = "$(dirname "$t")" ] ||
        report "$f includes $t, a private header of $(dirname "$t")" ;;
    esac
    if [ "$fl" = supervisor ] && [ "$tl" != base ] && [ "$tl" != supervisor ]; then
        report "$f includes $t: the supervisor may include core/base/ only"
    elif [ "$fl" != supervisor ] && [ "$tl" = supervisor ] && [ "$t" != core/supervisor/entry.h ]; then
        report "$f includes $t: outside the supervisor only its entry.h may be included"
    elif [ "$tr" -gt "$fr" ]; then
        report "$f ($fl) includes $t ($tl): an include may not point up the layer order"
    fi
done <<PAIRS
$pairs
PAIRS
# libxml2 stays behind core/xml/xml.c (style.md: one module sees xmlChar)
for f in $(grep -rl '#[[:space:]]*include[[:space:]]*<libxml/' core shell commands completion); do
    [ "$f" = core/xml/xml.c ] || report "$f includes libxml2: only core/xml/xml.c may"
done
[ "$bad" = 0 ] && echo "check-layers: $(echo "$pairs" | wc -l) includes follow the layer order"
exit "$bad"
