#!/bin/bash
# ctrl_vectors.sh - control channel wire vectors (spec README Appendix A.1,
# control-channel.md): framing quirks, every CMD_* on a unix socket, state
# blobs, hashing into PCR 17, volatile state files, STOP/SHUTDOWN effects,
# TPM 1.2 capabilities and a TCP control channel driven with tpm2_pcrread.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
t_init

# Expected values where our daemon follows upstream HEAD, not 0.7.1.
if [ "$IS_REF" = 1 ]; then
	CAPS2=0000ffff CAPS12=00007fff
	LOCK_RES=0000000a		# CMD_LOCK_STORAGE unknown in 0.7.1
	BADTYPE=00000800		# GET_STATEBLOB unknown blob type
	HASHX=0000001f			# HASH_DATA: more data than length
	STARTUP_STATE=000001c4		# no auto TPM2_Shutdown at STOP
else
	CAPS2=0001ffff CAPS12=00017fff
	LOCK_RES=00000000
	BADTYPE=00000009
	HASHX=00000003
	STARTUP_STATE=00000000
fi

S=$T/state
mkdir -p "$S"
CP=$T/ctrl
DP=$T/data
C=unix:$CP
D=unix:$DP

# one connection per request
c()
{
	tw_each "$C" "$@"
}

sw_start a socket --tpm2 --tpmstate "dir=$S" --ctrl "type=unixio,path=$CP" \
	--log "file=$T/a.log,level=2" \
	--server "type=unixio,path=$DP" || exit 1

echo "# --- TPM stopped (never initialised)"
check "GET_CAPABILITY" "00000000$CAPS2" "$(c 00000001)"
check "GET_CAPABILITY with 4 trailing bytes" "00000000$CAPS2" \
	"$(c '00000001 12345678')"
check "one write, two requests: only the first is answered" \
	"00000000$CAPS2"$'\n'"TIMEOUT" \
	"$(tw conn c "$C" x '00000001 0000000f' recvt 0.3)"
check "GET_CONFIG+GET_CAPABILITY in one write: BAD_PARAMETER" "00000003" \
	"$(c '0000000f 00000001')"
check "persistent connection: three requests" \
	"00000000$CAPS2"$'\n'"0000000000000000"$'\n'"00000000$CAPS2" \
	"$(tw conn c "$C" x 00000001 x 0000000f x 00000001)"
check "GET_CONFIG" "0000000000000000" "$(c 0000000f)"
check "GET_TPMESTABLISHED while stopped" "0000000a" "$(c 00000004)"
check "GET_TPMESTABLISHED + 4 bytes while stopped: state wins" "0000000a" \
	"$(c '00000004 00000000')"
check "HASH_START/HASH_END/CANCEL/STORE_VOLATILE while stopped" \
	"0000000a"$'\n'"0000000a"$'\n'"0000000a"$'\n'"0000000a" \
	"$(c 00000006 00000008 00000009 0000000a)"
check "RESET_TPMESTABLISHED while stopped" "0000000a" "$(c 0000000b03)"
check "GET_STATEBLOB while stopped" "0000000a" \
	"$(c '0000000c 00000000 00000001 00000000')"
check "unknown code 0x14" "0000000a" "$(c 00000014)"
check "unknown code 0xffffffff" "0000000a" "$(c ffffffff)"
check "LOCK_STORAGE" "$LOCK_RES" "$(c '00000013 00000000')"
check "SET_DATAFD without fd, --server given" "0000001f" "$(c 00000010)"
check "SET_DATAFD + 4 stray bytes, --server given" "0000001f" \
	"$(c '00000010 00000000')"
check "SHUTDOWN + 4 bytes: not executed" "00000003" \
	"$(c '00000003 00000000')"
check "STOP + 1 byte: not executed" "00000003" "$(c '0000000e 00')"
check_cmd "daemon still alive after malformed SHUTDOWN" sw_alive a
check "INIT with an 8-byte body" "00000003" \
	"$(c '00000002 00000000 00000000')"

echo "# --- short requests: no answer, EOF after ~0.5 s"
for req in 000000020000 00000002 00000005 0000000b \
	'0000000c 00000000 00000001' '00000007 0000' 000000; do
	out=$(tw conn c "$C" send "$req" recvt 3 elapsed)
	check "short request '$req': EOF" "EOF" "${out%%$'\n'*}"
	check_range "short request '$req': EOF delay" 0.3 2 "${out##*$'\n'}"
done
check "INIT split into 4+4 bytes within 0.5 s (then STOP)" \
	"00000000"$'\n'"00000000" \
	"$(tw conn c "$C" send 00000002 sleep 0.1 send 00000000 recv \
		x 0000000e)"

