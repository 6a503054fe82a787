#!/bin/bash
# client.sh - the client library (src/client) and the TPM wire module
# (src/tpm) against the real daemon: tests/integration/client_drive
# starts swtpm on socketpairs the way swtpm_setup does (cl_spawn) and
# sends the provisioning commands of provisioning.md §1.8-§1.11 built by
# src/tpm; then tpm2-tools, on a TCP daemon over the same state, must
# see what the builders made: the EK Names that `tpm2_createek` derives,
# the NV index (0x62072801 after the lock, the data), the PCR banks.
# With the reference swtpm installed, the driver runs against it too.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
t_init
DRIVE=${top_builddir:-.}/tests/integration/client_drive
[ -x "$DRIVE" ] || { echo "ERROR: $DRIVE not built"; exit 99; }

# field LABEL FILE: the rest of the line that starts with LABEL
field()
{
	sed -n "s/^$1 //p" "$2" | head -n 1
}

# nv_pattern N: the bytes the driver writes, i * 7 + 3
nv_pattern()
{
	"$PYTHON" -c 'import sys
sys.stdout.buffer.write(bytes((i * 7 + 3) & 255 for i in range(int(sys.argv[1]))))' "$1"
}

# --- spawn: Startup and GetRandom through the socketpairs -------------
mkdir -p "$T/sp"
if "$DRIVE" spawn "$SWTPM" "$T/sp" >"$T/sp.out" 2>&1; then
	ok "spawn: swtpm on socketpairs answered"
else
	notok "spawn: $(tail -n 3 "$T/sp.out")"
fi
check "spawn: Startup after startup-clear is TPM_RC_INITIALIZE" 0x100 \
	"$(field startup "$T/sp.out")"
check "spawn: GetRandom(16)" 16 "$(field random "$T/sp.out")"
check_re "spawn: GET_INFO on the ctrl pair" '"family":"2.0"' \
	"$(field info "$T/sp.out")"
check "spawn: CMD_SHUTDOWN ends swtpm with 0" 0 "$(field stopped "$T/sp.out")"
[ -e "$T/sp/swtpm.pid" ] && notok "spawn: pid file left behind"

# --- TPM 2: keys, NV, PCR_Allocate ------------------------------------
S=$T/st
mkdir -p "$S"
if "$DRIVE" tpm2 "$SWTPM" "$S" sha256 >"$T/p.out" 2>&1; then
	ok "tpm2: the provisioning commands succeeded"
else
	notok "tpm2: $(tail -n 3 "$T/p.out")"
	t_done
fi
check "tpm2: EK RSA-2048 attributes" "0x000300b2 unique 256 0" \
	"$(field ek-rsa2048\ attrs "$T/p.out")"
check "tpm2: EK P-384 attributes" "0x000300f2 unique 48 48" \
	"$(field ek-ecc384\ attrs "$T/p.out")"
check "tpm2: SRK attributes" "0x00030472 unique 256 0" \
	"$(field srk\ attrs "$T/p.out")"
check "tpm2: signing EK (sign|decrypt, H template)" \
	"0x000600f2 unique 384 0" "$(field ek-rsa3072-sign\ attrs "$T/p.out")"
check "tpm2: NV after the lock" "attrs 0x62072801 size 1500" \
	"$(field "nv 0x01c00002" "$T/p.out")"
check "tpm2: template index (70-byte TPMT_PUBLIC)" \
	"attrs 0x62072001 size 70" "$(field "nv 0x01c0001d" "$T/p.out")"
check "tpm2: banks" "sha1 sha256 sha384 sha512" "$(field banks "$T/p.out")"
check "tpm2: PCR_Allocate bytes (provisioning.md §1.8)" \
	8002000000370000012b4000000c0000000940000009000000000000000004000b03ffffff000403000000000c03000000000d03000000 \
	"$(field allocate-cmd "$T/p.out")"
check "tpm2: stopped" 0 "$(field stopped "$T/p.out")"

t_need tpm2_createek tpm2_readpublic tpm2_nvreadpublic tpm2_nvread \
	tpm2_getcap tpm2_flushcontext
if ! have_tcti_swtpm; then
	echo "# libtss2-tcti-swtpm not installed: no tpm2-tools checks"
	t_done
fi
P=$(free_port)
export TPM2TOOLS_TCTI="swtpm:port=$P"
sw_start d socket --tpm2 --tpmstate "dir=$S" --server "type=tcp,port=$P" \
	--ctrl "type=tcp,port=$((P + 1))" --flags not-need-init,startup-clear ||
	t_done
