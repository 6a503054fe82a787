#!/bin/bash
# swtpm_localca with our swtpm_cert (provisioning.md §2): a new CA on
# first use (structure as 0.7.1's: RSA-3072 root and intermediate, CA
# extensions, no expiry, key modes), EK certificates (RSA and P-384,
# TPM 2 and 1.2) and platform certificates that verify under it, the
# serial counter (a random 19-digit start below 2^63, +1 per
# certificate, beyond 64 bits; 0.7.1's counter file continues), the messages, the
# swtpm_cert command line (a stand-in swtpm_cert records it: order,
# vmid, options file, --allow-signing, passwords through fd:, the
# pkcs11 PIN and env: lines), ${VAR} in the config, encrypted CA keys,
# --logfile, and failures of swtpm_cert. Skips (77) without the tools.
set -u
. "${top_srcdir:-.}/tests/lib/localcalib.sh"
lc_init

S=$W/state
lc_conf "$W/ca.conf" "$S"
mkdir -p "$W/out"

# ---------------------------------------------------------------- a new CA
if lc_run "$W/ca.conf" "$W/out" "${TPM2_EK[@]}" --ek "$MOD" --vmid 'vm,1+2'
then
	cl_ok "first run: exit 0"
else
	cl_notok "first run: exit 0"
	cat "$W/lc.out"
fi
cl_check "first run: messages" "Creating swtpm-localca dir '$S'.
Creating root CA and a local CA's signing key and issuer cert.
Successfully created EK certificate locally." "$(cat "$W/lc.out")"
cl_check "CA files" ".lock.swtpm-localca certserial issuercert.pem
signkey.pem swtpm-localca-rootca-cert.pem swtpm-localca-rootca-privkey.pem" \
    "$(cd "$S" && ls -A | tr '\n' ' ' | sed 's/ $//' |
    sed 's/issuercert.pem /issuercert.pem\n/')"
cl_check "modes: keys 0640, certificates 0644, dir 0750" \
    "640 640 644 644 750" "$(stat -c %a "$S/signkey.pem" \
    "$S/swtpm-localca-rootca-privkey.pem" "$S/issuercert.pem" \
    "$S/swtpm-localca-rootca-cert.pem" "$S" | tr '\n' ' ' | sed 's/ $//')"
cl_check "keys unencrypted without passwords" "-----BEGIN PRIVATE KEY-----" \
    "$(head -1 "$S/signkey.pem")"

# catext CERT: the parts of `openssl x509 -text` that must not vary
catext()
{
	openssl x509 -in "$1" -noout -text |
	    sed -n -e 's/^ *//' -e '/^Signature Algorithm:/p' \
	    -e '/^Issuer:/p' -e '/^Not After/p' -e '/^Subject:/p' \
	    -e '/^Public-Key:/p' \
	    -e '/^X509v3 [A-Z]/{N;s/\n */ /;s/  */ /g;s/ [0-9A-F:]\{59\}$/ <id>/;p}' |
	    sort -u
}
cl_check "root CA (openssl x509 -text)" "Issuer: CN = swtpm-localca-rootca
Not After : Dec 31 23:59:59 9999 GMT
Public-Key: (3072 bit)
Signature Algorithm: sha256WithRSAEncryption
Subject: CN = swtpm-localca-rootca
X509v3 Basic Constraints: critical CA:TRUE
X509v3 Key Usage: critical Certificate Sign
X509v3 Subject Key Identifier: <id>" "$(catext "$S/swtpm-localca-rootca-cert.pem")"
cl_check "intermediate CA (openssl x509 -text)" "Issuer: CN = swtpm-localca-rootca
Not After : Dec 31 23:59:59 9999 GMT
Public-Key: (3072 bit)
Signature Algorithm: sha256WithRSAEncryption
Subject: CN = swtpm-localca
X509v3 Authority Key Identifier: <id>
X509v3 Basic Constraints: critical CA:TRUE
X509v3 Key Usage: critical Certificate Sign
X509v3 Subject Key Identifier: <id>" "$(catext "$S/issuercert.pem")"
cl_check "AKI of the intermediate = SKI of the root" \
    "$(openssl x509 -in "$S/swtpm-localca-rootca-cert.pem" -noout \
    -ext subjectKeyIdentifier | tail -1)" \
    "$(openssl x509 -in "$S/issuercert.pem" -noout \
    -ext authorityKeyIdentifier | tail -1 | sed 's/keyid://')"
