# tests/lib/localcalib.sh - helpers for the swtpm_localca tests (bash),
# on top of certlib.sh. Source it, then call lc_init: it finds our
# swtpm_localca ($SWTPM_LOCALCA, else $top_builddir/swtpm_localca, else
# exit 77) and swtpm_cert (as certlib), makes $W (see certlib), puts our
# swtpm_cert first in PATH through $W/bin, points XDG_CONFIG_HOME and
# HOME into $W (so no file of the host is read), and makes an RSA-2048
# and a P-384 EK: $MOD (hex modulus), $ECX/$ECY.
#
#   lc_conf FILE STATEDIR [LINE...]  a swtpm-localca.conf for STATEDIR
#                                    (signkey.pem, issuercert.pem,
#                                    certserial in it) plus LINEs
#   lc_opts FILE                     an options file (platform data)
#   lc_run CONF OUTDIR ARGS...       our localca with --configfile CONF,
#                                    --optsfile $W/opts, --dir OUTDIR;
#                                    stdout+stderr in $W/lc.out; returns
#                                    its exit status
#   lc_verify CERT STATEDIR          openssl verify of CERT (DER, maybe
#                                    behind the TPM 1.2 header) under
#                                    STATEDIR's root and issuer
#   lc_serial CERT                   the serial of CERT in decimal
#   lc_temps DIR                     the temporary files left in DIR
#   lc_ca_ok STATEDIR                true if the CA there is usable: no
#                                    signing key, or one that matches
#                                    the issuer certificate, which
#                                    verifies under the root next to it
# Arrays: TPM2_EK, TPM12_EK, TPM2_PF, TPM12_PF (the localca arguments of
# each certificate kind, without --ek).

. "$(dirname "${BASH_SOURCE[0]}")/certlib.sh"

lc_init()
{
	cl_init
	if [ -z "${SWTPM_LOCALCA:-}" ]; then
		if [ -n "${top_builddir:-}" ] && \
		    [ -x "$top_builddir/swtpm_localca" ]; then
			SWTPM_LOCALCA=$top_builddir/swtpm_localca
		else
			echo "SKIP: no swtpm_localca (set SWTPM_LOCALCA=...)"
			exit 77
		fi
	fi
	SWTPM_LOCALCA=$(cd "$(dirname "$SWTPM_LOCALCA")" && pwd)/$(basename \
	    "$SWTPM_LOCALCA")
	mkdir -p "$W/bin" "$W/xdg" "$W/home"
	ln -sf "$(cd "$(dirname "$SWTPM_CERT")" && pwd)/$(basename \
	    "$SWTPM_CERT")" "$W/bin/swtpm_cert"
	export PATH=$W/bin:$PATH
	export XDG_CONFIG_HOME=$W/xdg HOME=$W/home
	unset SWTPM_ROOTCA_PASSWORD
	openssl genrsa -out "$W/ek.key" 2048 2>/dev/null || exit 99
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \
	    -out "$W/ec.key" 2>/dev/null || exit 99
	MOD=$(cl_rsa_mod "$W/ek.key")
	read -r ECX ECY <<<"$(cl_ec_xy "$W/ec.key" 48)"
	lc_opts "$W/opts"
	TPM_ATTR=(--tpm-manufacturer id:00001014 --tpm-model swtpm
	    --tpm-version id:20191023)
	TPM2_EK=(--type ek --tpm2 --tpm-spec-family 2.0 --tpm-spec-level 0
	    --tpm-spec-revision 164 "${TPM_ATTR[@]}")
	TPM12_EK=(--type ek --tpm-spec-family 1.2 --tpm-spec-level 2
	    --tpm-spec-revision 116 "${TPM_ATTR[@]}")
	TPM2_PF=(--type platform --tpm2 "${TPM_ATTR[@]}")
	TPM12_PF=(--type platform "${TPM_ATTR[@]}")
}

lc_conf()
{
	local f=$1 d=$2

	shift 2
	{
		echo "statedir = $d"
		echo "signingkey = $d/signkey.pem"
		echo "issuercert = $d/issuercert.pem"
		echo "certserial = $d/certserial"
		for l in "$@"; do
			echo "$l"
		done
	} >"$f"
}

lc_opts()
{
	printf '%s\n' '--platform-manufacturer Debian' \
	    '--platform-version 2.1' '--platform-model QEMU' >"$1"
}

lc_run()
{
	local conf=$1 out=$2

	shift 2
	"$SWTPM_LOCALCA" --configfile "$conf" --optsfile "$W/opts" \
	    --dir "$out" "$@" >"$W/lc.out" 2>&1
}

lc_verify()
{
	openssl verify -CAfile "$2/swtpm-localca-rootca-cert.pem" \
	    -untrusted "$2/issuercert.pem" \
	    <(cl_der "$1" | openssl x509 -inform der) >/dev/null 2>&1
}

lc_serial()
{
	local hex

	hex=$(cl_der "$1" | openssl x509 -inform der -noout -serial |
	    cut -d= -f2)
	python3 -c 'import sys; print(int(sys.argv[1], 16))' "$hex"
}

lc_temps()
{
	find "$1" -maxdepth 1 \( -name '*.swtpm-localca-tmp' -o \
	    -name '*.cert.??????' \) -printf '%f\n' 2>/dev/null
}

lc_pub()
{
	openssl pkey -pubout -passin "pass:${2:-}" -in "$1" 2>/dev/null
}

lc_ca_ok()
{
	local d=$1 pass=${2:-}

	[ -e "$d/signkey.pem" ] || return 0
	[ -e "$d/issuercert.pem" ] || return 1
	[ "$(lc_pub "$d/signkey.pem" "$pass")" = \
	    "$(openssl x509 -in "$d/issuercert.pem" -noout -pubkey)" ] ||
	    return 1
	openssl verify -CAfile "$d/swtpm-localca-rootca-cert.pem" \
	    "$d/issuercert.pem" >/dev/null 2>&1
}
