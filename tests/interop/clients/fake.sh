# Fake-server part of tests/interop/clients.sh (sourced): the recorded
# request bytes of our clients must equal the reference's and cli.md.

FAKE_PID=
stop_fake() {
	if [ -n "$FAKE_PID" ]; then
		kill "$FAKE_PID" 2>/dev/null
		wait "$FAKE_PID" 2>/dev/null
		FAKE_PID=
	fi
}

# start_fake <extra fakesrv args...>: unix socket $WORK/fake, or TCP
# port $FPORT with --data
start_fake() {
	local i
	stop_fake
	rm -f "$WORK/fake" "$WORK/fake.ready" "$WORK/fake.log"
	FPORT=$(free_port)
	if [ "$1" = --data ]; then
		python3 "$FAKESRV" --tcp "$FPORT" --log "$WORK/fake.log" \
		    --ready "$WORK/fake.ready" "$@" &
	else
		python3 "$FAKESRV" --unix "$WORK/fake" --log "$WORK/fake.log" \
		    --ready "$WORK/fake.ready" "$@" &
	fi
	FAKE_PID=$!
	for i in $(seq 1 200); do
		[ -s "$WORK/fake.ready" ] && return 0
		sleep 0.05
	done
	echo "ERROR: fake server did not come up"
	exit 99
}

# fake_ioctl "<fakesrv args>" "<expected hex or ->" <client args...>
fake_ioctl() {
	local srv=$1 want=$2 who
	shift 2
	for who in ref our; do
		# shellcheck disable=SC2086
		start_fake $srv
		expand "$@"
		if [ $who = ref ]; then
			run_client "$REF_IOCTL" "$WORK/$who" --unix "$WORK/fake" \
			    "${EXP[@]}"
		else
			run_client "$OUR_IOCTL" "$WORK/$who" --unix "$WORK/fake" \
			    "${EXP[@]}"
		fi
		stop_fake
		grep -v '^--$' "$WORK/fake.log" | tr -d '\n' >"$WORK/$who.req"
	done
	if ! cmp -s "$WORK/ref.req" "$WORK/our.req"; then
		fail "fake [$srv] $*: requests differ:" \
		    "ref $(head -c 120 "$WORK/ref.req")" \
		    "our $(head -c 120 "$WORK/our.req")"
	else
		pass
	fi
	if [ "$want" != - ] && [ "$(cat "$WORK/our.req")" != "$want" ]; then
		fail "fake $*: request $(head -c 120 "$WORK/our.req") != $want"
	fi
	same_output "fake [$srv] $*" "$WORK/ref" "$WORK/our"
}

# Request bytes from cli.md §9.
fake_ioctl "" 00000001 -c
fake_ioctl "" 0000000200000001 -i
fake_ioctl "" 0000000e --stop
fake_ioctl "" 00000003 -s
fake_ioctl "" 00000004 -e
fake_ioctl "" 0000000b03 -r 3
fake_ioctl "" 0000000502 -l 2
fake_ioctl "" 0000000a -v
fake_ioctl "" 00000009 -C
fake_ioctl "" 0000000f -g
fake_ioctl "" 00000011000003e8 -b 1000
fake_ioctl "" 0000001200000000000000070000000000000000 --info 7
fake_ioctl "" 00000006000000070000000361626300000008 -h abc
fake_ioctl "" 00000006000000070000000000000008 -h -
fake_ioctl "" 0000000c000000010000000200000000 --save volatile "{W}/blob"
fake_ioctl "--blobsize 0" - --save permanent "{W}/blob"
fake_ioctl "--result 0x800 --blobsize 0" - --save savestate "{W}/blob"
printf 'xyz' >"$WORK/small"
fake_ioctl "" 0000000d00000000000000010000000378797a \
    --load permanent "{W}/small"
: >"$WORK/empty"
fake_ioctl "" 0000000d000000000000000200000000 --load volatile "{W}/empty"
# HEAD's CMD_LOCK_STORAGE (0.7.1 does not know the option): retries 0
start_fake
run_client "$OUR_IOCTL" "$WORK/our" --unix "$WORK/fake" --lock-storage 7
stop_fake
if [ "$(grep -v '^--$' "$WORK/fake.log" | tr -d '\n')" = 0000001300000000 ] &&
    [ "$(cat "$WORK/our.rc")" = 0 ]; then
	pass
else
	fail "--lock-storage: request $(cat "$WORK/fake.log"), exit $(cat "$WORK/our.rc")"
