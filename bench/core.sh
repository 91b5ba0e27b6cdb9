#!/bin/sh
# core.sh: domsh next to `virsh -c test:///default` on the same generated
# domains (1000 and 10000): define all, list --all, dumpxml all, each in
# one batch process (commands on stdin), wall time and peak RSS; then
# `domsh list --all` alone on the 10000.  virsh's test driver keeps state
# only inside one process, so virsh runs everything in one process with -t
# and its per-command times are summed per phase (startup not included;
# its peak RSS is that of the whole process).  Not part of make check.
#
# Environment: DOMSH (binary, default ./domsh), VIRSH (default virsh),
# SIZES (default "1000 10000"), BENCH_DIR (default /var/tmp: a real disk,
# not tmpfs, so that define's fsyncs cost what they cost).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(dirname "$HERE")
DOMSH=${DOMSH:-$SRC/domsh}
VIRSH=${VIRSH:-virsh}
SIZES=${SIZES:-"1000 10000"}
W=$(mktemp -d "${BENCH_DIR:-/var/tmp}/domsh-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT INT TERM
PY=$(command -v python3)
[ -x "$DOMSH" ] || { echo "core.sh: build domsh first (make)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "core.sh: needs GNU time (/usr/bin/time)" >&2; exit 1; }
HAVE_VIRSH=1
command -v "$VIRSH" >/dev/null 2>&1 || HAVE_VIRSH=0

# gen N DIR: N domain files d00001.xml... with fixed uuids, plus the batches
gen() {
    "$PY" - "$1" "$2" <<'PYEOF'
import os, sys
n, d = int(sys.argv[1]), sys.argv[2]
os.makedirs(d + "/xml", exist_ok=True)
tmpl = """<domain type='qemu'>
  <name>{name}</name>
  <uuid>{uuid}</uuid>
  <memory>524288</memory>
  <currentMemory>262144</currentMemory>
  <vcpu>2</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <boot dev='hd'/>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <source file='/var/lib/images/{name}.img'/>
      <target dev='hda' bus='ide'/>
    </disk>
    <interface type='user'>
      <mac address='52:54:00:{m1:02x}:{m2:02x}:{m3:02x}'/>
    </interface>
    <serial type='pty'>
      <target port='0'/>
    </serial>
    <console type='pty'>
      <target port='0'/>
    </console>
    <input type='mouse' bus='ps2'/>
  </devices>
</domain>
"""
with open(d + "/define.txt", "w") as df, open(d + "/dumpxml.txt", "w") as xf:
    for i in range(1, n + 1):
        name = "bench%05d" % i
        uuid = "%08x-0000-4000-8000-%012x" % (i, i)
        with open("%s/xml/%s.xml" % (d, name), "w") as f:
            f.write(tmpl.format(name=name, uuid=uuid, m1=(i >> 16) & 255, m2=(i >> 8) & 255, m3=i & 255))
        df.write("define %s/xml/%s.xml\n" % (d, name))
        xf.write("dumpxml %s\n" % name)
PYEOF
}

# measure OUT CMD... < stdin: runs CMD with stdout to OUT, prints
# "WALL_MS RSS_KIB CPU_MS" (CPU = user + system, less sensitive to a busy host)
# (peak RSS from GNU time, which forks from a small process, not from python)
measure() {
    "$PY" - "$W/rss" "$@" <<'PYEOF'
import subprocess, sys, time
rssf, out, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(out, "w") as o:
    t = time.perf_counter()
    rc = subprocess.call(["/usr/bin/time", "-f", "%M %U %S", "-o", rssf] + cmd, stdout=o,
                         stderr=subprocess.DEVNULL)
    wall = (time.perf_counter() - t) * 1000
if rc != 0:
    sys.stderr.write("core.sh: %s exited with %d\n" % (" ".join(cmd), rc))
rss, user, sys_ = open(rssf).read().split()[-3:]
print("%.1f %s %.0f" % (wall, rss, (float(user) + float(sys_)) * 1000))
PYEOF
}

# the floor of one durable write here: write .new, fsync, rename, fsync dir
fsync_floor() {
    "$PY" - "$W/floor" <<'PYEOF'
import os, sys, time
d = sys.argv[1]
os.makedirs(d)
dfd = os.open(d, os.O_RDONLY)
t = time.perf_counter()
for i in range(300):
    p = "%s/f%d" % (d, i)
    fd = os.open(p + ".new", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, b"x" * 900)
    os.fsync(fd)
    os.close(fd)
    os.rename(p + ".new", p)
    os.fsync(dfd)
print("%.3f" % ((time.perf_counter() - t) * 1000 / 300))
PYEOF
}

# virsh -t output -> "DEFINE_MS LIST_MS DUMPXML_MS" (times in command order)
virsh_phases() {
    grep -o '(Time: [0-9.]* ms)' "$1" | tr -d '()' | awk -v n="$2" '
        { t = $2; i++; if (i <= n) d += t; else if (i == n + 1) l = t; else x += t }
        END { printf "%.1f %.1f %.1f\n", d, l, x }'
}

row() {   # OP N DOMSH_MS DOMSH_RSS DOMSH_CPU VIRSH_MS VIRSH_RSS PER(1=per domain)
    awk -v op="$1" -v n="$2" -v dm="$3" -v dr="$4" -v dc="$5" -v vm="$6" -v vr="$7" -v per="$8" 'BEGIN {
        du = per ? sprintf("%.1f us/dom", dm * 1000 / n) : "";
        vu = (per && vm != "-") ? sprintf("%.1f us/dom", vm * 1000 / n) : "";
        vms = vm == "-" ? "-" : sprintf("%.1f ms", vm);
        vrs = vr == "-" ? "-" : sprintf("%.1f MiB", vr / 1024);
        printf "%-12s %6d  %10.1f ms %16s %8d ms %8.1f MiB  |  %10s %16s %9s\n",
               op, n, dm, du, dc, dr / 1024, vms, vu, vrs }'
}

echo "domsh core benchmark ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cpu, load $(cut -d' ' -f1-3 /proc/loadavg), $(df -T "$W" | awk 'NR==2 {print $2}') at $W)"
echo "durable write floor here (write .new, fsync, rename, fsync dir): $(fsync_floor) ms"
echo
printf "%-12s %6s  %13s %16s %11s %12s  |  %10s %16s %9s\n" operation N "domsh wall" "domsh per" \
       "domsh CPU" "domsh RSS" "virsh" "virsh per" "virsh RSS"
for n in $SIZES; do
    d="$W/n$n"
    gen "$n" "$d"
    export DOMSH_ROOT="$d/root"
    set -- $(measure "$d/def.out" sh -c "exec \"$DOMSH\" -q -c test:///default < \"$d/define.txt\"")
    def_ms=$1 def_rss=$2 def_cpu=$3
    set -- $(measure "$d/list.out" "$DOMSH" -q -c test:///default list --all)
    list_ms=$1 list_rss=$2 list_cpu=$3
    set -- $(measure "$d/dump.out" sh -c "exec \"$DOMSH\" -q -c test:///default < \"$d/dumpxml.txt\"")
    dump_ms=$1 dump_rss=$2 dump_cpu=$3
    [ "$(grep -c '^ -  ' "$d/list.out")" = "$n" ] || echo "core.sh: domsh list shows $(grep -c '^ -  ' "$d/list.out") of $n" >&2
    [ "$(grep -c '^<domain' "$d/dump.out")" = "$n" ] || echo "core.sh: domsh dumpxml printed $(grep -c '^<domain' "$d/dump.out") of $n" >&2
    v_def=- v_list=- v_dump=- v_rss=-
    if [ $HAVE_VIRSH = 1 ]; then
        { cat "$d/define.txt"; echo "list --all"; cat "$d/dumpxml.txt"; } > "$d/virsh.txt"
        set -- $(measure "$d/virsh.out" sh -c "exec \"$VIRSH\" -t -c test:///default < \"$d/virsh.txt\"")
        v_rss=$2
        set -- $(virsh_phases "$d/virsh.out" "$n")
        v_def=$1 v_list=$2 v_dump=$3
    fi
    row "define all" "$n" "$def_ms" "$def_rss" "$def_cpu" "$v_def" "$v_rss" 1
    row "list --all" "$n" "$list_ms" "$list_rss" "$list_cpu" "$v_list" "$v_rss" 0
    row "dumpxml all" "$n" "$dump_ms" "$dump_rss" "$dump_cpu" "$v_dump" "$v_rss" 1
done
last=$(echo $SIZES | awk '{print $NF}')
export DOMSH_ROOT="$W/n$last/root"
best="" cpu=""
for i in 1 2 3 4 5; do
    set -- $(measure "$W/list.out" "$DOMSH" -q -c test:///default list --all)
    best=$(awk -v a="$1" -v b="${best:-$1}" 'BEGIN { print (a < b ? a : b) }')
    cpu=$(awk -v a="$3" -v b="${cpu:-$3}" 'BEGIN { print (a < b ? a : b) }')
done
echo
echo "domsh list --all alone on $last domains, fresh process: best of 5 $best ms wall, $cpu ms CPU (last peak RSS $(awk -v r="$2" 'BEGIN { printf "%.1f", r / 1024 }') MiB)"
echo "virsh times are its own -t command times (no process startup); domsh times are whole processes."
