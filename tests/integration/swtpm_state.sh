#!/bin/bash
# swtpm_state.sh - swtpm_state on states written by the reference swtpm
# 0.7.1 (when installed) and by ours, in every file-key configuration of
# the interop matrix: info and verify agree with what swtpm does with the
# same state and key (loads it, or fails INIT); rekey (to another key,
# then to none) and convert (directory <-> linear file) keep the NV
# index, the persistent key and PCR 16, read back through a running
# swtpm (ours, and the reference after a rekey); export / import /
# check-migration with a migration key: yes for good blobs, no with the
# right exit code for a damaged blob, a wrong migration key, a newer
# libtpms state format and the other TPM version, each as swtpm_ioctl
# --load into a running swtpm says; TPM 1.2 states of both swtpms
# (info, verify, check-migration, rekey served again by both). Bad input
# leaves files untouched.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
T_WATCHDOG=${T_WATCHDOG:-400}
t_init
. "$TESTLIB/../interop/lib_matrix.sh"

SS=${SWTPM_STATE:-$top_builddir/swtpm_state}
if ! [ -x "$SS" ] || ! [ -x "$M_OUR_IOCTL" ]; then
	echo "SKIP: $SS or $M_OUR_IOCTL not built"
	exit 77
fi
m_need_tools
IMPLS="ours"
if [ -x "$M_REF" ] && [ -x "$M_REF_IOCTL" ]; then
	IMPLS="ref ours"
else
	echo "# reference swtpm not found: our states only"
fi

K=$T/keys
m_keys "$K"
echo ffeeddccbbaa99887766554433221100 >"$K/other128.hex"

# configuration -> the key option value ("" = no key) and a wrong key
CONFIGS=${S_CONFIGS:-"plain aes128-hex aes128-bin aes256 pwd-pbkdf2 \
pwd-sha512 linear"}
declare -A KEY=(
	[plain]="" [linear]=""
	[aes128-hex]="file=$K/k128.hex"
	[aes128-bin]="file=$K/k128.bin,format=binary"
	[aes256]="file=$K/k256.hex,mode=aes-256-cbc"
	[pwd-pbkdf2]="pwdfile=$K/pw,kdf=pbkdf2,mode=aes-256-cbc"
	[pwd-sha512]="pwdfile=$K/pw,kdf=sha512"
)
declare -A BITS=([aes128-hex]=128 [aes128-bin]=128 [aes256]=256
	[pwd-pbkdf2]=256 [pwd-sha512]=128)
NEWKEY="file=$K/k256.hex,mode=aes-256-cbc"

keyargs()
{
	[ -z "$1" ] || echo "--key $1"
}

# ss ARGS...: run swtpm_state, output in $T/ss.out, exit status in SSRC
ss()
{
	"$SS" "$@" >"$T/ss.out" 2>&1
	SSRC=$?
	echo "\$ swtpm_state $*" >>"$T/ss.log"
	cat "$T/ss.out" >>"$T/ss.log"
}

check_ss()
{
	local desc=$1 want=$2
	shift 2
	ss "$@"
	if [ "$SSRC" = "$want" ]; then
		ok "$desc"
	else
		notok "$desc (exit $SSRC, want $want)"
		sed 's/^/#   /' "$T/ss.out" | head -n 8
	fi
}

# loads IMPL STATE KEYVAL PFX: does IMPL's swtpm, started on STATE with
# that key, serve the data of PFX? (0 yes, 1 no)
loads()
{
	local impl=$1 state=$2 kv=$3 pfx=$4 rc=1
	# shellcheck disable=SC2046 # key options split on purpose
	if m_start "$impl" v "$state" $(keyargs "$kv") 2>/dev/null &&
		m_verify v "$pfx" >"$T/verify.out" 2>&1; then
		rc=0
	fi
	sw_stop v
	return $rc
}

