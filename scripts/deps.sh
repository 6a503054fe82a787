#!/bin/sh
# Installs the Debian packages needed to build and test (needs root).
set -e
PKGS="build-essential autoconf automake libtool pkg-config \
libtpms-dev libjson-c-dev libssl-dev \
swtpm swtpm-tools tpm2-tools libtss2-tcti-swtpm0 socat python3 procps util-linux \
qemu-system-x86 qemu-system-arm qemu-system-ppc qemu-utils seabios ovmf \
qemu-efi-aarch64 \
busybox-static cpio \
clang libclang-rt-14-dev strace openssl \
libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients \
softhsm2 libengine-pkcs11-openssl p11-kit-modules"
if [ "$(id -u)" != 0 ]; then
	SUDO=sudo
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
# the ppc64 QEMU test's guest kernel and busybox come from ppc64el
$SUDO dpkg --add-architecture ppc64el
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $PKGS >/dev/null
# QEMU 10 (bookworm-backports) unpacked beside 7.2 for the QEMU tests
"$(dirname "$0")/qemu10.sh"
