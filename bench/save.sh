#!/bin/sh
# bench/save.sh: save and restore of the 128 MiB demo guest, bare QEMU beside domsh.
#
#   sh bench/save.sh            (BENCH_RUNS=N for more rounds, default 3)
#
# Per round, same kernel, initramfs and TCG machine, the guest booted to its shell:
#   bare save     a QMP client (bench/qmpmig.c) does what one would by hand:
#                 stop, migrate-set-parameters max-bandwidth, getfd (SCM_RIGHTS),
#                 migrate fd:, wait for MIGRATION completed (then, "+fdatasync",
#                 the sync that makes it as durable as domsh's image), quit
#   domsh save    `domsh save bench FILE` from invocation to return (the shell,
#                 the header, the migration through the supervisor, fdatasync of
#                 the image and its complete mark, the guest stopped)
#   bare restore  qemu -incoming defer -S started, getfd, migrate-incoming fd:,
#                 MIGRATION completed, cont: from exec to cont's answer
#   domsh restore `domsh restore FILE` from invocation to return
#   size          the image: QEMU's stream, and domsh's (header + XML + stream)
# Medians last.  Goal: domsh within 5 % + 20 ms of bare QEMU.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.inc"
domsh=$top/domsh
runs=${BENCH_RUNS:-3}
[ -x "$domsh" ] || { echo "bench/save.sh: build domsh first (make)" >&2; exit 1; }
qmpmig=$top/build/bench/qmpmig
[ -x "$qmpmig" ] || { echo "bench/save.sh: build the bare QMP peer first (make build/bench/qmpmig)" >&2; exit 1; }
demo_setup

ms() { echo $(( $(date +%s%N) / 1000000 )); }

wait_prompt() {
    n=0
    until grep -q "demo# " "$1" 2>/dev/null; do
        n=$((n + 1))
        [ "$n" -lt 60000 ] || { echo "bench/save.sh: the guest did not boot ($1)" >&2; exit 1; }
        sleep 0.005
    done
}

# the demo domain's machine (as bench/start.sh runs it), QMP on a socket
bare_qemu() {
    log=$1
    shift
    qemu-system-x86_64 -nodefaults -no-user-config -machine pc -accel tcg -m 128 \
        -display none -kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
        -netdev user,id=n0 -device virtio-net-pci,netdev=n0 -serial "file:$log" \
        -device virtio-balloon-pci -device pvpanic -qmp "unix:$work/qmp.sock,server=on,wait=off" \
        -S "$@" </dev/null >/dev/null 2>&1 &
    qpid=$!
}

bare_round() {
    rm -f "$work/bare.log" "$work/bare.img" "$work/qmp.sock"
    bare_qemu "$work/bare.log"
    "$qmpmig" cont "$work/qmp.sock" >/dev/null
    wait_prompt "$work/bare.log"
    s=$("$qmpmig" save "$work/qmp.sock" "$work/bare.img")
    wait "$qpid" 2>/dev/null || true
    rm -f "$work/qmp.sock"
    t0=$(ms)
    bare_qemu "$work/bare2.log" -incoming defer
    "$qmpmig" restore "$work/qmp.sock" "$work/bare.img" >/dev/null
    t1=$(ms)
    kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null || true
    qpid=""
    echo "$s $((t1 - t0)) $(stat -c %s "$work/bare.img")"   # save, save+sync, restore, size
}

domsh_round() {
    log=$work/root/log/qemu/bench.console.log
    rm -f "$log" "$work/domsh.img"
    "$domsh" -q -c qemu:///session start bench >/dev/null
    wait_prompt "$log"
    t0=$(ms)
    "$domsh" -q -c qemu:///session save bench "$work/domsh.img" >/dev/null
    t1=$(ms)
    "$domsh" -q -c qemu:///session restore "$work/domsh.img" >/dev/null
    t2=$(ms)
    "$domsh" -q -c qemu:///session destroy bench >/dev/null
    echo "$((t1 - t0)) $((t2 - t1)) $(stat -c %s "$work/domsh.img")"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '%-6s %11s %11s %11s %14s %14s %14s %14s\n' round "bare save" "+fdatasync" "domsh save" \
    "bare restore" "domsh restore" "bare image" "domsh image"
: > "$work/rows"
i=1
while [ "$i" -le "$runs" ]; do
    set -- $(bare_round)
    bs=$1 bss=$2 br=$3 bsz=$4
    set -- $(domsh_round)
    printf '%-6s %8s ms %8s ms %8s ms %11s ms %11s ms %12s B %12s B\n' "$i" "$bs" "$bss" "$1" \
        "$br" "$2" "$bsz" "$3"
    echo "$bs $1 $br $2 $bsz $3 $bss" >> "$work/rows"
    i=$((i + 1))
done
col() { awk -v c="$1" '{print $c}' "$work/rows" | median; }
bs=$(col 1); ds=$(col 2); br=$(col 3); dr=$(col 4); bss=$(col 7)
printf '%-6s %8s ms %8s ms %8s ms %11s ms %11s ms %12s B %12s B\n' median "$bs" "$bss" "$ds" "$br" \
    "$dr" "$(col 5)" "$(col 6)"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
echo "save:    domsh/bare $(ratio "$ds" "$bs") (domsh - bare: $((ds - bs)) ms; goal <= 5 % + 20 ms = $(( bs * 105 / 100 + 20 - bs )) ms)"
echo "restore: domsh/bare $(ratio "$dr" "$br") (domsh - bare: $((dr - br)) ms; goal <= 5 % + 20 ms = $(( br * 105 / 100 + 20 - br )) ms)"
echo "save vs an equally durable bare save (+fdatasync): domsh/bare $(ratio "$ds" "$bss") (domsh - bare: $((ds - bss)) ms)"
echo "domsh's save syncs the image before its complete mark; the bare figures are timed inside the"
echo "QMP client (no process start-up), domsh's from the shell's invocation to its return"
