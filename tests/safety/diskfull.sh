#!/bin/bash
# diskfull.sh - a full file system: on a small tmpfs filled up with a
# filler file, a TPM command that must store the state gets a TPM error
# (libtpms enters failure mode), CMD_STORE_VOLATILE fails, and the stored
# state keeps its contents and no temporary file; once space is back,
# CMD_INIT recovers the TPM without a restart, the write succeeds and a
# restart shows it.  Directory and linear file backends.  Needs root
# (mount); skipped (77) where mounting a tmpfs is not permitted.
. "$top_srcdir/tests/lib/common.sh"
t_init
t_need mount umount dd

RAW=$top_srcdir/tests/safety/tpm2raw.py
MNT=$T/mnt
mkdir -p "$MNT"
if ! mount -t tmpfs -o size=256k,mode=0755 tmpfs "$MNT" 2>"$T/mount.err"
then
	echo "SKIP: cannot mount a tmpfs: $(cat "$T/mount.err")"
	exit 77
fi
df_cleanup()
{
	local n
	for n in "${!T_PIDS[@]}"; do
		sw_stop "$n"
	done
	umount "$MNT" 2>/dev/null || umount -l "$MNT"
	t_cleanup
}
trap df_cleanup EXIT

raw()
{
	"$PYTHON" "$RAW" "$@"
}

# sk NAME: SK = the socket options of daemon NAME (unix sockets in $T)
sk()
{
	SK=(--server "type=unixio,path=$T/$1.d"
	    --ctrl "type=unixio,path=$T/$1.c")
}

dir_sums()
{
	local f
	for f in "$1"/* "$1"/.[!.]*; do
		[ -e "$f" ] || continue
		echo "$(basename "$f") $(stat -c '%s' "$f")" \
			"$(sha256sum <"$f" | cut -c1-64)"
	done
}

fill()
{
	dd if=/dev/zero of="$MNT/filler" bs=4k >/dev/null 2>&1
	# a few more bytes into the last partial page, if any
	head -c 4096 /dev/zero >>"$MNT/filler" 2>/dev/null
	[ "$(df --output=avail "$MNT" | tail -n 1 | tr -d ' ')" = 0 ]
}

# run NAME STATEDIR STATEOPT FAILING_CMD WHERE_RE
# FAILING_CMD: a tpm2raw.py action (with args) that has to store permall
# and for which there is no room once the disk is full.
run()
{
	local n=$1 sd=$2 so=$3 where=$5 before rc v
	local -a cmd
	read -r -a cmd <<<"$4"
	mkdir -p "$sd"
	sk "$n"
	sw_start "$n" socket --tpm2 --tpmstate "$so" "${SK[@]}" \
		--flags not-need-init,startup-clear || return
	check "$n: define the index" 0 "$(raw nvdefine "unix:$T/$n.d")"
	check "$n: NV write 1" 0 "$(raw nvwrite "unix:$T/$n.d" 1)"
	before=$(dir_sums "$sd")
	check_cmd "$n: file system filled" fill

	rc=$(tw conn c "unix:$T/$n.c" x 0000000a)
	if [ "$rc" != 00000000 ] && [ "${#rc}" = 8 ]; then
		ok "$n: STORE_VOLATILE on a full disk fails ($rc)"
	else
		notok "$n: STORE_VOLATILE on a full disk fails (got '$rc')"
	fi
	check "$n: state intact after STORE_VOLATILE" "$before" \
		"$(dir_sums "$sd")"

	rc=$(raw "${cmd[0]}" "unix:$T/$n.d" "${cmd[@]:1}")
	if [ "$rc" != 0 ] && [ "$rc" != EOF ]; then
		ok "$n: ${cmd[*]} on a full disk gets a TPM error (0x$rc)"
	else
		notok "$n: ${cmd[*]} on a full disk gets a TPM error (got $rc)"
	fi
	check "$n: state intact after the failed write" "$before" \
		"$(dir_sums "$sd")"
	check_re "$n: log names the file" "$where" "$(sw_out "$n")"
	check_re "$n: log names the cause" 'No space left on device' \
		"$(sw_out "$n")"
	sw_require "$n"

	rm -f "$MNT/filler"
	check "$n: CMD_INIT after space returns" 00000000 \
		"$(tw conn c "unix:$T/$n.c" x 0000000200000000)"
	check "$n: TPM2_Startup" 80010000000a00000000 \
		"$(tw conn d "unix:$T/$n.d" x 80010000000c000001440000)"
	check "$n: value before the failed write" 1 \
		"$(raw nvread "unix:$T/$n.d")"
	check "$n: ${cmd[*]} succeeds now" 0 \
		"$(raw "${cmd[0]}" "unix:$T/$n.d" "${cmd[@]:1}")"
	check "$n: NV write 3" 0 "$(raw nvwrite "unix:$T/$n.d" 3)"
	sw_stop "$n"
	check "$n: clean exit" 0 "$SW_RC"

	sk "$n"
	sw_start "$n" socket --tpm2 --tpmstate "$so" "${SK[@]}" \
		--flags not-need-init,startup-clear || return
	check "$n: value after restart" 3 "$(raw nvread "unix:$T/$n.d")"
	if [ "${cmd[0]}" = nvdefine ]; then
		v=$(raw nvdefine "unix:$T/$n.d" 0x01500020 1500)
		check "$n: second index persisted (NV_DEFINED)" 14c "$v"
	fi
	sw_stop "$n"
	check "$n: no stray files" "" \
		"$(find "$sd" -name 'TMP*' -o -name '*.tmp' -o -name '*.bak')"
}

# The directory backend needs a new file for every write; the linear
# file needs room beyond its end, which a growing blob always does.
run dir "$MNT/d" "dir=$MNT/d" "nvdefine 0x01500020 1500" \
	"$MNT/d/tpm2-00.permall"
run dir-nvwrite "$MNT/d2" "dir=$MNT/d2" "nvwrite 2" \
	"$MNT/d2/tpm2-00.permall"
run file "$MNT/f" "backend-uri=file://$MNT/f/lin.img" \
	"nvdefine 0x01500020 1500" "$MNT/f/lin.img"

t_done
