#!/bin/sh
# complete.sh: TAB latency and start-up time.
#  1. `domsh -q complete -- LINE` (the engine behind TAB, a whole process
#     per press as bash completion runs it) on a store of N defined domains
#     (default 10000), a few of them running on test:///default: command
#     names, `start ''` (every shut-off domain), `start d0999` (a prefix),
#     `destroy ''` (running only).  Target: <= 10 ms.
#  2. `domsh list --all` on an empty store next to
#     `virsh -c test:///default list --all`.  Target: <= 3 ms.
# Each figure is the median of RUNS runs (default 50): wall time, and CPU
# time (user + system, from the child's rusage: what the process itself
# costs, less skewed when the machine is busy; the load is printed).
# Environment: DOMSH (binary, default ./domsh), VIRSH (default virsh),
# N, RUNS, BENCH_DIR (default /dev/shm, else /tmp: completion reads the
# store, it does not write it; defining N domains on a disk is slow).
# Not part of make check.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(dirname "$HERE")
DOMSH=${DOMSH:-$SRC/domsh}
VIRSH=${VIRSH:-virsh}
N=${N:-10000}
RUNS=${RUNS:-50}
DIR=${BENCH_DIR:-/dev/shm}
[ -d "$DIR" ] && [ -w "$DIR" ] || DIR=/tmp
W=$(mktemp -d "$DIR/domsh-bench-complete.XXXXXX")
[ -x "$DOMSH" ] || { echo "complete.sh: build domsh first (make)" >&2; exit 1; }
export DOMSH_ROOT="$W/root" DOMSH_DEFAULT_URI=test:///default

cleanup() {
    # the domains this script started (their supervisors are ours)
    for d in d00001 d00002 d00003; do "$DOMSH" -q destroy "$d" >/dev/null 2>&1 || true; done
    rm -rf "$W"
}
trap cleanup EXIT INT TERM

# N domain files and one batch that defines them all
python3 - "$N" "$W" <<'PYEOF'
import sys
n, w = int(sys.argv[1]), sys.argv[2]
with open(w + "/define.batch", "w") as batch:
    for i in range(1, n + 1):
        name = "d%05d" % i
        path = "%s/%s.xml" % (w, name)
        with open(path, "w") as f:
            f.write("<domain type='qemu'><name>%s</name><memory>65536</memory>"
                    "<vcpu>1</vcpu><os><type>hvm</type></os></domain>\n" % name)
        batch.write("define %s\n" % path)
PYEOF
"$DOMSH" -q < "$W/define.batch" > /dev/null
for d in d00001 d00002 d00003; do "$DOMSH" -q start "$d" > /dev/null; done

# "WALL ms (cpu CPU ms)": medians of RUNS runs of the command given
median_ms() {
    python3 - "$RUNS" "$@" <<'PYEOF'
import os, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
wall, cpu = [], []
for _ in range(runs):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall.append((time.perf_counter() - t0) * 1000)
    cpu.append((ru.ru_utime + ru.ru_stime) * 1000)
    if status:
        sys.exit("failed: %s" % " ".join(cmd))
wall.sort()
cpu.sort()
print("%7.2f ms (cpu %6.2f ms)" % (wall[len(wall) // 2], cpu[len(cpu) // 2]))
PYEOF
}

count() { "$DOMSH" -q complete -- "$@" | wc -l; }

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
echo "TAB latency, $N defined domains (3 running), median of $RUNS:"
printf '  %-28s %s  %s candidates\n' "complete -- st" \
    "$(median_ms "$DOMSH" -q complete -- st)" "$(count st)"
printf '  %-28s %s  %s candidates\n' "complete -- start ''" \
    "$(median_ms "$DOMSH" -q complete -- start '')" "$(count start '')"
printf '  %-28s %s  %s candidates\n' "complete -- start d0999" \
    "$(median_ms "$DOMSH" -q complete -- start d0999)" "$(count start d0999)"
printf '  %-28s %s  %s candidates\n' "complete -- destroy ''" \
    "$(median_ms "$DOMSH" -q complete -- destroy '')" "$(count destroy '')"

echo "start-up, empty store, median of $RUNS:"
export DOMSH_ROOT="$W/empty"
printf '  %-40s %s\n' "domsh list --all" "$(median_ms "$DOMSH" list --all)"
if command -v "$VIRSH" > /dev/null 2>&1; then
    printf '  %-40s %s\n' "virsh -c test:///default list --all" \
        "$(median_ms "$VIRSH" -c test:///default list --all)"
else
    echo "  (no virsh to compare with)"
fi
