#!/bin/bash
# Our swtpm_cert against the reference 0.7.1 (/usr/bin/swtpm_cert,
# GnuTLS) for the same inputs: the same CA key, serial and validity give
# the same DER byte for byte (RSA PKCS#1 v1.5 signatures are
# deterministic). The reference runs first; ours then gets its notBefore
# through SWTPM_CERT_TEST_NOW. Where we differ on purpose (serials of
# 2^63 and more, which 0.7.1 encodes as negative numbers; ECDSA CA keys,
# whose signatures are random) everything else is compared on
# `openssl x509 -text`. Skips (77) without the reference.
set -u
. "${top_srcdir:-.}/tests/lib/certlib.sh"
cl_init
REF=${SWTPM_CERT_REF:-/usr/bin/swtpm_cert}
[ -x "$REF" ] || { echo "SKIP: no reference swtpm_cert"; exit 77; }
"$REF" --version 2>/dev/null | grep -q 'version 0\.7\.' ||
    { echo "SKIP: $REF is not 0.7.x"; exit 77; }

cl_make_ca "$W/ca" 2048 || { echo "cannot make a CA"; exit 99; }
cl_make_ca "$W/ca3k" 3072 || { echo "cannot make a CA"; exit 99; }
openssl genrsa -out "$W/ek.key" 2048 2>/dev/null
openssl genrsa -out "$W/ek3k.key" 3072 2>/dev/null
openssl rsa -in "$W/ek.key" -pubout -out "$W/ekpub.pem" 2>/dev/null
for c in P-256 P-384 P-521; do
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:$c \
	    -out "$W/$c.key" 2>/dev/null
done
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes \
    -keyout "$W/ecca.key" -out "$W/ecca.pem" -subj /CN=ecca -days 100 \
    -addext subjectKeyIdentifier=hash 2>/dev/null
MOD=$(cl_rsa_mod "$W/ek.key")
MOD3K=$(cl_rsa_mod "$W/ek3k.key")
read -r X256 Y256 <<<"$(cl_ec_xy "$W/P-256.key" 32)"
read -r X384 Y384 <<<"$(cl_ec_xy "$W/P-384.key" 48)"
read -r X521 Y521 <<<"$(cl_ec_xy "$W/P-521.key" 66)"

CA="--signkey $W/ca/ca.key --issuercert $W/ca/ca.pem"
TPM="--tpm-manufacturer id:00001014 --tpm-model swtpm
    --tpm-version id:20191023"
SPEC2="--tpm-spec-family 2.0 --tpm-spec-level 0 --tpm-spec-revision 164"
SPEC12="--tpm-spec-family 1.2 --tpm-spec-level 2 --tpm-spec-revision 116"
PF="--type platform --platform-manufacturer QEMU --platform-model pc-q35
    --platform-version 7.2"
EK2="--tpm2 $TPM $SPEC2 $CA --serial 2 --days -1"

# notbefore FILE: notBefore of a certificate file in seconds
notbefore()
{
	local d

	d=$(cl_der "$1" | openssl x509 -inform der -noout -startdate |
	    cut -d= -f2)
	date -u -d "$d" +%s
}

# run_pair ARGS...: reference to $W/r, ours to $W/o at the same time;
# returns 1 (after a not-ok line) if either fails
run_pair()
{
	local t

	rm -f "$W/r" "$W/o"
	# FDFILE: open on fd 7 for each run
	exec 7<"${FDFILE:-/dev/null}"
	if ! "$REF" "$@" --out-cert "$W/r" 2>"$W/r.err"; then
		cl_notok "$DESC: reference failed: $(cat "$W/r.err")"
		return 1
	fi
	t=$(notbefore "$W/r")
	exec 7<"${FDFILE:-/dev/null}"
	if ! SWTPM_CERT_TEST_NOW=$t "$SWTPM_CERT" "$@" --out-cert "$W/o" \
	    2>"$W/o.err"; then
		cl_notok "$DESC: ours failed: $(cat "$W/o.err")"
		return 1
	fi
}

# same DESC ARGS...: byte-identical output
same()
{
	DESC=$1
	shift
	run_pair "$@" || return
	if cmp -s "$W/r" "$W/o"; then
		cl_ok "$DESC: identical"
	else
		cl_notok "$DESC: differs"
		diff <(cl_der "$W/r" | openssl asn1parse -inform der -i) \
		    <(cl_der "$W/o" | openssl asn1parse -inform der -i) |
		    head -20
	fi
}

