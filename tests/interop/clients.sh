#!/bin/bash
# Interop test of our swtpm_ioctl and swtpm_bios against the reference
# 0.7.1 clients: both are run against the same server (env SWTPM, fresh
# state per case) and must print the same stdout/stderr and exit codes;
# then both talk to a fake server (clients/fakesrv.py) that records the
# request bytes, which must match each other and the tables of cli.md.
# Skips (77) when the reference clients are not installed.

REF_IOCTL=${SWTPM_IOCTL_REF:-/usr/bin/swtpm_ioctl}
REF_BIOS=${SWTPM_BIOS_REF:-/usr/bin/swtpm_bios}
top_builddir=${top_builddir:-$(pwd)}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
OUR_IOCTL=${SWTPM_IOCTL:-$top_builddir/swtpm_ioctl}
OUR_BIOS=${SWTPM_BIOS:-$top_builddir/swtpm_bios}
FAKESRV=$top_srcdir/tests/interop/clients/fakesrv.py
if [ -z "$SWTPM" ]; then
	if [ -x "$top_builddir/swtpm" ]; then
		SWTPM=$top_builddir/swtpm
	else
		SWTPM=/usr/bin/swtpm
	fi
fi

for b in "$REF_IOCTL" "$REF_BIOS"; do
	[ -x "$b" ] || { echo "SKIP: reference client $b not installed"; exit 77; }
done
for b in "$OUR_IOCTL" "$OUR_BIOS" "$SWTPM"; do
	[ -x "$b" ] || { echo "ERROR: $b not built"; exit 99; }
