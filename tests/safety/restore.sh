#!/bin/bash
# restore.sh - after SET_STATEBLOB and INIT the permanent state on disk is
# the injected one, and after INIT the TPM runs on the state on disk,
# whatever happened to the files while the daemon held a copy in memory
# (issue: a skipped "identical" rewrite lost a TPM). First the issue's own
# steps on a TPM that was never started (-i, --save permanent, rm, --stop,
# --load permanent, -i, -s). Then each case makes a state A (NV counter
# 1), restarts the daemon on it without starting the TPM (so that
# --stop writes nothing), -i, saves the permanent blob so that the
# daemon's copy equals what comes back, changes the file under it, then
# --stop, --load permanent, -i; a fresh daemon on the same files must
# then see A:
#   deleted        tpm2-00.permall removed
#   replaced       another TPM's file renamed over it (new inode)
#   overwritten    another TPM's file copied into it (same inode)
#   truncated      cut to 0 bytes, and to 100 bytes
#   linear         file:// store overwritten in place with another store
# and one without SET_STATEBLOB:
#   dir restored   the directory copied back from a backup taken at A
#                  while stopped: INIT must load A from disk, not the
#                  copy (state B) in memory.
. "$top_srcdir/tests/lib/common.sh"
t_init

RAW=$top_srcdir/tests/safety/tpm2raw.py
IOCTL=${SWTPM_IOCTL:-$top_builddir/swtpm_ioctl}
P=tpm2-00.permall
[ -x "$IOCTL" ] || { echo "SKIP: no swtpm_ioctl"; exit 77; }

raw()
{
	"$PYTHON" "$RAW" "$@"
}

# start NAME STATE-OPTION: daemon NAME on unix sockets in $T
start()
{
	sw_start "$1" socket --tpm2 --tpmstate "$2" \
		--server "type=unixio,path=$T/$1.d" \
		--ctrl "type=unixio,path=$T/$1.c" \
		--flags not-need-init,startup-clear
}

io()
{
	local name=$1
	shift
	"$IOCTL" --unix "$T/$name.c" "$@"
}

# make_state NAME STATE-OPTION VALUE: a TPM with the NV counter at VALUE
make_state()
{
	start "$1" "$2" || t_done
	check "$1: NV define" 0 "$(raw nvdefine "unix:$T/$1.d")"
	check "$1: NV write $3" 0 "$(raw nvwrite "unix:$T/$1.d" "$3")"
}

# seen_by_fresh_daemon DESC STATE-OPTION WANT: NV counter a new daemon reads
seen_by_fresh_daemon()
{
	local desc=$1
	if start fresh "$2"; then
		check "$desc: a fresh daemon reads the injected state" "$3" \
			"$(raw nvread "unix:$T/fresh.d")"
		sw_stop fresh
	else
		notok "$desc: a fresh daemon starts on the state"
	fi
}

# inject DESC NAME BLOB: --stop, --load permanent BLOB, -i
inject()
{
	check "$1: stop" 0 "$(io "$2" --stop >/dev/null 2>&1; echo $?)"
	check "$1: load permanent" 0 \
		"$(io "$2" --load permanent "$3" >/dev/null 2>&1; echo $?)"
	check "$1: init" 0 "$(io "$2" -i >/dev/null 2>&1; echo $?)"
}

# holds_blob DESC FILE BLOB: the state file holds the blob's plaintext
# (no keys: after the blob's header, migration and data records, 22
# bytes; after the file's header and data record, 16 bytes)
holds_blob()
{
	check_cmd "$1: the file holds the injected state" cmp -s \
		<(tail -c +23 "$3") <(tail -c +17 "$2")
}

# reinit DESC NAME STATE-OPTION: restart NAME on the state, TPM not
# started, and save its permanent state to $T/NAME.blob. The state goes
# through one --load and -i first, so that the file holds exactly what
# libtpms writes after SET_STATEBLOB of it.
reinit()
{
	sw_stop "$2"
	sw_start "$2" socket --tpm2 --tpmstate "$3" \
		--server "type=unixio,path=$T/$2.d" \
		--ctrl "type=unixio,path=$T/$2.c" || t_done
	check "$1: -i" 0 "$(io "$2" -i >/dev/null 2>&1; echo $?)"
	check "$1: save permanent" 0 \
		"$(io "$2" --save permanent "$T/$2.blob" >/dev/null 2>&1; echo $?)"
	inject "$1 (settle)" "$2" "$T/$2.blob"
	check "$1: save permanent again" 0 \
		"$(io "$2" --save permanent "$T/$2.blob" >/dev/null 2>&1; echo $?)"
}