echo "# --- SET_LOCALITY"
check "SET_LOCALITY 3 (1-byte body)" "00000000" "$(c 0000000503)"
check "SET_LOCALITY 3 (QEMU 4-byte body)" "00000000" "$(c 0000000503000000)"
check "SET_LOCALITY 5" "0000003d" "$(c 0000000505)"
check "SET_LOCALITY 255" "0000003d" "$(c 00000005ff)"
check "SET_LOCALITY 4 (not rejected by default)" "00000000" \
	"$(c 0000000504)"
check "SET_LOCALITY 0" "00000000" "$(c 0000000500)"

echo "# --- SET_BUFFERSIZE (stopped)"
check "SET_BUFFERSIZE query" "00000000 00001000 00000af8 00001000" \
	"$(c '00000011 00000000' | sed 's/^\(.\{8\}\)\(.\{8\}\)\(.\{8\}\)/\1 \2 \3 /')"
check "SET_BUFFERSIZE 100 -> minimum 2808" \
	"0000000000000af800000af800001000" "$(c '00000011 00000064')"
check "SET_BUFFERSIZE 3000 -> 3000" \
	"0000000000000bb800000af800001000" "$(c '00000011 00000bb8')"
check "SET_BUFFERSIZE query keeps 3000" \
	"0000000000000bb800000af800001000" "$(c '00000011 00000000')"
check "SET_BUFFERSIZE 100000 -> maximum 4096" \
	"000000000000100000000af800001000" "$(c '00000011 000186a0')"
out=$(tw conn c "$C" x '00000011 0000' elapsed)
check "SET_BUFFERSIZE with 2-byte body: BAD_PARAMETER" "00000003" \
	"${out%%$'\n'*}"
check_range "SET_BUFFERSIZE with 2-byte body answered at once" 0 0.3 \
	"${out##*$'\n'}"
check "SET_BUFFERSIZE with no body: BAD_PARAMETER" "00000003" \
	"$(c 00000011)"

echo "# --- GET_INFO"
spec='{"TPMSpecification":{"family":"2.0","level":0,"revision":164}}'
spechex=$(printf '%s' "$spec" | tohex)
check "GET_INFO flags 1" "000000000000003f0000003f${spechex}00" \
	"$(c '00000012 0000000000000001 00000000 00000000')"
check "GET_INFO flags 1, offset 60" "000000000000003f000000037d7d00" \
	"$(c '00000012 0000000000000001 0000003c 00000000')"
check "GET_INFO flags 1, offset 62 = strlen" "00000003" \
	"$(c '00000012 0000000000000001 0000003e 00000000')"
check "GET_INFO flags 1, offset 1000" "00000003" \
	"$(c '00000012 0000000000000001 000003e8 00000000')"
check "GET_INFO flags 0" "0000000000000003000000037b7d00" \
	"$(c '00000012 0000000000000000 00000000 00000000')"
check "GET_INFO unknown flag 0x100" "0000000000000003000000037b7d00" \
	"$(c '00000012 0000000000000100 00000000 00000000')"
attr='{"TPMAttributes":{"manufacturer":"id:00001014","version":"id:20191023","model":"swtpm"}}'
out=$(c '00000012 0000000000000002 00000000 00000000')
check "GET_INFO flags 2 (TPMAttributes)" "$attr" \
	"$(fromhex "${out:24}" | tr -d '\0')"
out=$(c '00000012 0000000000000004 00000000 00000000')
check_re "GET_INFO flags 4 (TPMFeatures, RSA key sizes)" \
	'^\{"TPMFeatures":\{"RSAKeySizes":\[1024,2048,3072\]' \
	"$(fromhex "${out:24}" | tr -d '\0')"
check "GET_INFO with 8-byte body: BAD_PARAMETER" "00000003" \
	"$(c '00000012 0000000000000001')"
check "GET_INFO with no body: BAD_PARAMETER" "00000003" "$(c 00000012)"

echo "# --- INIT and a running TPM"
check "INIT" "00000000" "$(c '00000002 00000000')"
P2=$S/tpm2-00.permall
check "a new TPM 2 writes tpm2-00.permall with a plain blob header" \
	"0201000a0000$(printf %08x "$(stat -c %s "$P2")")" \
	"$(head -c 10 "$P2" 2>/dev/null | tohex)"
check "no volatilestate file after INIT" "no" \
	"$([ -e "$S/tpm2-00.volatilestate" ] && echo yes || echo no)"