done
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/clients.XXXXXX")
SRV_PID=
cleanup() {
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null
	[ -n "$SRV_PID" ] && wait "$SRV_PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

FAILS=0
PASSES=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
pass() { PASSES=$((PASSES + 1)); }

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Run a client with a time limit; stdout, stderr and the exit code go
# to $2.{out,err,rc}, with the program path (argv[0]) made "PROG".
run_client() {
	local bin=$1 out=$2
	shift 2
	( cd "$WORK" && exec timeout 60 "$bin" "$@" ) \
	    >"$out.out" 2>"$out.err" <"${STDIN:-/dev/null}"
	echo $? >"$out.rc"
	# versions differ on purpose; our help has one more line
	sed -i -e 's/version [0-9][0-9.]*,/version X,/' \
	    -e '/^--lock-storage <n>/d' -e "s#$bin#PROG#g" \
	    "$out.out" "$out.err"
}

same_output() {
	local what=$1 a=$2 b=$3 f
	for f in out err rc; do
		if ! cmp -s "$a.$f" "$b.$f"; then
			fail "$what: std$f differs"
			diff "$a.$f" "$b.$f" | head -10 | sed 's/^/    /'
			return 1
		fi
	done
	pass
	return 0
}

# --- real server ------------------------------------------------------

# stop_server: kill the server we started (by pid) and wait for it
stop_server() {
	if [ -n "$SRV_PID" ]; then
		kill "$SRV_PID" 2>/dev/null
		wait "$SRV_PID" 2>/dev/null
		SRV_PID=
	fi
}

# start_server <tpmver 1|2> <ctrl unix|tcp>: fresh copy of the template
start_server() {
	local ver=$1 ctrl=$2 i opt=
	stop_server
	rm -rf "$WORK/st"
	cp -a "$WORK/tmpl$ver" "$WORK/st"
	DPORT=$(free_port)
	CPORT=$(free_port)
	[ "$ver" = 2 ] && opt=--tpm2
	if [ "$ctrl" = tcp ]; then
		CTRL_ARGS=(--tcp ":$CPORT")
		cspec="type=tcp,port=$CPORT"
	else
		CTRL_ARGS=(--unix "$WORK/st/ctrl")
		cspec="type=unixio,path=$WORK/st/ctrl"
	fi
	"$SWTPM" socket $opt --tpmstate dir="$WORK/st" --ctrl "$cspec" \
	    --server type=tcp,port="$DPORT" --flags not-need-init \
	    >"$WORK/srv.log" 2>&1 &
	SRV_PID=$!
	for i in $(seq 1 200); do
		if "$REF_IOCTL" "${CTRL_ARGS[@]}" -g >/dev/null 2>&1 &&
		    (exec 3<>"/dev/tcp/127.0.0.1/$DPORT") 2>/dev/null; then
			return 0
		fi
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "ERROR: server did not come up"; cat "$WORK/srv.log"
	exit 99
}

make_templates() {
	local ver opt
	for ver in 1 2; do
		opt=
		[ "$ver" = 2 ] && opt=--tpm2
		mkdir -p "$WORK/tmpl$ver"
		# manufacture once so each case starts from the same state
		"$SWTPM" socket $opt --tpmstate dir="$WORK/tmpl$ver" \
		    --ctrl type=unixio,path="$WORK/tmpl$ver/ctrl" \
		    --flags not-need-init >/dev/null 2>&1 &
		SRV_PID=$!
		for i in $(seq 1 200); do
			"$REF_IOCTL" --unix "$WORK/tmpl$ver/ctrl" -s \
			    >/dev/null 2>&1 && break
			sleep 0.05
		done
		wait "$SRV_PID" 2>/dev/null
		SRV_PID=
		rm -f "$WORK/tmpl$ver/ctrl" "$WORK/tmpl$ver/.lock"
	done
}

# ioctl_case <ver> <ctrl> <setup-cmd|-> <args...>: {CTRL} is replaced
# by the connection arguments; setup runs with the reference client.
expand() {
	local a
	EXP=()
	for a in "$@"; do
		if [ "$a" = "{CTRL}" ]; then
			EXP+=("${CTRL_ARGS[@]}")
		else
			EXP+=("${a//\{W\}/$WORK}")
		fi
	done
}

ioctl_case() {
	local ver=$1 ctrl=$2 setup=$3 who t0=$SECONDS
	shift 3
	for who in ref our; do
		# repeatable commands share one server; -s ends it, -i resets
		if [ $who = ref ] || [ "$*" != "${*%-s}" ] ||
		    [ "$*" != "${*%-i}" ]; then
			start_server "$ver" "$ctrl"
			if [ "$setup" != - ]; then
				# shellcheck disable=SC2086
				"$REF_IOCTL" "${CTRL_ARGS[@]}" $setup \
				    >/dev/null 2>&1
			fi
		fi
		expand "$@"
		if [ $who = ref ]; then
			run_client "$REF_IOCTL" "$WORK/$who" "${EXP[@]}"
		else
			run_client "$OUR_IOCTL" "$WORK/$who" "${EXP[@]}"
		fi
		[ -f "$WORK/blob" ] && mv "$WORK/blob" "$WORK/blob.$who"
	done
	stop_server
	[ $((SECONDS - t0)) -gt 3 ] && echo "slow ($((SECONDS - t0)) s): $*"
	same_output "ioctl tpm$ver/$ctrl [$setup] $*" "$WORK/ref" "$WORK/our"
	if [ -f "$WORK/blob.ref" ] || [ -f "$WORK/blob.our" ]; then
		if [ "$(stat -c %s "$WORK/blob.ref" 2>/dev/null)" != \
		    "$(stat -c %s "$WORK/blob.our" 2>/dev/null)" ]; then
			fail "ioctl tpm$ver $*: saved blob sizes differ"
		fi
		rm -f "$WORK/blob.ref" "$WORK/blob.our"
	fi
}

bios_case() {
	local ver=$1 setup=$2 who t0=$SECONDS
	shift 2
	for who in ref our; do
		start_server "$ver" unix
		if [ "$setup" != - ]; then
			# shellcheck disable=SC2086
			"$REF_BIOS" --tcp ":$DPORT" $setup >/dev/null 2>&1
		fi
		if [ $who = ref ]; then
			run_client "$REF_BIOS" "$WORK/$who" --tcp ":$DPORT" "$@"
		else
			run_client "$OUR_BIOS" "$WORK/$who" --tcp ":$DPORT" "$@"
		fi
	done
	stop_server
	[ $((SECONDS - t0)) -gt 3 ] && echo "slow ($((SECONDS - t0)) s): $*"
	same_output "bios tpm$ver [$setup] $*" "$WORK/ref" "$WORK/our"
}

# no server needed: arguments only
args_case() {
	local kind=$1
	shift
	if [ "$kind" = ioctl ]; then
		run_client "$REF_IOCTL" "$WORK/ref" "$@"
		run_client "$OUR_IOCTL" "$WORK/our" "$@"
	else
		run_client "$REF_BIOS" "$WORK/ref" "$@"
		run_client "$OUR_BIOS" "$WORK/our" "$@"
	fi
	same_output "$kind args $*" "$WORK/ref" "$WORK/our"
}

. "$top_srcdir/tests/interop/clients/cases.sh"

echo "$PASSES passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
