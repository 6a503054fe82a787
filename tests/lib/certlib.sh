# tests/lib/certlib.sh - helpers for the swtpm_cert tests (bash).
# Source it, then call cl_init: it finds our swtpm_cert ($SWTPM_CERT,
# else $top_builddir/swtpm_cert, else exit 77), makes a temporary
# directory $W (removed at exit unless T_KEEP=1) and needs openssl.
#
#   cl_ok DESC / cl_notok DESC   count and print a result line
#   cl_check DESC EXP ACT        ok if EXP = ACT
#   cl_done                      "N passed, N failed"; exit 1 on failures
#   cl_make_ca DIR BITS          root CA and an intermediate (the signing
#                                CA, with a subject key identifier) as
#                                swtpm_localca makes them: DIR/root.pem,
#                                DIR/ca.pem, DIR/ca.key (RSA BITS), also
#                                DIR/ca-enc.key encrypted with "capass"
#   cl_rsa_mod KEYFILE           modulus of an RSA key in hex
#   cl_ec_xy KEYFILE BYTES       "X Y" of an EC key, BYTES each, in hex
#   cl_pkcs11_ok                 true if softhsm2-util, the OpenSSL pkcs11
#                                engine and our pkcs11 support are there
#                                (else says why on stdout)
#   cl_softhsm LABEL PIN KEY     a SoftHSM2 token LABEL under $W (exports
#                                SOFTHSM2_CONF) holding the PEM private
#                                key KEY (unencrypted) as object "ca"
#   cl_der FILE                  DER of a cert file (PEM or DER, either
#                                maybe behind the 7-byte TPM 1.2
#                                header) to stdout

CL_PASS=0
CL_FAIL=0

cl_init()
{
	if [ -z "${SWTPM_CERT:-}" ]; then
		if [ -n "${top_builddir:-}" ] && \
		    [ -x "$top_builddir/swtpm_cert" ]; then
			SWTPM_CERT=$top_builddir/swtpm_cert
		else
			echo "SKIP: no swtpm_cert (set SWTPM_CERT=...)"
			exit 77
		fi
	fi
	command -v openssl >/dev/null 2>&1 || { echo "SKIP: no openssl"; \
	    exit 77; }
	W=$(mktemp -d) || exit 99
	trap cl_cleanup EXIT
	trap 'exit 1' INT TERM
}

cl_cleanup()
{
	if [ "${T_KEEP:-0}" = 1 ]; then
		echo "kept $W"
	else
		rm -rf "$W"
	fi
}

cl_ok() { CL_PASS=$((CL_PASS + 1)); echo "ok - $1"; }
cl_notok() { CL_FAIL=$((CL_FAIL + 1)); echo "not ok - $1"; }

cl_check()
{
	if [ "$2" = "$3" ]; then
		cl_ok "$1"
	else
		cl_notok "$1"
		echo "  expected: $2"
		echo "  actual:   $3"
	fi
}

cl_done()
{
	echo "$CL_PASS passed, $CL_FAIL failed"
	[ "$CL_FAIL" = 0 ] || exit 1
	exit 0
}

cl_make_ca()
{
	local d=$1 bits=$2

	mkdir -p "$d"
	openssl req -x509 -newkey "rsa:$bits" -nodes -keyout "$d/root.key" \
	    -out "$d/root.pem" -subj /CN=swtpm-localca-rootca -days 3650 \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign \
	    -addext subjectKeyIdentifier=hash 2>/dev/null || return 1
	openssl req -newkey "rsa:$bits" -nodes -keyout "$d/ca.key" \
	    -out "$d/ca.csr" -subj /CN=swtpm-localca 2>/dev/null || return 1
	printf '%s\n' 'basicConstraints=critical,CA:TRUE' \
	    'keyUsage=critical,keyCertSign' 'subjectKeyIdentifier=hash' \
	    'authorityKeyIdentifier=keyid' > "$d/ext.cnf"
	openssl x509 -req -in "$d/ca.csr" -CA "$d/root.pem" \
	    -CAkey "$d/root.key" -set_serial 7 -days 3650 \
	    -extfile "$d/ext.cnf" -out "$d/ca.pem" 2>/dev/null || return 1
	openssl pkey -in "$d/ca.key" -aes256 -passout pass:capass \
	    -out "$d/ca-enc.key" || return 1
}

cl_rsa_mod()
{
	openssl rsa -in "$1" -noout -modulus | cut -d= -f2
}

cl_ec_xy()
{
	local hex n=$(( $2 * 2 ))

	hex=$(openssl pkey -in "$1" -pubout -outform der | tail -c $(( $2 * 2 + 1 )) |
	    od -An -v -tx1 | tr -d ' \n')
	echo "${hex:2:$n} ${hex:$((2 + n)):$n}"
}

cl_der()
{
	local skip=1

	if [ "$(head -c 2 "$1" | od -An -tx1 | tr -d ' \n')" = 1001 ]; then
		skip=8
	fi
	if tail -c +$skip "$1" | head -c 5 | grep -q -- '-----'; then
		tail -c +$skip "$1" | openssl x509 -outform der
	else
		tail -c +$skip "$1"
	fi
}

cl_pkcs11_ok()
{
	if ! command -v softhsm2-util >/dev/null 2>&1; then
		echo "# no softhsm2-util (package softhsm2)"
		return 1
	fi
	if ! openssl engine pkcs11 >/dev/null 2>&1; then
		echo "# no OpenSSL pkcs11 engine (libengine-pkcs11-openssl)"
		return 1
	fi
	if "$SWTPM_CERT" --signkey pkcs11:x --issuercert /dev/null \
	    --modulus 01 --tpm-manufacturer a --tpm-model b --tpm-version c \
	    --tpm-spec-family 2 --tpm-spec-level 0 --tpm-spec-revision 0 \
	    2>&1 | grep -q 'not supported by this build'; then
		echo "# swtpm_cert built without pkcs11"
		return 1
	fi
}

cl_softhsm()
{
	export SOFTHSM2_CONF=$W/softhsm2.conf
	mkdir -p "$W/tokens"
	printf 'directories.tokendir = %s\nobjectstore.backend = file\n' \
	    "$W/tokens" >"$SOFTHSM2_CONF"
	openssl pkcs8 -topk8 -nocrypt -in "$3" -out "$W/softhsm.p8" &&
	softhsm2-util --init-token --free --label "$1" --pin "$2" \
	    --so-pin 5678 >/dev/null &&
	softhsm2-util --import "$W/softhsm.p8" --token "$1" --label ca \
	    --id 01 --pin "$2" >/dev/null
}