fi
# -h - reads stdin to EOF: 5000 bytes go as chunks of 4096 and 904
head -c 5000 /dev/zero | tr '\0' 'a' >"$WORK/hashin"
STDIN=$WORK/hashin fake_ioctl "" "$(python3 -c '
print("00000006" + "0000000700001000" + "61" * 4096 +
    "0000000700000388" + "61" * 904 + "00000008")')" -h -
# error results
for r in 0xa 0x3d 0x9; do
	for c in "-i" "-e" "-s" "--stop" "-l 1" "-r 3" "-v" "-C" "-g" "-b 0" \
	    "--info 1" "-h abc" "--save permanent {W}/blob" \
	    "--load permanent {W}/small"; do
		# shellcheck disable=SC2086
		fake_ioctl "--result $r" - $c
	done
done
# multi-chunk blob and info string
fake_ioctl "--blobsize 9000" - --save volatile "{W}/blob"
cmp -s "$WORK/blob" <(python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256))*35+bytes(40))') ||
    fail "saved 9000-byte blob differs from what the fake server sent"
fake_ioctl "--info {\"a\":1}" 0000001200000000000000010000000000000000 \
    --info 1

# Truncated or garbage responses: the reference prints whatever was in
# its buffer; ours must fail cleanly (exit 1, no crash, no hang).
for c in "-c" "-i" "-e" "-g" "-b 0" "--info 1" "-l 1" "-h abc" \
    "--save permanent {W}/blob" "--load permanent {W}/small"; do
	for t in 0 1 3 7; do
		# a 4-byte answer is complete at 7 bytes
		case "$t $c" in "7 -i"|"7 -l 1"|"7 -h abc"|"7 --load"*) continue ;; esac
		start_fake --trunc $t
		expand $c
		run_client "$OUR_IOCTL" "$WORK/our" --unix "$WORK/fake" \
		    "${EXP[@]}"
		stop_fake
		rc=$(cat "$WORK/our.rc")
		if [ "$rc" -ne 1 ]; then
			fail "truncated ($t) reply to $c: exit $rc, want 1"
		else
			pass
		fi
	done
done

# --- swtpm_bios request bytes (one TPM command per connection) ------------
fake_bios() {
	local srv=$1 want=$2 who
	shift 2
	for who in ref our; do
		# shellcheck disable=SC2086
		start_fake --data $srv
		if [ $who = ref ]; then
			run_client "$REF_BIOS" "$WORK/$who" --tcp ":$FPORT" "$@"
		else
			run_client "$OUR_BIOS" "$WORK/$who" --tcp ":$FPORT" "$@"
		fi
		stop_fake
		grep -v '^--$' "$WORK/fake.log" | tr '\n' ' ' |
		    sed 's/ $//' >"$WORK/$who.req"
	done
	# the HierarchyChangeAuth password is random: compare all but it
	sed -i 's/\(000000140\?\)[0-9a-f]\{40\}$/\1<rand>/' \
	    "$WORK/ref.req" "$WORK/our.req"
	if ! cmp -s "$WORK/ref.req" "$WORK/our.req"; then
		fail "fake bios [$srv] $*: requests differ:" \
		    "ref $(cat "$WORK/ref.req")" "our $(cat "$WORK/our.req")"
	else
		pass
	fi
	if [ "$want" != - ] && [ "$(cat "$WORK/our.req")" != "$want" ]; then
		fail "fake bios $*: request $(cat "$WORK/our.req") != $want"
	fi
	same_output "fake bios [$srv] $*" "$WORK/ref" "$WORK/our"
}

fake_bios "" "80010000000c000001440000" --tpm2
fake_bios "" "80010000000c000001440001 80010000001000000142000000010004" \
    --tpm2 -s -cs
fake_bios "" - --tpm2 -cs -u
fake_bios "" "00c10000000c000000990001 00c10000000c4000000a0020 00c10000000c4000000a0008 00c10000000a0000006f 00c10000000b0000007200" ""
fake_bios "" - -ea -cs -u
fake_bios "" "00c10000000c000000990003" -d
fake_bios "--result 0x26" - -s
fake_bios "--result 0x100" - --tpm2 -cs -u
fake_bios "--trunc 9" - --tpm2
fake_bios "--raw 800100000011000000000000000000" - --tpm2
fake_bios "--raw 00c40000000a00000000" - -u
stop_fake
