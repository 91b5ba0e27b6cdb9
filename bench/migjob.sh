#!/bin/sh
# bench/migjob.sh: the migration job of the 128 MiB demo guest (TCG) seen from
# another shell, domsh beside bare QEMU driven by hand over QMP.
#
#   sh bench/migjob.sh          (BENCH_RUNS=N timed calls, default 20)
#
#   domjobinfo    `domsh domjobinfo bench` while a migration runs (at
#                 migrate-setspeed 4), a fresh process each time, beside a
#                 one-shot QMP client asking a bare QEMU migrating at the same
#                 speed `query-migrate` on a second monitor (python3: connect,
#                 greeting, qmp_capabilities, query-migrate)
#   paced         a live migration at 32 MiB/s to a store of this host
#                 (`migrate-setspeed bench 32`, then `migrate --live`), beside
#                 the bare QEMU migrating at max-bandwidth 32 MiB/s over a unix
#                 socket: the speed set is the speed had
# Figures: medians of wall and CPU ms (domjobinfo; the peer's are mostly
# python's start); for the paced migration the job's time (domsh: `Time
# elapsed` of `domjobinfo --completed`, from migrate-out to completion; bare:
# from `migrate` to completed) and domsh's whole command (which also starts the
# destination); ratios domsh / bare.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.inc"
domsh=$top/domsh
runs=${BENCH_RUNS:-20}
[ -x "$domsh" ] || { echo "bench/migjob.sh: build domsh first (make)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench/migjob.sh: needs python3" >&2; exit 1; }
demo_setup
bare_pids=""
cleanup() {
    DOMSH_ROOT=$work/dest "$domsh" -q -c qemu:///session destroy bench >/dev/null 2>&1 || true
    for p in $bare_pids; do kill "$p" 2>/dev/null || true; done
    demo_cleanup
}
trap cleanup EXIT INT TERM
D=$work/dest
d() { "$domsh" -q -c qemu:///session "$@"; }

# the bare peer: cont, incoming, one-shot query, a paced migration, a cancel
cat > "$work/peer.py" <<'PYEOF'
import json, socket, sys, time
def qmp(path):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    f = s.makefile("rb")
    f.readline()
    def cmd(name, **args):
        s.sendall(json.dumps({"execute": name, "arguments": args}).encode() + b"\r\n")
        while True:
            m = json.loads(f.readline())
            if "return" in m or "error" in m:
                return m.get("return", m.get("error"))
    cmd("qmp_capabilities")
    return cmd
verb, sock = sys.argv[1], sys.argv[2]
cmd = qmp(sock)
def wait_end():
    while True:
        st = cmd("query-migrate").get("status")
        if st in ("completed", "failed", "cancelled"):
            return st
        time.sleep(0.02)
if verb == "cont":
    cmd("cont")
elif verb == "in":                         # in SOCK URI: receive, then run
    cmd("migrate-incoming", uri=sys.argv[3])
    if wait_end() == "completed":
        cmd("cont")
elif verb == "query":
    print(cmd("query-migrate").get("status"))
elif verb == "cancel":
    cmd("migrate_cancel")
else:                                      # pace SOCK URI MIB
    cmd("migrate-set-parameters", **{"max-bandwidth": int(sys.argv[4]) << 20})
    t0 = time.monotonic()
    cmd("migrate", uri=sys.argv[3])
    while True:
        st = cmd("query-migrate").get("status")
        if st == "active":
            open(sys.argv[2] + ".active", "w").close()
        if st in ("completed", "failed", "cancelled"):
            break
        time.sleep(0.02)
    print(int((time.monotonic() - t0) * 1000), st)
PYEOF

# bare_dest N: a bare QEMU waiting for a migration on $work/mig$N.sock
bare_dest() {
    qmp_sock=$work/dst$1.qmp bare_qemu "$work/dst$1.log" -incoming defer
    bare_pids="$bare_pids $qpid"
    until [ -S "$work/dst$1.qmp" ]; do sleep 0.005; done
    python3 "$work/peer.py" in "$work/dst$1.qmp" "unix:$work/mig$1.sock" >/dev/null 2>&1 &
    until [ -S "$work/mig$1.sock" ]; do sleep 0.005; done
}

d start bench >/dev/null
qmp_sock=$work/src.qmp bare_qemu "$work/src.log" -qmp "unix:$work/mon.sock,server=on,wait=off"
bare_pids=$qpid
python3 "$work/peer.py" cont "$work/src.qmp" >/dev/null
wait_prompt "$work/root/log/qemu/bench.console.log"
wait_prompt "$work/src.log"
load

# domjobinfo mid-migration
d migrate-setspeed bench 4
d migrate --live bench qemu:///session --dest-root "$D" 2>/dev/null &
mpid=$!
until d domjobinfo bench | grep -q "Memory processed"; do sleep 0.05; done
set -- $(timed "$runs" "$domsh" -q -c qemu:///session domjobinfo bench)
dw=$1 dc=$2
d domjobabort bench
wait "$mpid" || true
bare_dest 1
python3 "$work/peer.py" pace "$work/src.qmp" "unix:$work/mig1.sock" 4 > "$work/pace1" &
ppid=$!
until [ -e "$work/src.qmp.active" ]; do sleep 0.01; done
set -- $(timed "$runs" python3 "$work/peer.py" query "$work/mon.sock")
bw=$1 bc=$2
python3 "$work/peer.py" cancel "$work/mon.sock"
wait "$ppid" || true
printf '%-28s %12s %12s %8s\n' "" "domsh" "bare QMP" "ratio"
printf '%-28s %12s %12s %8s\n' "domjobinfo wall ms (median)" "$dw" "$bw" "$(ratio "$dw" "$bw")"
printf '%-28s %12s %12s %8s\n' "domjobinfo CPU ms (median)" "$dc" "$bc" "$(ratio "$dc" "$bc")"

# a migration at 32 MiB/s
d migrate-setspeed bench 32
t0=$(ms)
d migrate --live bench qemu:///session --dest-root "$D" >/dev/null
t1=$(ms)
job=$(d domjobinfo bench --completed | awk '/^Time elapsed:/ {print $3}')
bare_dest 2
set -- $(python3 "$work/peer.py" pace "$work/src.qmp" "unix:$work/mig2.sock" 32)
[ "$2" = completed ] || { echo "bench/migjob.sh: the bare migration ended $2" >&2; exit 1; }
printf '%-28s %12s %12s %8s\n' "32 MiB/s: job ms" "$job" "$1" "$(ratio "$job" "$1")"
printf '%-28s %12s\n' "32 MiB/s: command wall ms" "$((t1 - t0))"
