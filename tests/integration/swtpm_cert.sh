#!/bin/bash
# swtpm_cert on its own: every EK and platform certificate (TPM 1.2 and
# 2, RSA and ECC, each key usage) verifies with `openssl verify` against
# a local CA chain made like swtpm_localca's (root, intermediate with a
# subject key identifier); the extension values are the bytes the spec
# captured from the reference; bad input is refused with exit 1; the
# output file is 0600 and never followed through a symbolic link.
set -u
. "${top_srcdir:-.}/tests/lib/certlib.sh"
cl_init

cl_make_ca "$W/ca" 3072 || { echo "cannot make a CA"; exit 99; }
openssl genrsa -out "$W/ek.key" 2048 2>/dev/null
MOD=$(cl_rsa_mod "$W/ek.key")
for c in P-256 P-384 P-521; do
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:$c \
	    -out "$W/$c.key" 2>/dev/null
done
read -r X256 Y256 <<<"$(cl_ec_xy "$W/P-256.key" 32)"
read -r X384 Y384 <<<"$(cl_ec_xy "$W/P-384.key" 48)"
read -r X521 Y521 <<<"$(cl_ec_xy "$W/P-521.key" 66)"

TPM="--tpm-manufacturer id:00001014 --tpm-model swtpm
    --tpm-version id:20191023"
CA="--signkey $W/ca/ca-enc.key --signkey-pwd pass:capass
    --issuercert $W/ca/ca.pem"
SPEC2="--tpm-spec-family 2.0 --tpm-spec-level 0 --tpm-spec-revision 164"
SPEC12="--tpm-spec-family 1.2 --tpm-spec-level 2 --tpm-spec-revision 116"
PF="--type platform --platform-manufacturer QEMU --platform-model pc
    --platform-version 7.2"
RSA="--modulus $MOD"
P256="--ecc-x $X256 --ecc-y $Y256"
P384="--ecc-x $X384 --ecc-y $Y384 --ecc-curveid secp384r1"
P521="--ecc-x $X521 --ecc-y $Y521 --ecc-curveid secp521r1"

# ext FILE NAME: hex of an extension's value (the OCTET STRING contents)
ext()
{
	cl_der "$1" | openssl asn1parse -inform der |
	    grep -A2 ":X509v3 $2\$" | sed -n 's/.*HEX DUMP\]://p' | head -1
}

# sigcheck FILE: the signature over the TBSCertificate verifies with the
# CA's key (for the TPM 1.2 platform certificate, whose hand-made SAN
# OpenSSL refuses to parse as a certificate extension)
sigcheck()
{
	local der=$W/sig.der tbslen siglen

	cl_der "$1" >"$der"
	openssl x509 -in "$W/ca/ca.pem" -noout -pubkey >"$W/ca.pub"
	# TBSCertificate: the element at offset 4 (header 4 bytes)
	tbslen=$(openssl asn1parse -inform der -in "$der" |
	    sed -n 's/^ *4:d=1 *hl=4 l= *\([0-9]*\) cons.*/\1/p')
	tail -c +5 "$der" | head -c $((tbslen + 4)) >"$W/tbs"
	# signatureValue: the last BIT STRING, without its unused-bits byte
	siglen=$(openssl asn1parse -inform der -in "$der" | tail -1 |
	    sed -n 's/.* l= *\([0-9]*\) prim: *BIT STRING.*/\1/p')
	tail -c $((siglen - 1)) "$der" >"$W/sig"
	if openssl dgst -sha1 -verify "$W/ca.pub" -signature "$W/sig" \
	    "$W/tbs" >/dev/null 2>&1; then
		cl_ok "$(basename "$1"): signature verifies with the CA key"
	else
		cl_notok "$(basename "$1"): signature verifies with the CA key"
	fi
}

# issue NAME ARGS...: certificate into $W/NAME; checks exit 0 and that
# it verifies under the chain (VERIFY=signature: only its signature)
n=0
issue()
{
	local name=$1 how=${VERIFY:-chain}

	shift
	n=$((n + 1))
	if ! "$SWTPM_CERT" "$@" --serial $n --days -1 \
	    --out-cert "$W/$name" 2>"$W/$name.err"; then
		cl_notok "$name: exit 0"
		cat "$W/$name.err"
		return 1
	fi
	cl_der "$W/$name" | openssl x509 -inform der -out "$W/$name.pem"
	if [ "$how" = signature ]; then
		sigcheck "$W/$name"
		return
	fi
	if openssl verify -CAfile "$W/ca/root.pem" \
	    -untrusted "$W/ca/ca.pem" "$W/$name.pem" >"$W/$name.v" 2>&1
	then
		cl_ok "$name: verifies under the local CA chain"
	else
		cl_notok "$name: verifies under the local CA chain"
		cat "$W/$name.v"
	fi
}

