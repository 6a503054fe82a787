#!/bin/bash
# backup.sh - --tpmstate dir=...,backup (state-storage.md §2.6): every
# write of the permanent state keeps the file it replaces as
# tpm2-00.permall.bak; a permanent state that cannot be loaded (here: a
# flipped byte under --key, so the HMAC fails) is replaced by the backup
# at start, with the log line of upstream; if the backup fails too, both
# files are put back exactly as they were; a lone backup becomes the
# permanent state; without the option nothing of this happens. (A state
# from SET_STATEBLOB is never swapped for the backup, but libtpms checks
# such a state when it arrives, so INIT cannot fail on it here.)
. "$top_srcdir/tests/lib/common.sh"
t_init

RAW=$top_srcdir/tests/safety/tpm2raw.py
FLAGS=not-need-init,startup-clear
P=tpm2-00.permall
B=tpm2-00.permall.bak
MSG='Attempting to start with backup state file\.'

printf '000102030405060708090a0b0c0d0e0f\n' >"$T/key"

raw()
{
	"$PYTHON" "$RAW" "$@"
}

# start NAME DIR [more --tpmstate options]: daemon NAME on unix sockets
start()
{
	sw_start "$1" socket --tpm2 --tpmstate "dir=$2${3:-,backup}" \
		--key "file=$T/key" --server "type=unixio,path=$T/$1.d" \
		--ctrl "type=unixio,path=$T/$1.c" --flags "$FLAGS"
}

# start_fails DESC NAME DIR [more --tpmstate options]
start_fails()
{
	local desc=$1
	sw_bg "$2" socket --tpm2 --tpmstate "dir=$3${4:-,backup}" \
		--key "file=$T/key" --server "type=unixio,path=$T/$2.d" \
		--ctrl "type=unixio,path=$T/$2.c" --flags "$FLAGS"
	if sw_wait "$2" 10; then
		check "$desc: start refused" 1 "$SW_RC"
	else
		notok "$desc: start refused (still running)"
		sw_stop "$2"
	fi
}

flip()
{
	"$PYTHON" -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2]))
    b = f.read(1)[0]
    f.seek(int(sys.argv[2]))
    f.write(bytes([b ^ 0x40]))' "$1" "$2"
}

sums()
{
	local f
	for f in "$1"/*; do
		echo "$(basename "$f") $(stat -c %i "$f") $(sha256sum <"$f")"
	done
}

sum_of()
{
	sha256sum <"$1" | cut -c1-64
}

# ---------------------------------------------------------- set-up
D=$T/d1
mkdir -p "$D"
start a "$D" || t_done
raw nvdefine "unix:$T/a.d" >/dev/null
check "set-up: NV write 1" 0 "$(raw nvwrite "unix:$T/a.d" 1)"
check_cmd "the first write of a defined index made a backup" test -f "$D/$B"
check "set-up: NV write 2" 0 "$(raw nvwrite "unix:$T/a.d" 2)"
check "the backup differs from the permanent state" 1 \
	"$(cmp -s "$D/$P" "$D/$B"; echo $?)"
check "no temporary file left" "$P $B" "$(cd "$D" && echo *)"
sw_stop a

# ------------------------------------ damaged permall: start from backup
good=$(sum_of "$D/$B")
flip "$D/$P" 200
bad=$(sum_of "$D/$P")
start b "$D" || t_done
check_re "damaged permall: log says it uses the backup" "$MSG" \
	"$(sw_out b)"
# (TPM2_Startup has rewritten permall since: the good file is the backup)
check "damaged permall: the good file is kept" "$good" \
	"$(for f in "$D"/*; do [ "$(sum_of "$f")" = "$good" ] && sum_of "$f"
	    done)"
check "damaged permall: NV index from the backup" 2 \
	"$(raw nvread "unix:$T/b.d")"
sw_stop b
check "damaged permall: the damaged file is gone once rewritten" "" \
	"$(for f in "$D"/*; do [ "$(sum_of "$f")" = "$bad" ] && echo "$f"
	    done)"

# --------------------------------------- both damaged: files put back
flip "$D/$P" 200
flip "$D/$B" 200
before=$(sums "$D")
start_fails "both damaged" c "$D"
check_re "both damaged: tried the backup" "$MSG" "$(sw_out c)"
check "both damaged: files, names and inodes as before" "$before" \
	"$(sums "$D")"
flip "$D/$P" 200
flip "$D/$B" 200

# ----------------------------------- lone backup becomes the permanent
D2=$T/d2
mkdir -p "$D2"
cp "$D/$P" "$D2/$B"
start e "$D2" || t_done
check "lone backup: NV index" 2 "$(raw nvread "unix:$T/e.d")"
sw_stop e
check_cmd "lone backup: now the permanent state" test -f "$D2/$P"

# ----------------------------------------------- without the option
D3=$T/d3
mkdir -p "$D3"
cp "$D/$P" "$D/$B" "$D3/"
flip "$D3/$P" 200
before=$(sums "$D3")
start_fails "without backup" f "$D3" ","
check "without backup: no attempt" 0 "$(sw_out f | grep -c "$MSG")"
check "without backup: files untouched" "$before" "$(sums "$D3")"

# ------------------------------------------------------ linear backend
out=$(timeout 5 "$SWTPM" socket --tpm2 \
	--tpmstate "backend-uri=file://$T/lin,backup" 2>&1)
check "linear backend: backup refused" 1 "$?"
check_re "linear backend: message" 'backup parameter of --tpmstate needs' \
	"$out"

t_done
