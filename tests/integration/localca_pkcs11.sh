#!/bin/bash
# swtpm_localca with a pkcs11: signing key on a SoftHSM2 token (our
# swtpm_cert through the OpenSSL pkcs11 engine, libp11): the URI with
# the reference's '\;' escapes, the PIN from SWTPM_PKCS11_PIN or
# signingkey_password, SOFTHSM2_CONF only from an env: line; EK (RSA,
# P-384, TPM 2 and 1.2) and platform certificates verify under the CA
# whose key is on the token; no automatic CA; a wrong PIN fails cleanly.
# Skips (77) without softhsm2-util, the engine, or pkcs11 support.
set -u
. "${top_srcdir:-.}/tests/lib/localcalib.sh"
lc_init
cl_pkcs11_ok || { echo "SKIP: no pkcs11 support"; exit 77; }

cl_make_ca "$W/ca" 2048 || exit 99
cl_softhsm "lc-$$" 4711 "$W/ca/ca.key" || exit 99
CONF_SOFTHSM=$SOFTHSM2_CONF
unset SOFTHSM2_CONF		# only the env: line gives it to swtpm_cert
S=$W/p11state
p11conf()
{
	cat >"$W/p11.conf" <<EOF
statedir = $S
signingkey = pkcs11:token=lc-$$\\;object=ca\\;type=private
issuercert = $W/ca/ca.pem
env:SOFTHSM2_CONF = $CONF_SOFTHSM
EOF
	for l in "$@"; do
		echo "$l" >>"$W/p11.conf"
	done
}
p11conf "SWTPM_PKCS11_PIN = 4711"
mkdir -p "$W/out"

verify()
{
	openssl verify -CAfile "$W/ca/root.pem" -untrusted "$W/ca/ca.pem" \
	    <(cl_der "$1" | openssl x509 -inform der) >/dev/null 2>&1
}

one()
{
	local desc=$1 file=$2

	shift 2
	rm -f "$W/out/$file"
	if lc_run "$W/p11.conf" "$W/out" "$@" && verify "$W/out/$file"; then
		cl_ok "$desc: verifies under the CA on the token"
	else
		cl_notok "$desc: verifies under the CA on the token"
		cat "$W/lc.out"
	fi
}
one "TPM 2 EK RSA" ek.cert "${TPM2_EK[@]}" --ek "$MOD"
cl_check "messages" "Creating swtpm-localca dir '$S'.
CA uses a PKCS#11 key; using SWTPM_PKCS11_PIN
Successfully created EK certificate locally." "$(cat "$W/lc.out")"
one "TPM 2 EK P-384" ek.cert "${TPM2_EK[@]}" --ek "x=$ECX,y=$ECY,id=secp384r1"
one "TPM 2 platform" platform.cert "${TPM2_PF[@]}" --ek "$MOD"
one "TPM 1.2 EK" ek.cert "${TPM12_EK[@]}" --ek "$MOD"
cl_check "no automatic CA for a pkcs11: key" ".lock.swtpm-localca certserial" \
    "$(ls -A "$S" | tr '\n' ' ' | sed 's/ $//')"
p11conf "signingkey_password = 4711"
one "PIN from signingkey_password" ek.cert "${TPM2_EK[@]}" --ek "$MOD"
p11conf "SWTPM_PKCS11_PIN = 9999"
n=$(cat "$S/certserial")
rm -f "$W/out/ek.cert"
lc_run "$W/p11.conf" "$W/out" "${TPM2_EK[@]}" --ek "$MOD"
cl_check "wrong PIN: exit 1, the reference's line" \
    "1 Could not create EK certificate locally" \
    "$? $(sed -n 2p "$W/lc.out")"
cl_check "wrong PIN: no certificate; the serial was taken" "no yes" \
    "$([ -e "$W/out/ek.cert" ] && echo yes || echo no) $([ \
    "$(cat "$S/certserial")" != "$n" ] && echo yes || echo no)"
cl_done
