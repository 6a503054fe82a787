#!/bin/bash
# corrupt.sh - damaged or mismatched state is refused, never rewritten.
# For a wrong key or password, a truncated or empty blob, a flipped byte,
# a blob from a newer format version (directory and linear file
# backends), and a damaged linear file header: the daemon started with
# --flags not-need-init exits non-zero naming the file and the cause, a
# CMD_INIT answers the TPM 2 failure code, and every file of the state
# keeps its inode and contents.  Bad SET_STATEBLOB blobs get the codes of
# state-storage.md §6.3 and leave the stored state usable.
. "$top_srcdir/tests/lib/common.sh"
t_init

RAW=$top_srcdir/tests/safety/tpm2raw.py
FLAGS=not-need-init,startup-clear
NV_VALUE=4242

printf '000102030405060708090a0b0c0d0e0f\n' >"$T/k1"
printf 'f0e0d0c0b0a090807060504030201000\n' >"$T/k2"
printf '%s\n' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f \
	>"$T/k256"
printf 'correct horse\n' >"$T/pw1"
printf 'battery staple\n' >"$T/pw2"

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

# poke FILE OFFSET VALUE: set a byte (VALUE) or flip bits (^MASK)
poke()
{
	"$PYTHON" - "$@" <<'PY'
import sys
path, off, val = sys.argv[1], int(sys.argv[2], 0), sys.argv[3]
with open(path, 'r+b') as f:
    f.seek(off)
    old = f.read(1)[0]
    new = old ^ int(val[1:], 0) if val[0] == '^' else int(val, 0)
    f.seek(off)
    f.write(bytes([new]))
PY
}

# u32le FILE OFFSET
u32le()
{
	"$PYTHON" -c 'import sys, struct
with open(sys.argv[1], "rb") as f:
    f.seek(int(sys.argv[2]))
    print(struct.unpack("<I", f.read(4))[0])' "$1" "$2"
}