check "SET_BUFFERSIZE 3000 while running" "0000000a" "$(c '00000011 00000bb8')"
check "SET_BUFFERSIZE query while running" \
	"000000000000100000000af800001000" "$(c '00000011 00000000')"
check "SET_STATEBLOB while running" "0000000a" \
	"$(c '0000000d 00000000 00000001 00000000')"
check "GET_TPMESTABLISHED" "0000000000000000" "$(c 00000004)"
check "GET_TPMESTABLISHED + 4 bytes while running" "00000003" \
	"$(c '00000004 00000000')"
check "CANCEL_TPM_CMD" "00000000" "$(c 00000009)"
check "TPM2_Startup(CLEAR), twice" \
	"80010000000a00000000"$'\n'"80010000000a00000100" \
	"$(tw conn d "$D" x 80010000000c000001440000 \
		x 80010000000c000001440000)"
check "RESET_TPMESTABLISHED loc 3, 0, 5, 4, QEMU form 3" \
	"00000000 0000003d 0000003d 00000000 00000000" \
	"$(c 0000000b03 0000000b00 0000000b05 0000000b04 0000000b03000000 |
		tr '\n' ' ' | sed 's/ $//')"

echo "# --- HASH_START/DATA/END and PCR 17"
pcr17_read="8001 00000014 0000017e 00000001 000b 03 000002"
check "HASH_START, GET_TPMESTABLISHED, HASH_DATA(abc), HASH_END" \
	"00000000 0000000001000000 00000000 00000000" \
	"$(tw conn c "$C" x 00000006 x 00000004 x 0000000700000003616263 \
		x 00000008 | tr '\n' ' ' | sed 's/ $//')"
want=$("$PYTHON" -c 'import hashlib; print(hashlib.sha256(bytes(32) +
	hashlib.sha256(b"abc").digest()).hexdigest())')
case $want in 589f9ffe*08faee8d) ok "computed PCR 17 value $want";;
*) notok "computed PCR 17 value $want";; esac
out=$(tw conn d "$D" x "$pcr17_read")
check "PCR 17 = SHA-256(0^32 || SHA-256(abc))" "$want" "${out: -64}"
data=$(printf '61%.0s' $(seq 10000))
check "HASH_DATA of 10000 bytes in 1000+9000-byte writes" \
	"00000000 00000000 00000000" \
	"$(tw conn c "$C" x 00000006 send "00000007 00002710 ${data:0:2000}" \
		sleep 0.1 send "${data:2000}" recv x 00000008 |
		tr '\n' ' ' | sed 's/ $//')"
want=$("$PYTHON" -c 'import hashlib; print(hashlib.sha256(bytes(32) +
	hashlib.sha256(b"a" * 10000).digest()).hexdigest())')
out=$(tw conn d "$D" x "$pcr17_read")
check "PCR 17 after hashing 10000 bytes" "$want" "${out: -64}"
check "HASH_DATA with more data than its length field" "$HASHX" \
	"$(tw conn c "$C" send '00000007 00000002 616263' shutwr recv)"
check_cmd "daemon alive after bad HASH_DATA" sw_alive a

echo "# --- GET_STATEBLOB"
lf=$(stat -c %s "$P2")
lb=$((lf + 6))
filehex=$(tail -c +11 "$P2" | tohex)
out=$(c '0000000c 00000000 00000001 00000000')
check "GET_STATEBLOB permanent: header" \
	"$(printf '0000000000000000%08x%08x' $lb $lb)" "${out:0:32}"
check "GET_STATEBLOB permanent: blob header and TLV" \
	"$(printf '0201000a0004%08x0004%08x' $lb $((lf - 10)))" "${out:32:32}"
check "GET_STATEBLOB permanent: content = permall file content" \
	"$filehex" "${out:64}"
blob=${out:32}
out=$(c '0000000c 00000000 00000001 00000064')
check "GET_STATEBLOB permanent, offset 100: remaining length" \
	"$(printf '0000000000000000%08x%08x' $((lb - 100)) $((lb - 100)))" \
	"${out:0:32}"
check "GET_STATEBLOB permanent, offset 100: data = blob[100:]" \
	"${blob:200}" "${out:32}"
check "GET_STATEBLOB permanent, offset = length" \
	"00000000000000000000000000000000" \
	"$(c "0000000c 00000000 00000001 $(printf %08x $lb)")"
check "GET_STATEBLOB permanent, offset > length" \
	"00000000000000000000000000000000" \
	"$(c "0000000c 00000000 00000001 $(printf %08x $((lb + 7)))")"
check "GET_STATEBLOB permanent, trailing bytes ignored" \
	"$(printf '0000000000000000%08x%08x' $lb $lb)" \
	"$(c '0000000c 00000000 00000001 00000000 00000000' | cut -c1-32)"