issue ek2-rsa --tpm2 $TPM $SPEC2 $CA $RSA --subject CN=myvm
issue ek2-rsa-sign --tpm2 $TPM $SPEC2 $CA $RSA --allow-signing
issue ek2-rsa-sign-dec --tpm2 $TPM $SPEC2 $CA $RSA --allow-signing \
    --decryption
issue ek2-p256 --tpm2 $TPM $SPEC2 $CA $P256
issue ek2-p384 --tpm2 $TPM $SPEC2 $CA $P384 --subject CN=myvm
issue ek2-p384-sign --tpm2 $TPM $SPEC2 $CA $P384 --allow-signing
issue ek2-p384-sign-dec --tpm2 $TPM $SPEC2 $CA $P384 --allow-signing \
    --decryption
issue ek2-p521 --tpm2 $TPM $SPEC2 $CA $P521
issue pf2-rsa --tpm2 $TPM $PF $CA $RSA --subject CN=myvm
issue pf2-p384 --tpm2 $TPM $PF $CA $P384
issue ek12 $TPM $SPEC12 $CA $RSA --add-header
VERIFY=signature issue pf12 $TPM $PF $CA $RSA --add-header
issue ek2-pem --tpm2 $TPM $SPEC2 $CA $RSA --pem

# key usage by flags and key type (provisioning.md §3.2)
cl_check "KU rsa: keyEncipherment" 03020520 "$(ext "$W/ek2-rsa" 'Key Usage')"
cl_check "KU rsa sign" 03020780 "$(ext "$W/ek2-rsa-sign" 'Key Usage')"
cl_check "KU rsa sign+dec" 030205A0 \
    "$(ext "$W/ek2-rsa-sign-dec" 'Key Usage')"
cl_check "KU ecc: keyAgreement" 03020308 "$(ext "$W/ek2-p384" 'Key Usage')"
cl_check "KU ecc sign" 03020780 "$(ext "$W/ek2-p384-sign" 'Key Usage')"
cl_check "KU ecc sign+agree" 03020388 \
    "$(ext "$W/ek2-p384-sign-dec" 'Key Usage')"
cl_check "KU tpm1.2" 03020520 "$(ext "$W/pf12" 'Key Usage')"
cl_check "KU platform ecc" 03020308 "$(ext "$W/pf2-p384" 'Key Usage')"

# the captured values of the spec
cl_check "EK SAN bytes" "3046A444304231163014060567810502010C0B69643A3030\
3030313031343110300E060567810502020C05737774706D31163014060567810502030C0\
B69643A3230313931303233" "$(ext "$W/ek2-rsa" 'Subject Alternative Name')"
cl_check "SDA bytes (2.0, 0, 164)" \
    3019301706056781050210310E300C0C03322E30020100020200A4 \
    "$(ext "$W/ek2-rsa" 'Subject Directory Attributes')"
cl_check "SDA bytes (1.2, 2, 116)" \
    3018301606056781050210310D300B0C03312E32020102020174 \
    "$(ext "$W/ek12" 'Subject Directory Attributes')"
cl_check "EKU EK" 300706056781050801 "$(ext "$W/ek2-rsa" \
    'Extended Key Usage')"
cl_check "EKU platform" 300706056781050802 "$(ext "$W/pf2-rsa" \
    'Extended Key Usage')"
cl_check "BC" 3000 "$(ext "$W/ek2-rsa" 'Basic Constraints')"
san12=$(ext "$W/pf12" 'Subject Alternative Name')
cl_check "TPM 1.2 platform SAN: SEQ { [4] { SEQ { Name, Name } } }" \
    "$(printf '%s' 307AA4783076 3042 \
    3116301406056781050201 0C0B69643A3030303031303134 \
    3110300E06056781050202 0C05737774706D \
    3116301406056781050203 0C0B69643A3230313931303233 \
    3030 310F300D06056781050204 0C0451454D55 \
    310D300B06056781050205 0C027063 \
    310E300C06056781050206 0C03372E32)" "$san12"
ski=$(openssl x509 -in "$W/ca/ca.pem" -noout -ext subjectKeyIdentifier |
    tail -1 | tr -d ' :')
cl_check "AKI = the issuer's SKI" "30168014$ski" \
    "$(ext "$W/ek2-rsa" 'Authority Key Identifier')"
for c in ek2-rsa ek2-p384 pf2-rsa ek12 pf12; do
	crit=$(cl_der "$W/$c" | openssl x509 -inform der -noout -text |
	    grep -cE 'X509v3 (Subject Alternative Name|Basic Constraints|Key Usage): critical')
	cl_check "$c: SAN, BC and KU critical" 3 "$crit"
