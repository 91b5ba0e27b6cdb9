#!/bin/sh
# mkinitramfs.sh: build the busybox initramfs of the demo and test guests.
#
#   sh scripts/mkinitramfs.sh [OUT [KERNEL_VERSION]]
#
# OUT defaults to build/demo/initramfs.img; the kernel version defaults to
# the newest /boot/vmlinuz-*.  The image holds busybox-static, the modules
# the packaged kernel keeps outside (virtio, ATA/SCSI disks, e1000, ACPI
# button + evdev for acpid) with their dependencies from modules.dep, and
# an /init that:
#   - loads the modules in dependency order,
#   - starts busybox acpid so an ACPI power button (domsh shutdown) powers
#     the guest off,
#   - prints the banner "domsh guest ready: KERNEL, CPUS, MEM, disks: ...,
#     nics: ..." on the console (ttyS0),
#   - runs the test hook: domsh_run=poweroff|reboot|panic on the kernel
#     command line does that after domsh_delay=SECONDS (default 0); panic
#     writes 1 to the pvpanic port 0x505 (runtime.md 2.1),
#   - then keeps a shell on the console (`poweroff`/`reboot` work there).
# Boot it with: console=ttyS0 quiet panic=-1
set -eu

out=${1:-build/demo/initramfs.img}
kver=${2:-}
if [ -z "$kver" ]; then
    kernel=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
    [ -n "$kernel" ] || { echo "mkinitramfs.sh: no /boot/vmlinuz-* (install linux-image-amd64)" >&2; exit 1; }
    kver=${kernel#/boot/vmlinuz-}
fi
moddir=/lib/modules/$kver
busybox=/bin/busybox
[ -f "$moddir/modules.dep" ] || { echo "mkinitramfs.sh: $moddir/modules.dep not found" >&2; exit 1; }
[ -x "$busybox" ] || { echo "mkinitramfs.sh: $busybox not found (install busybox-static)" >&2; exit 1; }

MODULES="virtio_pci virtio_blk virtio_net virtio_console ata_piix ahci sd_mod sr_mod e1000 evdev button"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mkinitramfs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp/bin" "$tmp/proc" "$tmp/sys" "$tmp/dev" "$tmp/tmp" "$tmp/lib/modules" \
         "$tmp/etc/acpi/PWRF" "$tmp/var/run" "$tmp/var/log" "$tmp/root"
cp "$busybox" "$tmp/bin/busybox"

# modules.dep: "path/m.ko: dep1.ko dep2.ko ..." where a dependency comes
# after the modules that need it, so load the list from its end
order=""
add_module() {
    case " $order " in *" $1 "*) return ;; esac
    order="$order $1"
}
for m in $MODULES; do
    line=$(grep -E "/$m\.ko(\.xz|\.zst)?:" "$moddir/modules.dep" || true)
    [ -n "$line" ] || { echo "mkinitramfs.sh: module $m not in $moddir (built in?)" >&2; continue; }
    deps=${line#*:}
    rev=""
    for d in $deps; do rev="$d $rev"; done
    for d in $rev; do add_module "$d"; done
    add_module "${line%%:*}"
done
: > "$tmp/lib/modules/order"
for p in $order; do
    base=$(basename "$p")
    case "$p" in
        *.ko.xz) xz -dc "$moddir/$p" > "$tmp/lib/modules/${base%.xz}"; base=${base%.xz} ;;
        *.ko.zst) zstd -qdc "$moddir/$p" > "$tmp/lib/modules/${base%.zst}"; base=${base%.zst} ;;
        *) cp "$moddir/$p" "$tmp/lib/modules/$base" ;;
    esac
    echo "$base" >> "$tmp/lib/modules/order"
done

cat > "$tmp/etc/acpi/PWRF/00000080" <<'EOF'
#!/bin/busybox sh
/bin/busybox poweroff -f
EOF
chmod 755 "$tmp/etc/acpi/PWRF/00000080"

cat > "$tmp/etc/profile" <<'EOF'
export PATH=/bin
export PS1='demo# '
EOF

cat > "$tmp/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
hostname demo
while read -r m; do insmod "/lib/modules/$m" 2>/dev/null; done < /lib/modules/order
acpid -d >/dev/null 2>&1 &
disks=$(echo $(cd /sys/block && ls -d [hsvx]d* sr* fd* 2>/dev/null))
nics=$(echo $(cd /sys/class/net && ls -d eth* 2>/dev/null))
echo "domsh guest ready: $(uname -r), $(grep -c ^processor /proc/cpuinfo) cpu, $(sed -n 's/MemTotal: *//p' /proc/meminfo), disks: ${disks:-none}, nics: ${nics:-none}"

# test hook: domsh_run=ACTION [domsh_delay=SECONDS] on the kernel command line
run=""; delay=0
for w in $(cat /proc/cmdline); do
    case "$w" in
        domsh_run=*) run=${w#domsh_run=} ;;
        domsh_delay=*) delay=${w#domsh_delay=} ;;
    esac
done
if [ -n "$run" ]; then
    sleep "$delay"
    echo "domsh guest: running '$run'"
    case "$run" in
        poweroff) poweroff -f ;;
        reboot) reboot -f ;;
        panic) printf '\001' | dd of=/dev/port bs=1 seek=1285 2>/dev/null ;;
    esac
fi

# `poweroff`, `reboot` and `halt` without -f signal init: that is us
trap 'poweroff -f' USR2
trap 'reboot -f' TERM
trap 'halt -f' USR1
while :; do
    setsid cttyhack sh -l &
    wait $!
done
EOF
chmod 755 "$tmp/init"

mkdir -p "$(dirname "$out")"
(cd "$tmp" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -9n) > "$out.new"
mv "$out.new" "$out"
echo "$out: busybox initramfs for $kver ($(echo "$order" | wc -w) modules)"
