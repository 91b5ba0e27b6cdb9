#!/bin/sh
# bench/list.sh: `domsh list --all` on N defined domains (default 10000),
# a cold process each time (issue 15, row 3), beside virsh's test driver
# listing the same N in-process (its own -t time; no process start-up) and
# the process floor (/bin/true) and the readdir floor (`ls -f` of the
# config dir: a cold process reading the same directory, unsorted).  The
# second domsh row is a listing right after a change (CONFIG read again,
# not the listing kept in RUN/.names).  Goal: <= 20 ms.  RUNS (default 20) runs,
# medians.  BENCH_DIR (default /dev/shm, else /tmp) holds the store.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/bench/lib.inc"
DOMSH=${DOMSH:-$SRC/domsh}
store_bench list.sh
shown=$("$DOMSH" -c test:///default list --all | grep -c ' shut off')
[ "$shown" = "$N" ] || echo "list.sh: domsh list shows $shown of $N" >&2
set -- $(timed "$RUNS" "$DOMSH" -c test:///default list --all); dw=$1 dc=$2
config_changing timed "$RUNS" "$DOMSH" -c test:///default list --all > "$W/changing"
set -- $(cat "$W/changing"); cw=$1 cc=$2
set -- $(timed "$RUNS" /bin/true); tw=$1
set -- $(timed "$RUNS" ls -f "$DOMSH_ROOT/config/test"); lw=$1 lc=$2
echo "list --all, $N domains, cold process, median of $RUNS ($(load)):"
printf '  %-44s %8s ms wall %8s ms CPU\n' "domsh list --all" "$dw" "$dc"
printf '  %-44s %8s ms wall %8s ms CPU\n' "domsh list --all, CONFIG just changed" "$cw" "$cc"
printf '  %-44s %8s ms wall\n' "/bin/true (process floor)" "$tw"
printf '  %-44s %8s ms wall %8s ms CPU   domsh/readdir %s\n' "ls -f CONFIG (readdir floor: $(ls -f "$DOMSH_ROOT/config/test" | wc -l) entries)" \
    "$lw" "$lc" "$(ratio "$dw" "$lw")"
if command -v virsh >/dev/null 2>&1; then
    vt=$(for i in 1 2 3; do virsh -t -c "test://$W/node.xml" list --all 2>/dev/null |
        grep -o 'Time: [0-9.]*' | awk '{ print $2 }'; done | sort -n | sed -n 2p)
    printf '  %-44s %8s ms         domsh/virsh %s\n' "virsh test driver list --all (in-process)" \
        "$vt" "$(ratio "$dw" "$vt")"
fi
echo "  instructions (callgrind): domsh list --all $(instr "$DOMSH" -c test:///default list --all)"
echo "  goal: <= 20 ms -> domsh/goal $(ratio "$dw" 20)"