# text FILE: openssl x509 -text without serial and signature values
# (and with KU_FILTER=1 without the key usage value)
text()
{
	cl_der "$1" | openssl x509 -inform der -noout -text |
	    awk -v ku="${KU_FILTER:-0}" '
		ku == 1 && /X509v3 Key Usage:/ { print; getline; next }
		/Serial Number: *$/ { getline; next }
		/Serial Number:/ { next }
		/Signature Value:/ { skip = 1; next }
		skip && /^ +[0-9a-f:]+$/ { next }
		{ skip = 0; print }'
}

# equivalent DESC ARGS...: same certificate apart from serial and
# signature value (both still verify under the CA)
equivalent()
{
	DESC=$1
	shift
	run_pair "$@" || return
	if diff <(text "$W/r") <(text "$W/o") >"$W/diff"; then
		cl_ok "$DESC: equivalent"
	else
		cl_notok "$DESC: differs beyond serial and signature"
		head -20 "$W/diff"
	fi
}

# ---- EK certificates, TPM 2
same "ek rsa2048 tpm2" $EK2 --subject CN=myvm --modulus "$MOD"
same "ek rsa2048 tpm2 allow-signing" $EK2 --subject CN=myvm \
    --modulus "$MOD" --allow-signing
same "ek rsa2048 tpm2 decryption" $EK2 --subject CN=myvm \
    --modulus "$MOD" --decryption
same "ek rsa2048 tpm2 allow-signing decryption" $EK2 --subject CN=myvm \
    --modulus "$MOD" --allow-signing --decryption
same "ek rsa3072 tpm2, RSA-3072 CA" --tpm2 $TPM $SPEC2 \
    --signkey "$W/ca3k/ca.key" --issuercert "$W/ca3k/ca.pem" --serial 3 \
    --days -1 --subject CN=myvm --modulus "$MOD3K"
same "ek rsa exponent 3, 00-prefixed modulus" $EK2 --modulus "00$MOD" \
    --exponent 3
same "ek rsa exponent 0x10001" $EK2 --modulus "$MOD" --exponent 0x10001
same "ek from --pubkey PEM" $EK2 --pubkey "$W/ekpub.pem"
same "ek ecc p384 tpm2" $EK2 --subject CN=myvm --ecc-x "$X384" \
    --ecc-y "$Y384" --ecc-curveid secp384r1
same "ek ecc p384 allow-signing" $EK2 --ecc-x "$X384" --ecc-y "$Y384" \
    --ecc-curveid secp384r1 --allow-signing
same "ek ecc p384 decryption" $EK2 --ecc-x "$X384" --ecc-y "$Y384" \
    --ecc-curveid secp384r1 --decryption
same "ek ecc p384 allow-signing decryption" $EK2 --ecc-x "$X384" \
    --ecc-y "$Y384" --ecc-curveid secp384r1 --allow-signing --decryption
same "ek ecc p256 (default curve)" $EK2 --ecc-x "$X256" --ecc-y "$Y256"
same "ek ecc p256, 00-prefixed x" $EK2 --ecc-x "00$X256" --ecc-y "$Y256" \
    --ecc-curveid secp256r1
same "ek ecc p521" $EK2 --ecc-x "$X521" --ecc-y "$Y521" \
    --ecc-curveid secp521r1

# ---- platform certificates, TPM 2
same "platform rsa tpm2" --tpm2 $TPM $PF $CA --serial 4 --days -1 \
    --subject CN=myvm --modulus "$MOD"
same "platform ecc tpm2" --tpm2 $TPM $PF $CA --serial 4 --days -1 \
    --ecc-x "$X384" --ecc-y "$Y384" --ecc-curveid secp384r1
same "platform rsa tpm2 allow-signing" --tpm2 $TPM $PF $CA --serial 4 \
    --days -1 --modulus "$MOD" --allow-signing

# ---- TPM 1.2: SHA-1, empty subject, two-Name platform SAN, header
same "ek tpm1.2 add-header" $TPM $SPEC12 $CA --serial 5 --days -1 \
    --subject CN=ignored --modulus "$MOD" --add-header
