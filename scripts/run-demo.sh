#!/bin/sh
# run-demo.sh (`make run`): build the demo initramfs if it is missing or
# older than its script, define the `demo` domain on qemu:///session (TCG,
# the packaged kernel, serial + console pty) and a `sample` domain on
# test:///default, then open the shell on qemu:///session.
# DOMSH_ROOT, when set, is honoured as everywhere else.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
domsh=$top/domsh
build=$top/build/demo
initrd=$build/initramfs.img
mkdir -p "$build"
if [ ! -f "$initrd" ] || [ "$top/scripts/mkinitramfs.sh" -nt "$initrd" ]; then
    sh "$top/scripts/mkinitramfs.sh" "$initrd"
fi
kernel=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
[ -n "$kernel" ] || { echo "run-demo.sh: no /boot/vmlinuz-* (install linux-image-amd64)" >&2; exit 1; }
sed -e "s|@KERNEL@|$kernel|" -e "s|@INITRD@|$initrd|" "$top/scripts/demo.xml.in" > "$build/demo.xml"
sed -e "s|<name>demo</name>|<name>sample</name>|" \
    -e "s|0d0e0a00-d0d5-4e11-9e00-00000000de00|0d0e0a00-d0d5-4e11-9e00-00000000de01|" \
    -e "s|52:54:00:d0:00:01|52:54:00:d0:00:02|" "$build/demo.xml" > "$build/sample.xml"
"$domsh" -q -c qemu:///session define "$build/demo.xml"
"$domsh" -q -c test:///default define "$build/sample.xml"
echo "The 'demo' guest is defined on qemu:///session ('sample' on test:///default)."
echo "Try: start demo; console demo   (Ctrl+] leaves the console; 'poweroff' in the guest ends it)"
exec "$domsh" -c qemu:///session
