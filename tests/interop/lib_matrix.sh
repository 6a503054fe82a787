# tests/interop/lib_matrix.sh - helpers of tests/interop/matrix.sh (sourced
# after tests/lib/common.sh and t_init): start our daemon or the reference
# on TCP ports, drive each through its own swtpm_ioctl and through
# tpm2-tools (swtpm TCTI), create a known TPM state and verify it elsewhere.
#
# Environment:
#   SWTPM_REF        reference daemon (default /usr/bin/swtpm)
#   SWTPM_IOCTL_REF  reference swtpm_ioctl (default /usr/bin/swtpm_ioctl)
#   SWTPM_IOCTL      our swtpm_ioctl (default $top_builddir/swtpm_ioctl)
#
# Functions:
#   m_start IMPL NAME STATE [ARG...]  IMPL = ours|ref; start a TPM 2 daemon
#                      with --tpmstate STATE, TCP data port P and control
#                      port P+1, --flags not-need-init, a level-20 log in
#                      $T/logs/<n>-NAME-IMPL.log (path in M_LOG[NAME])
#                      and the extra ARGs; wait until the control channel
#                      answers
#   m_ioctl NAME ARG...   run NAME's own swtpm_ioctl against it; its
#                      stdout+stderr go to $T/NAME.ioctl (appended)
#   m_t2 NAME TOOL ARG... run a tpm2 tool against NAME (output in
#                      $T/last.out), then flush transient objects
#   m_create NAME PFX NEW create NV index, persistent key and PCR 16
#                      extension; NEW=1 sends TPM2_Startup(CLEAR) first;
#                      expected values go to PFX.nv, PFX.name, PFX.pcr
#   m_verify NAME PFX     check NAME against PFX.*; "#" lines on mismatch
#   m_shutdown NAME       swtpm_ioctl -s, wait for the exit (else SIGTERM)
#   m_getblob NAME TYPE SFLAGS OUT  raw CMD_GET_STATEBLOB (TYPE 1|2,
#                      request state_flags SFLAGS) on the control channel;
#                      the blob goes to OUT as hex, the reply's state_flags
#                      to stdout; returns 1 unless the result is 0
#   m_setblob NAME TYPE SFLAGS HEXFILE  raw CMD_SET_STATEBLOB; returns 1
#                      (and prints the reply) unless the result is 0
#   m_diag NAME           print the tail of NAME's log/output as comments
#   m_need_tools          skip the test (exit 77) without tpm2-tools or
#                      their swtpm TCTI
#   m_state_of DIR CFG    print the --tpmstate value of a new state in DIR
#                      (made if missing): backend-uri=file://DIR/state.lin
#                      for CFG "linear", else dir=DIR
#   m_keys DIR            write the matrix's key files into DIR (new):
#                      k128.hex, k128.bin, k256.hex, pw, mk.hex, mk2.hex

M_REF=${SWTPM_REF:-/usr/bin/swtpm}
M_REF_IOCTL=${SWTPM_IOCTL_REF:-/usr/bin/swtpm_ioctl}
M_OUR_IOCTL=${SWTPM_IOCTL:-${top_builddir:-.}/swtpm_ioctl}
M_NVIDX=0x1500016
M_PERSIST=0x81000001
declare -gA M_PORT=() M_IMPL=() M_LOG=()
M_NSTART=0

m_ioctl()
{
	local name=$1 bin
	shift
	if [ "${M_IMPL[$name]}" = ref ]; then
		bin=$M_REF_IOCTL
	else
		bin=$M_OUR_IOCTL
	fi
	echo "\$ swtpm_ioctl $*" >>"$T/$name.ioctl"
	timeout 20 "$bin" --tcp "127.0.0.1:$((M_PORT[$name] + 1))" "$@" \
		>>"$T/$name.ioctl" 2>&1
}

