#!/bin/bash
# Our swtpm_localca with the reference 0.7.1 tools (provisioning.md §1.10,
# §2, §4): the reference swtpm_setup (and swtpm) with ours as its
# create_certs_tool, for TPM 2 (RSA and P-384 EKs, platform) and TPM 1.2,
# once with our swtpm_cert in PATH and once with the reference's; the
# certificates it stores verify under the CA ours made. Then the CA files
# in both directions: the reference swtpm_localca (certtool, GnuTLS)
# signing with a CA ours made (encrypted keys) and ours with one the
# reference made, sharing one serial counter. Everything lives in a
# scratch directory (XDG_CONFIG_HOME, HOME, --config); /etc and /var/lib
# are never touched. Skips (77) without the reference tools.
set -u
. "${top_srcdir:-.}/tests/lib/localcalib.sh"
lc_init
REF_SETUP=${SWTPM_SETUP_REF:-/usr/bin/swtpm_setup}
REF_SWTPM=${SWTPM_REF:-/usr/bin/swtpm}
REF_LOCALCA=${SWTPM_LOCALCA_REF:-/usr/bin/swtpm_localca}
REF_CERT=${SWTPM_CERT_REF:-/usr/bin/swtpm_cert}
for t in "$REF_SETUP" "$REF_SWTPM" "$REF_LOCALCA" "$REF_CERT"; do
	[ -x "$t" ] || { echo "SKIP: no reference $t"; exit 77; }
done
command -v certtool >/dev/null 2>&1 ||
    { echo "SKIP: no certtool (the reference localca needs it)"; exit 77; }
mkdir -p "$W/refbin"
ln -s "$REF_CERT" "$W/refbin/swtpm_cert"

# create_certs_tool: our localca, keeping a copy of each certificate
cat >"$W/tool" <<EOF
#!/bin/bash
"$SWTPM_LOCALCA" "\$@"
rc=\$?
while [ \$# -gt 1 ]; do
	case \$1 in --dir) d=\$2 ;; --type) t=\$2 ;; esac
	shift
done
[ \$rc = 0 ] && cp "\$d/\$t.cert" "$W/cap/\$t.\$(ls "$W/cap" | wc -l)"
exit \$rc
EOF
chmod 755 "$W/tool"

# setup NAME BIN ARGS...: the reference swtpm_setup with our localca (and
# the swtpm_cert in BIN first in PATH) into $W/NAME
setup()
{
	local name=$1 bin=$2

	shift 2
	lc_conf "$W/$name.lc.conf" "$W/$name.ca"
	cat >"$W/$name.setup.conf" <<EOF
create_certs_tool = $W/tool
create_certs_tool_config = $W/$name.lc.conf
create_certs_tool_options = $W/opts
active_pcr_banks = sha256
EOF
	rm -rf "$W/cap"
	mkdir -p "$W/$name.st" "$W/$name.ek" "$W/cap"
	PATH=$bin:$PATH "$REF_SETUP" --tpmstate "$W/$name.st" \
	    --tpm "$REF_SWTPM socket" --config "$W/$name.setup.conf" \
	    --create-ek-cert --create-platform-cert --lock-nvram \
	    --write-ek-cert-files "$W/$name.ek" --vmid "vm-$name" "$@" \
	    >"$W/$name.log" 2>&1
}

# chain DESC FILE CADIR: FILE verifies under the CA in CADIR
chain()
{
	if lc_verify "$2" "$3"; then
		cl_ok "$1: verifies under our localca's CA"
	else
		cl_notok "$1: verifies under our localca's CA"
	fi
}

for who in ours ref; do
	[ "$who" = ours ] && bin=$W/bin || bin=$W/refbin
	if setup "tpm2-$who" "$bin" --tpm2; then
		cl_ok "reference swtpm_setup, TPM 2, our localca + $who swtpm_cert"
	else
		cl_notok "reference swtpm_setup, TPM 2, our localca + $who swtpm_cert"
		cat "$W/tpm2-$who.log"
		continue
	fi
	cl_check "TPM 2 ($who swtpm_cert): setup relays our lines" 4 \
	    "$(grep -c '^tool: .*certificate locally\.$\|^tool: Creating root CA' \
	    "$W/tpm2-$who.log")"
	chain "TPM 2 RSA EK ($who swtpm_cert)" \
	    "$W/tpm2-$who.ek/ek-rsa2048.crt" "$W/tpm2-$who.ca"
	chain "TPM 2 P-384 EK ($who swtpm_cert)" \
	    "$W/tpm2-$who.ek/ek-secp384r1.crt" "$W/tpm2-$who.ca"
	chain "TPM 2 platform ($who swtpm_cert)" "$W/cap/platform.1" \
	    "$W/tpm2-$who.ca"
	cl_check "TPM 2 ($who swtpm_cert): three consecutive serials" \
	    "1 2" "$(a=$(lc_serial "$W/cap/ek.0"); b=$(lc_serial \
	    "$W/cap/platform.1"); c=$(lc_serial "$W/cap/ek.2"); python3 -c \
	    "print($b - $a, $c - $a)")"
	if setup "tpm12-$who" "$bin" --take-ownership; then
		cl_ok "reference swtpm_setup, TPM 1.2, our localca + $who swtpm_cert"
		chain "TPM 1.2 EK ($who swtpm_cert)" \
		    "$W/tpm12-$who.ek/ek-rsa2048.crt" "$W/tpm12-$who.ca"
		cl_check "TPM 1.2 ($who swtpm_cert): NV copy has the header" \
		    1001 "$(head -c 2 "$W/cap/ek.0" | od -An -tx1 | tr -d ' \n')"
	else
		cl_notok "reference swtpm_setup, TPM 1.2, our localca + $who swtpm_cert"
		cat "$W/tpm12-$who.log"
	fi
