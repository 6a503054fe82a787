#!/bin/bash
# jsonlog.sh - --log ...,format=json (swtpm(8) LOGGING): a migration
# cycle (NV writes, a client that disconnects, one that is dropped,
# GET_STATEBLOB on the source, SET_STATEBLOB and INIT on an incoming
# destination), logged once as JSON and once as text at level 3. Every
# JSON line parses and has the documented fields, the events come in
# order, and the text log carries the same events. An unsupported
# format is refused like other bad --log options.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
t_init
[ "$IS_REF" = 1 ] && { echo "SKIP: format=json is ours"; exit 77; }
IOCTL=$top_builddir/swtpm_ioctl
t_need "$IOCTL"
HELPER=$top_srcdir/tests/integration/jsonlog.py
RAW=$top_srcdir/tests/safety/tpm2raw.py

raw()
{
	"$PYTHON" "$RAW" "$@"
}

# One migration cycle, logged in format $1: $T/$1/a.log (source) and
# $T/$1/b.log (destination).
cycle()
{
	local f=$1 d=$T/$1 t
	mkdir -p "$d/a" "$d/b"
	sw_start "a$f" socket --tpm2 --tpmstate "dir=$d/a" \
	    --ctrl "type=unixio,path=$d/ca" \
	    --server "type=unixio,path=$d/da" \
	    --flags not-need-init,startup-clear \
	    --log "file=$d/a.log,level=3,format=$f" || return 1
	check "$f: NV define" 0 "$(raw nvdefine "unix:$d/da")"
	check "$f: NV write" 0 "$(raw nvwrite "unix:$d/da" 4711)"
	# half a control request: dropped after its deadline
	check "$f: dropped control client" EOF \
	    "$(tw conn c "unix:$d/ca" send 0000 recv)"
	for t in permanent volatile savestate; do
		check_cmd "$f: source --save $t" "$IOCTL" --unix "$d/ca" \
		    --save $t "$d/$t.blob"
	done
	check_cmd "$f: source --stop" "$IOCTL" --unix "$d/ca" --stop
	sw_stop "a$f"
	check "$f: source exit status" 0 "$SW_RC"

	sw_start "b$f" socket --tpm2 --tpmstate "dir=$d/b" \
	    --ctrl "type=unixio,path=$d/cb" \
	    --server "type=unixio,path=$d/db" --migration incoming \
	    --log "file=$d/b.log,level=3,format=$f,prefix=B: " || return 1
	check_cmd "$f: destination --stop" "$IOCTL" --unix "$d/cb" --stop
	for t in permanent volatile; do
		check_cmd "$f: destination --load $t" "$IOCTL" --unix "$d/cb" \
		    --load $t "$d/$t.blob"
	done
	check_cmd "$f: destination -i" "$IOCTL" --unix "$d/cb" -i
	check "$f: NV index survived" 4711 "$(raw nvread "unix:$d/db")"
	check_cmd "$f: destination -s" "$IOCTL" --unix "$d/cb" -s
	sw_wait "b$f" 5
	check "$f: destination exit status" 0 "$SW_RC"
}

# in_order FILE LINE...: the LINEs occur in FILE in this order
in_order()
{
	local f=$1 n=0 s
	shift
	for s in "$@"; do
		n=$(awk -v from="$n" -v s="$s" \
		    'NR > from && $0 == s { print NR; exit }' "$f")
		if [ -z "$n" ]; then
			echo "#   missing (in this order): $s"
			sed 's/^/#     /' "$f"
			return 1
		fi
	done
}

cycle json || t_done
cycle text || t_done

for side in a b; do
	if "$PYTHON" "$HELPER" json "$T/json/$side.log" >"$T/$side.jsum" \
	    2>"$T/helper.err"; then
		ok "$side: every JSON line parses and has the documented fields"
	else
		notok "$side: every JSON line parses and has the documented fields"
		sed 's/^/#   /' "$T/helper.err"
	fi
	pfx=
	[ $side = b ] && pfx="B: "
	"$PYTHON" "$HELPER" text "$T/text/$side.log" "$pfx" >"$T/$side.tsum" ||
	    notok "$side: text log readable"
	if cmp -s "$T/$side.jsum" "$T/$side.tsum"; then
		ok "$side: the text log carries the same events"
	else
		notok "$side: the text log carries the same events"
		diff "$T/$side.jsum" "$T/$side.tsum" | sed 's/^/#   /'
	fi
