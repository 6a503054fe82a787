#!/bin/bash
# swtpm_setup_tpm12.sh - the TPM 1.2 flow end to end with our swtpm_setup
# and swtpm: EK, ownership, EK and platform certificates in NV, the NV
# lock. The state is served again and asked (GetCapability: owned,
# enabled, active, NV locked, the indices); the certificates are read
# back from NV with the owner's authorization (which proves the owner
# password) and verify under the local CA; ek-rsa2048.crt is the
# certificate without its 7-byte header. --owner-well-known gives the
# reference's owner secret, SHA-1 of 20 zero bytes (checked against a
# state the reference swtpm_setup made, when it is installed).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$TESTLIB/setuplib.sh"
t_init
su_init
ME="$(id -un):$(id -gn)"
Q="$PYTHON $TESTLIB/tpm12nv.py"

# serve12 NAME STATEDIR: our swtpm (TPM 1.2) on a unix socket $T/NAME.sock
serve12()
{
	sw_start "$1" socket --tpmstate "dir=$2" \
	    --server "type=unixio,path=$T/$1.sock" \
	    --ctrl "type=unixio,path=$T/$1.ctrl" \
	    --flags not-need-init,startup-clear
}

S=$T/s
mkdir -p "$S" "$T/ek"
"$SETUP" --config "$CONF" --tpmstate "$S" --create-ek-cert \
    --create-platform-cert --take-ownership --lock-nvram \
    --write-ek-cert-files "$T/ek" >"$T/out" 2>"$T/err"
check "exit 0" 0 $?
check "stderr empty" "" "$(cat "$T/err")"
check "the reference's lines in its order" "Starting vTPM manufacturing as $ME @ DATE
TPM is listening on Unix socket.
Successfully created EK.
Successfully took ownership of the TPM.
  Invoking ek
  Invoking platform
Successfully created NVRAM area for EK certificate.
Successfully created NVRAM area for Platform certificate.
Successfully locked NVRAM access.
Successfully authored TPM state.
Ending vTPM manufacturing @ DATE" "$(sed -E -e '/^swtpm_localca: /d' \
    -e 's/^  Invoking [^ ]+ --type ([a-z]+) .*/  Invoking \1/' \
    -e 's/ @ .*/ @ DATE/' "$T/out")"
check_re "the cert tool gets no --tpm2" \
    '--tpm-spec-family 1.2 --tpm-spec-level 2 --tpm-spec-revision 116 --tpm-manufacturer id:00001014 --tpm-model swtpm --tpm-version id:00740001 --configfile' \
    "$(grep -m1 Invoking "$T/out")"
check "the state file is TPM 1.2's" tpm-00.permall "$(ls "$S")"
mod=$(grep -m1 Invoking "$T/out" | sed -E 's/.* --ek ([0-9a-f]+) .*/\1/')
check "EK modulus: 256 bytes" 512 "${#mod}"

# ek-rsa2048.crt: no header, SHA-1, empty subject, verifies, the EK's key
c=$T/ek/ek-rsa2048.crt
check "ek-rsa2048.crt starts with the DER SEQUENCE (no header)" 3082 \
    "$(head -c 2 "$c" | od -An -tx1 | tr -d ' \n')"
check "ek-rsa2048.crt mode 0640" 640 "$(stat -c %a "$c")"
check_re "sha1WithRSAEncryption" sha1WithRSAEncryption \
    "$(openssl x509 -inform der -in "$c" -noout -text)"
check "empty subject" "subject=" \
    "$(openssl x509 -inform der -in "$c" -noout -subject)"
check_cmd "ek-rsa2048.crt verifies under the local CA" su_verify "$c"
check "its key is the EK the TPM made" "$mod" \
    "$(openssl x509 -inform der -in "$c" -noout -modulus | cut -d= -f2 |
    tr 'A-F' 'a-f')"

serve12 s "$S" || t_done
check "enabled, active, NV locked, owned" "0 0 1 1" \
    "$($Q "$T/s.sock" flags)"
check "NV indices of the certificates" "1000f000 1000f002" \
    "$($Q "$T/s.sock" nvlist | grep -E '^1000f00[02]$' | sort | tr '\n' ' ' |
    sed 's/ $//')"
size=$(( $(stat -c %s "$c") + 7 ))
nv=$($Q "$T/s.sock" read 1000f000 $size ooo)
check "the owner password (default ooo) reads the EK certificate from NV" \
    "$(od -An -tx1 "$c" | tr -d ' \n')" "${nv:14}"
check "... behind the 7-byte header 1001 00 <len+2> 1002" \
    "$(printf '100100%04x1002' $((size - 5)))" "${nv:0:14}"
check_re "a wrong owner password is refused" '^0x1$' \
    "$($Q "$T/s.sock" read 1000f000 $size xxx)"
pl=$($Q "$T/s.sock" read 1000f002 100 ooo)
check_re "the platform certificate is in 1000f002" '^100100[0-9a-f]{4}1002' \
    "$pl"
sw_stop s

# --owner-well-known: the reference's secret is SHA-1 of 20 zero bytes
S=$T/w
mkdir -p "$S"
"$SETUP" --config "$CONF" --tpmstate "$S" --create-ek-cert --take-ownership \
    --owner-well-known --srk-well-known >"$T/out" 2>"$T/err"
check "--owner-well-known: exit 0" 0 $?
serve12 w "$S" || t_done
check_re "--owner-well-known: SHA-1 of 20 zero bytes is the owner secret" \
    '^100100' "$($Q "$T/w.sock" read 1000f000 16 wk)"
sw_stop w
if [ -x /usr/bin/swtpm_setup ] && [ -x /usr/bin/swtpm ]; then
	S=$T/r
	mkdir -p "$S"
	/usr/bin/swtpm_setup --tpm "$SWTPM socket" --config "$CONF" \
	    --tpmstate "$S" --create-ek-cert --take-ownership \
	    --owner-well-known >"$T/out" 2>"$T/err"
	check "the reference's --owner-well-known: exit 0" 0 $?
	serve12 r "$S" || t_done
	check_re "the reference's --owner-well-known: the same secret" \
	    '^100100' "$($Q "$T/r.sock" read 1000f000 16 wk)"
	sw_stop r
fi

# without --lock-nvram the NV is not locked; without certs no indices
S=$T/n
mkdir -p "$S"
"$SETUP" --config "$CONF" --tpmstate "$S" --createek >"$T/out" 2>"$T/err"
check "--createek: exit 0" 0 $?
check "--createek: lines" "Successfully created EK." \
    "$(grep Successfully "$T/out" | head -n 1)"
serve12 n "$S" || t_done
check "enabled, active, NV not locked, not owned" "0 0 0 0" \
    "$($Q "$T/n.sock" flags)"
sw_stop n

t_done