t2()
{
	timeout 60 "$@" 2>"$T/t2.err"
}
name_of()
{
	t2 tpm2_readpublic -c "$1" | sed -n 's/^name: //p'
}
for k in "rsa ek-rsa2048 0x81010001" "ecc384 ek-ecc384 0x81010016"; do
	set -- $k
	want=$(field "$2 name" "$T/p.out")
	check "tpm2_readpublic $3: the Name the driver printed" "$want" \
		"$(name_of "$3")"
	rm -f "$T/ek.ctx"
	t2 tpm2_createek -G "$1" -c "$T/ek.ctx" >/dev/null
	check "tpm2_createek -G $1: the same Name (the template bytes)" \
		"$want" "$(name_of "$T/ek.ctx")"
	t2 tpm2_flushcontext -t
done
check "tpm2_readpublic 0x81000001 (SRK)" "$(field "srk name" "$T/p.out")" \
	"$(name_of 0x81000001)"
nvp=$(t2 tpm2_nvreadpublic 0x1c00002)
check_re "tpm2_nvreadpublic: 0x62072801" 'value: 0x62072801' "$nvp"
check_re "tpm2_nvreadpublic: size 1500" 'size: 1500' "$nvp"
t2 tpm2_nvread -C p -o "$T/nv.bin" 0x1c00002
nv_pattern 1500 >"$T/nv.want"
check_cmd "tpm2_nvread: the data written in 1024-byte chunks" \
	cmp -s "$T/nv.bin" "$T/nv.want"
pcrs=$(t2 tpm2_getcap pcrs)
check_re "tpm2_getcap pcrs: sha256 allocated" 'sha256: \[ 0, 1,' "$pcrs"
check_re "tpm2_getcap pcrs: sha1, sha384, sha512 off" \
	'sha1: \[ \].*sha384: \[ \].*sha512: \[ \]' "${pcrs//$'\n'/ }"
sw_stop d

# unknown and repeated banks are skipped, the order is the user's
S2=$T/st2
mkdir -p "$S2"
"$DRIVE" tpm2 "$SWTPM" "$S2" sha384,bogus,sha256,sha384 >"$T/p2.out" 2>&1
check "tpm2: allocate sha384,bogus,sha256,sha384" "sha384 sha256" \
	"$(field allocate "$T/p2.out")"
check "tpm2: allocation command" \
	8002000000370000012b4000000c0000000940000009000000000000000004000c03ffffff000b03ffffff000403000000000d03000000 \
	"$(field allocate-cmd "$T/p2.out")"

# --- TPM 1.2 ----------------------------------------------------------
mkdir -p "$T/t12"
if "$DRIVE" tpm12 "$SWTPM" "$T/t12" >"$T/t12.out" 2>&1; then
	ok "tpm12: the 1.2 flow succeeded (OAEP and HMAC accepted)"
else
	notok "tpm12: $(tail -n 3 "$T/t12.out")"
fi
check "tpm12: EK modulus at offset 38" "256 at 38" \
	"$(field "ek modulus" "$T/t12.out")"
check "tpm12: NV locked (TPM_AUTH_CONFLICT)" 0x3b \
	"$(field "write after lock" "$T/t12.out")"
check "tpm12: owned, enabled, active" "disable 0 ownership 1 deactivated 0" \
	"$(field flags "$T/t12.out")"
[ -s "$T/t12/tpm-00.permall" ] && ok "tpm12: tpm-00.permall written" ||
	notok "tpm12: no tpm-00.permall"

# --- the same against the reference daemon ----------------------------
REF=${SWTPM_REF:-/usr/bin/swtpm}
if [ "$IS_REF" = 0 ] && [ -x "$REF" ]; then
	mkdir -p "$T/r2" "$T/r12"
	if "$DRIVE" tpm2 "$REF" "$T/r2" sha256 >"$T/r2.out" 2>&1; then
		ok "reference swtpm: the TPM 2 commands succeeded"
	else
		notok "reference swtpm (tpm2): $(tail -n 3 "$T/r2.out")"
	fi
	if "$DRIVE" tpm12 "$REF" "$T/r12" >"$T/r12.out" 2>&1; then
		ok "reference swtpm: the TPM 1.2 flow succeeded"
	else
		notok "reference swtpm (tpm12): $(tail -n 3 "$T/r12.out")"
	fi
fi
t_done
