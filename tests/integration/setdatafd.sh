#!/bin/bash
# setdatafd.sh - CMD_SET_DATAFD over a unix control socket with one end of
# a socketpair passed by SCM_RIGHTS: the QEMU start-up conversation (spec
# README A.3), rejection rules, re-arming after the peer closes, --terminate,
# and that fds passed with other commands are not leaked.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
t_init

if [ "$IS_REF" = 1 ]; then
	CAPS2=0000ffff
	# 0.7.1 bug (control-channel.md 1.1): accepts SET_DATAFD despite
	# --server once a data client has disconnected
	DATAFD_AFTER=00000000
else
	DATAFD_AFTER=0000001f
	CAPS2=0001ffff
fi
NOTRUN2=80010000000a00000101
GETRANDOM8=80010000000c0000017b0008
RAND_RE='800100000014000000000008[0-9a-f]{16}'

lines()
{
	tr '\n' ' ' | sed 's/ $//'
}

fdcount()
{
	ls "/proc/$1/fd" 2>/dev/null | wc -l
}

echo "# --- QEMU-like conversation"
mkdir -p "$T/s"
C=unix:$T/c
sw_start a socket --tpm2 --tpmstate "dir=$T/s" --ctrl "type=unixio,path=$T/c" \
	--log "file=$T/a.log,level=2" || exit 1
check "SET_DATAFD without an fd" "00000003" "$(tw_each "$C" 00000010)"
out=$(tw conn c "$C" sendfd 00000010 pair:d recv \
	use d x 80010000000a00000181 \
	use c x 00000001 x 0000000e x '00000011 00000000' x 0000000e \
	x '00000011 00001000' x '00000002 00000000' x 00000004 \
	x 0000000500000000 \
	use d x 80010000000c000001440000 x $GETRANDOM8 \
	use c sendfd 00000010 pair:d2 recv \
	use d2 recvt 1 \
	use c x 0000000e x '00000002 00000001' \
	use d x 80010000000c000001440000 x $GETRANDOM8 close \
	sleep 0.2 \
	use c sendfd 00000010 pair:d3 recv \
	use d3 x $GETRANDOM8 \
	use c x 00000004 x 00000003 | lines)
want="00000000 $NOTRUN2 00000000$CAPS2 00000000"
want="$want 000000000000100000000af800001000 00000000"
want="$want 000000000000100000000af800001000 00000000 0000000000000000"
want="$want 00000000 80010000000a00000000 $RAND_RE"
want="$want 0000001f (EOF|TIMEOUT)"
want="$want 00000000 00000000 80010000000a00000000 $RAND_RE"
want="$want 00000000 $RAND_RE 0000000000000000 00000000"
check_re "SET_DATAFD, probe, caps, STOP, SET_BUFFERSIZE, INIT, TPM commands," \
	"^$want\$" "$out"
echo "#   ... 2nd SET_DATAFD -> 0x1f, STOP/INIT keep the fd, after the"
echo "#   peer closed SET_DATAFD works again"
d2=$(echo "$out" | cut -d' ' -f14)
if [ "$IS_REF" = 1 ]; then
	echo "# skip: reference keeps the refused fd open ($d2)"
else
	check "refused SET_DATAFD: the passed fd is closed at once" "EOF" "$d2"
fi
sw_wait a 5 && check "exit 0 after SHUTDOWN" "0" "$SW_RC" ||
	notok "no exit after SHUTDOWN"

echo "# --- SET_DATAFD with --server"
sw_start b socket --tpm2 --tpmstate "dir=$T/s" --ctrl "type=unixio,path=$T/cb" \
	--server "type=unixio,path=$T/db" || exit 1
check "SET_DATAFD with an fd while --server is given" "0000001f" \
	"$(tw conn c "unix:$T/cb" sendfd 00000010 pair:d recv)"
check "data server still works" "$NOTRUN2" \
	"$(tw conn d "unix:$T/db" x $GETRANDOM8)"
check "SET_DATAFD after a data client left, --server given" "$DATAFD_AFTER" \
	"$(tw conn c "unix:$T/cb" sendfd 00000010 pair:d recv)"
sw_stop b

echo "# --- --terminate with a SET_DATAFD fd"
sw_start t socket --tpm2 --tpmstate "dir=$T/s" --ctrl "type=unixio,path=$T/ct" \
	--terminate --flags not-need-init,startup-clear || exit 1
check_re "SET_DATAFD and a command" "^00000000 $RAND_RE\$" \
	"$(tw conn c "unix:$T/ct" sendfd 00000010 pair:d recv \
		use d x $GETRANDOM8 | lines)"
sw_wait t 5 && check "--terminate: exit 0 when the passed fd is closed" \
	"0" "$SW_RC" || notok "--terminate: still running after the fd closed"
check "--terminate: control socket removed" "no" \
	"$([ -e "$T/ct" ] && echo yes || echo no)"

if [ "$IS_REF" = 1 ]; then
	echo "# skip: --ctrl ...,terminate is newer than 0.7.1"
else
	sw_start t socket --tpm2 --tpmstate "dir=$T/s" \
		--ctrl "type=unixio,path=$T/ct,terminate" || exit 1
	check "--ctrl ...,terminate: served" "00000000$CAPS2" \
		"$(tw_each "unix:$T/ct" 00000001)"
	sw_wait t 5 && check "--ctrl ...,terminate: exit 0 on control EOF" \
		"0" "$SW_RC" || notok "--ctrl ...,terminate: still running"
fi

echo "# --- fds passed with other commands"
sw_start l socket --tpm2 --tpmstate "dir=$T/s" \
	--ctrl "type=unixio,path=$T/cl" || exit 1
pid=$(sw_pid l)
before=$(fdcount "$pid")
args=()
for _ in $(seq 50); do
	args+=(sendfd 00000001 null recv)
done
out=$(tw conn c "unix:$T/cl" "${args[@]}" | sort | uniq -c | sed 's/^ *//')
check "50 x GET_CAPABILITY carrying an fd: all answered" \
	"50 00000000$CAPS2" "$out"
fdstable()
{
	[ "$(fdcount "$pid")" -le "$before" ]
}
wait_for 2 fdstable
after=$(fdcount "$pid")
if [ "$IS_REF" = 1 ]; then
	echo "# skip: reference leaks passed fds (fds before $before, after $after)"
else
	check "no fd leak (open fds before/after)" "$before" "$after"
fi
out=$(tw conn c "unix:$T/cl" sendfd 00000010 pair:d recv use d \
	x 80010000000a00000181)
check "SET_DATAFD still works afterwards" "00000000"$'\n'"$NOTRUN2" "$out"
sw_stop l
check "SIGTERM: exit 0" "0" "$SW_RC"

t_done