done

# TPM 1.2: header, SHA-1, empty subject; TPM 2: SHA-256, subject
hdr=$(head -c 7 "$W/ek12" | od -An -tx1 | tr -d ' \n')
len=$(( $(stat -c %s "$W/ek12") - 7 + 2 ))
cl_check "TPM 1.2 header" "$(printf '10010%05x1002' $len)" "$hdr"
cl_check "TPM 1.2 signature" sha1WithRSAEncryption \
    "$(openssl x509 -in "$W/ek12.pem" -noout -text |
    sed -n 's/ *Signature Algorithm: //p' | head -1)"
cl_check "TPM 1.2 subject empty" "subject=" \
    "$(openssl x509 -in "$W/ek12.pem" -noout -subject)"
cl_check "TPM 2 signature" sha256WithRSAEncryption \
    "$(openssl x509 -in "$W/ek2-rsa.pem" -noout -text |
    sed -n 's/ *Signature Algorithm: //p' | head -1)"
cl_check "TPM 2 subject" "subject=CN = myvm" \
    "$(openssl x509 -in "$W/ek2-rsa.pem" -noout -subject)"
cl_check "no expiry" "notAfter=Dec 31 23:59:59 9999 GMT" \
    "$(openssl x509 -in "$W/ek2-rsa.pem" -noout -enddate)"
cl_check "ECC SPKI" "$(openssl pkey -in "$W/P-384.key" -pubout)" \
    "$(openssl x509 -in "$W/ek2-p384.pem" -noout -pubkey)"
cl_check "PEM output" "$(cat "$W/ek2-pem")" "$(cat "$W/ek2-pem.pem")"
cl_check "output file mode" 600 "$(stat -c %a "$W/ek2-rsa")"
SWTPM_CERT_TEST_NOW=1700000000 "$SWTPM_CERT" --tpm2 $TPM $SPEC2 $CA $RSA \
    --days 30 --out-cert "$W/d30" 2>/dev/null
cl_check "--days 30 from SWTPM_CERT_TEST_NOW" \
    "notBefore=Nov 14 22:13:20 2023 GMT
notAfter=Dec 14 22:13:20 2023 GMT" \
    "$(openssl x509 -inform der -in "$W/d30" -noout -dates)"
cl_check "serial of 20 bytes" \
    "serial=7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF" \
    "$("$SWTPM_CERT" --tpm2 $TPM $SPEC2 $CA $RSA --pem \
    --serial 730750818665451459101842416358141509827966271487 |
    openssl x509 -noout -serial)"

# refused input: exit 1 and nothing written
GOOD="--tpm2 $TPM $SPEC2 $CA $RSA"
refuse()
{
	local desc=$1

	shift
	rm -f "$W/bad"
	"$SWTPM_CERT" "$@" --out-cert "$W/bad" >/dev/null 2>"$W/bad.err"
	local rc=$?
	if [ $rc = 1 ] && ! [ -e "$W/bad" ]; then
		cl_ok "refused: $desc"
	else
		cl_notok "refused: $desc (exit $rc)"
	fi
}
refuse "odd hex" $GOOD --modulus 123
refuse "bad hex" $GOOD --modulus 12zz
refuse "empty modulus" $GOOD --modulus ''
refuse "zero modulus" $GOOD --modulus 0000
refuse "modulus over 16384 bits" $GOOD --modulus "$(printf 'ab%.0s' \
    $(seq 2049))"
refuse "huge hex" $GOOD --modulus "$(head -c 100000 /dev/zero | tr '\0' 1)"
refuse "exponent 0" $GOOD --exponent 0
refuse "exponent 2^32" $GOOD --exponent 4294967296
refuse "exponent text" $GOOD --exponent 12abc
refuse "rsa and ecc" $GOOD $P256
refuse "x without y" --tpm2 $TPM $SPEC2 $CA --ecc-x "$X256"
refuse "point not on curve" --tpm2 $TPM $SPEC2 $CA --ecc-x "$X256" \
    --ecc-y "$X256"
refuse "p384 point as p256" --tpm2 $TPM $SPEC2 $CA --ecc-x "$X384" \
    --ecc-y "$Y384"
refuse "unknown curve" --tpm2 $TPM $SPEC2 $CA $P256 --ecc-curveid P-256
refuse "no key" --tpm2 $TPM $SPEC2 $CA
refuse "no issuer" --tpm2 $TPM $SPEC2 $RSA --signkey "$W/ca/ca.key"
refuse "no signkey" --tpm2 $TPM $SPEC2 $RSA --issuercert "$W/ca/ca.pem"
refuse "no tpm model" --tpm2 $SPEC2 $CA $RSA --tpm-manufacturer a \
    --tpm-version c