# inits IMPL STATE KEYVAL [VERSIONOPT]: does IMPL's swtpm, started on a
# copy of STATE with that key, answer CMD_INIT with success? (0 yes, 1
# no, 2 did not start) VERSIONOPT: --tpm2 (default) or "" for TPM 1.2
inits()
{
	local impl=$1 state=$2 kv=$3 ver=${4---tpm2} port bin=$SWTPM rc=1 src
	[ "$impl" = ours ] || bin=$M_REF
	# on a copy: a successful INIT consumes the volatile state
	rm -rf "$T/ic"
	mkdir "$T/ic"
	case $state in
	dir=*)
		src=${state#dir=}
		cp -p "$src"/tpm* "$T/ic/" 2>/dev/null
		state="dir=$T/ic"
		;;
	backend-uri=file://*)
		src=${state#backend-uri=file://}
		cp -p "$src" "$T/ic/state.lin"
		state="backend-uri=file://$T/ic/state.lin"
		;;
	esac
	port=$(free_port)
	# shellcheck disable=SC2046
	# shellcheck disable=SC2086 # no option for TPM 1.2
	SWTPM=$bin sw_start i socket $ver --tpmstate "$state" \
		--server "type=tcp,port=$port" \
		--ctrl "type=tcp,port=$((port + 1))" $(keyargs "$kv") || return 2
	wait_for 10 "$M_OUR_IOCTL" --tcp "127.0.0.1:$((port + 1))" -c \
		>/dev/null 2>&1
	"$M_OUR_IOCTL" --tcp "127.0.0.1:$((port + 1))" -i >/dev/null 2>&1 &&
		rc=0
	sw_stop i
	return $rc
}

# agree DESC STATE KEYVAL WANT: verify exits WANT, and swtpm (ours and
# the reference) INITs the state with that key iff WANT is 0
agree_verify()
{
	local desc=$1 state=$2 kv=$3 want=$4 impl r
	# shellcheck disable=SC2046
	check_ss "$desc: verify" "$want" verify --tpm2 --tpmstate "$state" \
		$(keyargs "$kv")
	for impl in $IMPLS; do
		inits "$impl" "$state" "$kv"
		r=$?
		if { [ "$want" = 0 ] && [ $r = 0 ]; } ||
			{ [ "$want" != 0 ] && [ $r = 1 ]; }; then
			ok "$desc: $impl swtpm agrees"
		else
			notok "$desc: $impl swtpm INIT gives $r, verify $want"
		fi
	done
}

# sums of every file below $1 (to show nothing changed)
sums()
{
	find "$1" -type f -exec sha256sum {} + | sort
}

one_config()
{
	local cfg=$1 impl=$2 kv=${KEY[$1]} d pfx st wrong want lin back
	d=$T/$cfg-$impl
	pfx=$d/exp
	st=$(m_state_of "$d/s" "$cfg")
	# shellcheck disable=SC2046
	if ! m_start "$impl" c "$st" $(keyargs "$kv") ||
		! m_create c "$pfx" 1 || ! m_ioctl c -v; then
		notok "$cfg/$impl: create the state"
		m_diag c
		sw_stop c
		return
	fi
	m_shutdown c
	sums "$d/s" >"$d/sums.before"

	# info: readable without a key, says how it is encrypted
	check_ss "$cfg/$impl: info" 0 info --tpm2 --tpmstate "$st" --json
	want=${BITS[$cfg]:-0}
	check "$cfg/$impl: info key bits" "$want" "$("$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["blobs"][0]["key_bits"])' "$T/ss.out" 2>&1)"

	# verify agrees with swtpm: the right key loads, a wrong one not
	agree_verify "$cfg/$impl: the key" "$st" "$kv" 0
	if [ -n "$kv" ]; then
		wrong="file=$K/other128.hex"
		[ "${BITS[$cfg]}" = 128 ] || wrong="file=$K/k128.hex"
		agree_verify "$cfg/$impl: no key" "$st" "" 3
	else
		wrong="file=$K/k128.hex"
	fi
	agree_verify "$cfg/$impl: a wrong key" "$st" "$wrong" 3
	# rekey with the wrong key changes nothing
	check_ss "$cfg/$impl: rekey with a wrong key" 3 rekey --tpm2 \
		--tpmstate "$st" --key "$wrong" --new-key "$NEWKEY"
	sums "$d/s" >"$d/sums.after"
	check_cmd "$cfg/$impl: info, verify, failed rekey change no file" \
		cmp -s "$d/sums.before" "$d/sums.after"

	# rekey to a new key: NV, key, PCR through ours and the reference
	# shellcheck disable=SC2046
	check_ss "$cfg/$impl: rekey" 0 rekey --tpm2 --tpmstate "$st" \
		$(keyargs "$kv") --new-key "$NEWKEY"
	check_ss "$cfg/$impl: verify the new key" 0 verify --tpm2 \
		--tpmstate "$st" --key "$NEWKEY"
	if [ -n "$kv" ] && [ "$kv" != "$NEWKEY" ]; then
		check_ss "$cfg/$impl: the old key no longer opens it" 3 \
			verify --tpm2 --tpmstate "$st" --key "$kv"
	fi
	for back in $IMPLS; do
		check_cmd "$cfg/$impl: rekeyed state in $back" \
			loads "$back" "$st" "$NEWKEY" "$pfx"
	done
	check_ss "$cfg/$impl: rekey to none" 0 rekey --tpm2 --tpmstate "$st" \
		--key "$NEWKEY" --new-key none
	check_cmd "$cfg/$impl: unencrypted state in ours" \
		loads ours "$st" "" "$pfx"

	# convert to the other backend and back
	if [ "$cfg" = linear ]; then
		lin="dir=$d/conv"
	else
		lin="backend-uri=file://$d/conv.lin"
	fi
	check_ss "$cfg/$impl: convert" 0 convert --tpm2 --tpmstate "$st" \
		--to "$lin"
	check_cmd "$cfg/$impl: converted state in ours" \
		loads ours "$lin" "" "$pfx"
	check_ss "$cfg/$impl: convert onto a state refused" 1 convert --tpm2 \
		--tpmstate "$st" --to "$lin"
}

