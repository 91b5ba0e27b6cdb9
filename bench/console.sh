#!/bin/sh
# bench/console.sh: the console bridge, in one run, on the test backend
# (fake guest) and, when it can boot here, on the QEMU demo guest:
#   - bytes/s of guest output through `domsh console` and through the
#     device pty (the published <source path>) read directly
#   - keystroke echo round trip, both ways (median of N keystrokes)
#   - attach to first prompt: spawning `domsh console` until the guest's
#     prompt is on screen (median of N attaches)
# and virsh console where libvirtd can run.  Targets (issue 5): >= 97% of
# the raw pty, <= +0.1 ms per keystroke, <= 20 ms to the first prompt.
# Usage: sh bench/console.sh   (after make; DOMSH_BIN overrides the binary)
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BIN=${DOMSH_BIN:-$SRC/build/domsh}
PB=$SRC/build/ptybench
LINES=${CONSOLE_BENCH_LINES:-100000}   # flood size: 64-byte lines
KEYS=${CONSOLE_BENCH_KEYS:-1000}
ATTACHES=${CONSOLE_BENCH_ATTACHES:-21}

[ -x "$BIN" ] || { echo "console.sh: build first (make): no $BIN" >&2; exit 1; }
mkdir -p "$SRC/build"
cc -O2 -o "$PB" "$SRC/bench/ptybench.c" -lutil

ROOT=$(mktemp -d "${TMPDIR:-/tmp}/domsh-bench.XXXXXX")
export DOMSH_ROOT="$ROOT"
D="$BIN -q -c test:///default"
cleanup() {
    $D destroy vm >/dev/null 2>&1 || true
    rm -rf "$ROOT"
}
trap cleanup EXIT INT TERM

cat > "$ROOT/vm.xml" <<'EOF'
<domain type='qemu'>
  <name>vm</name>
  <memory>65536</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
  </devices>
</domain>
EOF
$D define "$ROOT/vm.xml" >/dev/null
$D start vm >/dev/null
PTY=$(grep -o "/dev/pts/[0-9]*" "$ROOT/run/test/vm/live.xml" | head -n 1)

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
field() { tr ' ' '\n' | awk -v k="$1" 'p { print; exit } $0 == k { p = 1 }'; }

# attach to the first prompt (the replay ends with the prompt "fake# ")
i=0
: > "$ROOT/attach"
while [ $i -lt "$ATTACHES" ]; do
    "$PB" attach -r 'fake# ' -- $D console vm | field attach_ms >> "$ROOT/attach"
    i=$((i + 1))
done
ATTACH=$(median < "$ROOT/attach")

# guest output: LINES lines of 64 bytes, then "flood done"
CON=$("$PB" flood -r 'Escape character' -s "flood $LINES\r" -e 'flood done' \
      -- $D console vm --no-replay)
RAW=$("$PB" flood -s "flood $LINES\r" -e 'flood done' -p "$PTY")
SENT=$((LINES * 64))

# keystroke echo round trip
RTT_CON=$("$PB" rtt -r 'Escape character' -n "$KEYS" -- $D console vm --no-replay | field rtt_us)
RTT_RAW=$("$PB" rtt -n "$KEYS" -p "$PTY" | field rtt_us)

CON_BPS=$(echo "$CON" | field bytes_per_s)
RAW_BPS=$(echo "$RAW" | field bytes_per_s)
CON_BYTES=$(echo "$CON" | field bytes)
RAW_BYTES=$(echo "$RAW" | field bytes)

echo "console bench, test backend (fake guest), $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
awk -v cb="$CON_BPS" -v rb="$RAW_BPS" -v cn="$CON_BYTES" -v rn="$RAW_BYTES" -v sent="$SENT" \
    -v rc="$RTT_CON" -v rr="$RTT_RAW" -v at="$ATTACH" -v n="$ATTACHES" -v k="$KEYS" 'BEGIN {
    printf "  %-44s %10.0f KiB/s  (%d of %d bytes)\n", "output through domsh console:", cb / 1024, cn, sent
    printf "  %-44s %10.0f KiB/s  (%d of %d bytes%s)\n", "output from the device pty read directly:", rb / 1024, rn, sent,
        rn < sent ? "; the supervisor drops pty output a reader does not keep up with" : ""
    printf "  %-44s %10.1f %%     (target >= 97 %%)\n", "domsh console / device pty:", 100 * cb / rb
    printf "  %-44s %10.1f us    (median of %d)\n", "keystroke echo through domsh console:", rc, k
    printf "  %-44s %10.1f us\n", "keystroke echo on the device pty:", rr
    printf "  %-44s %+10.1f us    (target <= +100 us)\n", "added per keystroke:", rc - rr
    printf "  %-44s %10.1f ms    (median of %d; target <= 20 ms)\n", "attach to first prompt:", at, n
}'
if virsh -c qemu:///system version >/dev/null 2>&1; then
    echo "  virsh console: libvirtd answers, but this bench does not drive it yet"
else
    echo "  virsh console: not measured, libvirtd cannot run on this host; issue 5 measured"
    echo "    147 KiB/s = 80% of the raw pty's 182 KiB/s, +0.3 ms per keystroke, 1.025 s to the first prompt"
fi
