#!/bin/bash
# robustness.sh - misbehaving clients: random garbage on both channels,
# stalled partial requests (must not block the other channel), clients
# vanishing in the middle of SET_STATEBLOB, oversized length fields.  The
# daemon must keep serving and must not change or corrupt the state files.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
t_init

if [ "$IS_REF" = 1 ]; then
	CAPS2=0000ffff
else
	CAPS2=0001ffff
fi
GETRANDOM8=80010000000c0000017b0008
RAND_RE='^800100000014000000000008[0-9a-f]{16}$'

S=$T/state
mkdir -p "$S"
C=unix:$T/c
D=unix:$T/d

alive()
{
	# $1: description; control and data channel both answer
	check "$1: GET_CAPABILITY" "00000000$CAPS2" \
		"$(tw timeout 5 conn c "$C" x 00000001)"
	check_re "$1: GetRandom" "$RAND_RE" \
		"$(tw timeout 5 conn d "$D" x $GETRANDOM8)"
}

sw_start a socket --tpm2 --tpmstate "dir=$S" --ctrl "type=unixio,path=$T/c" \
	--server "type=unixio,path=$T/d" --flags not-need-init,startup-clear \
	--log "file=$T/a.log,level=2" ||
	exit 1
alive "start"
sums=$(sha256_of_files "$S"/tpm2-00.*)

echo "# --- random garbage"
out=$(tw timeout 2 garbage 200 4711 "$C")
check_re "200 garbage control requests sent" '^GARBAGE 200 [0-9]+$' "$out"
alive "after control garbage"
args=()
for n in 10 11 12 13 17 29 64 100 333 1000 2000 4000 4105; do
	args+=(sendrand $n recv)
done
out=$(tw timeout 3 seed 4711 conn d "$D" "${args[@]}")
bad=$(echo "$out" | grep -Ecv '^(8001|00c4)[0-9a-f]{16}$')
check "13 random data commands: 13 ten-byte error responses" "0 13" \
	"$bad $(echo "$out" | wc -l)"
alive "after data garbage"
out=$(tw timeout 3 conn d "$D" send "$(printf '80%.0s' $(seq 5000))" \
	recv recv | tr '\n' ' ')
check_re "5000-byte write: answered as two commands" \
	'^8001[0-9a-f]{16} 8001[0-9a-f]{16} $|^8001[0-9a-f]{16}8001[0-9a-f]{16} TIMEOUT $' \
	"$out"
check "paramSize 0xffffffff" "80010000000a00000142" \
	"$(tw conn d "$D" x 80010000ffffffff0000017b0008)"
check "GET_INFO with offset 0xffffffff" "00000003" \
	"$(tw conn c "$C" x '00000012 0000000000000001 ffffffff 00000000')"
alive "after oversized data"

sw_require a
echo "# --- stalled clients"
out=$(tw conn d "$D" send 8001000000 sleep 0.3 conn c "$C" send 00000001 recvt 1 \
	elapsed use d close use c recvt 3 | tr '\n' ' ')
if [ "$IS_REF" = 1 ]; then
	check_re "5 data bytes then stall: 0.7.1 freezes until the client leaves" \
		"^TIMEOUT [0-9.]+ 00000000$CAPS2 \$" "$out"
else
	check_re "5 data bytes then stall: control answers within 1 s" \
		"^00000000$CAPS2 0\\.[0-9]+ TIMEOUT \$" "$out"
fi
out=$(tw conn c1 "$C" send '00000007 00000100 616263' \
	conn d "$D" send $GETRANDOM8 recvt 1 use c1 recvt 1 | tr '\n' ' ')
check_re "HASH_DATA short of its length (fits the buffer): EOF, data served" \
	'^800100000014000000000008[0-9a-f]{16} EOF $' "$out"
out=$(tw conn c1 "$C" send '00000007 00000002 616263' \
	conn d "$D" send $GETRANDOM8 recvt 1 use c1 recvt 1 close \
	use d recvt 3 | tr '\n' ' ')
