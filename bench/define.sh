#!/bin/sh
# bench/define.sh: durable `define` in one batch of N (default 1000; issue
# 15, row 1) on a real disk (BENCH_DIR, default /var/tmp), beside, in the
# same run, the floor of one durable write here (write .new, fsync, rename,
# fsync dir; N of them from one process) and virsh's test driver (memory
# only, its own -t times).  Goal: domsh <= 1.5 x the one-write floor,
# still durable, history still kept.  ROUNDS (default 3) rounds, medians.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/bench/lib.inc"
DOMSH=${DOMSH:-$SRC/domsh}
N=${N:-1000}
ROUNDS=${ROUNDS:-3}
[ -x "$DOMSH" ] || { echo "define.sh: build domsh first (make)" >&2; exit 1; }
W=$(mktemp -d "${BENCH_DIR:-/var/tmp}/domsh-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT INT TERM
python3 - "$N" "$W" <<'PYEOF'
import sys
n, w = int(sys.argv[1]), sys.argv[2]
with open(w + "/define.batch", "w") as b, open(w + "/node.batch", "w") as v:
    for i in range(1, n + 1):
        name = "d%05d" % i
        with open("%s/%s.xml" % (w, name), "w") as f:
            f.write("<domain type='qemu'><name>%s</name>"
                    "<uuid>%08x-0000-4000-8000-%012x</uuid><memory>65536</memory>"
                    "<vcpu>1</vcpu><os><type>hvm</type></os></domain>\n" % (name, i, i))
        b.write("define %s/%s.xml\n" % (w, name))
        v.write("define %s/%s.xml\n" % (w, name))
PYEOF
# floors: per-write ms of N durable writes of a file of the same size;
# with HIST=1 each also links an entry into a second (history) directory
# synced before the config dir, as a define must where the file system
# does not order metadata (ext4 without a journal: see the README)
floor() {
    python3 - "$1" "$N" "${HIST:-0}" <<'PYEOF'
import os, sys, time
d, n, hist = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
os.makedirs(d + "/h")
dfd = os.open(d, os.O_RDONLY)
hfd = os.open(d + "/h", os.O_RDONLY)
data = b"x" * 400
t = time.perf_counter()
for i in range(n):
    p = "%s/f%d.xml" % (d, i)
    fd = os.open(p + ".new", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, data)
    os.fsync(fd)
    os.close(fd)
    if hist:
        os.symlink("f%d" % i, "%s/h/f%d.1" % (d, i))
        os.fsync(hfd)
    os.rename(p + ".new", p)
    os.fsync(dfd)
print("%.3f" % ((time.perf_counter() - t) * 1000 / n))
PYEOF
}
per_define() {     # per-define ms of one batch of N into a fresh root
    rm -rf "$W/root"
    python3 - "$DOMSH" "$W" "$N" <<'PYEOF'
import subprocess, sys, time
domsh, w, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
env = dict(__import__("os").environ, DOMSH_ROOT=w + "/root", DOMSH_DEFAULT_URI="test:///default")
t = time.perf_counter()
subprocess.run([domsh, "-q"], stdin=open(w + "/define.batch"), stdout=subprocess.DEVNULL,
               env=env, check=True)
print("%.3f" % ((time.perf_counter() - t) * 1000 / n))
PYEOF
}
virsh_define() {
    virsh -t -c test:///default < "$W/node.batch" 2>/dev/null | grep -o '(Time: [0-9.]* ms)' |
        tr -d '()' | awk -v n="$N" '{ s += $2 } END { printf "%.3f", s / n }'
}
# fsync calls of one define (strace), "-" without strace
strace_fsyncs() {
    command -v strace >/dev/null 2>&1 || { echo -; return; }
    rm -rf "$W/root1"
    DOMSH_ROOT=$W/root1 strace -f -c -e trace=fsync,fdatasync "$DOMSH" -q -c test:///default \
        define "$W/d00001.xml" 2>&1 >/dev/null | awk '$NF == "fsync" || $NF == "fdatasync" { n += $(NF-1) } END { print n + 0 }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
: > "$W/d"; : > "$W/f"; : > "$W/h"; : > "$W/v"
r=1
while [ $r -le "$ROUNDS" ]; do
    per_define >> "$W/d"
    rm -rf "$W/floor"; floor "$W/floor" >> "$W/f"
    rm -rf "$W/floor"; HIST=1 floor "$W/floor" >> "$W/h"
    if command -v virsh >/dev/null 2>&1; then virsh_define >> "$W/v"; echo >> "$W/v"; fi
    r=$((r + 1))
done
d=$(median < "$W/d") f=$(median < "$W/f") h=$(median < "$W/h")
echo "define, batch of $N, durable, $(df -T "$W" | awk 'NR==2 {print $2}') at $W, median of $ROUNDS rounds ($(load)):"
printf '  %-46s %7s ms\n' "domsh define (one batch process)" "$d"
printf '  %-46s %7s ms   domsh/floor %s (goal <= 1.5)\n' "one durable write (.new, fsync, rename, fsync dir)" "$f" "$(ratio "$d" "$f")"
printf '  %-46s %7s ms   domsh/floor %s\n' "the same + history link, its dir fsynced first" "$h" "$(ratio "$d" "$h")"
echo "  fsyncs per define here: $(strace_fsyncs)"
if [ -s "$W/v" ]; then
    v=$(grep . "$W/v" | median)
    printf '  %-46s %7s ms   domsh/virsh %s\n' "virsh test driver define (memory only)" "$v" "$(ratio "$d" "$v")"
fi
echo "  history kept: $(ls "$W/root/config/test/history" | wc -l) of $N domains"
