#!/bin/bash
# statefiles.sh - what the daemon finds at a state file's name is used
# only if it is a regular file with one link, and the files it believes
# it owns (the locked .lock, the open linear file) are checked again
# before it writes:
#   symlink        tpm2-00.permall -> a foreign file: the start with
#                  not-need-init and CMD_INIT are refused with a message
#                  naming the file; the foreign file keeps its mode and
#                  contents, none of its bytes reach the log
#   symlink (tpm)  tpm2-00.permall -> another TPM's state: INIT and
#                  GET_STATEBLOB refused (no other TPM handed out)
#   hard link      the same with a hard link to another TPM's state
#   .lock FIFO     start-up fails at once with a message, no hang
#   open dir       a state directory writable by others and not sticky
#                  gets a warning; a sticky one does not
#   .lock removed  while daemon a runs; daemon b starts on the same
#                  directory and writes: a's NV write gets a TPM error
#                  and the state stays b's
#   linear moved   the file:// store renamed over while the daemon runs:
#                  the next NV write lands in the file at the path; with
#                  lock=true and another daemon holding the new file, the
#                  write fails instead
. "$top_srcdir/tests/lib/common.sh"
t_init

RAW=$top_srcdir/tests/safety/tpm2raw.py
IOCTL=${SWTPM_IOCTL:-$top_builddir/swtpm_ioctl}
P=tpm2-00.permall
FLAGS=not-need-init,startup-clear
[ -x "$IOCTL" ] || { echo "SKIP: no swtpm_ioctl"; exit 77; }

raw()
{
	"$PYTHON" "$RAW" "$@"
}

# sk NAME: SK = the unix socket options of daemon NAME
sk()
{
	SK=(--server "type=unixio,path=$T/$1.d"
	    --ctrl "type=unixio,path=$T/$1.c")
}

# start NAME STATE-OPTION [ARGS]: daemon NAME, TPM started
start()
{
	local name=$1 so=$2
	shift 2
	sk "$name"
	sw_start "$name" socket --tpm2 --tpmstate "$so" "${SK[@]}" \
		--flags "$FLAGS" "$@"
}

io()
{
	local name=$1
	shift
	"$IOCTL" --unix "$T/$name.c" "$@"
}

# make_state NAME STATE-OPTION VALUE: daemon NAME running a TPM whose NV
# counter is VALUE
make_state()
{
	start "$1" "$2" || t_done
	check "$1: NV define" 0 "$(raw nvdefine "unix:$T/$1.d")"
	check "$1: NV write $3" 0 "$(raw nvwrite "unix:$T/$1.d" "$3")"
}

# nv_of DESC STATE-OPTION WANT: the NV counter a fresh daemon reads
nv_of()
{
	if start fresh "$2"; then
		check "$1" "$3" "$(raw nvread "unix:$T/fresh.d")"
		sw_stop fresh
	else
		notok "$1: a fresh daemon starts on the state"
	fi
}

# start_bg NAME STATE-OPTION: daemon NAME starting the TPM, not waited for
start_bg()
{
	sk "$1"
	sw_bg "$1" socket --tpm2 --tpmstate "$2" "${SK[@]}" --flags "$FLAGS"
}

# exits DESC NAME: NAME exits non-zero within 10 s
exits()
{
	if sw_wait "$2" 10; then
		check_re "$1 (exit $SW_RC)" '^[1-9]' "$SW_RC"
	else
		notok "$1 (still running after 10 s)"
		sw_stop "$2"
	fi
}

# refused_start DESC NAME DIR CAUSE_RE: the daemon with not-need-init
# exits non-zero within 10 s naming DIR/permall and the cause
refused_start()
{
	local desc=$1 name=$2 dir=$3 cause=$4
	start_bg "$name" "dir=$dir"
	exits "$desc: start refused" "$name"
	check_re "$desc: message names the file and the cause" \
		"$dir/$P'?:? .*$cause" "$(sw_out "$name")"
}

