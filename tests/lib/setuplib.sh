# tests/lib/setuplib.sh - helpers for the swtpm_setup tests (bash). Source
# it after common.sh and t_init, then call su_init.
#
# su_init finds our swtpm_setup ($SWTPM_SETUP, else
# $top_builddir/swtpm_setup; skip without it) and a certificate tool
# ($SU_CERTTOOL, else our swtpm_localca if built, else the reference's
# /usr/bin/swtpm_localca; skip without one), puts $top_builddir first in
# PATH (so that a swtpm_localca runs our swtpm_cert), points
# XDG_CONFIG_HOME at $T/xdg and writes $T/swtpm_setup.conf for a local CA
# in $T/ca. Variables: SETUP, CERTTOOL, CONF, CA (directory).
#
#   su_conf FILE [LINE...]  a swtpm_setup.conf for the CA of $T/ca, with
#                           extra lines appended
#   su_serve NAME STATEDIR [BIN] [--tpm2]
#                           serve the state with BIN (default $SWTPM) on
#                           TCP ports P, P+1 and export TPM2TOOLS_TCTI
#   su_unserve NAME         CMD_SHUTDOWN, then wait for it
#   su_verify CERT          openssl verify of a DER or PEM certificate
#                           against the local CA's root and issuer
#   su_t2 CMD...            a tpm2 tool with a time limit (output in
#                           $T/t2.out), then flush transients
#   su_nvattrs INDEX        the attributes of an NV index (hex, 0x...)
#   su_iolog LOG            command/response hex of a level-20 swtpm log

su_init()
{
	SETUP=${SWTPM_SETUP:-$top_builddir/swtpm_setup}
	if ! [ -x "$SETUP" ]; then
		echo "SKIP: no swtpm_setup (set SWTPM_SETUP=...)"
		exit 77
	fi
	if [ -z "${SU_CERTTOOL:-}" ]; then
		if [ -x "$top_builddir/swtpm_localca" ]; then
			SU_CERTTOOL=$top_builddir/swtpm_localca
		elif [ -x /usr/bin/swtpm_localca ]; then
			SU_CERTTOOL=/usr/bin/swtpm_localca
		else
			echo "SKIP: no swtpm_localca"
			exit 77
		fi
	fi
	CERTTOOL=$SU_CERTTOOL
	t_need openssl
	export PATH="$top_builddir:$PATH"
	export XDG_CONFIG_HOME=$T/xdg
	mkdir -p "$XDG_CONFIG_HOME"
	CA=$T/ca
	CONF=$T/swtpm_setup.conf
	cat >"$T/localca.conf" <<EOT
statedir = $CA
signingkey = $CA/signkey.pem
issuercert = $CA/issuercert.pem
certserial = $CA/certserial
EOT
	echo "--platform-manufacturer Debian --platform-version 1.0" \
	    "--platform-model QEMU" >"$T/localca.options"
	su_conf "$CONF"
	echo "# SETUP=$SETUP CERTTOOL=$CERTTOOL"
}

su_conf()
{
	local f=$1
	shift
	{
		echo "create_certs_tool = $CERTTOOL"
		echo "create_certs_tool_config = $T/localca.conf"
		echo "create_certs_tool_options = $T/localca.options"
		echo "active_pcr_banks = sha256"
		for l in "$@"; do
			echo "$l"
		done
	} >"$f"
}

su_serve()
{
	local name=$1 dir=$2 bin=${3:-$SWTPM} tpm2=${4:---tpm2} p
	p=$(free_port)
	SU_PORT=$p
	SWTPM=$bin sw_start "$name" socket $tpm2 --tpmstate "dir=$dir" \
	    --server "type=tcp,port=$p" --ctrl "type=tcp,port=$((p + 1))" \
	    --flags not-need-init,startup-clear || return 1
	export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$p"
}

su_unserve()
{
	local ioctl=$top_builddir/swtpm_ioctl
	[ -x "$ioctl" ] || ioctl=swtpm_ioctl
	"$ioctl" --tcp "127.0.0.1:$((SU_PORT + 1))" -s >/dev/null 2>&1
	sw_wait "$1" 10 || sw_stop "$1"
}

su_verify()
{
	local c=$1 pem=$T/verify.pem
	if head -c 5 "$c" | grep -q -- '-----'; then
		cp "$c" "$pem"
	else
		openssl x509 -inform der -in "$c" -out "$pem" 2>/dev/null ||
		    return 1
	fi
	openssl verify -CAfile "$CA/swtpm-localca-rootca-cert.pem" \
	    -untrusted "$CA/issuercert.pem" "$pem" >/dev/null 2>&1
}

su_t2()
{
	local rc
	timeout 60 "$@" >"$T/t2.out" 2>&1
	rc=$?
	timeout 20 tpm2_flushcontext -t >/dev/null 2>&1
	return $rc
}

su_nvattrs()
{
	su_t2 tpm2_nvreadpublic "$1" || return 1
	awk '/attributes:/ { a = 1 } a && /value:/ { print $2; exit }' \
	    "$T/t2.out" | tr 'A-F' 'a-f'
}

su_iolog()
{
	"$PYTHON" "$TESTLIB/iolog.py" "$1"
}
