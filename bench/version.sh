#!/bin/sh
# bench/version.sh: `domsh version`, cold process (issue 15, row 5), beside
# the floor of any process here (/bin/true) and `virsh version`.
#   Goal: <= 3 ms wall.  RUNS (default 30) runs, medians; URI default
#   qemu:///session (the hypervisor version comes from QEMU).
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/bench/lib.inc"
DOMSH=${DOMSH:-$SRC/domsh}
RUNS=${RUNS:-30}
URI=${URI:-qemu:///session}
[ -x "$DOMSH" ] || { echo "version.sh: build domsh first (make)" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/domsh-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT INT TERM
export DOMSH_ROOT="$W/root"
"$DOMSH" -c "$URI" version > /dev/null      # a first run may fill caches
set -- $(timed "$RUNS" "$DOMSH" -c "$URI" version); dw=$1 dc=$2
set -- $(timed "$RUNS" /bin/true); tw=$1 tc=$2
echo "domsh version, cold process, median of $RUNS ($(load)):"
printf '  %-34s %8s ms wall %8s ms CPU\n' "domsh -c $URI version" "$dw" "$dc"
printf '  %-34s %8s ms wall %8s ms CPU   domsh/floor %s (wall)\n' "/bin/true (process floor)" \
    "$tw" "$tc" "$(ratio "$dw" "$tw")"
if command -v virsh >/dev/null 2>&1; then
    set -- $(timed "$RUNS" virsh -c test:///default version); vw=$1 vc=$2
    printf '  %-34s %8s ms wall %8s ms CPU   domsh/virsh %s\n' "virsh -c test:///default version" \
        "$vw" "$vc" "$(ratio "$dw" "$vw")"
fi
echo "  instructions (callgrind): domsh version $(instr "$DOMSH" -c "$URI" version)"
echo "  goal: <= 3 ms wall -> $(awk -v d="$dw" 'BEGIN { print (d <= 3 ? "met" : "short by " d - 3 " ms") }')"
