#!/bin/bash
# tpm12.sh - TPM 1.2 emulation: not-running response, INIT, the start-up
# commands swtpm_bios sends, a few TPM 1.2 commands with expected results,
# hashing into PCR 17, SaveState/Startup(ST_STATE), tpm-00.* state files
# and --print-states.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
t_init

S=$T/state
mkdir -p "$S"
C=unix:$T/c
D=unix:$T/d
OK12=00c40000000a00000000

lines()
{
	tr '\n' ' ' | sed 's/ $//'
}

sha1ext()
{
	# sha1(old || new) for hex digests
	"$PYTHON" -c 'import hashlib, sys
print(hashlib.sha1(bytes.fromhex(sys.argv[1]) +
      bytes.fromhex(sys.argv[2])).hexdigest())' "$1" "$2"
}

sw_start a socket --tpmstate "dir=$S" --ctrl "type=unixio,path=$T/c" \
	--server "type=unixio,path=$T/d" || exit 1
check "not running: GetTicks -> TPM_FAIL with tag 00c4" \
	"00c40000000a00000009" "$(tw conn d "$D" x 00c10000000a000000f1)"
check "INIT (manufactures a TPM 1.2)" "00000000" \
	"$(tw timeout 20 conn c "$C" x '00000002 00000000')"
check "state file tpm-00.permall, no TPM 2 files" "tpm-00.permall" \
	"$(cd "$S" && ls tpm*)"

echo "# --- swtpm_bios start-up sequence"
out=$(tw timeout 10 conn d "$D" \
	x 00c10000000c000000990001 \
	x 00c10000000c4000000a0020 \
	x 00c10000000c4000000a0008 \
	x 00c10000000a0000006f \
	x 00c10000000b0000007200 \
	x 00c10000000a00000053 | lines)
check "Startup(CLEAR), PP enable/present, PhysicalEnable, SetDeactivated, ContinueSelfTest" \
	"$OK12 $OK12 $OK12 $OK12 $OK12 $OK12" "$out"
check "Startup(CLEAR) again -> TPM_INVALID_POSTINIT" "00c40000000a00000026" \
	"$(tw conn d "$D" x 00c10000000c000000990001)"

echo "# --- TPM 1.2 commands"
check "TPM_GetCapability(PROPERTY, PCR): 24 PCRs" \
	"00c400000012000000000000000400000018" \
	"$(tw conn d "$D" x 00c10000001600000065000000050000000400000101)"
out=$(tw conn d "$D" x 00c100000012000000650000001a00000000)
check_re "TPM_GetCapability(VERSION_VAL)" \
	'^00c4[0-9a-f]{8}00000000[0-9a-f]{8}00300102' "$out"
zero20=$(printf '%040d' 0)
check "TPM_PCRRead(10) after start-up: zero" \
	"00c40000001e00000000$zero20" \
	"$(tw conn d "$D" x 00c10000000e000000150000000a)"
ext=$(printf '01%.0s' $(seq 20))
want=$(sha1ext "$zero20" "$ext")
check "TPM_Extend(10)" "00c40000001e00000000$want" \
	"$(tw conn d "$D" x "00c100000022000000140000000a$ext")"
check "TPM_PCRRead(10) after Extend" "00c40000001e00000000$want" \
	"$(tw conn d "$D" x 00c10000000e000000150000000a)"
check_re "TPM_GetRandom(16)" '^00c40000001e0000000000000010[0-9a-f]{32}$' \
	"$(tw conn d "$D" x 00c10000000e0000004600000010)"
check "TPM 2 command to a TPM 1.2 -> TPM_BAD_ORDINAL" "00c40000000a0000000a" \
	"$(tw conn d "$D" x 80010000000c0000017b0008)"

echo "# --- control channel with a TPM 1.2"
check "CANCEL_TPM_CMD -> TPM_FAIL" "00000009" "$(tw_each "$C" 00000009)"
check "HASH_START, HASH_DATA(abc), HASH_END" \
	"00000000 00000000 00000000" \
	"$(tw conn c "$C" x 00000006 x 0000000700000003616263 x 00000008 |
		lines)"