m_start()
{
	local impl=$1 name=$2 state=$3 port bin
	shift 3
	port=$(free_port)
	if [ "$impl" = ref ]; then
		bin=$M_REF
	else
		bin=$SWTPM
	fi
	M_NSTART=$((M_NSTART + 1))
	mkdir -p "$T/logs"
	M_PORT[$name]=$port
	M_IMPL[$name]=$impl
	M_LOG[$name]=$T/logs/$M_NSTART-$name-$impl.log
	rm -f "$T/$name.ioctl"
	SWTPM=$bin sw_start "$name" socket --tpm2 --tpmstate "$state" \
		--server "type=tcp,port=$port" \
		--ctrl "type=tcp,port=$((port + 1))" \
		--flags not-need-init \
		--log "file=${M_LOG[$name]},level=20" "$@" || return 1
	if ! wait_for 10 m_ioctl "$name" -c; then
		echo "# $name: control channel does not answer"
		m_diag "$name"
		return 1
	fi
	return 0
}

m_t2()
{
	local name=$1 rc
	shift
	TPM2TOOLS_TCTI="swtpm:port=${M_PORT[$name]}" timeout 30 "$@" \
		>"$T/last.out" 2>&1
	rc=$?
	TPM2TOOLS_TCTI="swtpm:port=${M_PORT[$name]}" timeout 20 \
		tpm2_flushcontext -t >/dev/null 2>&1
	if [ $rc -ne 0 ]; then
		echo "# $name: $* failed ($rc):"
		sed 's/^/#   /' "$T/last.out" | head -n 5
	fi
	return $rc
}

# print PCR 16 (sha256) as read by tpm2_pcrread
m_pcr16()
{
	m_t2 "$1" tpm2_pcrread sha256:16 || return 1
	sed -n 's/^ *16 *: *//p' "$T/last.out"
}