# refused_init DESC NAME DIR CAUSE_RE: a daemon on DIR without flags;
# CMD_INIT and GET_STATEBLOB of the permanent state fail
refused_init()
{
	local desc=$1 name=$2 dir=$3 cause=$4
	sk "$name"
	sw_start "$name" socket --tpm2 --tpmstate "dir=$dir" "${SK[@]}" ||
		return
	check "$desc: CMD_INIT refused" 1 \
		"$(io "$name" -i >/dev/null 2>&1; echo $?)"
	check "$desc: GET_STATEBLOB refused" 1 \
		"$(io "$name" --save permanent "$T/$name.blob" >/dev/null 2>&1
		   echo $?)"
	check_out "$desc: INIT message names the file and the cause" \
		"$name" "$dir/$P'?:? .*$cause"
	sw_stop "$name"
}

# another TPM's state (NV counter 7) in a directory and a linear file
O=$T/other
mkdir -p "$O"
make_state other "dir=$O" 7
sw_stop other
make_state otherlin "backend-uri=file://$T/other.lin" 7
sw_stop otherlin
chmod 0440 "$O/$P"
other_sum=$(sha256_of_files "$O/$P")

# ------------------------------------------------ symlink to a foreign file
D=$T/sym
mkdir -p "$D"
for i in $(seq 40); do echo "TOP-SECRET-CANARY-$i"; done >"$T/secret"
chmod 0400 "$T/secret"
secret_sum=$(sha256_of_files "$T/secret")
ln -s "$T/secret" "$D/$P"
refused_start "symlink" sym "$D" 'symbolic link'
refused_init "symlink" symi "$D" 'symbolic link'
check "symlink: the foreign file keeps its mode" 400 \
	"$(stat -c %a "$T/secret")"
check "symlink: the foreign file keeps its contents" "$secret_sum" \
	"$(sha256_of_files "$T/secret")"
