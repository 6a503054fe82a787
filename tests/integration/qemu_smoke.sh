#!/bin/bash
# qemu_smoke.sh - QEMU's tpm-emulator backend against our daemon: QEMU
# (q35, TCG, tpm-tis) connects to the unix control socket, passes the data
# fd with SET_DATAFD, probes, reads caps, sets the buffer size and INITs;
# SeaBIOS then sends TPM2_Startup and more.  Quit via QMP must end both
# processes cleanly and leave the TPM state behind.  Skipped without QEMU.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
t_init
t_need qemu-system-x86_64

S=$T/state
mkdir -p "$S"

# qmp SOCKET CMD...: run QMP commands (JSON texts) after the capabilities
# negotiation; print one compact JSON "return" value per command
qmp()
{
	timeout 30 "$PYTHON" - "$@" <<'EOF'
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX)
end = time.monotonic() + 20
while True:
    try:
        s.connect(sys.argv[1])
        break
    except OSError:
        if time.monotonic() > end:
            raise
        time.sleep(0.05)
f = s.makefile('rw')
json.loads(f.readline())
for i, c in enumerate(['{"execute": "qmp_capabilities"}'] + sys.argv[2:]):
    f.write(c + '\n')
    f.flush()
    while True:
        line = f.readline()
        if not line:
            print('EOF')
            sys.exit(0)
        msg = json.loads(line)
        if 'event' not in msg:
            break
    if i > 0:
        print(json.dumps(msg.get('return', msg), sort_keys=True))
EOF
}

# the level-2 log as lines "C <hex>", "R <hex>", "DR <hex>", "DW <hex>"
log_records()
{
	"$PYTHON" - "$1" <<'EOF'
import sys
kinds = {'Ctrl Cmd:': 'C', 'Ctrl Rsp:': 'R', 'SWTPM_IO_Read:': 'DR',
         'SWTPM_IO_Write:': 'DW'}
cur = None
out = []
for line in open(sys.argv[1], errors='replace'):
    t = line.strip()
    k = [v for p, v in kinds.items() if t.startswith(p)]
    if k:
        cur = [k[0], '']
        out.append(cur)
    elif cur is not None and line.startswith(' ') and all(
            len(w) == 2 for w in t.split()) and t:
        cur[1] += t.replace(' ', '').lower()
    else:
        cur = None
for k, h in out:
    print(k, h)
EOF
}

start_vm()
{
	# $1: extra QEMU options (e.g. -S)
	sw_start swtpm socket --tpm2 --tpmstate "dir=$S" \
		--ctrl "type=unixio,path=$T/ctrl" --terminate \
		--log "file=$T/swtpm.log,level=2,truncate" || exit 1
	rm -f "$T/qmp"
	t_bg qemu timeout 120 qemu-system-x86_64 -nodefaults -no-user-config \
		-display none -machine q35,accel=tcg -m 128 -no-reboot $1 \
		-chardev "socket,id=chrtpm,path=$T/ctrl" \
		-tpmdev emulator,id=tpm0,chardev=chrtpm \
		-device tpm-tis,tpmdev=tpm0 \
		-qmp "unix:$T/qmp,server=on,wait=off"
}

echo "# --- first boot"
start_vm -S
out=$(qmp "$T/qmp" '{"execute": "query-tpm"}')
check "QEMU runs with the emulator TPM (query-tpm)" \
	'[{"id": "tpm0", "model": "tpm-tis", "options": {"data": {"chardev": "chrtpm"}, "type": "emulator"}}]' \
	"$out"
sw_require qemu
recs=$(log_records "$T/swtpm.log")
codes=$(echo "$recs" | sed -n 's/^C \(........\).*/\1/p' | tr '\n' ' ')
check_re "QEMU start-up: SET_DATAFD first, then caps, buffer size, INIT" \
	'^00000010 .*00000001 .*00000011 .*00000002 ' "$codes"
check "SET_DATAFD answered 0" "R 00000000" \
	"$(echo "$recs" | grep -A1 '^C 00000010$' | sed -n 2p)"
check "version probe answered with the not-running response" \
	"DW 80010000000a00000101" \
	"$(echo "$recs" | grep -A1 '^DR 80010000000a00000181$' | sed -n 2p)"
check "INIT answered 0" "R 00000000" \
	"$(echo "$recs" | grep -A1 '^C 0000000200000000$' | sed -n 2p)"

out=$(qmp "$T/qmp" '{"execute": "cont"}')
check "QMP cont" "{}" "$out"
startup_done()
{
	log_records "$T/swtpm.log" | grep -A1 '^DR 80010000000c000001440000$' |
		grep -q '^DW '
}
if wait_for 60 startup_done; then
	check "SeaBIOS: TPM2_Startup(CLEAR) succeeded" \
		"DW 80010000000a00000000" \
		"$(log_records "$T/swtpm.log" |
			grep -A1 '^DR 80010000000c000001440000$' | sed -n 2p)"
else
	notok "SeaBIOS sent no TPM2_Startup within 60 s"
fi
n=$(log_records "$T/swtpm.log" | grep -c '^DR ')
check_range "firmware sent several TPM commands" 3 1000 "$n"

out=$(qmp "$T/qmp" '{"execute": "quit"}')
check "QMP quit" "{}" "$out"
sw_wait qemu 20 && check "QEMU exit status" "0" "$SW_RC" ||
	notok "QEMU did not exit"
sw_wait swtpm 10 && check "swtpm exit status" "0" "$SW_RC" ||
	notok "swtpm did not exit after QEMU quit"
check "control socket and pid file removed" "" \
	"$(ls "$T/ctrl" "$T/swtpm.pid" 2>/dev/null)"
check_cmd "TPM state kept: tpm2-00.permall" test -s "$S/tpm2-00.permall"

echo "# --- second boot on the same state"
start_vm -S
out=$(qmp "$T/qmp" '{"execute": "query-tpm"}')
check_re "QEMU starts again" '"type": "emulator"' "$out"
check "INIT of the existing state answered 0" "R 00000000" \
	"$(log_records "$T/swtpm.log" | grep -A1 '^C 0000000200000000$' |
		sed -n 2p)"
qmp "$T/qmp" '{"execute": "quit"}' >/dev/null
sw_wait qemu 20 || notok "QEMU did not exit"
sw_wait swtpm 10 && check "swtpm exit status" "0" "$SW_RC" ||
	notok "swtpm did not exit after QEMU quit"

t_done
