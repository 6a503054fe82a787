#!/bin/busybox sh
# /init of the busybox initramfs used by the QEMU end-to-end tests.
# Kernel log goes to ttyS0; ttyS1 carries a line protocol driven by the
# host: "<id> <cmd> [arg]" in, "@<id> ..." lines out, "@<id> END <rc>" last.
# Commands: ping, info, pcr N (sysfs), tpm HEX (raw command on /dev/tpm0),
# dmesg (kernel lines about the TPM).

/bin/busybox mkdir -p /proc /sys /dev /usr/bin /usr/sbin /sbin
/bin/busybox --install -s
mount -t devtmpfs dev /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sys /sys

CH=/dev/ttyS1
stty -F $CH raw -echo 115200
exec 4<>$CH

say() {
	echo "@$id $*" >&4
}

tpm_info() {
	if [ -c /dev/tpm0 ]; then say dev tpm0; else say dev none; fi
	t=/sys/class/tpm/tpm0
	[ -d $t ] || return 0
	say major "$(cat $t/tpm_version_major 2>/dev/null)"
	drv=$(readlink $t/device/driver 2>/dev/null)
	say driver "${drv##*/}"
	for n in $(seq 0 23); do
		say pcr $n "$(cat $t/pcr-sha256/$n 2>/dev/null)"
	done
}

tpm_raw() {
	exec 3<>/dev/tpm0 || return 1
	printf %s "$1" | xxd -r -p >&3 || { exec 3>&-; return 1; }
	r=$(dd bs=4096 count=1 <&3 2>/dev/null | xxd -p | tr -d '\n')
	exec 3>&-
	say rsp "$r"
}

echo "guest: command loop on $CH"
echo "@0 READY" >&4
while read -r id cmd arg <&4; do
	case "$cmd" in
	ping)	say pong; rc=0 ;;
	info)	tpm_info; rc=$? ;;
	pcr)	v=$(cat /sys/class/tpm/tpm0/pcr-sha256/"$arg" 2>/dev/null)
		rc=$?; say pcr "$arg" "$v" ;;
	tpm)	tpm_raw "$arg"; rc=$? ;;
	dmesg)	dmesg | grep -i -e tpm -e ima: | while read -r l; do
			say log "$l"
		done
		rc=0 ;;
	*)	rc=127 ;;
	esac
	say END $rc
done
echo "guest: command channel closed"
poweroff -f
