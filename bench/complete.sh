#!/bin/sh
# bench/complete.sh: TAB latency: `domsh -q complete -- LINE` (the engine
# behind TAB, a whole process per press as bash completion runs it) on a
# store of N defined domains (default 10000; issue 15, row 4), beside the
# process floor (/bin/true) and the readdir floor (`ls -f` of the config
# dir: the same directory read by a cold process, unsorted).  Lines: `start ''` (every shut-off domain:
# the row's figure), `start d0999` (a prefix), `st` (command names).
# Goal: <= 10 ms wall.  RUNS (default 20) runs, medians of wall and CPU.
# BENCH_DIR (default /dev/shm, else /tmp) holds the store.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/bench/lib.inc"
DOMSH=${DOMSH:-$SRC/domsh}
store_bench complete.sh
export DOMSH_DEFAULT_URI=test:///default
set -- $(timed "$RUNS" /bin/true); tw=$1
echo "complete, $N defined domains, cold process, median of $RUNS ($(load)):"
for line in "start ''" "start d0999" "st"; do
    eval "set -- $line"
    n=$("$DOMSH" -q complete -- "$@" | wc -l)
    config_changing timed "$RUNS" "$DOMSH" -q complete -- "$@" > "$W/changing"
    changing=$(cat "$W/changing")
    set -- $(timed "$RUNS" "$DOMSH" -q complete -- "$@")
    printf '  %-28s %8s ms wall %8s ms CPU %6s candidates   domsh/goal %s\n' \
        "complete -- $line" "$1" "$2" "$n" "$(ratio "$1" 10)"
    set -- $changing
    printf '  %-28s %8s ms wall %8s ms CPU   (CONFIG just changed: read again)\n' "" "$1" "$2"
done
printf '  %-28s %8s ms wall\n' "/bin/true (process floor)" "$tw"
set -- $(timed "$RUNS" ls -f "$DOMSH_ROOT/config/test")
printf '  %-28s %8s ms wall %8s ms CPU   (%s entries)\n' "ls -f CONFIG (readdir floor)" "$1" "$2" \
    "$(ls -f "$DOMSH_ROOT/config/test" | wc -l)"
echo "  instructions (callgrind): complete -- start '' $("$DOMSH" -q complete -- start '' >/dev/null; instr "$DOMSH" -q complete -- start '')"
echo "  goal: complete -- start '' <= 10 ms wall"