same "ek tpm1.2 no header" $TPM $SPEC12 $CA --serial 5 --days -1 \
    --modulus "$MOD"
same "platform tpm1.2 add-header" $TPM $PF $CA --serial 6 --days -1 \
    --modulus "$MOD" --add-header
same "platform tpm1.2 no header" $TPM $PF $CA --serial 6 --days -1 \
    --modulus "$MOD"
same "ek tpm1.2 allow-signing is ignored" $TPM $SPEC12 $CA --serial 5 \
    --days -1 --modulus "$MOD" --allow-signing
same "ek tpm1.2 ecc key" $TPM $SPEC12 $CA --serial 5 --days -1 \
    --ecc-x "$X256" --ecc-y "$Y256"

# ---- validity, output format
same "days 365 (default)" --tpm2 $TPM $SPEC2 $CA --serial 2 \
    --modulus "$MOD"
same "days 1" $EK2 --days 1 --modulus "$MOD"
same "days 0" $EK2 --days 0 --modulus "$MOD"
same "days 10000 (GeneralizedTime after 2049)" $EK2 --days 10000 \
    --modulus "$MOD"
same "days 2147483647 (capped at 9999)" $EK2 --days 2147483647 \
    --modulus "$MOD"
same "pem tpm2" $EK2 --modulus "$MOD" --pem
same "pem tpm1.2 with add-header (header before PEM)" $TPM $SPEC12 \
    $CA --serial 5 --days -1 --modulus "$MOD" --pem --add-header

# PEM on stdout is the same; 0.7.1 cuts DER on stdout at the first NUL
# byte and drops the header there (ours: whole DER, header as in files)
DESC="PEM on stdout"
"$REF" $EK2 --modulus "$MOD" --pem >"$W/r.stdout" 2>/dev/null
t=$(notbefore "$W/r.stdout")
SWTPM_CERT_TEST_NOW=$t "$SWTPM_CERT" $EK2 --modulus "$MOD" --pem \
    >"$W/o.stdout"
if cmp -s "$W/r.stdout" "$W/o.stdout"; then cl_ok "$DESC"; else
	cl_notok "$DESC"; fi
SWTPM_CERT_TEST_NOW=$t "$SWTPM_CERT" $EK2 --modulus "$MOD" \
    >"$W/o.stdout"
SWTPM_CERT_TEST_NOW=$t "$SWTPM_CERT" $EK2 --modulus "$MOD" \
    --out-cert "$W/o.file"
if cmp -s "$W/o.stdout" "$W/o.file"; then cl_ok "DER on stdout (ours: \
whole)"; else cl_notok "DER on stdout"; fi

# ---- subjects (GnuTLS order and string types)
for s in 'CN=myvm' 'CN=myvm_1_2' 'CN=my\,vm' 'CN=my\+vm' 'CN=a\\b' \
    'C=US,ST=NY,L=NewYork,O=Org,OU=Unit,CN=host' 'CN=a, O=b' ' CN = a ' \
    'CN=a,' 'cn=lower' 'CN=\ a' 'CN=a\=b' 'CN=a;b' 'CN=x(1):y=2?' \
    "CN=it's" 'CN=é' 'C=DE,serialNumber=123,dnQualifier=q' \
    'DC=example,DC=org,UID=u1' 'EMAIL=a@b.c' '2.5.4.3=numeric' \
    'title=t,givenName=g,surName=s,initials=i,pseudonym=p' \
    'STREET=s,postalCode=12,name=n,businessCategory=b' ''; do
	same "subject '$s'" $EK2 --modulus "$MOD" --subject "$s"
done

# ---- serial numbers
for n in 1 127 128 255 256 65535 9223372036854775807; do
	same "serial $n" --tpm2 $TPM $SPEC2 $CA --days -1 --modulus "$MOD" \
	    --serial $n
done
# COMPAT break (provisioning.md §3.2): 0.7.1 encodes these as negative
# INTEGERs; ours are positive. The rest must match.
for n in 9223372036854775808 18446744073709551615; do
	equivalent "serial $n (0.7.1 negative, ours positive)" --tpm2 $TPM \
	    $SPEC2 $CA --days -1 --modulus "$MOD" --serial $n
	got=$(cl_der "$W/o" | openssl x509 -inform der -noout -serial)
	cl_check "serial $n is positive" \
	    "$(python3 -c "print('serial=%X' % $n)")" "$got"