# another TPM's state (NV counter 7), to put in place of ours
O=$T/other
mkdir -p "$O"
make_state other "dir=$O" 7
sw_stop other
make_state otherlin "backend-uri=file://$T/other.lin" 7
sw_stop otherlin

# ------------------------------------------ the issue's steps, verbatim
D=$T/issue
mkdir -p "$D"
sw_start a socket --tpm2 --tpmstate "dir=$D" \
	--server "type=unixio,path=$T/a.d" --ctrl "type=unixio,path=$T/a.c" ||
	t_done
check "issue steps: -i" 0 "$(io a -i >/dev/null 2>&1; echo $?)"
check "issue steps: save permanent" 0 \
	"$(io a --save permanent "$T/a.blob" >/dev/null 2>&1; echo $?)"
rm -f "$D/$P"
inject "issue steps" a "$T/a.blob"
check "issue steps: -s" 0 "$(io a -s >/dev/null 2>&1; echo $?)"
sw_wait a 5
check_cmd "issue steps: $P written again" test -f "$D/$P"
holds_blob "issue steps" "$D/$P" "$T/a.blob"

# dir_case DESC MUTATION: the directory cases
dir_case()
{
	local desc=$1 mutate=$2 D=$T/d-$RANDOM$RANDOM
	mkdir -p "$D"
	make_state a "dir=$D" 1
	reinit "$desc" a "dir=$D"
	( cd "$D" && eval "$mutate" )
	inject "$desc" a "$T/a.blob"
	check_cmd "$desc: $P written again" test -f "$D/$P"
	holds_blob "$desc" "$D/$P" "$T/a.blob"
	check "$desc: the running TPM has the injected state" "0 1" \
		"$(raw startup "unix:$T/a.d") $(raw nvread "unix:$T/a.d")"
	sw_stop a
	seen_by_fresh_daemon "$desc" "dir=$D" 1
}

dir_case "deleted" "rm -f $P"
dir_case "replaced" "cp $O/$P new && mv new $P"
dir_case "overwritten" "cp $O/$P $P"
dir_case "truncated to 0" ": >$P"
dir_case "truncated to 100" "truncate -s 100 $P"

# ---------------------------------------------------- linear file store
L=$T/a.lin
make_state a "backend-uri=file://$L" 1
reinit linear a "backend-uri=file://$L"
ino=$(stat -c %i "$L")
cp "$T/other.lin" "$L"
check "linear: overwritten in place (same inode)" "$ino" "$(stat -c %i "$L")"
inject "linear" a "$T/a.blob"
sw_stop a
seen_by_fresh_daemon "linear" "backend-uri=file://$L" 1

# ------------------------------- directory restored from a backup (no load)
D=$T/restored
mkdir -p "$D"
make_state a "dir=$D" 1
check "dir restored: save permanent (the daemon keeps a copy)" 0 \
	"$(io a --save permanent "$T/a.blob" >/dev/null 2>&1; echo $?)"
cp -a "$D" "$T/backup"
check "dir restored: NV write 2 (state B)" 0 "$(raw nvwrite "unix:$T/a.d" 2)"
check "dir restored: stop" 0 "$(io a --stop >/dev/null 2>&1; echo $?)"
cp -a "$T/backup/$P" "$D/$P"
check "dir restored: init" 0 "$(io a -i >/dev/null 2>&1; echo $?)"
check "dir restored: the TPM runs on the restored state" "0 1" \
	"$(raw startup "unix:$T/a.d") $(raw nvread "unix:$T/a.d")"
check "dir restored: GET_STATEBLOB hands out the restored state" 0 \
	"$(io a --save permanent "$T/a2.blob" >/dev/null 2>&1; echo $?)"
sw_stop a
seen_by_fresh_daemon "dir restored" "dir=$D" 1

t_done
