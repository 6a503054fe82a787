#!/bin/bash
# data_vectors.sh - data channel vectors (spec README Appendix A.2,
# data-channel.md): not-running responses, send-command prefix, in-band
# SetLocality, paramSize mismatches, read framing, one client at a time,
# -p disconnect mode, --fd and --server type=tcp,fd= socketpairs,
# --terminate, --flags start-up variants and the automatic TPM2_Shutdown.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
t_init

if [ "$IS_REF" = 1 ]; then
	STARTUP_STATE=000001c4		# 0.7.1: no automatic TPM2_Shutdown
else
	STARTUP_STATE=00000000
fi

STARTUP_CLEAR=80010000000c000001440000
STARTUP_STATE_CMD=80010000000c000001440001
GETRANDOM8=80010000000c0000017b0008
READCLOCK=80010000000a00000181
GETTICKS=00c10000000a000000f1
NOTRUN2=80010000000a00000101
NOTRUN12=00c40000000a00000009
# TPM2_PCR_Extend(PCR 17, sha256 = 32 x 0x11) with an empty password session
EXT17="8002 00000041 00000182 00000011 00000009 40000009 0000 00 0000"
EXT17="$EXT17 00000001 000b $(printf '11%.0s' $(seq 32))"
RAND_RE='^800100000014000000000008[0-9a-f]{16}$'

lines()
{
	tr '\n' ' ' | sed 's/ $//'
}

echo "# --- TPM 2, unix data socket, not initialised"
mkdir -p "$T/s2"
C=unix:$T/c2
D=unix:$T/d2
sw_start a socket --tpm2 --tpmstate "dir=$T/s2" \
	--ctrl "type=unixio,path=$T/c2" --server "type=unixio,path=$T/d2" ||
	exit 1
check "pre-INIT: ReadClock, GetTicks, SetLocality, garbage -> TPM_RC_FAILURE" \
	"$NOTRUN2 $NOTRUN2 $NOTRUN2 $NOTRUN2" \
	"$(tw conn d "$D" x $READCLOCK x $GETTICKS x 80010000000b2000100003 \
		x 00000000000000000000 | lines)"
check "pre-INIT, prefixed" "0000000a${NOTRUN2}00000000" \
	"$(tw conn d "$D" x "00000008 00 0000000c $GETRANDOM8")"
check "INIT" "00000000" "$(tw_each "$C" '00000002 00000000')"
check "TPM2_Startup(CLEAR), twice" \
	"80010000000a00000000 80010000000a00000100" \
	"$(tw conn d "$D" x $STARTUP_CLEAR x $STARTUP_CLEAR | lines)"
out=$(tw conn d "$D" x "00000008 03 0000000c $GETRANDOM8" x "$EXT17")
check_re "GetRandom(8) prefixed with locality 3" \
	'^00000014800100000014000000000008[0-9a-f]{16}00000000'$'\n' "$out"
check "prefix locality 3 is used: PCR_Extend(17) succeeds" \
	"80020000001300000000000000000000010000" "${out#*$'\n'}"
out=$(tw conn d "$D" x "00000008 07 0000000c $GETRANDOM8" x "$EXT17")
check_re "prefix locality 7 accepted (no range check)" \
	'^00000014800100000014000000000008[0-9a-f]{16}00000000'$'\n' "$out"
check "locality 7 in effect: PCR_Extend(17) -> TPM_RC_LOCALITY" \
	"80010000000a00000907" "${out#*$'\n'}"
check "SET_LOCALITY 0" "00000000" "$(tw_each "$C" 0000000500)"
check "locality 0: PCR_Extend(17) -> TPM_RC_LOCALITY" \
	"80010000000a00000907" "$(tw conn d "$D" x "$EXT17")"
check "prefixed 9-byte command -> TPM_RC_INSUFFICIENT" \
	"0000000a80010000000a0000009a00000000" \
	"$(tw conn d "$D" x "00000008 00 00000009 80010000000a000001")"
check "paramSize 14, 12 bytes sent -> TPM_RC_COMMAND_SIZE" \
	"80010000000a00000142" "$(tw conn d "$D" x 80010000000e0000017b0008)"