for cfg in $CONFIGS; do
	for impl in $IMPLS; do
		one_config "$cfg" "$impl"
	done
done

# ---- migration blobs: export, check-migration, import
d=$T/mig
pfx=$d/exp
st=$(m_state_of "$d/s" plain)
if m_start ours c "$st" --key "file=$K/k128.hex" && m_create c "$pfx" 1 &&
	m_ioctl c -v; then
	m_shutdown c
else
	notok "mig: create the state"
	m_diag c
	sw_stop c
fi
check_ss "mig: export" 0 export --tpm2 --tpmstate "$st" \
	--key "file=$K/k128.hex" --migration-key "file=$K/mk.hex" \
	--permanent "$d/p" --volatile "$d/v"
check "mig: blob header" 0201000a0006 "$(head -c 6 "$d/p" | tohex)"
check_ss "mig: check-migration yes" 0 check-migration --tpm2 \
	--permanent "$d/p" --volatile "$d/v" --migration-key "file=$K/mk.hex"
check_ss "mig: check-migration of the state yes" 0 check-migration --tpm2 \
	--tpmstate "$st" --key "file=$K/k128.hex"
check_ss "mig: wrong migration key" 3 check-migration --tpm2 \
	--permanent "$d/p" --volatile "$d/v" --migration-key "file=$K/mk2.hex"
check_ss "mig: no migration key" 3 check-migration --tpm2 \
	--permanent "$d/p" --volatile "$d/v"
check_ss "mig: TPM 1.2 asked for" 8 check-migration \
	--permanent "$d/p" --volatile "$d/v" --migration-key "file=$K/mk.hex"
# key sizes: blobs under an AES-256 migration key, an AES-128 key given
check_ss "mig: export under an AES-256 migration key" 0 export --tpm2 \
	--tpmstate "$st" --key "file=$K/k128.hex" --migration-key \
	"file=$K/k256.hex,mode=aes-256-cbc" --permanent "$d/p256"