for f in swtpm-localca-rootca-cert.pem issuercert.pem; do
	sn=$(openssl x509 -in "$S/$f" -noout -serial | cut -d= -f2)
	if [ ${#sn} = 40 ] && [[ $sn =~ ^[0-7] ]]; then
		cl_ok "$f: a positive 20-byte serial"
	else
		cl_notok "$f: a positive 20-byte serial ($sn)"
	fi
done
if openssl verify -CAfile "$S/swtpm-localca-rootca-cert.pem" \
    "$S/issuercert.pem" >/dev/null 2>&1; then
	cl_ok "the intermediate verifies under the root"
else
	cl_notok "the intermediate verifies under the root"
fi
cl_check "signing key belongs to the issuer certificate" \
    "$(openssl x509 -in "$S/issuercert.pem" -noout -pubkey)" \
    "$(lc_pub "$S/signkey.pem")"
cl_check "certificate mode 0600, no temporary files" "600 " \
    "$(stat -c %a "$W/out/ek.cert") $(lc_temps "$S"; lc_temps "$W/out")"
cl_check "subject from --vmid (',' and '+' become '_')" \
    "subject=CN = vm_1_2" \
    "$(openssl x509 -inform der -in "$W/out/ek.cert" -noout -subject)"

# ---------------------------------------------------------------- serials
first=$(lc_serial "$W/out/ek.cert")
# random_start N: N is a random start, 19 digits below 2^63 - 2^32 + 1
random_start()
{
	[[ $1 =~ ^[1-9][0-9]{18}$ ]] && [ "$(python3 -c \
	    "print($1 <= 2**63 - 2**32 + 1)")" = True ]
}
if random_start "$first"; then
	cl_ok "first serial: a random 19-digit number below 2^63 ($first)"
else
	cl_notok "first serial: a random 19-digit number below 2^63 ($first)"
fi
cl_check "counter file holds the serial used" "$first" "$(cat "$S/certserial")"

# each kind, each verifying; serials +1 each
prev=$first
kind()
{
	local desc=$1 file=$2

	shift 2
	rm -f "$W/out/$file"
	if ! lc_run "$W/ca.conf" "$W/out" "$@"; then
		cl_notok "$desc: exit 0"
		cat "$W/lc.out"
		return
	fi
	if [ "${VERIFY:-chain}" = chain ]; then
		if lc_verify "$W/out/$file" "$S"; then
			cl_ok "$desc: verifies under the local CA"
		else
			cl_notok "$desc: verifies under the local CA"
		fi
	fi
	want=$(python3 -c "print($prev + 1)")
	cl_check "$desc: serial is the previous + 1" "$want" \
	    "$(lc_serial "$W/out/$file")"
	prev=$want
}
kind "TPM 2 EK RSA" ek.cert "${TPM2_EK[@]}" --ek "$MOD"
kind "TPM 2 EK P-384" ek.cert "${TPM2_EK[@]}" \
    --ek "x=$ECX,y=$ECY,id=secp384r1"
cl_check "TPM 2 EK P-384: key" "ASN1 OID: secp384r1" \
    "$(openssl x509 -inform der -in "$W/out/ek.cert" -noout -text |
    grep -o 'ASN1 OID: secp384r1')"
kind "TPM 2 EK RSA, signing" ek.cert "${TPM2_EK[@]}" --ek "$MOD" \
    --allow-signing --decryption
cl_check "signing EK: key usage" \
    "Digital Signature, Key Encipherment" \
    "$(openssl x509 -inform der -in "$W/out/ek.cert" -noout \
    -ext keyUsage | tail -1 | sed 's/^ *//')"
kind "TPM 2 platform" platform.cert "${TPM2_PF[@]}" --ek "$MOD"
kind "TPM 1.2 EK" ek.cert "${TPM12_EK[@]}" --ek "$MOD"
cl_check "TPM 1.2 EK: NV header, SHA-1" "1001 sha1WithRSAEncryption" \
    "$(head -c 2 "$W/out/ek.cert" | od -An -tx1 | tr -d ' \n') $(cl_der \
    "$W/out/ek.cert" | openssl x509 -inform der -noout -text |
    sed -n 's/^ *Signature Algorithm: //p' | head -1)"
# OpenSSL cannot parse the TPM 1.2 platform SAN (0.7.1's layout)
VERIFY=signature kind "TPM 1.2 platform" platform.cert "${TPM12_PF[@]}" \
    --ek "$MOD"
