#!/bin/sh
# remote.sh: the cost of a remote URI once connected.  One shell session
# against test+ssh://127.0.0.1:PORT/default (a private sshd started here,
# as the remote_ssh tests do) and one against test:///default, each fed
# commands on a pipe: the time from writing `CMD` to reading the end of its
# output (an `echo` mark after it, run locally by both shells), median of
# RUNS runs (default 200), for `list --all` and `dominfo vm` on a store of
# 20 domains.  The delta is what one round trip over SSH costs; target:
# <= 2 ms on 127.0.0.1.  Also the time to the first answer (ssh connection,
# handshake, first command).  Environment: DOMSH (binary, default ./domsh),
# RUNS.  Needs openssh-server (scripts/deps.sh).  Not part of make check.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(dirname "$HERE")
DOMSH=$(realpath "${DOMSH:-$SRC/domsh}")
RUNS=${RUNS:-200}
[ -x "$DOMSH" ] || { echo "remote.sh: build domsh first (make)" >&2; exit 1; }
W=$(mktemp -d /tmp/domsh-bench-remote.XXXXXX)
SSHD_PID=""
cleanup() {
    [ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null || true
    for r in "$W/local" "$W/remote"; do
        DOMSH_ROOT=$r "$DOMSH" -q -c test:///default destroy vm >/dev/null 2>&1 || true
    done
    rm -rf "$W"
}
trap cleanup EXIT INT TERM

. "$HERE/lib.inc"
mkdir -p "$W/local"
private_sshd "$W/ssh" "$W/remote"

# the same 20 domains on both sides, vm running
for i in $(seq 1 20); do
    n=vm; [ "$i" = 1 ] || n=d$i
    printf "<domain type='qemu'><name>%s</name><memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>\n" "$n" > "$W/$n.xml"
    echo "define $W/$n.xml" >> "$W/define.batch"
done
for r in local remote; do
    DOMSH_ROOT=$W/$r "$DOMSH" -q -c test:///default < "$W/define.batch" > /dev/null
    DOMSH_ROOT=$W/$r "$DOMSH" -q -c test:///default start vm > /dev/null
done
python3 - "$DOMSH" "$W" "$PORT" "$RUNS" <<'PYEOF'
import os, statistics, subprocess, sys, time
domsh, w, port, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

def session(uri):
    env = dict(os.environ, DOMSH_ROOT=w + "/local")
    return subprocess.Popen([domsh, "-q", "-c", uri], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, env=env, bufsize=0)

def timed(p, cmd):
    t0 = time.perf_counter()
    p.stdin.write(("%s\necho __end__\n" % cmd).encode())
    buf = b""
    while not buf.endswith(b"__end__\n"):
        chunk = os.read(p.stdout.fileno(), 65536)
        if not chunk:
            raise SystemExit("the shell ended early")
        buf += chunk
    return (time.perf_counter() - t0) * 1000

remote_uri = "test+ssh://127.0.0.1:%s/default" % port
print("load average: %s" % open("/proc/loadavg").read().split()[0])
p = session(remote_uri)
print("remote, first command (ssh connect + handshake + list): %.1f ms" % timed(p, "list --all"))
loc = session("test:///default")
timed(loc, "list --all")
for cmd in ("list --all", "dominfo vm"):
    r = statistics.median(timed(p, cmd) for _ in range(runs))
    l = statistics.median(timed(loc, cmd) for _ in range(runs))
    print("%-12s local %6.2f ms   remote (ssh, 127.0.0.1) %6.2f ms   delta %+.2f ms   "
          "ratio %.1fx   (median of %d; target: delta <= 2 ms)" % (cmd, l, r, r - l, r / l, runs))
for s in (p, loc):
    s.stdin.close()
    s.wait()
PYEOF
echo "migration to another host over SSH: bench/migrate.sh"