check_ss "mig: AES-128 key for AES-256 blobs" 3 check-migration --tpm2 \
	--permanent "$d/p256" --migration-key "file=$K/mk.hex"
check_re "mig: the message names the key size" "256 bit key" \
	"$(cat "$T/ss.out")"
head -c 1000 "$d/p" >"$d/p.cut"
check_ss "mig: damaged (truncated) blob" 4 check-migration --tpm2 \
	--permanent "$d/p.cut" --volatile "$d/v" \
	--migration-key "file=$K/mk.hex"
# a newer libtpms state format: the permanent state's NV header says
# readers need version 99 (plain blob: header 10 + tag 4 + tag 1 = 22)
check_ss "mig: plain export" 0 export --tpm2 --tpmstate "$st" \
	--key "file=$K/k128.hex" --permanent "$d/pp" --volatile "$d/pv"
"$PYTHON" -c 'import sys
b = bytearray(open(sys.argv[1], "rb").read())
assert b[22 + 2:22 + 6] == bytes.fromhex("ab364723")
b[22 + 6:22 + 8] = (99).to_bytes(2, "big")
open(sys.argv[2], "wb").write(b)' "$d/pp" "$d/pp.new"
check_ss "mig: newer libtpms format" 5 check-migration --tpm2 \
	--permanent "$d/pp.new" --volatile "$d/pv"
# swtpm_ioctl --load into a running swtpm agrees with each answer
# (SET_STATEBLOB validates the permanent blob: TPMLIB_SetState)
agree()
{
	local desc=$1 want=$2 blob=$3
	shift 3
	if m_start ours l "$(m_state_of "$d/l-$desc" plain)" "$@" &&
		m_ioctl l --stop; then
		if m_ioctl l --load permanent "$blob"; then
			[ "$want" = yes ] && ok "mig: swtpm loads $desc" ||
				notok "mig: swtpm loads $desc"
		else
			[ "$want" = no ] && ok "mig: swtpm refuses $desc" ||
				notok "mig: swtpm refuses $desc"
		fi
	else
		notok "mig: start swtpm for $desc"
	fi
	sw_stop l
}
agree good yes "$d/p" --migration-key "file=$K/mk.hex"
agree wrong-migkey no "$d/p" --migration-key "file=$K/mk2.hex"
agree damaged no "$d/p.cut" --migration-key "file=$K/mk.hex"
agree newer-format no "$d/pp.new"
# the reference: our exported blobs through its swtpm_ioctl --load, and
# blobs its swtpm_ioctl --save wrote imported by us
if [ "$IMPLS" != ours ]; then
	if m_start ref x "$(m_state_of "$d/x" plain)" \
		--migration-key "file=$K/mk.hex" && m_ioctl x --stop &&
		m_ioctl x --load permanent "$d/p" &&
		m_ioctl x --load volatile "$d/v" && m_ioctl x -i &&
		m_verify x "$pfx"; then
		ok "mig: exported blobs in the reference"
	else
		notok "mig: exported blobs in the reference"
		m_diag x
	fi
	if m_ioctl x --save permanent "$d/rp" &&
		m_ioctl x --save volatile "$d/rv"; then
		check_ss "mig: import of the reference's blobs" 0 import \
			--tpm2 --tpmstate "dir=$d/rimp" \
			--migration-key "file=$K/mk.hex" \
			--permanent "$d/rp" --volatile "$d/rv"
		check_cmd "mig: the reference's blobs in ours" loads ours \
			"dir=$d/rimp" "" "$pfx"
	else
		notok "mig: the reference saves its blobs"
	fi
	sw_stop x
fi
# import: a new state from the blobs, readable by a running swtpm
check_ss "mig: import" 0 import --tpm2 --tpmstate "dir=$d/imp" \
	--key "file=$K/k256.hex,mode=aes-256-cbc" \
	--migration-key "file=$K/mk.hex" --permanent "$d/p" --volatile "$d/v"
