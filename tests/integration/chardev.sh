#!/bin/bash
# chardev.sh - `swtpm chardev`: data channel on an inherited fd (one end of
# a socketpair) and on a character device path (a pty in raw mode); the
# process ends with status 0 when the peer closes; control channel beside
# it; automatic TPM2_Shutdown at exit; option errors.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
t_init

if [ "$IS_REF" = 1 ]; then
	CAPS2=0000ffff
	STARTUP_STATE=000001c4		# 0.7.1: no automatic TPM2_Shutdown
else
	CAPS2=0001ffff
	STARTUP_STATE=00000000
fi
GETRANDOM8=80010000000c0000017b0008
RAND='800100000014000000000008[0-9a-f]{16}'

lines()
{
	tr '\n' ' ' | sed 's/ $//'
}

S=$T/state
mkdir -p "$S"

echo "# --- chardev --fd with a socketpair"
out=$(tw timeout 10 spawn d 5 "$SWTPM chardev --fd 5 --tpm2 \
	--tpmstate dir=$S --flags not-need-init,startup-clear \
	--ctrl type=unixio,path=$T/c" \
	use d x $GETRANDOM8 x "00000008 00 0000000c $GETRANDOM8" \
	conn c "unix:$T/c" x 00000001 x 00000004 \
	use d x $GETRANDOM8 close wait | lines)
check_re "commands, prefixed command, control channel, exit 0 on close" \
	"^$RAND 00000014${RAND}00000000 00000000$CAPS2 0000000000000000 $RAND EXIT 0\$" \
	"$out"
check "control socket removed at exit" "no" \
	"$([ -e "$T/c" ] && echo yes || echo no)"
check_cmd "state written: tpm2-00.permall" test -s "$S/tpm2-00.permall"

out=$(tw timeout 10 spawn d 7 "$SWTPM chardev --fd 7 --tpm2 \
	--tpmstate dir=$S --flags not-need-init" \
	use d x 80010000000c000001440001 close wait | lines)
check "restart: TPM2_Startup(STATE) (needs Shutdown(STATE) at exit)" \
	"80010000000a$STARTUP_STATE EXIT 0" "$out"

echo "# --- chardev --chardev PATH (pty)"
out=$(tw timeout 10 pty m spawn x - "$SWTPM chardev --chardev {pty} --tpm2 \
	--tpmstate dir=$S --flags not-need-init,startup-clear" \
	use m x $GETRANDOM8 x $GETRANDOM8 close wait | lines)
check_re "pty: commands served, exit 0 when the master closes" \
	"^$RAND $RAND EXIT 0\$" "$out"
mkdir -p "$T/s12"
out=$(tw timeout 20 pty m spawn x - "$SWTPM chardev -c {pty} \
	--tpmstate dir=$T/s12 --flags startup-clear" \
	use m x 00c10000000e0000004600000008 close wait | lines)
check_re "pty, TPM 1.2 with startup-clear: GetRandom, exit 0" \
	'^00c4000000160000000000000008[0-9a-f]{16} EXIT 0$' "$out"

echo "# --- option errors"
"$SWTPM" chardev --tpm2 --tpmstate "dir=$S" >"$T/err" 2>&1
check "no device: exit 1" "1" "$?"
check_re "no device: message" 'Missing character device or file descriptor' \
	"$(cat "$T/err")"
: >"$T/regular"
"$SWTPM" chardev --tpm2 --tpmstate "dir=$S" --fd 5 5<"$T/regular" \
	>"$T/err" 2>&1
check "--fd of a regular file: exit 1" "1" "$?"
"$SWTPM" chardev --tpm2 --tpmstate "dir=$S" --fd 2 >"$T/err" 2>&1
check "--fd 2: exit 1" "1" "$?"
"$SWTPM" chardev --tpm2 --tpmstate "dir=$S" --fd 9 9<&- >"$T/err" 2>&1
check "--fd of a closed descriptor: exit 1" "1" "$?"

t_done