if cl_der "$W/out/platform.cert" | openssl x509 -inform der -noout \
    -pubkey >/dev/null 2>&1 && openssl x509 -in "$S/issuercert.pem" \
    -noout -pubkey >"$W/ca.pub" && python3 - "$W/out/platform.cert" \
    "$W/tbs" "$W/sig" <<'EOF'
import sys
d = open(sys.argv[1], 'rb').read()[7:]
def tl(b, o):
    l = b[o + 1]
    if l < 0x80:
        return o + 2, l
    n = l & 0x7f
    return o + 2 + n, int.from_bytes(b[o + 2:o + 2 + n], 'big')
o, _ = tl(d, 0)
to, tlen = tl(d, o)
open(sys.argv[2], 'wb').write(d[o:to + tlen])
ao, alen = tl(d, to + tlen)
so, slen = tl(d, ao + alen)
open(sys.argv[3], 'wb').write(d[so + 1:so + slen])
EOF
then
	if openssl dgst -sha1 -verify "$W/ca.pub" -signature "$W/sig" \
	    "$W/tbs" >/dev/null 2>&1; then
		cl_ok "TPM 1.2 platform: signature verifies with the issuer key"
	else
		cl_notok "TPM 1.2 platform: signature verifies with the issuer key"
	fi
else
	cl_notok "TPM 1.2 platform: certificate parsed"
fi

# 0.7.1's counter file continues; numbers beyond 64 bits are fine
printf 1 >"$S/certserial"
lc_run "$W/ca.conf" "$W/out" "${TPM2_EK[@]}" --ek "$MOD"
cl_check "0.7.1's counter '1': the next serial is 2" 2 \
    "$(lc_serial "$W/out/ek.cert")"
printf 18446744073709551615 >"$S/certserial"
lc_run "$W/ca.conf" "$W/out" "${TPM2_EK[@]}" --ek "$MOD"
cl_check "serial 2^64" 18446744073709551616 "$(lc_serial "$W/out/ek.cert")"
printf 'garbage' >"$S/certserial"
lc_run "$W/ca.conf" "$W/out" "${TPM2_EK[@]}" --ek "$MOD"
s=$(lc_serial "$W/out/ek.cert")
if random_start "$s" && [ "$(cat "$S/certserial")" = "$s" ]; then
	cl_ok "unparsable counter: a random restart"
else
	cl_notok "unparsable counter: a random restart ($s)"
fi

# ---------------------------------------------------------------- messages
if lc_run "$W/ca.conf" "$W/out" "${TPM2_EK[@]}" --ek "$MOD" \
    --logfile "$W/log"; then
	cl_check "--logfile: nothing on stdout or stderr" "" "$(cat "$W/lc.out")"
	cl_check "--logfile: the message appended" \
	    "Successfully created EK certificate locally." "$(cat "$W/log")"
else
	cl_notok "--logfile run"
fi
ln -s "$W/log" "$W/loglink"
lc_run "$W/ca.conf" "$W/out" "${TPM2_EK[@]}" --ek "$MOD" \
    --logfile "$W/loglink"
cl_check "--logfile symlink: refused" "1 Logfile must not be a symlink." \
    "$? $(cat "$W/lc.out")"
"$SWTPM_LOCALCA" --help >"$W/help" 2>&1
cl_check "--help: exit 0" "0 yes" "$? $(grep -q -- --allow-signing \
    "$W/help" && echo yes)"
"$SWTPM_LOCALCA" --no-such-option >/dev/null 2>&1
cl_check "unknown option: exit 1" 1 "$?"
lc_run "$W/ca.conf" "$W/out" --type iak --ek "$MOD"
cl_check "unknown --type: exit 1" 1 "$?"

# swtpm_cert missing, failing, or killed: exit 1, no certificate, no serial
n=$(cat "$S/certserial")
rm -f "$W/out/ek.cert"
PATH=/nonexistent lc_run "$W/ca.conf" "$W/out" "${TPM2_EK[@]}" --ek "$MOD"
cl_check "no swtpm_cert in PATH" "1 Could not find swtpm_cert in PATH." \
    "$? $(cat "$W/lc.out")"
cl_check "no swtpm_cert: no serial used" "$n" "$(cat "$S/certserial")"
mkdir -p "$W/failbin"
printf '#!/bin/sh\necho "swtpm_cert: boom" >&2\nexit 1\n' \
    >"$W/failbin/swtpm_cert"
chmod 755 "$W/failbin/swtpm_cert"
rm -f "$W/out/"*
PATH=$W/failbin:$PATH lc_run "$W/ca.conf" "$W/out" "${TPM2_PF[@]}" \
    --ek "$MOD"