check "paramSize 12, 14 bytes sent -> TPM_RC_COMMAND_SIZE" \
	"80010000000a00000142" \
	"$(tw conn d "$D" x 80010000000c0000017b00080000)"
out=$(tw conn d "$D" x $GETRANDOM8 x "00000008 00 0000000c $GETRANDOM8" \
	x $GETRANDOM8 | lines)
check_re "raw, prefixed, raw on one connection" \
	'^800100000014000000000008[0-9a-f]{16} 00000014800100000014000000000008[0-9a-f]{16}00000000 800100000014000000000008[0-9a-f]{16}$' \
	"$out"
check "TPM 1.2 command to a running TPM 2 -> TPM_RC_BAD_TAG" \
	"80010000000a00000084" "$(tw conn d "$D" x $GETTICKS)"
check "in-band SetLocality without allow-set-locality" "$NOTRUN2" \
	"$(tw conn d "$D" x 80010000000b2000100003)"
check "in-band SetLocality with 10 bytes -> TPM_RC_INSUFFICIENT" \
	"80010000000a0000009a" "$(tw conn d "$D" x 80010000000a20001000)"
out=$(tw conn d "$D" send 8001000000 sleep 0.3 send 0a00000181 recv)
check_re "command split 5+5 bytes (0.3 s apart) is one command" \
	'^8001000000230000000000' "$out"
out=$(tw conn d1 "$D" conn d2 "$D" send $GETRANDOM8 recvt 0.5 \
	use d1 x $GETRANDOM8 close use d2 recv | lines)
check_re "one client at a time: 2nd waits until the 1st closes" \
	'^TIMEOUT 800100000014000000000008[0-9a-f]{16} 800100000014000000000008[0-9a-f]{16}$' \
	"$out"
check "still serving after clients left" "00000000" \
	"$(tw_each "$C" 0000000e)"
check "STOP: not-running response again" "$NOTRUN2" \
	"$(tw conn d "$D" x $GETRANDOM8)"
check "SHUTDOWN" "00000000" "$(tw_each "$C" 00000003)"
sw_wait a 5 && check "exit status after SHUTDOWN" "0" "$SW_RC" ||
	notok "no exit after SHUTDOWN"

echo "# --- TPM 2 with --locality allow-set-locality,reject-locality-4, TCP"
P=$(free_port)
mkdir -p "$T/s2b"
sw_start b socket --tpm2 --tpmstate "dir=$T/s2b" \
	--server "type=tcp,port=$P" --ctrl "type=tcp,port=$((P + 1))" \
	--flags not-need-init,startup-clear \
	--locality allow-set-locality,reject-locality-4 || exit 1
D=tcp:$P
check "in-band SetLocality 3, 4, 5, 255" \
	"80010000000a00000000 80010000000a00000107 80010000000a00000107 80010000000a00000107" \
	"$(tw conn d "$D" x 80010000000b2000100003 x 80010000000b2000100004 \
		x 80010000000b2000100005 x 80010000000b20001000ff | lines)"
check "locality 3 from in-band SetLocality: PCR_Extend(17) works" \
	"80020000001300000000000000000000010000" "$(tw conn d "$D" x "$EXT17")"
check "in-band SetLocality 0, tag 0000, paramSize 0xff, extra bytes" \
	"80010000000a00000000" \
	"$(tw conn d "$D" x 0000000000ff2000100000aabbcc)"
check "locality 0: PCR_Extend(17) -> TPM_RC_LOCALITY" \
	"80010000000a00000907" "$(tw conn d "$D" x "$EXT17")"
check "in-band SetLocality, 10 bytes" "80010000000a0000009a" \
	"$(tw conn d "$D" x 80010000000a20001000)"
check "SET_LOCALITY 4 with reject-locality-4" "0000003d" \
	"$(tw_each "tcp:$((P + 1))" 0000000504)"
check "TCP: SHUTDOWN" "00000000" "$(tw_each "tcp:$((P + 1))" 00000003)"
sw_wait b 5 || notok "no exit after SHUTDOWN"