done

# ---------------------------------------------------------------- CA files
mkdir -p "$W/out"
ref_localca()
{
	local conf=$1

	shift
	PATH=$W/refbin:$PATH "$REF_LOCALCA" --configfile "$conf" \
	    --optsfile "$W/opts" --dir "$W/out" "$@" >"$W/ref.out" 2>&1
}

# ours makes the CA (both keys encrypted), the reference signs with it
lc_conf "$W/shared.conf" "$W/shared" "signingkey_password = sign-pass"
SWTPM_ROOTCA_PASSWORD=root-pass lc_run "$W/shared.conf" "$W/out" \
    "${TPM2_EK[@]}" --ek "$MOD" || { cat "$W/lc.out"; }
r=$(cat "$W/shared/certserial")
rm -f "$W/out/ek.cert"
if ref_localca "$W/shared.conf" "${TPM2_EK[@]}" --ek "$MOD" &&
    lc_verify "$W/out/ek.cert" "$W/shared"; then
	cl_ok "reference localca + swtpm_cert sign with our CA (PBES2 key)"
else
	cl_notok "reference localca + swtpm_cert sign with our CA (PBES2 key)"
	cat "$W/ref.out"
fi
cl_check "reference localca continues our random start" \
    "$(python3 -c "print($r + 1)")" "$(lc_serial "$W/out/ek.cert")"
printf 41 >"$W/shared/certserial"
rm -f "$W/out/ek.cert"
ref_localca "$W/shared.conf" "${TPM2_EK[@]}" --ek "$MOD"
cl_check "reference localca continues our counter" 42 \
    "$(lc_serial "$W/out/ek.cert")"
rm -f "$W/out/platform.cert"
if ref_localca "$W/shared.conf" "${TPM2_PF[@]}" --ek "$MOD" &&
    lc_verify "$W/out/platform.cert" "$W/shared"; then
	cl_ok "reference localca: platform certificate under our CA"
else
	cl_notok "reference localca: platform certificate under our CA"
	cat "$W/ref.out"
fi
lc_run "$W/shared.conf" "$W/out" "${TPM2_EK[@]}" --ek "$MOD"
cl_check "ours continues the reference's counter" 44 \
    "$(lc_serial "$W/out/ek.cert")"

# the reference makes the CA (certtool, encrypted keys), ours signs
lc_conf "$W/refca.conf" "$W/refca" "signingkey_password = sign-pass"
SWTPM_ROOTCA_PASSWORD=root-pass ref_localca "$W/refca.conf" \
    "${TPM2_EK[@]}" --ek "$MOD"
cl_check "reference localca made a CA" "2" "$(cat "$W/refca/certserial")"
for args in "TPM 2 EK:ek.cert:${TPM2_EK[*]} --ek $MOD" \
    "TPM 2 P-384 EK:ek.cert:${TPM2_EK[*]} --ek x=$ECX,y=$ECY,id=secp384r1" \
    "TPM 2 platform:platform.cert:${TPM2_PF[*]} --ek $MOD" \
    "TPM 1.2 EK:ek.cert:${TPM12_EK[*]} --ek $MOD"; do
	desc=${args%%:*}
	rest=${args#*:}
	file=${rest%%:*}
	rm -f "$W/out/$file"
	# shellcheck disable=SC2086
	if lc_run "$W/refca.conf" "$W/out" ${rest#*:} &&
	    lc_verify "$W/out/$file" "$W/refca"; then
		cl_ok "ours signs with the reference's CA: $desc"
	else
		cl_notok "ours signs with the reference's CA: $desc"
		cat "$W/lc.out"
	fi
done
cl_check "ours continues the reference's counter (2 -> 3..6)" 6 \
    "$(cat "$W/refca/certserial")"
cl_done
