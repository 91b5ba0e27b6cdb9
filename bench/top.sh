#!/bin/sh
# bench/top.sh: the cost of `domsh top` with many running domains.
#
#   sh bench/top.sh              (BENCH_DOMAINS=N, default 200; BENCH_SAMPLES, default 20;
#                                 DOMSH=path of another build to compare)
#
# Starts N test-backend domains (fake guests, the real supervisor), then
# runs `top -b --json -d 0.1 -n SAMPLES` under /usr/bin/time: CPU per
# refresh is its user+system time over the SAMPLES+1 samples it takes (one
# silent baseline), RSS its peak resident size.  Goals: <= 20 ms a
# refresh, <= 10 MiB.  The peer is `ps` reading the same emulator
# processes once per refresh (pid, CPU time, RSS only: a small part of
# what top gathers), and the ratio says what the rest costs.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
domsh=${DOMSH:-$top/domsh}
n=${BENCH_DOMAINS:-200}
samples=${BENCH_SAMPLES:-20}
[ -x "$domsh" ] || { echo "bench/top.sh: build domsh first (make)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/domsh-bench.XXXXXX")
export DOMSH_ROOT="$work/root"
D() { "$domsh" -q -c test:///default "$@"; }
cleanup() {
    D list --name 2>/dev/null | while read -r d; do D destroy "$d" >/dev/null 2>&1 || true; done
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
i=0
while [ $i -lt $n ]; do
    cat > "$work/b$i.xml" <<XML
<domain type='test'><name>b$i</name><memory>65536</memory><os><type>hvm</type></os>
<devices><disk type='file' device='disk'><source file='$work/b$i.img'/>
<target dev='vda' bus='virtio'/></disk><serial type='pty'/></devices></domain>
XML
    echo "define $work/b$i.xml; start b$i"
    i=$((i + 1))
done | D >/dev/null
echo "running domains: $(D list --name | grep -c .)"

/usr/bin/time -f "%U %S %M" -o "$work/time" \
    "$domsh" -q -c test:///default top -b --json -d 0.1 -n "$samples" > "$work/out"
read -r user sys rss_kib < "$work/time"
got=$(grep -c '"domains"' "$work/out")
pids=$(for d in $(sed -n 's/^qemu_pid=//p' "$DOMSH_ROOT"/run/test/*/status); do printf '%s,' "$d"; done)
/usr/bin/time -f "%U %S" -o "$work/ptime" sh -c "
    k=0; while [ \$k -le $samples ]; do ps -o pid=,time=,rss= -p '${pids%,}' >/dev/null; k=\$((k + 1)); done"
read -r puser psys < "$work/ptime"
awk -v u="$user" -v s="$sys" -v r="$rss_kib" -v pu="$puser" -v ps="$psys" -v k="$samples" -v g="$got" -v n="$n" 'BEGIN {
    per = (u + s) * 1000 / (k + 1); peer = (pu + ps) * 1000 / (k + 1);
    printf "samples printed: %d of %d, %d domains each\n", g, k, n;
    printf "domsh top -b   CPU per refresh %7.1f ms   peak RSS %5.1f MiB   (goals: 20 ms, 10 MiB)\n", per, r / 1024;
    printf "ps (peer)      CPU per refresh %7.1f ms\n", peer;
    if (peer > 0) printf "ratio          %.1fx\n", per / peer }'