echo "# --- TPM 1.2"
mkdir -p "$T/s12"
sw_start c socket --tpmstate "dir=$T/s12" \
	--ctrl "type=unixio,path=$T/c12" --server "type=unixio,path=$T/d12" \
	--locality allow-set-locality,reject-locality-4 || exit 1
D=unix:$T/d12
check "TPM 1.2 pre-INIT: GetTicks, ReadClock, SetLocality" \
	"$NOTRUN12 $NOTRUN12 $NOTRUN12" \
	"$(tw conn d "$D" x $GETTICKS x $READCLOCK x 00c10000000b2000100003 |
		lines)"
check "TPM 1.2: prefix not recognised before INIT either" \
	"$NOTRUN12" "$(tw conn d "$D" x "00000008 00 0000000c $GETTICKS")"
check "TPM 1.2: INIT" "00000000" \
	"$(tw timeout 20 conn c "unix:$T/c12" x '00000002 00000000')"
check "TPM 1.2: TPM_Startup(CLEAR)" "00c40000000a00000000" \
	"$(tw conn d "$D" x 00c10000000c000000990001)"
check "TPM 1.2: paramSize 14, 10 bytes sent" "00c40000000a00000019" \
	"$(tw conn d "$D" x 00c10000000e000000f1)"
check "TPM 1.2: prefixed command -> TPM_BAD_PARAM_SIZE" \
	"00c40000000a00000019" \
	"$(tw conn d "$D" x "00000008 00 0000000a $GETTICKS")"
check "TPM 1.2: in-band SetLocality 3, 4, 5" \
	"00c40000000a00000000 00c40000000a0000003d 00c40000000a0000003d" \
	"$(tw conn d "$D" x 00c10000000b2000100003 x 00c10000000b2000100004 \
		x 00c10000000b2000100005 | lines)"
check "TPM 1.2: in-band SetLocality, 10 bytes" "00c40000000a00000019" \
	"$(tw conn d "$D" x 00c10000000a20001000)"
check "TPM 1.2: SHUTDOWN" "00000000" "$(tw_each "unix:$T/c12" 00000003)"
sw_wait c 5 || notok "no exit after SHUTDOWN"

echo "# --- -p (disconnect after every response)"
P=$(free_port)
mkdir -p "$T/sp"
sw_start p socket --tpm2 --tpmstate "dir=$T/sp" -p "$P" \
	--ctrl "type=tcp,port=$((P + 1))" --flags not-need-init,startup-clear ||
	exit 1
out=$(tw conn d "tcp:$P" x $GETRANDOM8 recv conn d "tcp:$P" x $GETRANDOM8 |
	lines)
check_re "-p: response, then EOF; next connection served" \
	'^800100000014000000000008[0-9a-f]{16} EOF 800100000014000000000008[0-9a-f]{16}$' \
	"$out"
sw_stop p
check "SIGTERM: exit status 0" "0" "$SW_RC"
sw_start p socket --tpm2 --tpmstate "dir=$T/sp" -p "$P" -t \
	--flags not-need-init,startup-clear || exit 1
out=$(tw conn d "tcp:$P" x $GETRANDOM8 recv | lines)
check_re "-p -t: one response, then EOF" \
	'^800100000014000000000008[0-9a-f]{16} EOF$' "$out"
sw_wait p 5 && check "-p -t: process exits 0 after the first command" \
	"0" "$SW_RC" || notok "-p -t: still running after the first command"

echo "# --- --terminate and the automatic TPM2_Shutdown"
mkdir -p "$T/st"
sw_start t socket --tpm2 --tpmstate "dir=$T/st" \
	--server "type=unixio,path=$T/dt" -t \
	--flags not-need-init,startup-clear || exit 1
check_re "--terminate: command served" "$RAND_RE" \
	"$(tw conn d "unix:$T/dt" x $GETRANDOM8)"
sw_wait t 5 && check "--terminate: exit 0 when the client closes" "0" \
	"$SW_RC" || notok "--terminate: still running after the client closed"
check "--terminate: data socket removed" "no" \
	"$([ -e "$T/dt" ] && echo yes || echo no)"