# name, inode and checksum of every file in a directory (dot files too)
dir_sums()
{
	local f
	for f in "$1"/* "$1"/.[!.]*; do
		[ -e "$f" ] || continue
		echo "$(basename "$f") $(stat -c '%i %s' "$f")" \
			"$(sha256sum <"$f" | cut -c1-64)"
	done
}

# mkstate DIR STATEOPT [SWTPM ARGS]: a TPM 2 state with an NV index
# holding NV_VALUE; MK_VOLATILE=1 also stores the volatile state.
mkstate()
{
	local dir=$1 so=$2
	shift 2
	mkdir -p "$dir"
	sk mk
	sw_start mk socket --tpm2 --tpmstate "$so" "${SK[@]}" \
		--flags "$FLAGS" "$@" || t_done
	raw nvdefine "unix:$T/mk.d" >/dev/null
	if [ "$(raw nvwrite "unix:$T/mk.d" "$NV_VALUE")" != 0 ]; then
		notok "set-up of $so: NV write failed"
		t_done
	fi
	if [ "${MK_VOLATILE:-0}" = 1 ]; then
		check "set-up of $so: STORE_VOLATILE" 00000000 \
			"$(tw conn c "unix:$T/mk.c" x 0000000a)"
	fi
	sw_stop mk
}

# refuse DESC DIR STATEOPT CAUSE_RE WHERE_RE INIT_RC [SWTPM ARGS]
refuse()
{
	local desc=$1 dir=$2 so=$3 cause=$4 where=$5 irc=$6 before out
	shift 6
	before=$(dir_sums "$dir")
	sk rf
	sw_bg rf socket --tpm2 --tpmstate "$so" "${SK[@]}" \
		--flags "$FLAGS" "$@"
	if sw_wait rf 10; then
		if [ "$SW_RC" -ne 0 ]; then
			ok "$desc: start refused (exit $SW_RC)"
		else
			notok "$desc: start refused (exit status 0)"
		fi
	else
		notok "$desc: start refused (still running)"
		sw_stop rf
	fi
	out=$(sw_out rf)
	check_re "$desc: message names the file" "$where" "$out"
	check_re "$desc: message names the cause" "$cause" "$out"
	check "$desc: state untouched by the start" "$before" \
		"$(dir_sums "$dir")"

	sk ri
	sw_start ri socket --tpm2 --tpmstate "$so" "${SK[@]}" "$@" ||
		return
	check "$desc: CMD_INIT result" "$irc" \
		"$(tw conn c "unix:$T/ri.c" x 0000000200000000)"
	check "$desc: TPM command after failed INIT" 80010000000a00000101 \
		"$(tw conn d "unix:$T/ri.d" x 80010000000c000001440000)"
	out=$(sw_out ri)
	check_re "$desc: INIT message names the cause" "$cause" "$out"
	if sw_alive ri; then
		ok "$desc: daemon survives the failed INIT"
	else
		notok "$desc: daemon survives the failed INIT"
	fi
	sw_stop ri
	check "$desc: state untouched by INIT" "$before" "$(dir_sums "$dir")"
}

# fresh NAME BASE: copy of a prepared state directory
fresh()
{
	rm -rf "${T:?}/$1"
	cp -a "$T/$2" "$T/$1"
}

# ---------------------------------------------------------- directory
mkstate "$T/plain" "dir=$T/plain"
mkstate "$T/enc" "dir=$T/enc" --key "file=$T/k1"
mkstate "$T/pw" "dir=$T/pw" --key "pwdfile=$T/pw1"
mkstate "$T/enc256" "dir=$T/enc256" --key "file=$T/k256,mode=aes-256-cbc"
MK_VOLATILE=1 mkstate "$T/encv" "dir=$T/encv" --key "file=$T/k1"
[ -e "$T/encv/tpm2-00.volatilestate" ] ||
	notok "set-up: STORE_VOLATILE wrote tpm2-00.volatilestate"

P=tpm2-00.permall
HMAC='Verification of HMAC failed'
FAILRC=00000101

fresh d1 enc
refuse "wrong key" "$T/d1" "dir=$T/d1" "$HMAC" "$T/d1/$P" $FAILRC \
	--key "file=$T/k2"
fresh d2 pw
refuse "wrong password" "$T/d2" "dir=$T/d2" "$HMAC" "$T/d2/$P" $FAILRC \
	--key "pwdfile=$T/pw2"
fresh d3 enc
refuse "encrypted state, no key" "$T/d3" "dir=$T/d3" \
	'Could not find plain data' "$T/d3/$P" $FAILRC
fresh d4 enc256
refuse "AES-256 state, AES-128 key" "$T/d4" "dir=$T/d4" \
	'Wrong decryption key. Need 256 bit key' "$T/d4/$P" $FAILRC \
	--key "file=$T/k1"
fresh d5 plain
refuse "plaintext state, key given" "$T/d5" "dir=$T/d5" \
	'Could not find HMAC or encrypted data' "$T/d5/$P" $FAILRC \
	--key "file=$T/k1"
fresh d6 plain
truncate -s $(($(stat -c %s "$T/d6/$P") / 2)) "$T/d6/$P"
refuse "truncated file" "$T/d6" "dir=$T/d6" \
	'too short|length mismatch|totlen' "$T/d6/$P" $FAILRC
fresh d7 plain
truncate -s 4 "$T/d7/$P"
refuse "4-byte file" "$T/d7" "dir=$T/d7" \
	'not enough bytes for header: 4' "$T/d7/$P" $FAILRC
fresh d8 plain
truncate -s 0 "$T/d8/$P"
refuse "empty file" "$T/d8" "dir=$T/d8" \
	'not enough bytes for header: 0' "$T/d8/$P" $FAILRC
fresh d9 enc
poke "$T/d9/$P" 40 ^0x10
refuse "flipped ciphertext byte" "$T/d9" "dir=$T/d9" "$HMAC" \
	"$T/d9/$P" $FAILRC --key "file=$T/k1"
fresh d10 enc
poke "$T/d10/$P" $(($(stat -c %s "$T/d10/$P") - 1)) ^0x01
refuse "flipped IV byte" "$T/d10" "dir=$T/d10" "$HMAC" \
	"$T/d10/$P" $FAILRC --key "file=$T/k1"
fresh d11 plain
poke "$T/d11/$P" 3 11
refuse "header size byte" "$T/d11" "dir=$T/d11" \
	'bad header size: 11 != 10' "$T/d11/$P" $FAILRC
fresh d12 plain
poke "$T/d12/$P" 1 3
refuse "newer format version" "$T/d12" "dir=$T/d12" \
	'Minimum required version for the blob is 3' "$T/d12/$P" $FAILRC
fresh d13 plain
poke "$T/d13/$P" 11 9
refuse "flipped record tag" "$T/d13" "dir=$T/d13" \
	'Could not find plain data' "$T/d13/$P" $FAILRC
# libtpms treats a volatile state it cannot load as absent (the reference
# does the same): the daemon names the file and the cause, starts a TPM
# that needs TPM2_Startup, and leaves both files alone.
volatile_case()
{
	local dir=$T/$1 desc=$2 want=$3 before
	before=$(dir_sums "$dir")
	sk vo
	sw_start vo socket --tpm2 --tpmstate "dir=$dir" "${SK[@]}" \
		--key "file=$T/k1" --flags not-need-init || return
	check "$desc: NV read without TPM2_Startup" "$want" \
		"$(raw nvread "unix:$T/vo.d")"
	# only a TPM that resumed has a reason to write (auto-Shutdown)
	[ "$want" = "$NV_VALUE" ] ||
		check "$desc: state untouched while running" "$before" \
			"$(dir_sums "$dir")"
	sw_stop vo
	[ "$want" = "$NV_VALUE" ] ||
		check "$desc: state untouched after SIGTERM" "$before" \
			"$(dir_sums "$dir")"
}
fresh d14 encv
volatile_case d14 "intact volatile state" "$NV_VALUE"
fresh d15 encv
poke "$T/d15/tpm2-00.volatilestate" 40 ^0x01
volatile_case d15 "flipped byte in the volatile state" "RC 100"
check_re "flipped byte in the volatile state: message names the file" \
	"$T/d15/tpm2-00.volatilestate" "$(sw_out vo)"
check_re "flipped byte in the volatile state: message names the cause" \
	"$HMAC" "$(sw_out vo)"

# -------------------------------------------------------- linear file
L=lin.img
mkstate "$T/lplain" "backend-uri=file://$T/lplain/$L"
mkstate "$T/lenc" "backend-uri=file://$T/lenc/$L" --key "file=$T/k1"

fresh l1 lenc
refuse "linear: wrong key" "$T/l1" "backend-uri=file://$T/l1/$L" \
	"$HMAC" "$T/l1/$L" $FAILRC --key "file=$T/k2"
fresh l2 lenc
poke "$T/l2/$L" $(($(u32le "$T/l2/$L" 12) + 40)) ^0x04
refuse "linear: flipped ciphertext byte" "$T/l2" \
	"backend-uri=file://$T/l2/$L" "$HMAC" "$T/l2/$L" $FAILRC \
	--key "file=$T/k1"
fresh l3 lplain
poke "$T/l3/$L" $(($(u32le "$T/l3/$L" 12) + 1)) 3
refuse "linear: blob of a newer format version" "$T/l3" \
	"backend-uri=file://$T/l3/$L" \
	'Minimum required version for the blob is 3' "$T/l3/$L" $FAILRC
fresh l4 lplain
truncate -s $(($(u32le "$T/l4/$L" 12) + 100)) "$T/l4/$L"
refuse "linear: file cut inside a blob" "$T/l4" \
	"backend-uri=file://$T/l4/$L" 'runs past the end' "$T/l4/$L" $FAILRC

# A damaged linear header is refused by the backend, before libtpms runs:
# CMD_INIT then answers TPM_FAIL (as for an unusable backend URI).
fresh l5 lplain
truncate -s 100 "$T/l5/$L"
refuse "linear: file cut to 100 bytes" "$T/l5" \
	"backend-uri=file://$T/l5/$L" \
	'too short for a linear NVRAM store.*refusing to format' \
	"$T/l5/$L" 00000009
fresh l6 lplain
poke "$T/l6/$L" 0 ^0x20
refuse "linear: damaged magic" "$T/l6" "backend-uri=file://$T/l6/$L" \
	'not a linear NVRAM store \(bad magic\); refusing to format' \
	"$T/l6/$L" 00000009
fresh l7 lplain
poke "$T/l7/$L" 8 2
refuse "linear: newer header version" "$T/l7" \
	"backend-uri=file://$T/l7/$L" 'Unknown format version 2' \
	"$T/l7/$L" 00000009
fresh l8 lplain
poke "$T/l8/$L" 16 0xff
poke "$T/l8/$L" 17 0xff
refuse "linear: slot length beyond its section" "$T/l8" \
	"backend-uri=file://$T/l8/$L" 'bad slot 0' "$T/l8/$L" 00000009

# an empty file is formatted and used
mkdir -p "$T/l9"
: >"$T/l9/$L"
sk l9
if sw_start l9 socket --tpm2 --tpmstate "backend-uri=file://$T/l9/$L" \
	"${SK[@]}" --flags "$FLAGS"; then
	check_out "linear: empty file formatted" l9 \
		"Formatting 'file://$T/l9/$L'"
	check "linear: formatted file starts with the magic" 6e696c6d70747773 \
		"$(head -c 8 "$T/l9/$L" | tohex)"
	check "linear: fresh TPM in the formatted file" "RC 18b" \
		"$(raw nvread "unix:$T/l9.d")"
	sw_stop l9
fi

# ---------------------------------------------------- SET_STATEBLOB
# setblob DESC FLAGS TYPE HEX EXPECTED CAUSE_RE (daemon "sb", stopped)
setblob()
{
	local len hx
	hx=${4// /}
	len=$(printf '%08x' $((${#hx} / 2)))
	check "SET_STATEBLOB $1" "$5" \
		"$(tw conn c "unix:$T/sb.c" x "0000000d $2 $3 $len $hx")"
	[ -z "$6" ] || check_re "SET_STATEBLOB $1: log" "$6" "$(sw_out sb)"
}

fresh s1 plain
before=$(dir_sums "$T/s1")
sk sb
sw_start sb socket --tpm2 --tpmstate "dir=$T/s1" "${SK[@]}" || t_done
setblob "hdrsize 11" 00000000 00000001 "0201000b 0004 0000000a" \
	0000002b 'bad header size: 11 != 10'
setblob "min_version 3" 00000000 00000001 "0203000a 0004 0000000a" \
	0000002e 'Minimum required version for the blob is 3'
setblob "totlen != length" 00000000 00000001 "0201000a 0004 0000000b" \
	00000003 'totlen 11 != 10'
setblob "4 bytes" 00000000 00000001 "0201000a" \
	00000003 'not enough bytes for header: 4'
setblob "type 7" 00000000 00000007 "0201000a 0004 0000000a" \
	00000003 'Unknown blob type 7'
setblob "stored-file form" 00000000 00000001 \
	"0201000a 0000 00000015 0001 00000005 737774706d" \
	00000009 'Could not find plain data'
setblob "encrypted flag, no key" 00000002 00000001 \
	"0201000a 0004 0000001b 0004 0000000b 0001 00000005 737774706d" \
	0000000d 'Missing state key to decrypt permall'
VEC_E="0201000a00060000005c 0005 00000010 1b4aa24b761b62ccf75f3c754aaac09f
0003 00000020 93e58b4be82ac95cb79d2e38ad57738bd7f668772b5ec8b4c46c2cb0b1f0beec
0007 00000010 505152535455565758595a5b5c5d5e5f"
VEC_E=${VEC_E//$'\n'/}
setblob "migration-encrypted, no migration key" 00000000 00000001 \
	"$VEC_E" 0000000d 'Missing migration key to decrypt permall'
check "bad blobs: state files untouched" "$before" "$(dir_sums "$T/s1")"
check "bad blobs: INIT uses the stored state" 00000000 \
	"$(tw conn c "unix:$T/sb.c" x 0000000200000000)"
check "bad blobs: TPM2_Startup" 80010000000a00000000 \
	"$(tw conn d "unix:$T/sb.d" x 80010000000c000001440000)"
check "bad blobs: NV index intact" "$NV_VALUE" "$(raw nvread "unix:$T/sb.d")"
sw_stop sb

# migration key configured: a flipped ciphertext bit is an HMAC error
fresh s2 plain
before=$(dir_sums "$T/s2")
sk sb
sw_start sb socket --tpm2 --tpmstate "dir=$T/s2" "${SK[@]}" \
	--migration-key "file=$T/k1" || t_done
E_FLIP=${VEC_E:0:40}$(printf '%02x' $((0x${VEC_E:40:2} ^ 1)))${VEC_E:42}
setblob "migration-encrypted, flipped bit" 00000000 00000001 "$E_FLIP" \
	00000021 "$HMAC"
check_re "SET_STATEBLOB flipped bit: log says the migration key failed" \
	'Decrypting the permall blob with the migration key failed; res = 33' \
	"$(sw_out sb)"
setblob "migration-encrypted, intact (libtpms rejects the data)" \
	00000000 00000001 "$VEC_E" 0000009a ''
check "migration blobs: state files untouched" "$before" \
	"$(dir_sums "$T/s2")"
sw_stop sb

t_done