leaks=$( { sw_out sym; sw_out symi; } | "$PYTHON" -c '
import re, struct, sys
secret = open(sys.argv[1], "rb").read()[:256]
log = sys.stdin.read()
flat = re.sub(r"[^0-9a-f]", "", log.lower())
found = []
for i in range(len(secret) - 3):
    w = secret[i:i + 4]
    # text, hex, or a 16/32-bit field printed as a number
    for v in ([w.decode("latin-1"), w.hex()] +
              ["%d" % struct.unpack(f, w)[0] for f in (">I", "<I")]):
        if (v in log if not v.isdigit() else
                re.search(r"(?<![0-9])%s(?![0-9])" % v, log)):
            found.append(v)
    if w.hex() in flat:
        found.append(w.hex())
print(" ".join(sorted(set(found))[:5]))' "$T/secret")
check "symlink: no bytes of the foreign file in the log" "" "$leaks"
check_cmd "symlink: still a symlink" test -L "$D/$P"

# ------------------------------------------ symlink to another TPM's state
D=$T/symtpm
mkdir -p "$D"
ln -s "$O/$P" "$D/$P"
refused_start "symlink to a TPM" symt "$D" 'symbolic link'
refused_init "symlink to a TPM" symti "$D" 'symbolic link'
check "symlink to a TPM: its file unchanged" "$other_sum" \
	"$(sha256_of_files "$O/$P")"
check "symlink to a TPM: its file keeps its mode" 440 \
	"$(stat -c %a "$O/$P")"

# ----------------------------------------- hard link to another TPM's state
D=$T/hard
mkdir -p "$D"
ln "$O/$P" "$D/$P"
refused_start "hard link" hard "$D" 'hard links'
refused_init "hard link" hardi "$D" 'hard links'
check "hard link: the other TPM's file unchanged" "$other_sum" \
	"$(sha256_of_files "$O/$P")"
check "hard link: its mode unchanged" 440 "$(stat -c %a "$O/$P")"
check "hard link: still 2 links" 2 "$(stat -c %h "$O/$P")"

# ---------------------------------------------------------- FIFO at .lock
D=$T/fifo
mkdir -p "$D"
mkfifo "$D/.lock"
start_bg fifo "dir=$D"
exits "FIFO at .lock: start-up fails" fifo
check_re "FIFO at .lock: message names the file and the cause" \
	"$D/\\.lock'?:? .*FIFO" "$(sw_out fifo)"
check_cmd "FIFO at .lock: still a FIFO" test -p "$D/.lock"

# ------------------------------------------ directory writable by others
D=$T/open
mkdir -p "$D"
chmod 0777 "$D"
start open "dir=$D" || t_done
check_out "writable directory: warning" open \
	"warning: state directory '$D' is writable by others and not sticky"
sw_stop open
D=$T/sticky
mkdir -p "$D"
chmod 1777 "$D"
start sticky "dir=$D" || t_done
check "sticky directory: TPM runs" 0 "$(raw nvdefine "unix:$T/sticky.d")"
sw_stop sticky
if [[ $(sw_out sticky) == *warning:\ state\ directory* ]]; then
	notok "sticky directory: no warning"
else
	ok "sticky directory: no warning"
fi

# ----------------------------- .lock removed, a second daemon takes over
D=$T/lock
mkdir -p "$D"
make_state a "dir=$D" 1
rm -f "$D/.lock"
if start b "dir=$D"; then
	check "lock removed: b reads the state" 1 "$(raw nvread "unix:$T/b.d")"
	check "lock removed: b writes 2" 0 "$(raw nvwrite "unix:$T/b.d" 2)"
	sum=$(sha256_of_files "$D/$P")
	check_re "lock removed: a's NV write 3 gets a TPM error" \
		'^0*[1-9a-f][0-9a-f]*$' "$(raw nvwrite "unix:$T/a.d" 3)"
	check "lock removed: the state file is still b's" "$sum" \
		"$(sha256_of_files "$D/$P")"
	check_out "lock removed: a says why" a \
		"\\.lock' was replaced and is locked by another process"
	sw_stop a
	sw_stop b
	nv_of "lock removed: a fresh daemon reads b's value" "dir=$D" 2
else
	notok "lock removed: a second daemon starts"
	sw_stop a
fi

# lock removed and nobody else: a writes on and holds the new .lock
D=$T/lock2
mkdir -p "$D"
make_state a "dir=$D" 1
rm -f "$D/.lock"
check "lock removed, alone: NV write 3" 0 "$(raw nvwrite "unix:$T/a.d" 3)"
check_cmd "lock removed, alone: .lock created again" test -f "$D/.lock"
start_bg b "dir=$D"
exits "lock removed, alone: a second daemon is refused" b
sw_stop a
nv_of "lock removed, alone: a fresh daemon reads 3" "dir=$D" 3

# -------------------------------------- linear file renamed over (restored)
L=$T/a.lin
make_state a "backend-uri=file://$L" 1
cp "$T/other.lin" "$L.new"
mv "$L.new" "$L"
check "linear moved: NV write 3" 0 "$(raw nvwrite "unix:$T/a.d" 3)"
sw_stop a
nv_of "linear moved: the write is in the file at the path" \
	"backend-uri=file://$L" 3

# the same with locking, and the new file locked by another daemon
L=$T/b.lin
make_state a "backend-uri=file://$L,lock=true" 1
cp "$T/other.lin" "$L.new"
mv "$L.new" "$L"
if start b "backend-uri=file://$L,lock=true"; then
	check "linear locked: b reads the other TPM" 7 \
		"$(raw nvread "unix:$T/b.d")"
	sum=$(sha256_of_files "$L")
	check_re "linear locked: a's NV write 3 gets a TPM error" \
		'^0*[1-9a-f][0-9a-f]*$' "$(raw nvwrite "unix:$T/a.d" 3)"
	check "linear locked: the file is unchanged" "$sum" \
		"$(sha256_of_files "$L")"
	check_out "linear locked: a says why" a \
		"'$L' was replaced and the new file cannot be locked"
	sw_stop a
	sw_stop b
	nv_of "linear locked: the file holds the other TPM" \
		"backend-uri=file://$L" 7
else
	notok "linear locked: a second daemon starts on the new file"
	sw_stop a
fi

t_done
