#!/bin/bash
# lifecycle.sh - process management (cli.md 5-8): pid file, signals,
# --daemon readiness and failure status, --log dump format, storage lock
# against a second instance, --print-states, --print-capabilities, and the
# exit status of option errors.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
t_init

if [ "$IS_REF" = 1 ]; then
	CAPS2=0000ffff
else
	CAPS2=0001ffff
fi

S=$T/state
mkdir -p "$S"

echo "# --- pid file and SIGTERM"
sw_start a socket --tpm2 --tpmstate "dir=$S" --ctrl "type=unixio,path=$T/c" \
	--server "type=unixio,path=$T/d" || exit 1
pid=$(sw_pid a)
check "pid file holds the pid, no newline" "$pid|" "$(cat "$T/a.pid")|"
check "pid file size" "${#pid}" "$(stat -c %s "$T/a.pid")"
check_cmd "sockets exist" test -S "$T/c" -a -S "$T/d"
sw_stop a
check "SIGTERM: exit 0" "0" "$SW_RC"
check "SIGTERM: pid file and sockets removed" "" \
	"$(ls "$T/a.pid" "$T/c" "$T/d" 2>/dev/null)"
# (started from python: background jobs of a script ignore SIGINT)
out=$(tw timeout 5 spawn x - "$SWTPM socket --tpm2 --tpmstate dir=$S \
	--ctrl type=unixio,path=$T/c --pid file=$T/a.pid" \
	conn c "unix:$T/c" x 00000001 close signal 2 wait)
if [ "$IS_REF" = 1 ]; then
	# 0.7.1 has no SIGINT handler: it dies from the signal
	check "SIGINT (0.7.1: killed by the signal)" \
		"00000000$CAPS2"$'\n'"EXIT -2" "$out"
	rm -f "$T/a.pid" "$T/c"
else
	check "SIGINT: exit 0" "00000000$CAPS2"$'\n'"EXIT 0" "$out"
	check "SIGINT: pid file and socket removed" "" \
		"$(ls "$T/a.pid" "$T/c" 2>/dev/null)"
fi

echo "# --- --daemon"
timeout 20 "$SWTPM" socket --tpm2 -d --tpmstate "dir=$S" \
	--ctrl "type=unixio,path=$T/dc" --server "type=unixio,path=$T/dd" \
	--pid "file=$T/daemon.pid" --flags not-need-init,startup-clear \
	>"$T/daemon.out" 2>&1
rc=$?
dpid=$(cat "$T/daemon.pid" 2>/dev/null)
[ -n "$dpid" ] && T_PIDS[daemon]=$dpid
check "--daemon: launcher exit 0" "0" "$rc"
check_re "--daemon: pid file written when the launcher returns" '^[0-9]+$' \
	"$dpid"
check_cmd "--daemon: sockets exist when the launcher returns" \
	test -S "$T/dc" -a -S "$T/dd"
check_cmd "--daemon: the daemon runs" test -d "/proc/$dpid"
ppid=$(awk '{print $4}' "/proc/$dpid/stat" 2>/dev/null)
if [ "$ppid" != "$$" ]; then
	ok "--daemon: daemon is not our child"
else
	notok "--daemon: daemon is not our child"
fi
sid=$(awk '{print $6}' "/proc/$dpid/stat" 2>/dev/null)
if [ -n "$sid" ] && [ "$sid" != "$dpid" ] && [ "$sid" != "$(ps -o sid= $$ |
	tr -d ' ')" ]; then
	ok "--daemon: new session, not its leader"
else
	notok "--daemon: new session, not its leader (sid $sid pid $dpid)"
fi
check_re "--daemon: serves the data channel (TPM started)" \
	'^800100000014000000000008[0-9a-f]{16}$' \
	"$(tw conn d "unix:$T/dd" x 80010000000c0000017b0008)"
check "--daemon: SHUTDOWN" "00000000" "$(tw_each "unix:$T/dc" 00000003)"
if wait_for 5 t_dead "$dpid"; then
	ok "--daemon: daemon exits after SHUTDOWN"
	unset "T_PIDS[daemon]"
else
	notok "--daemon: daemon exits after SHUTDOWN"
fi
check "--daemon: pid file removed" "no" \
	"$([ -e "$T/daemon.pid" ] && echo yes || echo no)"
timeout 20 "$SWTPM" socket --tpm2 -d --tpmstate "dir=$T/missing" \
	--ctrl "type=unixio,path=$T/dc" --flags not-need-init \
	>"$T/daemon.out" 2>&1
check "--daemon with a start-up failure: launcher exit 1" "1" "$?"
check_re "--daemon with a start-up failure: error on stderr" \
	'Could not initialize libtpms' "$(cat "$T/daemon.out")"