if [ "$IS_REF" = 1 ]; then
	check_re "HASH_DATA with more data than length, stalled: 0.7.1 freezes" \
		'^TIMEOUT TIMEOUT 800100000014000000000008[0-9a-f]{16} $' "$out"
else
	check_re "HASH_DATA with more data than length: answered, data served" \
		'^800100000014000000000008[0-9a-f]{16} 00000003 TIMEOUT $' "$out"
fi
sw_require a
out=$(tw conn c1 "$C" send "00000007 00002000 $(printf '61%.0s' $(seq 4200))" \
	conn d "$D" send $GETRANDOM8 recvt 1 use c1 close use d recvt 3 |
	tr '\n' ' ')
if [ "$IS_REF" = 1 ]; then
	check_re "HASH_DATA of 8192 bytes stalled after 4200: 0.7.1 freezes" \
		'^TIMEOUT 800100000014000000000008[0-9a-f]{16} $' "$out"
else
	check_re "HASH_DATA of 8192 bytes stalled after 4200: data served" \
		'^800100000014000000000008[0-9a-f]{16} TIMEOUT $' "$out"
fi
sw_require a
out=$(tw conn c "$C" send 000000020000 conn d "$D" x $GETRANDOM8 use c \
	recvt 2 | tr '\n' ' ')
check_re "INIT with 2 body bytes stalls the control connection only" \
	'^800100000014000000000008[0-9a-f]{16} EOF $' "$out"
out=$(tw conn c "$C" send '00000007 ffffffff 00000000' shutwr recvt 3)
check_re "HASH_DATA length 0xffffffff, client closes: error or EOF" \
	'^(0000001f|00000003|EOF)$' "$out"
alive "after stalled clients"
check "state files unchanged" "$sums" "$(sha256_of_files "$S"/tpm2-00.*)"

sw_require a
echo "# --- SET_STATEBLOB cut short"
check "STOP" "00000000" "$(tw conn c "$C" x 0000000e)"
sums=$(sha256_of_files "$S"/tpm2-00.*)
part=$(printf 'ab%.0s' $(seq 100))
out=$(tw conn c "$C" send "0000000d 00000000 00000001 00000529 $part" close \
	sleep 0.1 conn c "$C" x 00000001)
check "client leaves after 100 of 1321 blob bytes; next client served" \
	"00000000$CAPS2" "$out"
big=$(printf 'cd%.0s' $(seq 5000))
out=$(tw conn c "$C" send "0000000d 00000000 00000001 00002710 $big" \
	shutwr recvt 3)
check_re "5000 of 10000 blob bytes, then EOF: error or no answer" \
	'^(00000003|EOF)$' "$out"
# header + 4088 blob bytes fill the 4104-byte request buffer, so the
# request is complete as far as framing goes
fill=$(printf 'ef%.0s' $(seq 4088))
out=$(tw conn c "$C" send "0000000d 00000000 00000001 7fffffff $fill" \
	recvt 1)
if [ "$IS_REF" = 1 ]; then
	check_re "SET_STATEBLOB length 0x7fffffff: 0.7.1 gives no answer" \
		'^(TIMEOUT|EOF)$' "$out"
else
	check "SET_STATEBLOB length 0x7fffffff -> TPM_FAIL at once" \
		"00000009" "$out"
fi
sw_require a
check "INIT after the broken transfers" "00000000" \
	"$(tw timeout 5 conn c "$C" x '00000002 00000000')"
check "nothing was injected: state files unchanged" "$sums" \
	"$(sha256_of_files "$S"/tpm2-00.*)"
check "TPM resumes from disk: TPM2_Startup(CLEAR) works" \
	"80010000000a00000000" \
	"$(tw conn d "$D" x 80010000000c000001440000)"
sw_require a
alive "at the end"
sw_stop a
check "SIGTERM: exit 0" "0" "$SW_RC"

t_done