check "GET_STATEBLOB savestate (TPM 2 has none)" \
	"00000800000000000000000000000000" \
	"$(c '0000000c 00000000 00000003 00000000')"
check "GET_STATEBLOB type 0 and 4" \
	"${BADTYPE}000000000000000000000000 ${BADTYPE}000000000000000000000000" \
	"$(c '0000000c 00000000 00000000 00000000' \
		'0000000c 00000000 00000004 00000000' | tr '\n' ' ' |
		sed 's/ $//')"

echo "# --- volatile state"
V=$S/tpm2-00.volatilestate
check "STORE_VOLATILE" "00000000" "$(c 0000000a)"
check_cmd "STORE_VOLATILE wrote tpm2-00.volatilestate" test -s "$V"
out=$(c '0000000c 00000000 00000002 00000000')
vl=$((16#${out:16:8}))
check "GET_STATEBLOB volatile: result 0, totlength = length" \
	"00000000 00000000 ${out:16:8}" "${out:0:8} ${out:8:8} ${out:24:8}"
check "GET_STATEBLOB volatile: all data sent" "$((vl * 2))" \
	"$((${#out} - 32))"
check "GET_STATEBLOB volatile deleted tpm2-00.volatilestate" "no" \
	"$([ -e "$V" ] && echo yes || echo no)"
check "STORE_VOLATILE again" "00000000" "$(c 0000000a)"
check "INIT(DELETE_VOLATILE)" "00000000" "$(c '00000002 00000001')"
check "INIT(DELETE_VOLATILE) deleted tpm2-00.volatilestate" "no" \
	"$([ -e "$V" ] && echo yes || echo no)"
out=$(tw conn d "$D" x 80010000000c000001440000 x 80010000000c0000017b0008)
check "TPM resumed from volatile state: Startup -> INITIALIZE" \
	"80010000000a00000100" "${out%%$'\n'*}"
check_re "TPM resumed from volatile state: GetRandom works" \
	$'\n''800100000014000000000008[0-9a-f]{16}$' "$out"
check "INIT(0) without volatile state" "00000000" "$(c '00000002 00000000')"
check "TPM not started after INIT: GetRandom -> INITIALIZE" \
	"80010000000a00000100" "$(tw conn d "$D" x 80010000000c0000017b0008)"
check "INIT with unknown flag bits" "00000000" "$(c '00000002 fffffffe')"
check "TPM2_Startup(CLEAR)" "80010000000a00000000" \
	"$(tw conn d "$D" x 80010000000c000001440000)"

echo "# --- STOP"
check "STOP" "00000000" "$(c 0000000e)"
check "data channel after STOP: not-running response" \
	"80010000000a00000101" "$(tw conn d "$D" x 80010000000c0000017b0008)"
check "GET_TPMESTABLISHED after STOP" "0000000a" "$(c 00000004)"
check "STOP while stopped" "00000000" "$(c 0000000e)"
check "INIT after STOP" "00000000" "$(c '00000002 00000000')"
check "TPM2_Startup(STATE) after STOP (auto TPM2_Shutdown at STOP)" \
	"80010000000a$STARTUP_STATE" \
	"$(tw conn d "$D" x 80010000000c000001440001)"
check "STOP" "00000000" "$(c 0000000e)"
sw_start b socket --tpm2 --tpmstate "dir=$S" \
	--ctrl "type=unixio,path=$T/ctrl-b" || exit 1
check "second instance on the same dir (first stopped): INIT -> FAIL" \
	"00000009" "$(tw conn c "unix:$T/ctrl-b" x '00000002 00000000')"
check "second instance: SHUTDOWN" "00000000" \
	"$(tw conn c "unix:$T/ctrl-b" x 00000003)"
sw_wait b 5
check "second instance exits 0 after SHUTDOWN" "0" "$SW_RC"
check "first instance: INIT still works" "00000000" \
	"$(c '00000002 00000000')"

echo "# --- SHUTDOWN"
check "STOP" "00000000" "$(c 0000000e)"
# (done last: an empty permanent blob before the first INIT of a new TPM
# makes libtpms manufacture a TPM without allocated PCR banks)
check "SET_STATEBLOB length 0 while stopped" "00000000" \
	"$(c '0000000d 00000000 00000001 00000000')"
sums=$(sha256_of_files "$S"/tpm2-00.*)
check "SHUTDOWN" "00000000" "$(c 00000003)"
if sw_wait a 5; then
	check "exit status after SHUTDOWN" "0" "$SW_RC"
else
	notok "daemon did not exit after SHUTDOWN"
fi
check "pid file and sockets removed" "" \
	"$(ls "$T/a.pid" "$CP" "$DP" 2>/dev/null)"
[ "$IS_REF" = 1 ] &&
	check "SHUTDOWN of a started TPM (0.7.1) modifies no state file" \
		"$sums" "$(sha256_of_files "$S"/tpm2-00.*)"

echo "# --- TCP control channel"
P=$(free_port)
S2=$T/state2
mkdir -p "$S2"
sw_start t socket --tpm2 --tpmstate "dir=$S2" \
	--server "type=tcp,port=$P" --ctrl "type=tcp,port=$((P + 1))" \
	--flags not-need-init,startup-clear || exit 1
TC=tcp:$((P + 1))
check "TCP: GET_CAPABILITY" "00000000$CAPS2" "$(tw_each "$TC" 00000001)"
check "TCP: HASH_START, HASH_DATA(abc), HASH_END on one connection" \
	"00000000 00000000 00000000" \
	"$(tw conn c "$TC" x 00000006 x 0000000700000003616263 x 00000008 |
		tr '\n' ' ' | sed 's/ $//')"
want=$("$PYTHON" -c 'import hashlib; print(hashlib.sha256(bytes(32) +
	hashlib.sha256(b"abc").digest()).hexdigest())')
