#!/bin/bash
# fds.sh - state file modes, the storage lock, and file descriptor leaks.
# * modes: state files get the configured mode= exactly (whatever the
#   umask); without mode= our default is 0600 (the reference: 0640 minus
#   the umask); a mode is fixed when an existing file is loaded.
# * lock: a second instance on the same state cannot INIT while the first
#   runs, also after the first got STOP; it can once the first is gone.
# * fds: /proc/PID/fd stays constant over 10,000 migration cycles
#   (GET_STATEBLOB 1+2, STOP, SET_STATEBLOB 1+2, INIT(1)) and 10,000
#   STOP/INIT pairs on one control connection, and over cycles in which
#   the daemon writes, renames and deletes files (NV_Write,
#   STORE_VOLATILE, STOP, INIT(1)); tests/safety/fdloop.py.  FD_CYCLES
#   changes the 10,000; each loop also has a time budget.
. "$top_srcdir/tests/lib/common.sh"
t_init
t_need stat

RAW=$top_srcdir/tests/safety/tpm2raw.py
CYCLES=${FD_CYCLES:-10000}
INIT0=0000000200000000

raw()
{
	"$PYTHON" "$RAW" "$@"
}

# sk NAME: SK = the socket options of daemon NAME (unix sockets in $T)
sk()
{
	SK=(--server "type=unixio,path=$T/$1.d"
	    --ctrl "type=unixio,path=$T/$1.c")
}

mode_of()
{
	stat -c %a "$1" 2>/dev/null || echo missing
}

# --------------------------------------------------------------- modes
# startu UMASK NAME STATEOPT [ARGS]: daemon with a started TPM 2, run
# with the given umask
startu()
{
	local um=$1 n=$2 so=$3 old
	shift 3
	old=$(umask)
	umask "$um"
	sk "$n"
	sw_start "$n" socket --tpm2 --tpmstate "$so" "${SK[@]}" \
		--flags not-need-init,startup-clear "$@"
	local rc=$?
	umask "$old"
	return $rc
}

# modecase DESC UMASK STATEOPT FILE EXPECTED
modecase()
{
	local desc=$1 um=$2 so=$3 file=$4 want=$5
	startu "$um" m "$so" || return
	# define + write: permall is written by the daemon
	raw nvdefine "unix:$T/m.d" >/dev/null
	check "mode: $desc: NV write" 0 "$(raw nvwrite "unix:$T/m.d" 7)"
	check "mode: $desc" "$want" "$(mode_of "$file")"
	sw_stop m
}

if [ "$IS_REF" = 1 ]; then
	DEFMODE=640
else
	DEFMODE=600
fi
mkdir -p "$T/m1" "$T/m2" "$T/m3" "$T/m4" "$T/m5" "$T/m6"
modecase "default, umask 022" 022 "dir=$T/m1" "$T/m1/tpm2-00.permall" \
	$DEFMODE
echo "# default mode of a new state file: $(mode_of "$T/m1/tpm2-00.permall")"
check "mode: .lock is 0660 minus the umask" 640 "$(mode_of "$T/m1/.lock")"
modecase "mode=0600, umask 022" 022 "dir=$T/m2,mode=0600" \
	"$T/m2/tpm2-00.permall" 600
modecase "mode=0640, umask 077 (exact)" 077 "dir=$T/m3,mode=0640" \
	"$T/m3/tpm2-00.permall" 640
modecase "mode=0604, umask 022 (exact)" 022 "dir=$T/m4,mode=0604" \
	"$T/m4/tpm2-00.permall" 604
modecase "linear file, default" 022 "backend-uri=file://$T/m5/lin" \
	"$T/m5/lin" $DEFMODE
modecase "linear file, mode=0640, umask 077" 077 \
	"backend-uri=file://$T/m6/lin,mode=0640" "$T/m6/lin" 640

# STORE_VOLATILE: the volatile state gets the mode too
startu 077 m "dir=$T/m3,mode=0640" && {
	check "mode: STORE_VOLATILE" 00000000 \
		"$(tw conn c "unix:$T/m.c" x 0000000a)"
	check "mode: volatilestate with mode=0640, umask 077" 640 \
		"$(mode_of "$T/m3/tpm2-00.volatilestate")"
	sw_stop m
}

# fix-up when loading (state-storage.md §2.3): with mode= the file gets
# it; without, a file lacking the owner write bit gets the default.
chmod 0644 "$T/m2/tpm2-00.permall"
sk m
if sw_start m socket --tpm2 --tpmstate "dir=$T/m2,mode=0600" "${SK[@]}" \
	--flags not-need-init; then
	check "mode: 0644 file loaded with mode=0600 is fixed" 600 \
		"$(mode_of "$T/m2/tpm2-00.permall")"
	sw_stop m
