#!/bin/sh
# bench/migrate_storage.sh: live migration with non-shared storage
# (`migrate --copy-storage-all`) of the 128 MiB demo guest (TCG) with a
# 256 MiB qcow2 disk holding 64 MiB of data, to a second store of this host,
# beside bare QEMU doing the same QMP sequence by hand (bench/qmp_storage.py:
# nbd-server-start + block-export-add on the destination, blockdev-add nbd +
# blockdev-mirror sync=full on the source, BLOCK_JOB_READY, migrate,
# block-job-cancel, nbd-server-stop, cont).
#
#   sh bench/migrate_storage.sh          (BENCH_RUNS=N hops each way, default 3)
#
# The guest boots once and moves back and forth between roots A and B, each
# hop to a fresh image (the one it left is removed, so every hop creates its
# destination image, as a first migration does).  Wall: domsh from invocation
# to return; bare from `qemu-img create` of the destination image (domsh makes
# it too) to the destination running.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.inc"
domsh=$top/domsh
runs=${BENCH_RUNS:-3}
qmp="$top/bench/qmp_storage.py"
[ -x "$domsh" ] || { echo "bench/migrate_storage.sh: build domsh first (make)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench/migrate_storage.sh: needs python3" >&2; exit 1; }
demo_setup
bare_pids=""
cleanup() {
    for r in "$work/root" "$work/rootB"; do
        DOMSH_ROOT=$r "$domsh" -q -c qemu:///session destroy bench >/dev/null 2>&1 || true
    done
    for p in $bare_pids; do kill "$p" 2>/dev/null || true; done
    demo_cleanup
}
trap cleanup EXIT INT TERM
A=$work/root B=$work/rootB
mkdir -p "$work/imgA" "$work/imgB" "$work/bareA" "$work/bareB"
img() { qemu-img create -q -f qcow2 "$1" 256M && qemu-io -f qcow2 -c 'write -P 0x5a 0 64M' "$1" >/dev/null; }
img "$work/imgA/a.qcow2"
cp "$work/imgA/a.qcow2" "$work/bareA/a.qcow2"
disk="<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$work/imgA/a.qcow2'/><target dev='vda' bus='virtio'/></disk>"
sed -i "s|<devices>|<devices>$disk|" "$work/bench.xml"
"$domsh" -q -c qemu:///session define "$work/bench.xml" >/dev/null
"$domsh" -q -c qemu:///session start bench >/dev/null
"$domsh" -q -c qemu:///session dumpxml bench > "$work/A.xml"
sed "s|$work/imgA/|$work/imgB/|" "$work/A.xml" > "$work/B.xml"

# domsh_hop FROM TO XML LEFT: the guest from root FROM to TO; LEFT, the image
# it leaves, removed after; prints the wall ms
domsh_hop() {
    t0=$(ms)
    DOMSH_ROOT=$1 "$domsh" -q -c qemu:///session migrate --live bench qemu:///session \
        --dest-root "$2" --copy-storage-all --xml "$3" >/dev/null
    t1=$(ms)
    rm -f "$4"
    echo "$((t1 - t0))"
}

bare_blk() { echo "-blockdev driver=file,filename=$1,node-name=f0 -blockdev driver=qcow2,file=f0,node-name=d0 -device virtio-blk-pci,drive=d0"; }

# bare_hop TODIR: the bare guest (QMP $src_sock, image $src_img) to a new
# QEMU on TODIR/a.qcow2; the wall ms in $work/hop
bare_hop() {
    n=$((n + 1))
    t0=$(ms)
    qemu-img create -q -f qcow2 "$1/a.qcow2" 256M
    qmp_sock=$work/bare$n.qmp
    bare_qemu "$work/bare$n.log" -incoming defer $(bare_blk "$1/a.qcow2")
    dst_pid=$qpid
    bare_pids="$bare_pids $dst_pid"
    python3 "$qmp" move "$src_sock" "$qmp_sock" "$work/nbd$n.sock" "$work/mig$n.sock" d0
    t1=$(ms)
    wait "$src_pid" 2>/dev/null || true
    rm -f "$src_img" "$src_sock"
    src_sock=$qmp_sock src_pid=$dst_pid src_img=$1/a.qcow2
    echo "$((t1 - t0))" > "$work/hop"
}

n=0 qmp_sock=$work/bare0.qmp
bare_qemu "$work/bare0.log" $(bare_blk "$work/bareA/a.qcow2")
src_sock=$qmp_sock src_pid=$qpid src_img=$work/bareA/a.qcow2 bare_pids=$qpid
python3 "$qmp" cont "$src_sock" >/dev/null
wait_prompt "$A/log/qemu/bench.console.log"
wait_prompt "$work/bare0.log"
load
printf '%-6s | %12s | %12s | %12s | %12s\n' hop "domsh A->B" "domsh B->A" "bare A->B" "bare B->A"
: > "$work/rows"
i=1
while [ "$i" -le "$runs" ]; do
    d1=$(domsh_hop "$A" "$B" "$work/B.xml" "$work/imgA/a.qcow2")
    d2=$(domsh_hop "$B" "$A" "$work/A.xml" "$work/imgB/a.qcow2")
    bare_hop "$work/bareB"
    b1=$(cat "$work/hop")
    bare_hop "$work/bareA"
    b2=$(cat "$work/hop")
    echo "$d1 $d2 $b1 $b2" >> "$work/rows"
    printf '%-6s | %9s ms | %9s ms | %9s ms | %9s ms\n' "$i" "$d1" "$d2" "$b1" "$b2"
    i=$((i + 1))
done
col() { awk -v c="$1" '{print $c}' "$work/rows" | median; }
set -- $(col 1) $(col 2) $(col 3) $(col 4)
printf '%-6s | %9s ms | %9s ms | %9s ms | %9s ms\n' median "$@"
echo "domsh/bare: A->B $(ratio "$1" "$3"), B->A $(ratio "$2" "$4")" \
    "(domsh's wall includes the shell, the XML check, starting the destination's supervisor)"