echo "# --- --log file=,level=2"
sw_start l socket --tpm2 --tpmstate "dir=$S" --ctrl "type=unixio,path=$T/c" \
	--server "type=unixio,path=$T/d" \
	--log "file=$T/log,level=2,prefix=PFX" || exit 1
tw conn c "unix:$T/c" x 00000001 x 00000014 conn d "unix:$T/d" \
	x '8001 00000014 0000017e 00000001 000b 03 000002' >/dev/null
sw_stop l
C=${CAPS2^^}
want="PFX Ctrl Cmd: length 4
PFX 00 00 00 01 
PFX Ctrl Rsp: length 8
PFX 00 00 00 00 ${C:0:2} ${C:2:2} ${C:4:2} ${C:6:2} 
PFX Ctrl Cmd: length 4
PFX 00 00 00 14 
PFXError: Unknown command: 0x00000014
PFX Ctrl Rsp: length 4
PFX 00 00 00 0A 
PFX SWTPM_IO_Read: length 20
PFX 80 01 00 00 00 14 00 00 01 7E 00 00 00 01 00 0B 
PFX 03 00 00 02 
PFX SWTPM_IO_Write: length 10
PFX 80 01 00 00 00 0A 00 00 01 01 "
check "level 2 dump of control and data traffic" "$want" \
	"$(head -n 14 "$T/log")"
sw_start l socket --tpm2 --tpmstate "dir=$S" --ctrl "type=unixio,path=$T/c" \
	--log "file=$T/log1,level=1" || exit 1
tw conn c "unix:$T/c" x 00000001 x 00000014 >/dev/null
sw_stop l
check "level 1: errors only, no prefix" \
	"Error: Unknown command: 0x00000014" "$(cat "$T/log1")"

echo "# --- second instance on the same state directory"
sw_start a socket --tpm2 --tpmstate "dir=$S" --ctrl "type=unixio,path=$T/c" ||
	exit 1
check "first instance: INIT" "00000000" \
	"$(tw_each "unix:$T/c" '00000002 00000000')"
sw_start b socket --tpm2 --tpmstate "dir=$S" --ctrl "type=unixio,path=$T/c2" ||
	exit 1
check "second instance: INIT -> TPM_FAIL (storage locked)" "00000009" \
	"$(tw_each "unix:$T/c2" '00000002 00000000')"
sw_stop a
check "second instance: INIT after the first exited" "00000000" \
	"$(tw_each "unix:$T/c2" '00000002 00000000')"
sw_stop b

echo "# --- --print-states"
mkdir -p "$T/empty"
check "--print-states, empty dir (no newline)" \
	'{ "type": "swtpm", "states": [] }|' \
	"$("$SWTPM" socket --tpm2 --tpmstate "dir=$T/empty" --print-states; \
		echo "|")"
check "--print-states, TPM 2 dir" \
	"{ \"type\": \"swtpm\", \"states\": [ {\"name\": \"permall\", \"size\": $(stat -c %s "$S/tpm2-00.permall")} ] }|" \
	"$("$SWTPM" socket --tpm2 --tpmstate "dir=$S" --print-states; \
		echo "|")"
TPM_PATH=$S "$SWTPM" socket --tpm2 --print-states >"$T/err" 2>&1
check "--print-states without --tpmstate (TPM_PATH set): exit 1" "1" "$?"
check_re "--print-states without --tpmstate: message" \
	'--tpmstate option is required for --print-states' "$(cat "$T/err")"

echo "# --- --print-capabilities"
for v in "" --tpm2; do
	out=$("$SWTPM" socket $v --print-capabilities; echo "rc=$?")
	check "--print-capabilities $v: exit 0, newline at end" "rc=0" \
		"${out##*$'\n'}"
	json=${out%$'\n'*}
	check_cmd "--print-capabilities $v: valid JSON with tpm-1.2, tpm-2.0" \
		"$PYTHON" -c 'import json, sys
d = json.loads(sys.argv[1])
assert d["type"] == "swtpm"
assert "tpm-2.0" in d["features"] and "tpm-1.2" in d["features"]
assert "tpm-send-command-header" in d["features"]
assert list(d)[0] == "type" and list(d)[-1] == "version"' "$json"
done
out=$("$SWTPM" socket --tpm2 --print-capabilities)
check_re "--tpm2: rsa-keysize-2048 and -3072" \
	'"rsa-keysize-2048", "rsa-keysize-3072"' "$out"
if [ "$(uname -m)" = x86_64 ] && [ "$IS_REF" != 1 ]; then
	check_re "--print-capabilities: cmdarg-seccomp (x86_64)" \
		'"ctrl-opt-terminate", "cmdarg-seccomp", "cmdarg-key-fd"' "$out"
fi
out=$("$SWTPM" chardev --print-capabilities)
check_re "chardev --print-capabilities" '"tpm-2.0"' "$out"

