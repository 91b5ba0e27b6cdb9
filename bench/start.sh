#!/bin/sh
# bench/start.sh: starting the demo guest, bare QEMU beside domsh.
#
#   sh bench/start.sh            (BENCH_RUNS=N for more rounds, default 3;
#                                 BENCH_START_RUNS=M adds M quick pairs,
#                                 bare `cont` then `domsh start`, no banner)
#
# Per round, with the same kernel, initramfs and TCG machine:
#   bare    qemu-system-x86_64 -serial stdio: exec -> banner on the console
#   domsh   `domsh start`: invocation -> banner in LOG/NAME.console.log,
#           and how long `start` takes to return
#   cont    bare QEMU with the same devices, -S and a QMP socket: exec ->
#           greeting, qmp_capabilities, `cont` answered (issue 15, row 2:
#           the peer of `start returns`; goal: start <= cont + 10 ms)
#   destroy how long `domsh destroy` takes to return (QEMU reaped)
#   rss     the supervisor's VmRSS while the guest runs
# The banner is the initramfs's "domsh guest ready" line, seen by polling
# the output file every 2 ms on both sides.  Medians last.
# Peer figures (libvirt 9.0 on this kind of host): `virsh start` returns in
# 321 ms, its banner comes ~0.4 s after bare QEMU's, `virsh destroy` 1.8 s.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.inc"
domsh=$top/domsh
runs=${BENCH_RUNS:-3}
[ -x "$domsh" ] || { echo "bench/start.sh: build domsh first (make)" >&2; exit 1; }
demo_setup

ms() { echo $(( $(date +%s%N) / 1000000 )); }

# both sides are watched the same way: a file polled every 2 ms
wait_banner() {
    n=0
    until grep -q "domsh guest ready" "$1" 2>/dev/null; do
        n=$((n + 1))
        [ "$n" -lt 30000 ] || { echo "bench/start.sh: no banner in $1" >&2; exit 1; }
        sleep 0.002
    done
}

# bare QEMU: the domain's machine without domsh, console on stdout
bare_round() {
    out=$work/bare.log
    rm -f "$out"
    t0=$(ms)
    # the demo domain's hardware: domsh also gives every guest a balloon
    # and a pvpanic device, which the guest probes while it boots
    qemu-system-x86_64 -nodefaults -no-user-config -machine pc -accel tcg -m 128 \
        -display none -kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
        -netdev user,id=n0 -device virtio-net-pci,netdev=n0 -serial stdio \
        -device virtio-balloon-pci -device pvpanic \
        </dev/null >"$out" 2>/dev/null &
    qpid=$!
    wait_banner "$out"
    t1=$(ms)
    kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null || true
    qpid=""
    echo $((t1 - t0))
}

# bare QEMU to `cont` answered, the way the supervisor drives it
bare_cont_round() {
    python3 - "$kernel" "$initrd" "$cmdline" "$work/bare.qmp" <<'PYEOF'
import json, os, socket, subprocess, sys, time
kernel, initrd, cmdline, qmp = sys.argv[1:]
t0 = time.perf_counter()
p = subprocess.Popen(["qemu-system-x86_64", "-nodefaults", "-no-user-config", "-machine", "pc",
    "-accel", "tcg", "-m", "128", "-display", "none", "-kernel", kernel, "-initrd", initrd,
    "-append", cmdline, "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0",
    "-serial", "null", "-device", "virtio-balloon-pci", "-device", "pvpanic", "-S",
    "-qmp", "unix:%s,server=on,wait=off" % qmp], stdin=subprocess.DEVNULL,
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
s = socket.socket(socket.AF_UNIX)
while True:
    try:
        s.connect(qmp)
        break
    except (FileNotFoundError, ConnectionRefusedError):
        time.sleep(0.001)
f = s.makefile("rwb", buffering=0)
def answer(cmd):
    if cmd:
        f.write(json.dumps({"execute": cmd}).encode() + b"\n")
    while True:
        m = json.loads(f.readline())
        if "return" in m or "QMP" in m:
            return
answer(None); answer("qmp_capabilities"); answer("cont")
t1 = time.perf_counter()
p.kill(); p.wait()
os.unlink(qmp)
print(round((t1 - t0) * 1000))
PYEOF
}

domsh_round() {
    log=$work/root/log/qemu/bench.console.log
    rm -f "$log"
    t0=$(ms)
    "$domsh" -q -c qemu:///session start bench >/dev/null
    t1=$(ms)
    wait_banner "$log"
    t2=$(ms)
    sup=$(sed -n 's/^sup_pid=//p' "$work/root/run/qemu/bench/status")
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$sup/status")
    t3=$(ms)
    "$domsh" -q -c qemu:///session destroy bench >/dev/null
    t4=$(ms)
    echo "$((t2 - t0)) $((t1 - t0)) $((t4 - t3)) $rss"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '%-6s %12s %14s %14s %14s %15s %14s\n' round "bare banner" "domsh banner" "bare cont" \
    "start returns" "destroy returns" "supervisor RSS"
: > "$work/rows"
i=1
while [ "$i" -le "$runs" ]; do
    b=$(bare_round)
    c=$(bare_cont_round)
    set -- $(domsh_round)
    printf '%-6s %9s ms %11s ms %11s ms %11s ms %12s ms %11s KiB\n' "$i" "$b" "$1" "$c" "$2" "$3" "$4"
    echo "$b $1 $c $2 $3 $4" >> "$work/rows"
    i=$((i + 1))
done
col() { awk -v c="$1" '{print $c}' "$work/rows" | median; }
b=$(col 1); d=$(col 2); c=$(col 3); r=$(col 4)
printf '%-6s %9s ms %11s ms %11s ms %11s ms %12s ms %11s KiB\n' median "$b" "$d" "$c" "$r" "$(col 5)" "$(col 6)"
echo "($(load))"
echo "domsh banner - bare banner: $((d - b)) ms (target <= 50 ms; libvirt ~400 ms)"
echo "start returns - bare cont: $((r - c)) ms, start/cont $(ratio "$r" "$c") (goal <= +10 ms)"
echo "targets: start returns <= 60 ms (virsh 321 ms), destroy <= 30 ms (virsh 1.8 s), supervisor RSS <= 2048 KiB"
# start against bare cont alone, many pairs: on a busy 2-CPU host one round
# of either side varies by +-100 ms, so a median needs more than 5 of them
m=${BENCH_START_RUNS:-0}
[ "$m" -gt 0 ] || exit 0
: > "$work/pairs"
j=1
while [ "$j" -le "$m" ]; do
    c=$(bare_cont_round)
    t0=$(ms)
    "$domsh" -q -c qemu:///session start bench >/dev/null
    t1=$(ms)
    "$domsh" -q -c qemu:///session destroy bench >/dev/null
    echo "$c $((t1 - t0)) $((t1 - t0 - c))" >> "$work/pairs"
    j=$((j + 1))
done
pc() { awk -v c="$1" '{print $c}' "$work/pairs" | median; }
c=$(pc 1); r=$(pc 2)
echo "$m pairs: bare cont $c ms, start returns $r ms (medians), start - cont $r - $c = $((r - c)) ms," \
    "median of the per-pair differences $(pc 3) ms, start/cont $(ratio "$r" "$c") ($(load))"