out=$(tw conn d "tcp:$P" x "$pcr17_read")
check "TCP data: PCR 17 = SHA-256(0^32 || SHA-256(abc))" "$want" "${out: -64}"
if command -v tpm2_pcrread >/dev/null && have_tcti_swtpm; then
	out=$(timeout 20 tpm2_pcrread -T "swtpm:port=$P" sha256:17 2>&1)
	check "tpm2_pcrread sha256:17" "0x${want^^}" \
		"$(echo "$out" | sed -n 's/^ *17 *: *//p')"
else
	echo "# skip: tpm2_pcrread or the swtpm TCTI not installed"
fi
check "TCP: SHUTDOWN" "00000000" "$(tw_each "$TC" 00000003)"
sw_wait t 5 && check "TCP instance exit status" "0" "$SW_RC" ||
	notok "TCP instance did not exit"

echo "# --- GET_CONFIG with keys"
printf '000102030405060708090a0b0c0d0e0f' >"$T/key"
sw_start k socket --tpm2 --tpmstate "dir=$T/state2" \
	--ctrl "type=unixio,path=$T/ck" --key "file=$T/key,format=hex" || exit 1
check "GET_CONFIG with --key" "0000000000000001" \
	"$(tw_each "unix:$T/ck" 0000000f)"
sw_stop k
sw_start k socket --tpm2 --tpmstate "dir=$T/state2" \
	--ctrl "type=unixio,path=$T/ck" --key "file=$T/key,format=hex" \
	--migration-key "file=$T/key,format=hex" || exit 1
check "GET_CONFIG with --key and --migration-key" "0000000000000003" \
	"$(tw_each "unix:$T/ck" 0000000f)"
sw_stop k

echo "# --- TPM 1.2"
mkdir -p "$T/s12"
sw_start v socket --tpmstate "dir=$T/s12" --ctrl "type=unixio,path=$T/c12" ||
	exit 1
C12=unix:$T/c12
check "TPM 1.2: GET_CAPABILITY" "00000000$CAPS12" "$(tw_each "$C12" 00000001)"
check "TPM 1.2: SET_BUFFERSIZE query" "00000000000010000000 0c0000001000" \
	"$(tw_each "$C12" '00000011 00000000' | sed 's/^.\{20\}/& /')"
check "TPM 1.2: SET_BUFFERSIZE 100 -> 3072" \
	"0000000000000c0000000c0000001000" \
	"$(tw_each "$C12" '00000011 00000064')"
check "SET_DATAFD without fd, no data channel" "00000003" \
	"$(tw_each "$C12" 00000010)"
out=$(tw_each "$C12" '00000012 0000000000000001 00000000 00000000')
check "TPM 1.2: GET_INFO flags 1" \
	'{"TPMSpecification":{"family":"1.2","level":2,"revision":116}}' \
	"$(fromhex "${out:24}" | tr -d '\0')"
check "TPM 1.2: GET_INFO flags 4" "0000000000000003000000037b7d00" \
	"$(tw_each "$C12" '00000012 0000000000000004 00000000 00000000')"
check "TPM 1.2: SHUTDOWN" "00000000" "$(tw_each "$C12" 00000003)"
sw_wait v 5 && check "TPM 1.2 instance exit status" "0" "$SW_RC" ||
	notok "TPM 1.2 instance did not exit"

t_done
