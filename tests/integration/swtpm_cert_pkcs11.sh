#!/bin/bash
# swtpm_cert with the CA key on a PKCS#11 token (SoftHSM2 through the
# OpenSSL pkcs11 engine and p11-kit's proxy): the certificate is the
# same, byte for byte, as with the key in a PEM file, and as the
# reference's (GnuTLS, p11-kit) when /usr/bin/swtpm_cert is there; PIN
# from SWTPM_PKCS11_PIN or pin-value; a missing or wrong PIN or key is
# an error at once (never a prompt). Skips (77) without softhsm2, the
# engine (libengine-pkcs11-openssl) or a build with pkcs11 support.
set -u
. "${top_srcdir:-.}/tests/lib/certlib.sh"
cl_init
cl_pkcs11_ok || { echo "SKIP"; exit 77; }

LABEL=swtpm-test-$$
cl_make_ca "$W/ca" 2048 || { echo "cannot make a CA"; exit 99; }
cl_softhsm "$LABEL" 1234 "$W/ca/ca.key" ||
    { echo "cannot set up the token"; exit 99; }
URI="pkcs11:token=$LABEL;object=ca;type=private"

openssl genrsa -out "$W/ek.key" 2048 2>/dev/null
MOD=$(cl_rsa_mod "$W/ek.key")
NOW=1767323045
EK="--tpm2 --tpm-manufacturer id:00001014 --tpm-model swtpm
    --tpm-version id:20191023 --tpm-spec-family 2.0 --tpm-spec-level 0
    --tpm-spec-revision 164 --subject CN=myvm --serial 2 --days -1
    --modulus $MOD --issuercert $W/ca/ca.pem"
export SWTPM_CERT_TEST_NOW=$NOW

# ours CASE ARGS...: run ours without a terminal; output in $W/CASE
ours()
{
	local c=$1

	shift
	timeout 30 setsid "$SWTPM_CERT" "$@" --out-cert "$W/$c" \
	    </dev/null >"$W/$c.out" 2>&1
}

ours pem $EK --signkey "$W/ca/ca.key"
cl_check "PEM key" 0 $?
SWTPM_PKCS11_PIN=1234 ours p11 $EK --signkey "$URI"
cl_check "pkcs11 key, PIN from SWTPM_PKCS11_PIN" 0 $?
cmp -s "$W/pem" "$W/p11" && cl_ok "pkcs11 and PEM key: identical" ||
    cl_notok "pkcs11 and PEM key: identical"
openssl verify -CAfile "$W/ca/root.pem" -untrusted "$W/ca/ca.pem" \
    <(openssl x509 -inform der -in "$W/p11") >/dev/null 2>&1
cl_check "pkcs11-signed certificate verifies" 0 $?

ours pinv $EK --signkey "$URI;pin-value=1234"
cl_check "PIN as pin-value in the URI" 0 $?
cmp -s "$W/pem" "$W/pinv" && cl_ok "pin-value: identical" ||
    cl_notok "pin-value: identical"

SWTPM_PKCS11_PIN=1234 ours tpm12 --tpm-manufacturer a --tpm-model b \
    --tpm-version c --type platform --platform-manufacturer p \
    --platform-model q --platform-version r --serial 3 --days -1 \
    --modulus "$MOD" --issuercert "$W/ca/ca.pem" --signkey "$URI" \
    --add-header
cl_check "TPM 1.2 platform certificate (SHA-1) with a pkcs11 key" 0 $?

ours nopin $EK --signkey "$URI"
cl_check "no PIN: error, no prompt" 1 $?
SWTPM_PKCS11_PIN=4321 ours badpin $EK --signkey "$URI"
cl_check "wrong PIN: error" 1 $?
SWTPM_PKCS11_PIN=1234 ours nokey $EK \
    --signkey "pkcs11:token=$LABEL;object=nosuchkey;type=private"
cl_check "no such key: error" 1 $?
SWTPM_PKCS11_PIN=1234 ours wrongca $EK --signkey "$URI" \
    --issuercert "$W/ca/root.pem"
cl_check "key of another CA: error" 1 $?
grep -q 'does not belong' "$W/wrongca.out" &&
    cl_ok "key of another CA: message" ||
    cl_notok "key of another CA: message"

# the system OpenSSL configuration is honoured: an engine section there
# names the module directly and gives the PIN
MODULE=
for m in /usr/lib/softhsm/libsofthsm2.so \
    $(sed -n 's/^module: *//p' /usr/share/p11-kit/modules/softhsm2.module \
    2>/dev/null); do
	[ -f "$m" ] && MODULE=$m && break
done
if [ -n "$MODULE" ]; then
	cat >"$W/openssl.cnf" <<EOC
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
MODULE_PATH = $MODULE
PIN = 1234
init = 0
EOC
	OPENSSL_CONF=$W/openssl.cnf ours conf $EK --signkey "$URI"
	cl_check "engine and PIN from OPENSSL_CONF" 0 $?
	cmp -s "$W/pem" "$W/conf" && cl_ok "OPENSSL_CONF: identical" ||
	    cl_notok "OPENSSL_CONF: identical"
else
	echo "# softhsm2 module not found: OPENSSL_CONF case skipped"
fi

# the reference through GnuTLS and p11-kit: same bytes (never with a
# wrong PIN: 0.7.1 asks for it again forever)
REF=${SWTPM_CERT_REF:-/usr/bin/swtpm_cert}
if [ -x "$REF" ] && "$REF" --version 2>/dev/null | grep -q 'version 0\.7\.'
then
	SWTPM_PKCS11_PIN=1234 timeout 30 "$REF" $EK --signkey "$URI" \
	    --out-cert "$W/ref" </dev/null
	cl_check "reference with the pkcs11 key" 0 $?
	t=$(date -u -d "$(openssl x509 -inform der -in "$W/ref" -noout \
	    -startdate | cut -d= -f2)" +%s)
	SWTPM_CERT_TEST_NOW=$t SWTPM_PKCS11_PIN=1234 ours p11ref $EK \
	    --signkey "$URI"
	cmp -s "$W/ref" "$W/p11ref" && cl_ok "pkcs11: identical to the \
reference" || cl_notok "pkcs11: identical to the reference"
else
	echo "# no reference swtpm_cert 0.7.x: comparison skipped"
fi

cl_done
