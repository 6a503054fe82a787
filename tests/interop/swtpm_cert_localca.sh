#!/bin/bash
# The reference swtpm_localca 0.7.1 (provisioning.md §2.5) calling our
# swtpm_cert from PATH instead of its own: its CA (made by certtool, an
# encrypted signing key), its options file, its serial counter, a vmid
# with ',' and '+', and a pkcs11: signing key on SoftHSM2 when there.
# Each certificate must be the one the reference swtpm_cert writes in
# the same run (same serial; ours gets the reference's time through
# SWTPM_CERT_TEST_NOW) and must verify under the local CA chain.
# Skips (77) without the reference tools.
set -u
. "${top_srcdir:-.}/tests/lib/certlib.sh"
cl_init
LOCALCA=${SWTPM_LOCALCA_REF:-/usr/bin/swtpm_localca}
REFDIR=$(dirname "${SWTPM_CERT_REF:-/usr/bin/swtpm_cert}")
[ -x "$LOCALCA" ] && [ -x "$REFDIR/swtpm_cert" ] ||
    { echo "SKIP: no reference swtpm_localca/swtpm_cert"; exit 77; }
command -v certtool >/dev/null 2>&1 ||
    { echo "SKIP: no certtool (the reference localca needs it)"; exit 77; }

mkdir -p "$W/ours" "$W/ref" "$W/out"
ln -s "$(cd "$(dirname "$SWTPM_CERT")" && pwd)/$(basename "$SWTPM_CERT")" \
    "$W/ours/swtpm_cert"
ln -s "$REFDIR/swtpm_cert" "$W/ref/swtpm_cert"
export XDG_CONFIG_HOME=$W/xdg
cat >"$W/localca.conf" <<EOF
statedir = $W/state
signingkey = $W/state/signkey.pem
issuercert = $W/state/issuercert.pem
certserial = $W/state/certserial
signingkey_password = sign-pass
EOF
printf '%s\n' '--platform-manufacturer Debian' '--platform-version 2.1' \
    '--platform-model QEMU' >"$W/localca.options"

openssl genrsa -out "$W/ek.key" 2048 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \
    -out "$W/ec.key" 2>/dev/null
MOD=$(cl_rsa_mod "$W/ek.key")
read -r X Y <<<"$(cl_ec_xy "$W/ec.key" 48)"
TPM2="--tpm2 --tpm-spec-family 2.0 --tpm-spec-level 0
    --tpm-spec-revision 164 --tpm-manufacturer id:00001014
    --tpm-model swtpm --tpm-version id:20191023"
TPM12="--tpm-spec-family 1.2 --tpm-spec-level 2 --tpm-spec-revision 116
    --tpm-manufacturer id:00001014 --tpm-model swtpm
    --tpm-version id:20191023"

# localca WHO CONF ARGS...: the reference localca with WHO's swtpm_cert
localca()
{
	local who=$1 conf=$2

	shift 2
	rm -f "$W/out/ek.cert" "$W/out/platform.cert"
	PATH=$W/$who:$PATH "$LOCALCA" --dir "$W/out" --vmid 'my,vm+1' \
	    --configfile "$conf" --optsfile "$W/localca.options" \
	    --logfile "$W/$who.log" "$@" >/dev/null 2>&1
}

# pair DESC CONF FILE ARGS...: reference first, then ours from the same
# serial counter at the reference's time; compare and verify
pair()
{
	local desc=$1 conf=$2 file=$3 serial t

	shift 3
	serial=$(cat "$W/state/certserial" 2>/dev/null)
	if ! localca ref "$conf" "$@"; then
		cl_notok "$desc: reference localca with its swtpm_cert"
		cat "$W/ref.log"
		return
	fi
	cp "$W/out/$file" "$W/r.cert"
	t=$(date -u -d "$(cl_der "$W/r.cert" | openssl x509 -inform der \
	    -noout -startdate | cut -d= -f2)" +%s)
	if [ -n "$serial" ]; then
		printf %s "$serial" >"$W/state/certserial"
	else
		rm -f "$W/state/certserial"
	fi
	if ! SWTPM_CERT_TEST_NOW=$t localca ours "$conf" "$@"; then
		cl_notok "$desc: reference localca with our swtpm_cert"
		cat "$W/ours.log"
		return
	fi
	cl_check "$desc: file mode" 600 "$(stat -c %a "$W/out/$file")"
	if cmp -s "$W/r.cert" "$W/out/$file"; then
		cl_ok "$desc: identical to the reference's"
	else
		cl_notok "$desc: identical to the reference's"
	fi
	if [ "$file" = ek.cert ] || [ -n "${TPM2_PF:-}" ]; then
		if openssl verify -CAfile \
		    "$W/state/swtpm-localca-rootca-cert.pem" \
		    -untrusted "$W/state/issuercert.pem" \
		    <(cl_der "$W/out/$file" | openssl x509 -inform der) \
		    >/dev/null 2>&1; then
			cl_ok "$desc: verifies under the local CA chain"
		else
			cl_notok "$desc: verifies under the local CA chain"
		fi
	fi
}

pair "ek rsa tpm2" "$W/localca.conf" ek.cert --type ek --ek "$MOD" $TPM2
grep -q 'ENCRYPTED' "$W/state/signkey.pem" &&
    cl_ok "localca's signing key is encrypted (--signkey-pwd file:)" ||
    cl_notok "localca's signing key is encrypted (--signkey-pwd file:)"
cl_check "vmid ',' and '+' become '_'" "subject=CN = my_vm_1" \
    "$(openssl x509 -inform der -in "$W/out/ek.cert" -noout -subject)"
pair "ek ecc p384 tpm2 allow-signing" "$W/localca.conf" ek.cert --type ek \
    --ek "x=$X,y=$Y,id=secp384r1" $TPM2 --allow-signing --decryption
TPM2_PF=1 pair "platform tpm2" "$W/localca.conf" platform.cert \
    --type platform --ek "$MOD" $TPM2
pair "ek tpm1.2" "$W/localca.conf" ek.cert --type ek --ek "$MOD" $TPM12
pair "platform tpm1.2" "$W/localca.conf" platform.cert --type platform \
    --ek "$MOD" $TPM12

# a pkcs11: signing key (the CA key imported into SoftHSM2)
if cl_pkcs11_ok; then
	openssl pkey -passin pass:sign-pass -in "$W/state/signkey.pem" \
	    -out "$W/ca.key"
	cl_softhsm "lc-$$" 4711 "$W/ca.key"
	cat >"$W/localca-p11.conf" <<EOF
statedir = $W/state
signingkey = pkcs11:token=lc-$$;object=ca;type=private
issuercert = $W/state/issuercert.pem
certserial = $W/state/certserial
SWTPM_PKCS11_PIN = 4711
env:SOFTHSM2_CONF = $SOFTHSM2_CONF
EOF
	pair "ek rsa tpm2, pkcs11 key" "$W/localca-p11.conf" ek.cert \
	    --type ek --ek "$MOD" $TPM2
else
	echo "# pkcs11 case skipped"
fi

cl_done
