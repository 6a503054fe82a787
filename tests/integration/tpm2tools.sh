#!/bin/bash
# tpm2tools.sh - drive the TPM 2 through tpm2-tools and the tss2 `swtpm`
# TCTI (data port P, control port P+1): startup, random, keys, signatures,
# NV, PCRs, persistent objects; then restart the daemon on the same state
# directory and check that NV data and persistent keys survived.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
t_init
t_need tpm2_startup tpm2_getrandom tpm2_createprimary tpm2_create \
	tpm2_load tpm2_sign tpm2_verifysignature tpm2_nvdefine tpm2_nvwrite \
	tpm2_nvread tpm2_pcrextend tpm2_pcrread tpm2_evictcontrol \
	tpm2_readpublic tpm2_getcap tpm2_flushcontext
if ! have_tcti_swtpm; then
	echo "SKIP: libtss2-tcti-swtpm not installed"
	exit 77
fi

S=$T/state
W=$T/work
mkdir -p "$S" "$W"
P=$(free_port)
export TPM2TOOLS_TCTI="swtpm:port=$P"

# run a tpm2 tool with a time limit; its output goes to $W/last.out;
# without a resource manager transient objects must be flushed after
# every tool
t2()
{
	local rc
	timeout 60 "$@" >"$W/last.out" 2>&1
	rc=$?
	timeout 20 tpm2_flushcontext -t >/dev/null 2>&1
	return $rc
}

start()
{
	sw_start d socket --tpm2 --tpmstate "dir=$S" \
		--server "type=tcp,port=$P" --ctrl "type=tcp,port=$((P + 1))" \
		--flags "$1"
}

start not-need-init || exit 1
check_cmd "tpm2_startup -c" t2 tpm2_startup -c
check_cmd "tpm2_getrandom 16" t2 tpm2_getrandom --hex 16
check_re "tpm2_getrandom: 32 hex digits" '^[0-9a-f]{32}$' \
	"$(cat "$W/last.out")"
check_cmd "tpm2_createprimary (ECC, owner)" \
	t2 tpm2_createprimary -C o -G ecc256 -c "$W/primary.ctx"
check_cmd "tpm2_create (ECC signing key)" \
	t2 tpm2_create -C "$W/primary.ctx" -G ecc256:ecdsa-sha256 \
	-a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign' \
	-u "$W/key.pub" -r "$W/key.priv"
check_cmd "tpm2_load" t2 tpm2_load -C "$W/primary.ctx" -u "$W/key.pub" \
	-r "$W/key.priv" -c "$W/key.ctx"
echo "message to sign" >"$W/msg"
echo "another message" >"$W/msg2"
check_cmd "tpm2_sign" t2 tpm2_sign -c "$W/key.ctx" -g sha256 \
	-o "$W/sig" "$W/msg"
check_cmd "tpm2_verifysignature (good)" t2 tpm2_verifysignature \
	-c "$W/key.ctx" -g sha256 -m "$W/msg" -s "$W/sig"
if t2 tpm2_verifysignature -c "$W/key.ctx" -g sha256 -m "$W/msg2" \
	-s "$W/sig"; then
	notok "tpm2_verifysignature rejects another message"
else
	ok "tpm2_verifysignature rejects another message"
fi

NVIDX=0x1500016
head -c 32 /dev/urandom >"$W/nvdata"
check_cmd "tpm2_nvdefine" t2 tpm2_nvdefine -C o -s 32 \
	-a 'ownerread|ownerwrite' $NVIDX
check_cmd "tpm2_nvwrite" t2 tpm2_nvwrite -C o -i "$W/nvdata" $NVIDX
check_cmd "tpm2_nvread" t2 tpm2_nvread -C o -s 32 -o "$W/nvread" $NVIDX
check_cmd "NV data read back equals written" cmp -s "$W/nvdata" "$W/nvread"

ext=$(printf '%064d' 0 | tr 0 a)
check_cmd "tpm2_pcrextend 16" t2 tpm2_pcrextend "16:sha256=$ext"
want=$("$PYTHON" -c 'import hashlib, sys; print(hashlib.sha256(bytes(32) +
	bytes.fromhex(sys.argv[1])).hexdigest().upper())' "$ext")
t2 tpm2_pcrread sha256:16
check "tpm2_pcrread 16 = SHA-256(0^32 || extended digest)" "0x$want" \
	"$(sed -n 's/^ *16 *: *//p' "$W/last.out")"

check_cmd "tpm2_evictcontrol: persist the primary key at 0x81000001" \
	t2 tpm2_evictcontrol -C o -c "$W/primary.ctx" 0x81000001
check_cmd "tpm2_evictcontrol: persist the signing key at 0x81000002" \
	t2 tpm2_evictcontrol -C o -c "$W/key.ctx" 0x81000002
t2 tpm2_readpublic -c 0x81000002
name_before=$(sed -n 's/^name: *//p' "$W/last.out")
check_re "tpm2_readpublic of the persistent key" '^[0-9a-f]{68}$' \
	"$name_before"

echo "# --- restart on the same state directory (SIGTERM)"
sw_stop d
check "SIGTERM: exit 0" "0" "$SW_RC"
start not-need-init || exit 1
check_cmd "after restart: tpm2_startup -c" t2 tpm2_startup -c
check_cmd "after restart: tpm2_nvread" \
	t2 tpm2_nvread -C o -s 32 -o "$W/nvread2" $NVIDX
check_cmd "after restart: NV data unchanged" cmp -s "$W/nvdata" \
	"$W/nvread2"
t2 tpm2_getcap handles-persistent
check "after restart: persistent handles" \
	"- 0x81000001"$'\n'"- 0x81000002" "$(cat "$W/last.out")"
t2 tpm2_readpublic -c 0x81000002
check "after restart: persistent key has the same name" "$name_before" \
	"$(sed -n 's/^name: *//p' "$W/last.out")"
check_cmd "after restart: sign with the persistent key" \
	t2 tpm2_sign -c 0x81000002 -g sha256 -o "$W/sig2" "$W/msg2"
check_cmd "after restart: verify with the key loaded before restart" \
	t2 tpm2_verifysignature -c 0x81000002 -g sha256 -m "$W/msg2" \
	-s "$W/sig2"
t2 tpm2_pcrread sha256:16
check "after restart with Startup(CLEAR): PCR 16 is reset" \
	"0x$(printf '%064d' 0)" "$(sed -n 's/^ *16 *: *//p' "$W/last.out")"
sw_stop d

echo "# --- --flags startup-clear: no tpm2_startup needed"
start not-need-init,startup-clear || exit 1
check_cmd "tpm2_getrandom without tpm2_startup" t2 tpm2_getrandom --hex 8
check "TPM2_Startup(CLEAR) -> TPM_RC_INITIALIZE: TPM already started" \
	"80010000000a00000100" "$(tw conn d "tcp:$P" x 80010000000c000001440000)"
check_cmd "NV still readable" t2 tpm2_nvread -C o -s 32 -o "$W/nvread3" \
	$NVIDX
check_cmd "NV data unchanged" cmp -s "$W/nvdata" "$W/nvread3"
sw_stop d
check "SIGTERM: exit 0" "0" "$SW_RC"

t_done