done

# ---- passwords and compatibility options
ENC="--signkey $W/ca/ca-enc.key --issuercert $W/ca/ca.pem"
printf capass >"$W/pw"
EKE="--tpm2 $TPM $SPEC2 $ENC --serial 2 --days -1 --modulus $MOD"
same "--signkey-password" $EKE --signkey-password capass
same "--signkey-pwd plain" $EKE --signkey-pwd capass
same "--signkey-pwd pass:" $EKE --signkey-pwd pass:capass
same "--signkey-pwd file:" $EKE --signkey-pwd "file:$W/pw"
FDFILE=$W/pw same "--signkey-pwd fd:" $EKE --signkey-pwd fd:7
CAPW=capass same "--signkey-pwd env:" $EKE --signkey-pwd env:CAPW
same "--parentkey-pwd (accepted, unused)" $EK2 --modulus "$MOD" \
    --parentkey-pwd x
same "--parentkey-passord (0.7.1 spelling)" $EK2 --modulus "$MOD" \
    --parentkey-passord x
same "single-dash long options" -tpm2 -tpm-manufacturer a -tpm-model b \
    -tpm-version c -tpm-spec-family 2.0 -tpm-spec-level 0 \
    -tpm-spec-revision 164 -signkey "$W/ca/ca.key" \
    -issuercert "$W/ca/ca.pem" -serial 2 -days -1 -modulus "$MOD"
same "a stray word (options file split on spaces)" $EK2 --modulus "$MOD" \
    --tpm-model swtpm stray
same "unambiguous prefixes" --tpm2 --tpm-man a --tpm-mod b --tpm-ver c \
    --tpm-spec-f 2.0 --tpm-spec-l 0 --tpm-spec-r 164 --signkey \
    "$W/ca/ca.key" --iss "$W/ca/ca.pem" --ser 2 --da -1 --mod "$MOD"

# COMPAT break: 0.7.1 gives an EC key from --pubkey the RSA key usage
# (keyEncipherment); ours, as for --ecc-x/y, keyAgreement
openssl pkey -in "$W/P-384.key" -pubout -out "$W/p384pub.pem"
KU_FILTER=1 equivalent "ek from an EC --pubkey (key usage differs)" $EK2 \
    --pubkey "$W/p384pub.pem"
cl_check "ek from an EC --pubkey: keyAgreement" "KeyAgreement" \
    "$(cl_der "$W/o" | openssl x509 -inform der -noout -ext keyUsage |
    tail -1 | tr -d ' ')"

# ---- ECDSA CA: random signatures, everything else equal
equivalent "ek rsa under an ECDSA P-384 CA" --tpm2 $TPM $SPEC2 \
    --signkey "$W/ecca.key" --issuercert "$W/ecca.pem" --serial 2 \
    --days -1 --modulus "$MOD"

# ---- capabilities and version (ours carries our version number)
ver=$("$SWTPM_CERT" --version | sed -n 's/.*version \([0-9.]*\),.*/\1/p')
cl_check "--print-capabilities" \
    "$("$REF" --print-capabilities | sed "s/0\.7\.1/$ver/")" \
    "$("$SWTPM_CERT" --print-capabilities)"
cl_check "--version" "$("$REF" --version | sed "s/0\.7\.1/$ver/")" \
    "$("$SWTPM_CERT" --version)"

# ---- exit codes of errors both reject
for bad in "--serial abc" "--serial 0" "--type foo" "--exponent 0" \
    "--modulus 0g" "--modulus 123" "--tpm-spec-level -1" "--bogus" \
    "--signkey-pwd fd:99" "--signkey-pwd env:NO_SUCH_VAR_X" \
    "--ecc-curveid prime256v1" "--sig x"; do
	"$REF" $EK2 --modulus "$MOD" $bad --out-cert "$W/r" \
	    >/dev/null 2>&1
	r=$?
	"$SWTPM_CERT" $EK2 --modulus "$MOD" $bad --out-cert "$W/o" \
	    >/dev/null 2>&1
	cl_check "exit code for '$bad'" "$r" "$?"
done

cl_done