check_cmd "mig: imported state in ours" loads ours "dir=$d/imp" \
	"file=$K/k256.hex,mode=aes-256-cbc" "$pfx"
check_ss "mig: import of a damaged blob" 4 import --tpm2 \
	--tpmstate "dir=$d/imp2" --migration-key "file=$K/mk.hex" \
	--permanent "$d/p.cut"
check "mig: nothing made" "" "$(ls -A "$d" | grep -e imp2 -e stage)"

# ---- the backup of the permanent state is re-keyed with the state
bd=$T/bak
mkdir -p "$bd/s"
if m_start ours c "dir=$bd/s,backup" --key "file=$K/k128.hex" &&
	m_create c "$bd/exp" 1 && m_ioctl c -v; then
	m_shutdown c
	check_cmd "backup: made" test -s "$bd/s/tpm2-00.permall.bak"
	check_ss "backup: rekey" 0 rekey --tpm2 --tpmstate "dir=$bd/s" \
		--key "file=$K/k128.hex" --new-key "$NEWKEY"
	check_ss "backup: verify" 0 verify --tpm2 --tpmstate "dir=$bd/s" \
		--key "$NEWKEY" --json
	check "backup: opens with the new key" "backup ok" "$("$PYTHON" -c '
import json, sys
b = json.load(open(sys.argv[1]))["blobs"][3]
print(b["blob"], b.get("status"))' "$T/ss.out" 2>&1)"
	check_cmd "backup: state in ours" loads ours "dir=$bd/s" "$NEWKEY" \
		"$bd/exp"
else
	notok "backup: create the state"
	m_diag c
	sw_stop c
fi

# ---- convert to and from a block device (a loop device; root only)
img=$T/blk.img
truncate -s 1M "$img"
if [ "$(id -u)" = 0 ] && loop=$(losetup -f --show "$img" 2>/dev/null); then
	check_ss "blk: convert to $loop" 0 convert --tpm2 \
		--tpmstate "dir=$d/s" --to "backend-uri=file://$loop"
	check_cmd "blk: state on the device in ours" loads ours \
		"backend-uri=file://$loop" "file=$K/k128.hex" "$pfx"
	check_ss "blk: rekey on a device refused" 1 rekey --tpm2 \
		--tpmstate "backend-uri=file://$loop" --key "file=$K/k128.hex" \
		--new-key "$NEWKEY"
	check_ss "blk: convert from the device" 0 convert --tpm2 \
		--tpmstate "backend-uri=file://$loop" --to "dir=$d/fromblk"
	check_cmd "blk: state from the device in ours" loads ours \
		"dir=$d/fromblk" "file=$K/k128.hex" "$pfx"
	losetup -d "$loop"
else
	echo "# no loop device: block device conversion not tested"
fi