m_create()
{
	local name=$1 pfx=$2 new=$3 ext want
	if [ "$new" = 1 ]; then
		m_t2 "$name" tpm2_startup -c || return 1
	fi
	head -c 32 /dev/urandom >"$pfx.nv"
	ext=$(head -c 32 /dev/urandom | tohex)
	want=$("$PYTHON" -c 'import hashlib, sys
print("0x" + hashlib.sha256(bytes(32) +
    bytes.fromhex(sys.argv[1])).hexdigest().upper())' "$ext")
	m_t2 "$name" tpm2_nvdefine -C o -s 32 -a 'ownerread|ownerwrite' \
		$M_NVIDX || return 1
	m_t2 "$name" tpm2_nvwrite -C o -i "$pfx.nv" $M_NVIDX || return 1
	m_t2 "$name" tpm2_createprimary -C o -G ecc256 -c "$pfx.ctx" ||
		return 1
	m_t2 "$name" tpm2_evictcontrol -C o -c "$pfx.ctx" $M_PERSIST ||
		return 1
	m_t2 "$name" tpm2_readpublic -c $M_PERSIST || return 1
	sed -n 's/^name: *//p' "$T/last.out" >"$pfx.name"
	if ! grep -Eq '^[0-9a-f]{68}$' "$pfx.name"; then
		echo "# $name: no key name in tpm2_readpublic output"
		return 1
	fi
	m_t2 "$name" tpm2_pcrextend "16:sha256=$ext" || return 1
	echo "$want" >"$pfx.pcr"
	if [ "$(m_pcr16 "$name")" != "$want" ]; then
		echo "# $name: PCR 16 after the extension is not $want"
		return 1
	fi
	return 0
}

m_verify()
{
	local name=$1 pfx=$2 got bad=0
	got=$(m_pcr16 "$name")
	if [ "$got" != "$(cat "$pfx.pcr")" ]; then
		echo "# $name: PCR 16 is '$got', expected $(cat "$pfx.pcr")"
		bad=1
	fi
	if ! m_t2 "$name" tpm2_nvread -C o -s 32 -o "$pfx.nvread" \
		$M_NVIDX || ! cmp -s "$pfx.nv" "$pfx.nvread"; then
		echo "# $name: NV index $M_NVIDX does not hold the data"
		bad=1
	fi
	if ! m_t2 "$name" tpm2_readpublic -c $M_PERSIST; then
		bad=1
	else
		got=$(sed -n 's/^name: *//p' "$T/last.out")
		if [ "$got" != "$(cat "$pfx.name")" ]; then
			echo "# $name: key $M_PERSIST has name '$got'," \
				"expected $(cat "$pfx.name")"
			bad=1
		fi
	fi
	return $bad
}

m_shutdown()
{
	m_ioctl "$1" -s
	if ! sw_wait "$1" 10; then
		echo "# $1: still running after swtpm_ioctl -s"
		sw_stop "$1"
		return 1
	fi
	return 0
}

m_diag()
{
	echo "# --- $1 (${M_IMPL[$1]:-?}) swtpm_ioctl:"
	tail -n 8 "$T/$1.ioctl" 2>/dev/null | sed 's/^/#   /'
	echo "# --- $1 output:"
	sw_out "$1" | tail -n 8 | sed 's/^/#   /'
	# messages only: no hex dumps, no I/O trace
	echo "# --- $1 log ${M_LOG[$1]:-} (kept with T_KEEP=1):"
	grep -Ev '^ ([0-9A-Fa-f]{2} ?)+ *$|^ *(SWTPM_IO_|Ctrl (Cmd|Rsp))' \
		"${M_LOG[$1]:-/dev/null}" 2>/dev/null |
		tail -n 15 | sed 's/^/#   /'
}

m_getblob()
{
	local name=$1 type=$2 sf=$3 out=$4 r
	r=$(tw timeout 10 conn c "tcp:$((M_PORT[$name] + 1))" \
		x "0000000c $(printf '%08x %08x' "$sf" "$type") 00000000")
	if [ "${r:0:8}" != 00000000 ] ||
		[ $((16#${r:16:8} * 2)) -ne $((${#r} - 32)) ]; then
		echo "# $name: GET_STATEBLOB $type: reply ${r:0:32}..." >&2
		return 1
	fi
	echo "${r:32}" >"$out"
	echo "${r:8:8}"
}

m_setblob()
{
	local name=$1 type=$2 sf=$3 hex r
	hex=$(cat "$4")
	r=$(tw timeout 10 conn c "tcp:$((M_PORT[$name] + 1))" \
		x "0000000d $(printf '%08x %08x %08x' "$sf" "$type" \
		$((${#hex} / 2)))$hex")
	if [ "$r" != 00000000 ]; then
		echo "# $name: SET_STATEBLOB $type: reply $r"
		return 1
	fi
	return 0
}

m_need_tools()
{
	t_need tpm2_startup tpm2_nvdefine tpm2_nvwrite tpm2_nvread \
		tpm2_createprimary tpm2_evictcontrol tpm2_readpublic \
		tpm2_pcrextend tpm2_pcrread tpm2_flushcontext
	if ! have_tcti_swtpm; then
		echo "SKIP: libtss2-tcti-swtpm not installed"
		exit 77
	fi
}

m_keys()
{
	mkdir "$1" || return 1
	echo 00112233445566778899aabbccddeeff >"$1/k128.hex"
	fromhex 0f1e2d3c4b5a69788796a5b4c3d2e1f0 >"$1/k128.bin"
	echo 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f \
		>"$1/k256.hex"
	printf 'correct horse battery staple\n' >"$1/pw"
	echo 0x8899aabbccddeeff0011223344556677 >"$1/mk.hex"
	echo 0x8899aabbccddeeff0011223344556678 >"$1/mk2.hex"
}

m_state_of()
{
	mkdir -p "$1"
	if [ "$2" = linear ]; then
		echo "backend-uri=file://$1/state.lin"
	else
		echo "dir=$1"
	fi
}
