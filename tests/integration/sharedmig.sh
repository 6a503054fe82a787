#!/bin/bash
# Migration over shared storage, as libvirt does it: the destination runs
# with --migration incoming on the same state directory, takes the
# storage lock only when the state arrives; the source releases the lock
# when its savestate blob is read out and can take it back with
# LOCK_STORAGE if the migration fails (control-channel.md §3.11, §3.17,
# §3.19).
. "$top_srcdir/tests/lib/common.sh"
t_init
[ "$IS_REF" = 1 ] && { echo "SKIP: needs CMD_LOCK_STORAGE (not in 0.7)"; exit 77; }
IOCTL=$top_builddir/swtpm_ioctl
t_need "$IOCTL"
D=$T/state
mkdir -p "$D"

STARTUP=80010000000c000001440000
# TPM2_PCR_Extend(PCR 16, SHA-256 of 32 x 01), password session
EXTEND16=80020000004100000182000000100000000940000009000000000000000001000b
EXTEND16=$EXTEND16$(printf '01%.0s' $(seq 32))
READ16=8001000000140000017e00000001000b03000001

sw_start a socket --tpm2 --tpmstate "dir=$D" \
    --ctrl "type=unixio,path=$T/ca" --server "type=unixio,path=$T/da" \
    --flags not-need-init || t_done
check "source: Startup" 80010000000a00000000 \
    "$(tw conn d unix:$T/da x $STARTUP)"
check "source: PCR 16 extend" 80020000001300000000000000000000010000 \
    "$(tw conn d unix:$T/da x $EXTEND16)"
pcr_src=$(tw conn d unix:$T/da x $READ16)
check_re "source: PCR 16 read" '^80010000003e00000000' "$pcr_src"

# A destination that tries to take the lock while the source holds it
# gets TPM_IOERROR on SET_STATEBLOB and terminates.
sw_start early socket --tpm2 --tpmstate "dir=$D" \
    --ctrl "type=unixio,path=$T/ce" --migration incoming || t_done
check "incoming destination did not lock at start: source still runs" \
    80010000001400000 "$(tw conn d unix:$T/da x 80010000000c0000017b0008 |
    cut -c1-17)"
check "early destination: SET_STATEBLOB while locked -> IOERROR" \
    0000001f "$(tw conn c unix:$T/ce x '0000000d 00000000 00000001 00000000')"
sw_wait early 5
check "early destination terminated" 0 $?

# Outgoing migration: the savestate fetch releases the lock.
sw_start b socket --tpm2 --tpmstate "dir=$D" \
    --ctrl "type=unixio,path=$T/cb" --server "type=unixio,path=$T/db" \
    --migration incoming,release-lock-outgoing || t_done
for t in permanent volatile savestate; do
	check_cmd "source: --save $t" "$IOCTL" --unix "$T/ca" --save $t \
	    "$T/$t.blob"
done
check "source: LOCK_STORAGE(0) while unlocked and free -> 0" 00000000 \
    "$(tw conn c unix:$T/ca x '00000013 00000000')"
# give it up again for the destination
check_cmd "source: savestate fetch releases the lock again" \
    "$IOCTL" --unix "$T/ca" --save savestate "$T/savestate.blob"
check_cmd "destination: --stop" "$IOCTL" --unix "$T/cb" --stop
for t in permanent volatile; do
	check_cmd "destination: --load $t" "$IOCTL" --unix "$T/cb" --load $t \
	    "$T/$t.blob"
done
check_cmd "destination: INIT (resume)" "$IOCTL" --unix "$T/cb" -i
check "destination: PCR 16 survived" "$pcr_src" \
    "$(tw conn d unix:$T/db x $READ16)"
check "source: LOCK_STORAGE(0) while the destination holds it -> FAIL" \
    00000009 "$(tw conn c unix:$T/ca x '00000013 00000000')"

# The destination ends (e.g. migration aborted there): the source takes
# the lock back with retries, as QEMU does with LOCK_STORAGE(300).
check_cmd "destination: shutdown" "$IOCTL" --unix "$T/cb" -s
sw_wait b 5
check "source: LOCK_STORAGE(300) after the destination left -> 0" \
    00000000 "$(tw conn c unix:$T/ca x '00000013 0000012c')"
check "source: still serves its TPM" "$pcr_src" \
    "$(tw conn d unix:$T/da x $READ16)"

# A completed migration: the source is shut down (QEMU's CMD_SHUTDOWN at
# teardown) after the destination took over. Its automatic TPM2_Shutdown
# must not write the source's state over the destination's (do better:
# the reference writes it regardless of the lock).
for t in permanent volatile; do
	check_cmd "source: --save $t" "$IOCTL" --unix "$T/ca" --save $t \
	    "$T/$t.blob"
done
check_cmd "source: savestate fetch releases the lock" \
    "$IOCTL" --unix "$T/ca" --save savestate "$T/savestate.blob"
sw_start c socket --tpm2 --tpmstate "dir=$D" \
    --ctrl "type=unixio,path=$T/cc" --server "type=unixio,path=$T/dc" \
    --migration incoming || t_done
check_cmd "destination 2: --stop" "$IOCTL" --unix "$T/cc" --stop
for t in permanent volatile; do
	check_cmd "destination 2: --load $t" "$IOCTL" --unix "$T/cc" \
	    --load $t "$T/$t.blob"
done
check_cmd "destination 2: INIT (resume)" "$IOCTL" --unix "$T/cc" -i
check "destination 2: PCR 16 extend" \
    80020000001300000000000000000000010000 \
    "$(tw conn d unix:$T/dc x $EXTEND16)"
before=$(sha256sum <"$D/tpm2-00.permall")
check_cmd "source: shutdown" "$IOCTL" --unix "$T/ca" -s
sw_wait a 5
check "source's automatic Shutdown left the destination's state alone" \
    "$before" "$(sha256sum <"$D/tpm2-00.permall")"
check_out "source: says why it did not write" a \
    "another process holds it now"
check_re "destination 2: still serves its TPM" '^80010000003e00000000' \
    "$(tw conn d unix:$T/dc x $READ16)"
check_cmd "destination 2: shutdown" "$IOCTL" --unix "$T/cc" -s
sw_wait c 5
check_cmd "--print-states still finds the permanent state" "$SWTPM" socket --tpm2 \
    --tpmstate "dir=$D" --print-states
t_done