fi
chmod 0400 "$T/m1/tpm2-00.permall"
sk m
if sw_start m socket --tpm2 --tpmstate "dir=$T/m1" "${SK[@]}" \
	--flags not-need-init; then
	check "mode: read-only file loaded without mode= is fixed" $DEFMODE \
		"$(mode_of "$T/m1/tpm2-00.permall")"
	sw_stop m
fi

# ---------------------------------------------------------------- lock
# lockcase DESC STATEOPT
lockcase()
{
	local desc=$1 so=$2 out
	startu 022 la "$so" || return
	sk lb
	sw_start lb socket --tpm2 --tpmstate "$so" "${SK[@]}" || {
		sw_stop la
		return
	}
	check "lock: $desc: second instance INIT refused" 00000009 \
		"$(tw conn c "unix:$T/lb.c" x $INIT0)"
	out=$(sw_out lb)
	check_re "lock: $desc: second instance says why" \
		'[Ll]ock|in use' "$out"
	check "lock: $desc: first instance STOP" 00000000 \
		"$(tw conn c "unix:$T/la.c" x 0000000e)"
	check "lock: $desc: INIT still refused after STOP" 00000009 \
		"$(tw conn c "unix:$T/lb.c" x $INIT0)"
	check "lock: $desc: first instance INIT again" 00000000 \
		"$(tw conn c "unix:$T/la.c" x $INIT0)"
	check "lock: $desc: INIT still refused" 00000009 \
		"$(tw conn c "unix:$T/lb.c" x $INIT0)"
	sk lc
	sw_bg lc socket --tpm2 --tpmstate "$so" "${SK[@]}" \
		--flags not-need-init
	if sw_wait lc 10; then
		check_re "lock: $desc: start with not-need-init fails" \
			'^[1-9]' "$SW_RC"
	else
		notok "lock: $desc: start with not-need-init fails (runs)"
		sw_stop lc
	fi
	sw_stop la
	check "lock: $desc: INIT once the first is gone" 00000000 \
		"$(tw conn c "unix:$T/lb.c" x $INIT0)"
	sw_stop lb
}
mkdir -p "$T/l1" "$T/l2"
lockcase "dir" "dir=$T/l1"
lockcase "linear file, lock=true" "backend-uri=file://$T/l2/lin,lock=true"

# ----------------------------------------------------------------- fds
# fdcase DESC MODE CYCLES BUDGET
fdcase()
{
	local desc=$1 res
	local -a f
	res=$("$PYTHON" "$top_srcdir/tests/safety/fdloop.py" "unix:$T/f.c" \
		"$(sw_pid f)" "$2" "$3" "$4" "unix:$T/f.d")
	echo "# $desc: $res"
	read -r -a f <<<"$res"
	if [ "${f[0]}" != fds ]; then
		notok "fds: $desc: $res"
		return
	fi
	check "fds: $desc: count after 100 cycles" "${f[1]}" "${f[2]}"
	check "fds: $desc: count after ${f[5]} cycles" "${f[1]}" "${f[3]}"
	if [ "${f[5]}" -lt "$3" ]; then
		echo "# $desc: only ${f[5]} of $3 cycles within $4 s"
	fi
}
mkdir -p "$T/f"
if startu 022 f "dir=$T/f"; then
	raw nvdefine "unix:$T/f.d" >/dev/null
	check "fds: NV write" 0 "$(raw nvwrite "unix:$T/f.d" 99)"
	fdcase "migration cycles" full "$CYCLES" 20
	check "fds: state after the migration cycles" 99 \
		"$(raw nvread "unix:$T/f.d")"
	fdcase "STOP/INIT pairs" initstop "$CYCLES" 10
	fdcase "file write/delete cycles" io "$CYCLES" 20
	check "fds: no stray files" ".lock tpm2-00.permall" \
		"$(cd "$T/f" && echo .lock tpm2*)"
	sw_stop f
fi
mkdir -p "$T/fl"
if startu 022 f "backend-uri=file://$T/fl/lin"; then
	raw nvdefine "unix:$T/f.d" >/dev/null
	check "fds: linear: NV write" 0 "$(raw nvwrite "unix:$T/f.d" 99)"
	fdcase "linear file, migration cycles" full 2000 5
	fdcase "linear file, file write cycles" io 1000 8
	sw_stop f
fi

t_done
