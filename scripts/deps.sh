#!/bin/sh
# deps.sh: install the Debian packages domsh needs to build and test, if
# any is missing.  Idempotent and quiet when nothing is missing.
set -e
PKGS="make gcc pkg-config libxml2-dev libxml2-utils libreadline-dev libncurses-dev
libcriterion-dev tmux qemu-system-x86 qemu-utils busybox-static linux-image-amd64
libvirt-clients valgrind groff-base man-db cpio python3 openssh-server"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps.sh: installing$missing"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