done
check "JSON lines only (one object per line)" "" \
    "$(grep -v '^{"v":1,"ts":"[^"]*","level":"[a-z]*","event":"' \
    "$T/json/a.log" "$T/json/b.log")"
check "prefix as a field" "$(wc -l <"$T/json/b.log")" \
    "$(grep -c '"prefix":"B: "' "$T/json/b.log")"
check "text lines carry the prefix" "$(wc -l <"$T/text/b.log")" \
    "$(grep -c '^B: ' "$T/text/b.log")"

check_cmd "source: events in order" in_order "$T/a.jsum" \
    "start" "listening channel=ctrl" "listening channel=data" \
    "lock_acquired" "state_written blob=permall" "init" \
    "client_connected channel=data" "dump title=SWTPM_IO_Read" \
    "state_written blob=permall" "dump title=SWTPM_IO_Write" \
    "client_disconnected channel=data reason=eof" \
    "client_connected channel=ctrl" \
    "client_dropped channel=ctrl reason=incomplete_request" \
    "client_connected channel=ctrl" \
    "migration_out blob=permall" \
    "client_disconnected channel=ctrl reason=eof" \
    "migration_out blob=volatilestate" \
    "lock_released reason=migration_out" \
    "stop" "shutdown reason=signal"
check_cmd "destination: events in order" in_order "$T/b.jsum" \
    "start" "listening channel=ctrl" "listening channel=data" \
    "client_connected channel=ctrl" "lock_acquired" \
    "migration_in blob=permall" "migration_in blob=volatilestate" \
    "init" "client_connected channel=data" \
    "client_disconnected channel=data reason=eof" \
    "lock_released reason=exit" "shutdown reason=ctrl_shutdown"
check "source: no errors" "" "$(grep '"level":"error"' "$T/json/a.log")"
check "destination: no errors" "" \
    "$(grep '"level":"error"' "$T/json/b.log")"
line=$(grep '"event":"state_written"' "$T/json/a.log" | head -n 1)
check_re "state_written: blob, bytes and duration" \
    '"blob":"permall","bytes":[1-9][0-9]*,"duration_us":[0-9]+,' "$line"
line=$(grep '"event":"migration_in"' "$T/json/b.log" | head -n 1)
check_re "migration_in: the blob's size" \
    "\"bytes\":$(stat -c %s "$T/json/permanent.blob")," "$line"

echo "# --- levels 1 and 2 of the text log: the reference's lines only"
for lvl in 1 2; do
	mkdir -p "$T/l$lvl"
	sw_start "l$lvl" socket --tpm2 --tpmstate "dir=$T/l$lvl" \
	    --ctrl "type=unixio,path=$T/l$lvl/c" \
	    --server "type=unixio,path=$T/l$lvl/d" \
	    --flags not-need-init,startup-clear \
	    --log "file=$T/l$lvl.log,level=$lvl" || t_done
	raw nvdefine "unix:$T/l$lvl/d" >/dev/null
	"$IOCTL" --unix "$T/l$lvl/c" --save permanent "$T/l$lvl/p.blob"
	"$IOCTL" --unix "$T/l$lvl/c" -s
	sw_wait "l$lvl" 5
done
check "level 1: nothing logged" "" "$(cat "$T/l1.log")"
title='(SWTPM_IO_(Read|Write)|Ctrl (Cmd|Rsp|Rsp Continued))'
check "level 2: only dump lines" "" \
    "$(grep -v -E "^ ($title: length [0-9]+|([0-9A-F]{2} )+)\$" \
    "$T/l2.log")"
check_re "level 2: dumps" 'Ctrl Rsp Continued: length' "$(cat "$T/l2.log")"

echo "# --- an error event carries its cause"
mkdir -p "$T/err"
: >"$T/err/tpm2-00.permall"
sw_bg bad socket --tpm2 --tpmstate "dir=$T/err" \
    --ctrl "type=unixio,path=$T/ce" --flags not-need-init \
    --log "file=$T/err.log,format=json,level=1"
sw_wait bad 10
check "broken state: exit 1" 1 "$SW_RC"
"$PYTHON" "$HELPER" json "$T/err.log" >"$T/err.sum" 2>&1
check "broken state: the log parses" 0 $?
check_re "broken state: error events with the cause" \
    "msg:Error: cannot load state file '$T/err/tpm2-00.permall' \\(0 bytes\\)" \
    "$(cat "$T/err.sum")"
check_re "broken state: and the consequence" \
    'msg:Error: Could not initialize libtpms' "$(cat "$T/err.sum")"
check "level 1: only errors, warnings, notices" "" \
    "$(grep -v '"event":"\(error\|warning\|notice\)"' "$T/err.log")"

echo "# --- bad format"
out=$("$SWTPM" socket --tpm2 --ctrl type=unixio,path="$T/cx" \
    --log "file=$T/x.log,format=xml" 2>&1)
check "format=xml: exit 1" 1 $?
check "format=xml: message" "swtpm: Error parsing logging options: \
unsupported format 'xml' (text or json)" "$out"
check_cmd "format=xml: no log file" test ! -e "$T/x.log"
t_done