abc=$("$PYTHON" -c 'import hashlib; print(hashlib.sha1(b"abc").hexdigest())')
check "PCR 17 = SHA-1(0^20 || SHA-1(abc))" \
	"00c40000001e00000000$(sha1ext "$zero20" "$abc")" \
	"$(tw conn d "$D" x 00c10000000e0000001500000011)"
check "GET_TPMESTABLISHED after hashing" "0000000001000000" \
	"$(tw_each "$C" 00000004)"
check "RESET_TPMESTABLISHED at locality 3" "00000000" \
	"$(tw_each "$C" 0000000b03)"
check "GET_TPMESTABLISHED after reset" "0000000000000000" \
	"$(tw_each "$C" 00000004)"
check "STORE_VOLATILE" "00000000" "$(tw_each "$C" 0000000a)"
check_cmd "tpm-00.volatilestate written" test -s "$S/tpm-00.volatilestate"

echo "# --- SaveState and Startup(ST_STATE)"
check "TPM_SaveState" "$OK12" "$(tw conn d "$D" x 00c10000000a00000098)"
check_cmd "tpm-00.savestate written" test -s "$S/tpm-00.savestate"
out=$(tw_each "$C" '0000000c 00000000 00000003 00000000')
check_re "GET_STATEBLOB savestate: result 0, data" \
	'^0000000000000000([0-9a-f]{8})\1 ?0201000a' "$out"
out=$(tw_each "$C" '0000000c 00000000 00000002 00000000')
check_re "GET_STATEBLOB volatile (so that INIT does not resume from it)" \
	'^0000000000000000([0-9a-f]{8})\1 ?0201000a' "$out"
check "tpm-00.volatilestate deleted by GET_STATEBLOB" "no" \
	"$([ -e "$S/tpm-00.volatilestate" ] && echo yes || echo no)"
out=$(tw timeout 10 conn c "$C" x 0000000e x '00000002 00000000' \
	conn d "$D" x 00c10000000c000000990002 \
	x 00c10000000e000000150000000a | lines)
check "STOP, INIT, Startup(ST_STATE), PCR 10 restored" \
	"00000000 00000000 $OK12 00c40000001e00000000$want" "$out"
check "libtpms deleted tpm-00.savestate at Startup(ST_STATE)" "no" \
	"$([ -e "$S/tpm-00.savestate" ] && echo yes || echo no)"
check "STOP" "00000000" "$(tw_each "$C" 0000000e)"
check "STOP: not-running response" "00c40000000a00000009" \
	"$(tw conn d "$D" x 00c10000000e0000004600000010)"
check "SHUTDOWN" "00000000" "$(tw_each "$C" 00000003)"
sw_wait a 5 && check "exit 0" "0" "$SW_RC" || notok "no exit after SHUTDOWN"

echo "# --- --print-states"
want=
for n in permall volatilestate savestate; do
	f=$S/tpm-00.$n
	[ -e "$f" ] || continue
	want="$want${want:+,} {\"name\": \"$n\", \"size\": $(stat -c %s "$f")}"
done
check "--print-states (TPM 1.2 names and sizes, no newline)" \
	"{ \"type\": \"swtpm\", \"states\": [$want ] }|" \
	"$("$SWTPM" socket --tpmstate "dir=$S" --print-states; echo "|")"
check "--print-states --tpm2 on the TPM 1.2 dir: empty" \
	'{ "type": "swtpm", "states": [] }|' \
	"$("$SWTPM" socket --tpm2 --tpmstate "dir=$S" --print-states; echo "|")"

echo "# --- --flags startup-clear for TPM 1.2"
sw_start b socket --tpmstate "dir=$S" --server "type=unixio,path=$T/d2" -t \
	--flags not-need-init,startup-clear || exit 1
check "startup-clear: TPM_Startup already done -> TPM_INVALID_POSTINIT" \
	"00c40000000a00000026" \
	"$(tw timeout 10 conn d "unix:$T/d2" x 00c10000000c000000990001)"
sw_wait b 5 && check "--terminate: exit 0" "0" "$SW_RC" ||
	notok "--terminate: still running"

t_done