cl_check "swtpm_cert fails: its stderr after the reference's line" \
    "1 Could not create platform certificate locally
swtpm_cert: boom" "$? $(cat "$W/lc.out")"
cl_check "swtpm_cert fails: nothing left in --dir" "" \
    "$(ls -A "$W/out")"
# a swtpm_cert that writes half a file and dies
printf '#!/bin/sh\nwhile [ $# -gt 1 ]; do [ "$1" = --out-cert ] && o=$2; shift; done\nprintf half >"$o"\nkill -9 $$\n' \
    >"$W/failbin/swtpm_cert"
PATH=$W/failbin:$PATH lc_run "$W/ca.conf" "$W/out" "${TPM2_EK[@]}" \
    --ek "$MOD"
cl_check "swtpm_cert killed: exit 1, nothing left in --dir" "1 " \
    "$? $(ls -A "$W/out")"
n=$(cat "$S/certserial")
lc_run "$W/ca.conf" "$W/nodir" "${TPM2_EK[@]}" --ek "$MOD"
cl_check "--dir missing: exit 1, no serial used" "1 $n" \
    "$? $(cat "$S/certserial")"

# ---------------------------------------------------------------- argv
# a stand-in swtpm_cert records its arguments, the password it reads
# from fd:N, and the pkcs11 environment
mkdir -p "$W/recbin"
cat >"$W/recbin/swtpm_cert" <<EOF
#!/bin/bash
: >"$W/argv"
for a in "\$@"; do
	case \$a in
	fd:*) echo "fd:<\$(cat <&\${a#fd:})>" >>"$W/argv" ;;
	*) echo "\$a" >>"$W/argv" ;;
	esac
done
echo "PIN=\${SWTPM_PKCS11_PIN:-} A=\${LC_TEST_A:-} B=\${LC_TEST_B:-}" \
    >"$W/env"