echo "# --- exit status of option errors"
expect_rc()
{
	local want=$1 re=$2 rc
	shift 2
	env -u TPM_PORT -u TPM_PATH timeout 5 "$SWTPM" "$@" \
		>"$T/err" 2>&1 </dev/null
	rc=$?
	check "swtpm $*: exit $want" "$want" "$rc"
	[ -z "$re" ] || check_re "swtpm $*: message" "$re" "$(cat "$T/err")"
}
expect_rc 0 '^TPM emulator version [0-9]+\.[0-9]+\.[0-9]+' --version
expect_rc 0 'socket' --help
expect_rc 0 '' socket --help
expect_rc 1 'Missing TPM interface type'
echo "# --- --seccomp"
# The filter is in place while the emulator serves, and a TPM command, a
# whole migration cycle and CMD_SHUTDOWN run under it: exit 0, no SIGSYS.
# (Sanitizer builds too: their filter also lets LeakSanitizer work.)
for act in default kill log none; do
	opt=(--seccomp "action=$act")
	[ "$act" = default ] && opt=()
	sw_start sc socket --tpm2 --tpmstate "dir=$S" \
		--ctrl "type=unixio,path=$T/c" --server "type=unixio,path=$T/d" \
		--flags not-need-init,startup-clear "${opt[@]}" || continue
	want=2
	[ "$act" = none ] && want=0
	check "seccomp $act: filter mode of the process" "$want" \
		"$(awk '/^Seccomp:/ {print $2}' "/proc/$(sw_pid sc)/status")"
	check_re "seccomp $act: TPM2_GetRandom" '^80010000001400000000' \
		"$(tw conn d "unix:$T/d" x 80010000000c0000017b0008)"
	ok_cycle=1
	for a in "--save permanent $T/p.blob" "--save volatile $T/v.blob" \
	    --stop "--load permanent $T/p.blob" "--load volatile $T/v.blob" \
	    -i -s; do
		# shellcheck disable=SC2086
		"$top_builddir/swtpm_ioctl" --unix "$T/c" $a >"$T/io" 2>&1 ||
			ok_cycle=0
	done
	check "seccomp $act: migration cycle and shutdown" 1 "$ok_cycle"
	sw_wait sc 5
	check "seccomp $act: exit 0" 0 "$SW_RC"
done
expect_rc 1 'Unsupported seccomp log action foo' socket --seccomp action=foo

echo "# --- systemd notify (NOTIFY_SOCKET, a path and an abstract name)"
# listen NAME ADDR: receive one datagram on ADDR into $T/NAME.got
listen_dgram()
{
	"$PYTHON" -c 'import socket, sys
a = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + a[1:] if a[0] == "@" else a)
open(sys.argv[2] + ".ready", "w").close()
s.settimeout(20)
try:
    d = s.recv(256)
except socket.timeout:
    d = b"timeout"
open(sys.argv[2], "wb").write(d)' "$2" "$T/$1.got" &
	LPID=$!
	wait_for 10 test -e "$T/$1.got.ready"
}
if [ "$IS_REF" != 1 ]; then
	for addr in "$T/notify" "@swtpm-test-$$"; do
		rm -f "$T/n.got" "$T/n.got.ready"
		listen_dgram n "$addr"
		export NOTIFY_SOCKET=$addr
		sw_start nt socket --tpm2 --tpmstate "dir=$S" \
			--ctrl "type=unixio,path=$T/c" --flags not-need-init
		unset NOTIFY_SOCKET
		wait_for 10 test -s "$T/n.got"
		check "notify $addr: READY=1" "READY=1" "$(cat "$T/n.got")"
		sw_stop nt
		wait "$LPID"
	done
fi

expect_rc 1 "Unsupported TPM interface type 'foo'" foo
expect_rc 1 "unrecognized option '--version'" socket --version
expect_rc 1 "Unknown parameter 'extra'" socket extra
expect_rc 1 "Unknown option 'foo=bar'" socket --tpmstate foo=bar
expect_rc 1 'The dir or backend-uri parameters is required' \
	socket --tpmstate mode=0600
expect_rc 1 '' socket --server type=tcp
expect_rc 1 '' socket --ctrl type=foo
expect_rc 1 'Missing path and fd options for UnixIO control channel' \
	socket --ctrl type=unixio
expect_rc 1 'Missing path and file descriptor option for UnixIO socket' \
	socket --server type=unixio
expect_rc 1 'Port is outside valid range' socket -p 70000
expect_rc 1 '' socket --log file="$T/missing/log"
expect_rc 1 "Unknown option 'foo=1'" socket --pid foo=1
expect_rc 1 "Unknown option 'foo'" socket --locality foo
expect_rc 1 'Could not initialize libtpms' socket --tpm2 \
	--flags not-need-init --tpmstate "dir=$T/missing"

t_done
