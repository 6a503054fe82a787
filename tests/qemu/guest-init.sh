#!/bin/busybox sh
# /init of the busybox initramfs used by the QEMU end-to-end tests.
# Kernel log goes to ttyS0; ttyS1 carries a line protocol driven by the
# host: "<id> <cmd> [arg]" in, "@<id> ..." lines out, "@<id> END <rc>" last.
# The command tty is named on the kernel command line (rig.tty=ttyS1).
# Commands: ping, info, pcr N (sysfs; sha256, or sha1 on a TPM 1.2), banks
# (every PCR of every bank in sysfs), evlog (the firmware's event log, hex),
# tpm HEX (raw command on /dev/tpm0), dmesg (kernel lines about the TPM),
# ppi [N] (PPI version, request and response; N: ask for operation N),
# reboot (answers, then reboots).

/bin/busybox mkdir -p /proc /sys /dev /usr/bin /usr/sbin /sbin
/bin/busybox --install -s
mount -t devtmpfs dev /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t securityfs none /sys/kernel/security 2>/dev/null

CH=/dev/ttyS1
for w in $(cat /proc/cmdline); do
	case $w in rig.tty=*) CH=/dev/${w#rig.tty=} ;; esac
done
# Set the mode on the open tty: hvc resets it at its last close; the speed
# apart, hvc refuses it.
exec 4<>$CH
stty raw -echo <&4
stty 115200 <&4 2>/dev/null

say() {
	echo "@$id $*" >&4
}

T=/sys/class/tpm/tpm0

# pcr_val BANK N: sysfs value in hex (TPM 1.2: the one sha1 "pcrs" file)
pcr_val() {
	if [ -d $T/pcr-$1 ]; then
		cat $T/pcr-$1/$2 2>/dev/null
	else
		f=$T/pcrs
		[ -f $f ] || f=$T/device/pcrs
		grep "^PCR-$(printf %02d "$2"):" $f 2>/dev/null |
			cut -d: -f2 | tr -d ' '
	fi
}

# the default bank: sha256 on a TPM 2.0, sha1 on a 1.2
bank() {
	if [ "$(cat $T/tpm_version_major 2>/dev/null)" = 2 ]; then
		echo sha256
	else
		echo sha1
	fi
}

tpm_info() {
	if [ -c /dev/tpm0 ]; then say dev tpm0; else say dev none; fi
	[ -d $T ] || return 0
	say major "$(cat $T/tpm_version_major 2>/dev/null)"
	drv=$(readlink $T/device/driver 2>/dev/null)
	say driver "${drv##*/}"
	b=$(bank)
	for n in $(seq 0 23); do
		say pcr $n "$(pcr_val "$b" $n)"
	done
}

banks() {
	for d in $T/pcr-*; do
		[ -d "$d" ] || continue
		for n in $(seq 0 23); do
			say bank "${d##*/pcr-}" $n "$(cat "$d/$n")"
		done
	done
}

evlog() {
	f=/sys/kernel/security/tpm0/binary_bios_measurements
	[ -r $f ] || return 1
	xxd -p -c 64 $f | while read -r l; do say hex "$l"; done
}

ppi() {
	p=$T/ppi
	[ -d $p ] || return 1
	if [ -n "$1" ]; then
		echo "$1" > $p/request || return 1
	fi
	# the operations the firmware offers, as op=code (3: the user must
	# confirm, 4: no confirmation)
	say ops $(sed -n 's/^\([0-9]*\) \([34]\):.*/\1=\2/p' $p/tcg_operations)
	say version "$(cat $p/version)"
	say request "$(cat $p/request)"
	say response "$(cat $p/response | tr ' ' '_')"
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
	pcr)	v=$(pcr_val "$(bank)" "$arg"); rc=$?; say pcr "$arg" "$v" ;;
	banks)	banks; rc=$? ;;
	evlog)	evlog; rc=$? ;;
	ppi)	ppi "$arg"; rc=$? ;;
	reboot)	say END 0; sync; reboot -f; sleep 60 ;;
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
