#!/bin/sh
# Interop of stored state files with the reference swtpm: files it writes
# (dir and linear backend, AES-128 and AES-256 keys) are read by our
# src/state, and files we write are loaded by it (INIT succeeds, and fails
# with a wrong key, which proves the file was really read).
set -u

command -v swtpm >/dev/null 2>&1 || exit 77
command -v swtpm_ioctl >/dev/null 2>&1 || exit 77
TOOL=${top_builddir:-.}/tests/unit/test_state_tool
[ -x "$TOOL" ] || { echo "missing $TOOL"; exit 99; }

W=$(mktemp -d) || exit 99
PID=
HOLD=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	[ -n "$HOLD" ] && kill "$HOLD" 2>/dev/null && wait "$HOLD" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*"
	[ -f "$W/log" ] && cat "$W/log"
	exit 1
}

# start_ref TPMSTATE KEYOPT [FLAGS]: reference swtpm on unix sockets
start_ref() {
	rm -f "$W/ctrl" "$W/srv" "$W/log"
	timeout 60 swtpm socket --tpm2 --tpmstate "$1" --key "$2" \
	    --ctrl type=unixio,path="$W/ctrl" \
	    --server type=unixio,path="$W/srv" \
	    --log file="$W/log" ${3:+--flags "$3"} &
	PID=$!
	n=0
	# The reference creates a socket's path before it listens on it:
	# wait until both accept a connection, not only for the path.
	while ! python3 -c 'import socket, sys
for p in sys.argv[1:]:
    socket.socket(socket.AF_UNIX).connect(p)' "$W/ctrl" "$W/srv" \
	    2>/dev/null; do
		kill -0 "$PID" 2>/dev/null || fail "swtpm exited at start"
		n=$((n + 1))
		[ $n -gt 200 ] && fail "swtpm did not create its socket"
		sleep 0.05
	done
}

ioctl() {
	timeout 10 swtpm_ioctl --unix "$W/ctrl" "$@"
}

stop_ref() {
	ioctl -s >/dev/null 2>&1 || kill "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
	PID=
}

echo 000102030405060708090a0b0c0d0e0f > "$W/k128"
echo 0x0f0e0d0c0b0a09080706050403020100 > "$W/kbad"
echo 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f \
    > "$W/k256"

# 1. reference writes a directory (AES-128), we read it
mkdir "$W/ref"
start_ref "dir=$W/ref" "file=$W/k128" not-need-init,startup-clear
ioctl -v >/dev/null || fail "STORE_VOLATILE"
stop_ref
for n in permall volatilestate; do
	"$TOOL" get "dir://$W/ref" $n "$W/k128" "$W/$n.plain" ||
	    fail "cannot read reference $n"
	[ -s "$W/$n.plain" ] || fail "empty $n"
	"$TOOL" get "dir://$W/ref" $n - "$W/x" 2>/dev/null &&
	    fail "encrypted $n read without key"
	"$TOOL" get "dir://$W/ref" $n "$W/kbad" "$W/x" 2>/dev/null &&
	    fail "encrypted $n read with a wrong key"
done
echo "ok: reference directory files read"

# 2. reference writes a linear file (AES-256), we read it
start_ref "backend-uri=file://$W/lin" "file=$W/k256,mode=aes-256-cbc" \
    not-need-init,startup-clear
ioctl -v >/dev/null || fail "STORE_VOLATILE (linear)"
stop_ref
out=$("$TOOL" get "file://$W/lin" permall "$W/k256:256" "$W/lp.plain") ||
    fail "cannot read reference linear permall"
[ -z "$out" ] || fail "reference linear file was formatted: $out"
"$TOOL" get "file://$W/lin" volatilestate "$W/k256:256" "$W/lv.plain" ||
    fail "cannot read reference linear volatilestate"
echo "ok: reference linear file read"

# 3. we write a directory (AES-256), the reference loads it
for d in ours bad; do
	mkdir "$W/$d"
	for n in permall volatilestate; do
		"$TOOL" put "dir://$W/$d" $n "$W/k256:256" "$W/$n.plain" ||
		    fail "cannot write $n"
	done
done
start_ref "dir=$W/ours" "file=$W/k256,mode=aes-256-cbc"
ioctl -i >/dev/null || fail "reference cannot INIT from our directory"
grep -q "HMAC" "$W/log" && fail "HMAC complaint"
stop_ref
start_ref "dir=$W/bad" "file=$W/k128"
ioctl -i >/dev/null 2>&1 && fail "INIT with the wrong key size succeeded"
stop_ref
echo "ok: our directory files loaded by the reference"

# 4. we write a linear file (AES-128), the reference loads it
for n in permall volatilestate; do
	"$TOOL" put "file://$W/lin2" $n "$W/k128" "$W/$n.plain" ||
	    fail "cannot write linear $n"
done
cp "$W/lin2" "$W/lin3"
start_ref "backend-uri=file://$W/lin2" "file=$W/k128"
ioctl -i >/dev/null || fail "reference cannot INIT from our linear file"
grep -q "Formatting" "$W/log" && fail "reference formatted our linear file"
stop_ref
start_ref "backend-uri=file://$W/lin3" "file=$W/kbad"
ioctl -i >/dev/null 2>&1 && fail "INIT with a wrong key succeeded"
stop_ref
"$TOOL" get "file://$W/lin2" permall "$W/k128" "$W/x" ||
    fail "cannot read the linear file after the reference used it"
echo "ok: our linear file loaded by the reference"

# 5. the .lock file: the reference's lock excludes us and ours excludes it
start_ref "dir=$W/ours" "file=$W/k256,mode=aes-256-cbc"
ioctl -i >/dev/null || fail "INIT"
"$TOOL" lock "dir://$W/ours" 2>/dev/null
[ $? -eq 3 ] || fail "locked while the reference holds the lock"
stop_ref
"$TOOL" lock "dir://$W/ours" || fail "cannot lock after the reference ended"
mkfifo "$W/go" || exit 99
timeout 60 "$TOOL" hold "dir://$W/ours" "read x < '$W/go'" > "$W/hold" &
HOLD=$!
n=0
until grep -q locked "$W/hold" 2>/dev/null; do
	kill -0 "$HOLD" 2>/dev/null || fail "lock holder exited"
	n=$((n + 1))
	[ $n -gt 200 ] && fail "lock holder did not lock"
	sleep 0.05
done
start_ref "dir=$W/ours" "file=$W/k256,mode=aes-256-cbc"
ioctl -i >/dev/null 2>&1 &&
    fail "reference INIT succeeded while we hold the lock"
stop_ref
grep -q "Could not lock access to lockfile" "$W/log" ||
    fail "reference INIT failed for another reason"
echo go > "$W/go"
wait "$HOLD" || fail "lock holder failed"
HOLD=
echo "ok: locks exclude each other"
exit 0