refuse "no spec for ek" --tpm2 $TPM $CA $RSA
refuse "no platform data" --tpm2 $TPM $CA $RSA --type platform
refuse "unknown type" $GOOD --type aik
refuse "spec level -1" $GOOD --tpm-spec-level -1
refuse "spec revision 2^32" $GOOD --tpm-spec-revision 4294967296
refuse "serial 0" $GOOD --serial 0
refuse "serial -1" $GOOD --serial -1
refuse "serial 2^159" $GOOD \
    --serial 730750818665451459101842416358141509827966271488
refuse "serial hex" $GOOD --serial 0x10
refuse "days -2" $GOOD --days -2
refuse "days text" $GOOD --days abc
refuse "subject multi-valued" $GOOD --subject 'CN=a+O=b'
refuse "subject unknown type" $GOOD --subject 'foo=bar'
refuse "subject empty value" $GOOD --subject 'CN='
refuse "subject ,," $GOOD --subject 'CN=a,,O=b'
refuse "subject bad escape" $GOOD --subject 'CN=a\q'
refuse "subject trailing backslash" $GOOD --subject 'CN=a\'
refuse "subject #hex" $GOOD --subject 'CN=#0c0161'
refuse "subject C not printable" $GOOD --subject 'C=U_'
refuse "subject bad UTF-8" $GOOD --subject "$(printf 'CN=\xff')"
refuse "wrong key password" --tpm2 $TPM $SPEC2 $RSA \
    --signkey "$W/ca/ca-enc.key" --signkey-pwd pass:wrong \
    --issuercert "$W/ca/ca.pem"
refuse "encrypted key, no password" --tpm2 $TPM $SPEC2 $RSA \
    --signkey "$W/ca/ca-enc.key" --issuercert "$W/ca/ca.pem"
refuse "key of another CA" --tpm2 $TPM $SPEC2 $RSA \
    --signkey "$W/ca/root.key" --issuercert "$W/ca/ca.pem"
refuse "issuer without SKI" --tpm2 $TPM $SPEC2 $RSA \
    --signkey "$W/ek.key" --issuercert <(openssl req -x509 -key \
    "$W/ek.key" -subj /CN=x -days 1 -addext subjectKeyIdentifier=none \
    2>/dev/null)
refuse "missing signkey file" $GOOD --signkey "$W/nonexistent"
refuse "password fd not open" $GOOD --signkey-pwd fd:99
refuse "password file missing" $GOOD --signkey-pwd "file:$W/nonexistent"
refuse "parentkey-pwd env unset" $GOOD --parentkey-pwd env:NO_SUCH_VAR_X
refuse "unknown option" $GOOD --bogus
refuse "ambiguous option" $GOOD --sig x
"$SWTPM_CERT" $GOOD stray --out-cert "$W/stray" 2>"$W/stray.err"
cl_check "stray argument: ignored as by 0.7.1, with a warning" "0 1" \
    "$? $(grep -c "ignoring argument 'stray'" "$W/stray.err")"
ln -s "$W/target" "$W/link"
"$SWTPM_CERT" $GOOD --out-cert "$W/link" 2>/dev/null
cl_check "no writing through a symbolic link" "1 no" \
    "$? $([ -e "$W/target" ] && echo yes || echo no)"
SWTPM_CERT_TEST_NOW=abc "$SWTPM_CERT" $GOOD --out-cert "$W/x" 2>/dev/null
cl_check "bad SWTPM_CERT_TEST_NOW" 1 $?

# passwords: a newline in a file belongs to the password
printf 'capass\n' >"$W/pwnl"
refuse "password file with newline" --tpm2 $TPM $SPEC2 $RSA \
    --signkey "$W/ca/ca-enc.key" --signkey-pwd "file:$W/pwnl" \
    --issuercert "$W/ca/ca.pem"

# capabilities, version, help
caps=$("$SWTPM_CERT" --print-capabilities --bogus)
cl_check "--print-capabilities exits first" 0 $?
echo "$caps" | python3 -m json.tool >/dev/null 2>&1
cl_check "capabilities are JSON" 0 $?
cl_check "capabilities" '{ "type": "swtpm_cert", "features": [ "cmdarg-signkey-pwd", "cmdarg-parentkey-pwd" ], "version": "'"$("$SWTPM_CERT" --version | sed -n 's/.*version \([0-9.]*\),.*/\1/p')"'" }' "$caps"
"$SWTPM_CERT" --help | grep -q -- '--signkey-pwd'
cl_check "--help" 0 $?
"$SWTPM_CERT" -version | grep -q '^TPM certificate tool version'
cl_check "-version (one dash)" 0 $?

cl_done