while [ \$# -gt 1 ]; do [ "\$1" = --out-cert ] && o=\$2; shift; done
printf cert >"\$o"
EOF
chmod 755 "$W/recbin/swtpm_cert"
# argv FILE: the recorded arguments on one line, serial and paths elided
argv()
{
	tr '\n' ' ' <"$W/argv" | sed -e 's/ $//' \
	    -e "s|$W|W|g" -e 's|--serial [0-9]*|--serial N|' \
	    -e 's|\(--out-cert W/out/[a-z]*\.cert\)\.[A-Za-z0-9]\{6\}|\1.tmp|'
}
printf '  --platform-manufacturer   Debian \n\n--platform-model QEMU\t\n' \
    >"$W/opts2"
recrun()
{
	PATH=$W/recbin:$PATH "$SWTPM_LOCALCA" --optsfile "$W/opts2" \
	    --dir "$W/out" "$@" >"$W/lc.out" 2>&1
}
lc_conf "$W/pw.conf" "$S" "signingkey_password = sign pw"
recrun --configfile "$W/pw.conf" "${TPM2_EK[@]}" --ek "$MOD" \
    --allow-signing --decryption --vmid 'a\+b+c'
cl_check "argv: TPM 2 EK (0.7.1's order, password through fd:)" \
    "--subject CN=a\\+b_c --platform-manufacturer Debian --platform-model QEMU --tpm2 --allow-signing --decryption --signkey-pwd fd:<sign pw> --tpm-spec-family 2.0 --tpm-spec-level 0 --tpm-spec-revision 164 --tpm-manufacturer id:00001014 --tpm-model swtpm --tpm-version id:20191023 --out-cert W/out/ek.cert.tmp --modulus $MOD --signkey W/state/signkey.pem --issuercert W/state/issuercert.pem --days -1 --serial N" \
    "$(argv)"
cl_check "argv: the certificate renamed into place" "cert" \
    "$(cat "$W/out/ek.cert")"
recrun --configfile "$W/ca.conf" "${TPM12_PF[@]}" --ek "x=$ECX,y=$ECY" \
    --allow-signing
cl_check "argv: TPM 1.2 platform, EC key without id, no --allow-signing" \
    "--subject CN=unknown --platform-manufacturer Debian --platform-model QEMU --add-header --tpm-manufacturer id:00001014 --tpm-model swtpm --tpm-version id:20191023 --type platform --out-cert W/out/platform.cert.tmp --ecc-x $ECX --ecc-y $ECY --signkey W/state/signkey.pem --issuercert W/state/issuercert.pem --days -1 --serial N" \
    "$(argv)"
cat >"$W/p11.conf" <<EOF
statedir = $S
signingkey = pkcs11:token=t\\;object=ca\\;type=private
issuercert = $S/issuercert.pem
SWTPM_PKCS11_PIN = 4711
env:LC_TEST_A = a value # not a comment
env:LC_TEST_B=b
env:1BAD = x
EOF
recrun --configfile "$W/p11.conf" "${TPM2_EK[@]}" --ek "$MOD"
cl_check "pkcs11: '\\;' unescaped" \
    "--signkey pkcs11:token=t;object=ca;type=private" \
    "$(grep -o -- '--signkey pkcs11:[^ ]*' <<<"$(argv)")"
cl_check "pkcs11: PIN and env: lines" \
    "PIN=4711 A=a value # not a comment B=b" "$(cat "$W/env")"
cl_check "pkcs11: message" "CA uses a PKCS#11 key; using SWTPM_PKCS11_PIN
Successfully created EK certificate locally." "$(cat "$W/lc.out")"
sed -i '/SWTPM_PKCS11_PIN/d' "$W/p11.conf"
recrun --configfile "$W/p11.conf" "${TPM2_EK[@]}" --ek "$MOD"
cl_check "pkcs11: default PIN" "PIN=swtpm-tpmca" "$(cut -d' ' -f1 "$W/env")"
echo "signingkey_password = pw" >>"$W/p11.conf"
recrun --configfile "$W/p11.conf" "${TPM2_EK[@]}" --ek "$MOD"
cl_check "pkcs11: signingkey_password is the PIN" "PIN=pw" \
    "$(cut -d' ' -f1 "$W/env")"
cl_check "pkcs11: no CA created" "no" \
    "$(grep -q 'Creating root CA' "$W/lc.out" && echo yes || echo no)"

# ${VAR} in the config (HEAD), an unset one is empty
mkdir -p "$W/var"
cat >"$W/var.conf" <<'EOF'
statedir = ${LC_TEST_DIR}/st${LC_UNSET}
signingkey = ${LC_TEST_DIR}/st/key.pem
issuercert = ${LC_TEST_DIR}/st/cert.pem
certserial = ${LC_TEST_DIR}/serial/certserial
EOF
LC_TEST_DIR=$W/var lc_run "$W/var.conf" "$W/out" "${TPM2_EK[@]}" \
    --ek "$MOD"
cl_check "\${VAR} expanded in the config" \
    "0 serial/certserial st/cert.pem st/key.pem st/swtpm-localca-rootca-cert.pem" \
    "$? $(cd "$W/var" && ls serial/certserial st/cert.pem st/key.pem \
    st/swtpm-localca-rootca-cert.pem 2>&1 | tr '\n' ' ' | sed 's/ $//')"

# an encrypted CA: SWTPM_ROOTCA_PASSWORD and signingkey_password
lc_conf "$W/enc.conf" "$W/enc" "signingkey_password = sign-pass"
SWTPM_ROOTCA_PASSWORD=root-pass lc_run "$W/enc.conf" "$W/out" \
    "${TPM2_EK[@]}" --ek "$MOD"
cl_check "encrypted CA: both keys encrypted" "2" \
    "$(grep -l 'BEGIN ENCRYPTED PRIVATE KEY' "$W/enc/signkey.pem" \
    "$W/enc/swtpm-localca-rootca-privkey.pem" | wc -l)"
if openssl pkey -in "$W/enc/swtpm-localca-rootca-privkey.pem" \
    -passin pass:root-pass -noout 2>/dev/null &&
    openssl pkey -in "$W/enc/signkey.pem" -passin pass:sign-pass \
    -noout 2>/dev/null && lc_verify "$W/out/ek.cert" "$W/enc"; then
	cl_ok "encrypted CA: keys open with their passwords, EK verifies"
else
	cl_notok "encrypted CA: keys open with their passwords, EK verifies"
fi

# a missing issuer certificate: the whole CA is replaced
old=$(sha256sum <"$S/signkey.pem")
rm "$S/issuercert.pem"
lc_run "$W/ca.conf" "$W/out" "${TPM2_EK[@]}" --ek "$MOD"
if [ "$old" != "$(sha256sum <"$S/signkey.pem")" ] &&
    lc_verify "$W/out/ek.cert" "$S" && lc_ca_ok "$S"; then
	cl_ok "issuer certificate missing: a new CA"
else
	cl_notok "issuer certificate missing: a new CA"
fi

cl_done