sw_start t socket --tpm2 --tpmstate "dir=$T/st" \
	--server "type=unixio,path=$T/dt" -t --flags not-need-init || exit 1
check "restart: TPM2_Startup(STATE) (needs Shutdown(STATE) at exit)" \
	"80010000000a$STARTUP_STATE" \
	"$(tw conn d "unix:$T/dt" x $STARTUP_STATE_CMD)"
sw_wait t 5 || notok "--terminate: still running after the client closed"

echo "# --- --flags"
run_flags()
{
	# $1 flags, prints the responses to GetRandom and a 2nd Startup(CLEAR)
	local dir=$T/sf.${1//,/_}
	mkdir -p "$dir"
	sw_start f socket --tpm2 --tpmstate "dir=$dir" \
		--server "type=unixio,path=$T/df" -t --flags "$1" || return
	tw conn d "unix:$T/df" x $GETRANDOM8 | cut -c1-18
	sw_wait f 5 || echo "still running"
}
check "--flags startup-none: TPM not running" "80010000000a000001" \
	"$(run_flags startup-none)"
check "--flags not-need-init: running, not started" "80010000000a000001" \
	"$(run_flags not-need-init)"
check "--flags not-need-init,startup-clear: started" \
	"800100000014000000" "$(run_flags not-need-init,startup-clear)"
check "--flags startup-clear alone implies not-need-init" \
	"800100000014000000" "$(run_flags startup-clear)"
check "--flags startup-state on a new TPM: not started" \
	"80010000000a000001" "$(run_flags startup-state)"
check "--flags startup-state,startup-clear: clear wins" \
	"800100000014000000" "$(run_flags startup-state,startup-clear)"
# exact codes (0x101 vs 0x100) for the rows above
sw_start f socket --tpm2 --tpmstate "dir=$T/sf.startup-none" \
	--server "type=unixio,path=$T/df" -t --flags startup-none || exit 1
check "startup-none: not-running response" "$NOTRUN2" \
	"$(tw conn d "unix:$T/df" x $GETRANDOM8)"
sw_wait f 5 || notok "still running"
sw_start f socket --tpm2 --tpmstate "dir=$T/sf.not-need-init" \
	--server "type=unixio,path=$T/df" -t --flags not-need-init || exit 1
check "not-need-init: TPM_RC_INITIALIZE" "80010000000a00000100" \
	"$(tw conn d "unix:$T/df" x $GETRANDOM8)"
sw_wait f 5 || notok "still running"

echo "# --- --fd and --server type=tcp,fd= with a socketpair"
mkdir -p "$T/sfd"
out=$(tw timeout 5 spawn d 7 "$SWTPM socket --tpm2 --fd 7 \
	--tpmstate dir=$T/sfd --flags not-need-init,startup-clear" \
	use d x $GETRANDOM8 x "00000008 00 0000000c $GETRANDOM8" close wait |
	lines)
check_re "--fd: commands served, exit 0 when the peer closes" \
	'^800100000014000000000008[0-9a-f]{16} 00000014800100000014000000000008[0-9a-f]{16}00000000 EXIT 0$' \
	"$out"
out=$(tw timeout 5 spawn d 9 "$SWTPM socket --tpm2 --server type=tcp,fd=9 \
	--ctrl type=unixio,path=$T/cfd --tpmstate dir=$T/sfd \
	--flags not-need-init,startup-clear" \
	use d x $GETRANDOM8 conn c "unix:$T/cfd" x 00000001 use d \
	x $GETRANDOM8 close wait | lines)
check_re "--server type=tcp,fd=: commands and control, exit 0 on close" \
	'^800100000014000000000008[0-9a-f]{16} 00000000000[01]ffff 800100000014000000000008[0-9a-f]{16} EXIT 0$' \
	"$out"
out=$(tw timeout 5 spawn d 5 "$SWTPM socket --tpm2 --server type=tcp,fd=5 \
	--tpmstate dir=$T/sfd" use d x $READCLOCK close wait | lines)
check "--server type=tcp,fd=: not-running response, exit 0" \
	"$NOTRUN2 EXIT 0" "$out"

t_done