# ---- TPM 1.2: states made by each swtpm (no --tpm2), verified, re-keyed
# and served again by both
for impl in $IMPLS; do
	s12="$T/tpm12-$impl"
	mkdir "$s12"
	bin=$SWTPM
	[ "$impl" = ours ] || bin=$M_REF
	port=$(free_port)
	SWTPM=$bin sw_start m12 socket --tpmstate "dir=$s12" \
		--server "type=tcp,port=$port" \
		--ctrl "type=tcp,port=$((port + 1))" \
		--key "${KEY[pwd-pbkdf2]}" --flags not-need-init
	wait_for 10 "$M_OUR_IOCTL" --tcp "127.0.0.1:$((port + 1))" -c \
		>/dev/null 2>&1
	"$M_OUR_IOCTL" --tcp "127.0.0.1:$((port + 1))" -s >/dev/null 2>&1
	sw_stop m12
	if ! [ -s "$s12/tpm-00.permall" ]; then
		notok "tpm12 $impl: no state made"
		continue
	fi
	check_ss "tpm12 $impl: info" 0 info --tpmstate "dir=$s12"
	check_cmd "tpm12 $impl: info names TPM 1.2" grep -q "(TPM 1.2)" \
		"$T/ss.out"
	check_cmd "tpm12 $impl: info names the key size" grep -q "AES-256" \
		"$T/ss.out"
	check_ss "tpm12 $impl: verify" 0 verify --tpmstate "dir=$s12" \
		--key "${KEY[pwd-pbkdf2]}"
	check_ss "tpm12 $impl: verify without a key" 3 verify \
		--tpmstate "dir=$s12"
	check_ss "tpm12 $impl: verify with --tpm2" 2 verify --tpm2 \
		--tpmstate "dir=$s12" --key "${KEY[pwd-pbkdf2]}"
	check_ss "tpm12 $impl: check-migration" 0 check-migration \
		--tpmstate "dir=$s12" --key "${KEY[pwd-pbkdf2]}"
	check_ss "tpm12 $impl: rekey" 0 rekey --tpmstate "dir=$s12" \
		--key "${KEY[pwd-pbkdf2]}" --new-key "$NEWKEY"
	for other in $IMPLS; do
		inits "$other" "dir=$s12" "$NEWKEY" ""
		check_cmd "tpm12 $impl: $other swtpm INITs it with the new key" \
			[ $? = 0 ]
		inits "$other" "dir=$s12" "${KEY[pwd-pbkdf2]}" ""
		check_cmd "tpm12 $impl: $other swtpm refuses the old key" \
			[ $? = 1 ]
	done
done

# ---- bad input: missing, symlinked, foreign, locked
mkdir "$T/bad"
check_ss "bad: no state" 2 verify --tpm2 --tpmstate "dir=$T/bad"
ln -s "$d/p" "$T/bad/link"
check_ss "bad: symlinked blob file" 1 check-migration --tpm2 \
	--permanent "$T/bad/link"
ln -s "$d/s/tpm2-00.permall" "$T/bad/tpm2-00.permall"
check_ss "bad: symlinked state file" 1 verify --tpm2 \
	--tpmstate "dir=$T/bad"
rm "$T/bad/tpm2-00.permall"
head -c 3000 /dev/urandom >"$T/bad/tpm2-00.permall"
agree_verify "bad: foreign file" "dir=$T/bad" "" 4
cp "$d/s/tpm2-00.permall" "$T/bad2.permall"
mkdir "$T/bad2"
head -c 2000 "$T/bad2.permall" >"$T/bad2/tpm2-00.permall"
agree_verify "bad: truncated file" "dir=$T/bad2" "file=$K/k128.hex" 4
sums "$T/bad" >"$T/bad.sums"
check_ss "bad: rekey of a foreign file" 4 rekey --tpm2 \
	--tpmstate "dir=$T/bad" --new-key "$NEWKEY"
check_cmd "bad: files unchanged" cmp -s "$T/bad.sums" <(sums "$T/bad")
if m_start ours r "dir=$d/imp" --key "file=$K/k256.hex,mode=aes-256-cbc"
then
	check_ss "bad: rekey while swtpm runs" 7 rekey --tpm2 \
		--tpmstate "dir=$d/imp" \
		--key "file=$K/k256.hex,mode=aes-256-cbc" --new-key none
	check_ss "bad: info while swtpm runs" 0 info --tpm2 \
		--tpmstate "dir=$d/imp"
	check_cmd "bad: swtpm still serves its state" m_verify r "$pfx"
else
	notok "bad: start swtpm"
fi
sw_stop r
# a linear file locked by a running swtpm (lock=true)
lst="backend-uri=file://$d/locked.lin"
check_ss "bad: convert to a linear file" 0 convert --tpm2 \
	--tpmstate "dir=$d/s" --to "$lst"
if m_start ours r "$lst,lock=true" --key "file=$K/k128.hex"; then
	check_ss "bad: rekey of a locked linear file" 7 rekey --tpm2 \
		--tpmstate "$lst" --key "file=$K/k128.hex" --new-key none
	check_cmd "bad: swtpm still serves the linear file" m_verify r "$pfx"
else
	notok "bad: start swtpm on the linear file"
fi
sw_stop r
t_done
