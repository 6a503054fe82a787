#!/bin/bash
# matrix.sh - state interop matrix between our swtpm and the reference
# (swtpm 0.7.1) for several key / backend configurations.  Per direction:
# files: state files written by one (NV index, persistent key, PCR 16 kept
# through STORE_VOLATILE) are resumed by the other; blob: blobs saved with
# one side's swtpm_ioctl are loaded into a fresh other side with its own
# swtpm_ioctl and resumed by INIT; encblob (file key): raw blobs still
# encrypted with the file key.  Migration-key blobs must be refused
# without the key (0xd) and with another key (0x21).  Prints one line
# "cell <config> <kind>:<from>-><to> PASS|FAIL" per cell at the end.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
T_WATCHDOG=${T_WATCHDOG:-300}
t_init
. "$TESTLIB/../interop/lib_matrix.sh"

for b in "$M_REF" "$M_REF_IOCTL" "$M_OUR_IOCTL"; do
	if ! [ -x "$b" ]; then
		echo "SKIP: $b not found"
		exit 77
	fi
done
m_need_tools
K=$T/keys
m_keys "$K"

# configuration name -> extra daemon arguments (word-split; no spaces in $T)
# M_CONFIGS selects a subset (for debugging)
CONFIGS=${M_CONFIGS:-"plain aes128-hex aes128-bin aes256 pwd-pbkdf2 \
pwd-sha512 migkey libvirt linear"}
declare -A ARGS=(
	[plain]=""
	[aes128-hex]="--key file=$K/k128.hex"
	[aes128-bin]="--key file=$K/k128.bin,format=binary"
	[aes256]="--key file=$K/k256.hex,mode=aes-256-cbc"
	[pwd-pbkdf2]="--key pwdfile=$K/pw,kdf=pbkdf2,mode=aes-256-cbc"
	[pwd-sha512]="--key pwdfile=$K/pw,kdf=sha512"
	[migkey]="--migration-key file=$K/mk.hex"
	[libvirt]="--key pwdfile=$K/pw,mode=aes-256-cbc
		--migration-key pwdfile=$K/pw2,mode=aes-256-cbc"
	[linear]=""
)
printf 'another passphrase' >"$K/pw2"
# header flags of the blobs from swtpm_ioctl --save (DECRYPTED: only the
# migration key leaves a mark); default 0004
declare -A SAVEFLAGS=([migkey]=0006 [libvirt]=0016)
# configurations with a file key: header flags of a blob fetched without
# DECRYPTED (still encrypted with the file key, reply state_flags 2)
declare -A ENCFLAGS=([aes128-hex]=0005 [aes128-bin]=0005 [aes256]=000d
	[pwd-pbkdf2]=000d [pwd-sha512]=0005 [libvirt]=001f)
MATRIX=()

cell()
{
	MATRIX+=("cell $1 $2 $3")
	if [ "$3" = PASS ]; then
		ok "$1 $2"
	else
		notok "$1 $2"
	fi
}

# blob_flags_ok FILE FLAGS [HEX]: the blob header is version 2 with FLAGS
blob_flags_ok()
{
	local got
	if [ "${3:-}" = hex ]; then
		got=$(head -c 12 "$1")
	else
		got=$(head -c 6 "$1" | tohex)
	fi
	[ "$got" = "0201000a$2" ] && return 0
	echo "# $(basename "$1"): header $got, expected 0201000a$2"
	return 1
}

# create CFG SRC DIR PFX: SRC creates the state in DIR, saves the blobs
# (PFX.permanent, PFX.volatile; raw ones PFX.enc1, PFX.enc2 for a file
# key), stores the volatile state and shuts down
create()
{
	local cfg=$1 src=$2 state=$3 pfx=$4 t sf
	shift 4
	m_start "$src" c "$state" "$@" && m_create c "$pfx" 1 || return 1
	for t in permanent volatile; do
		if ! m_ioctl c --save $t "$pfx.$t"; then
			echo "# $src: --save $t failed"
			return 1
		fi
		blob_flags_ok "$pfx.$t" "${SAVEFLAGS[$cfg]:-0004}" || return 1
	done
	# TPM 2 has no savestate; a missing one is fine
	m_ioctl c --save savestate "$pfx.savestate" || rm -f "$pfx.savestate"
	[ -s "$pfx.savestate" ] || rm -f "$pfx.savestate"
	if [ -n "${ENCFLAGS[$cfg]:-}" ]; then
		for t in 1 2; do
			sf=$(m_getblob c $t 0 "$pfx.enc$t") || return 1
			if [ "$sf" != 00000002 ]; then
				echo "# $src: GET_STATEBLOB $t: state_flags $sf"
				return 1
			fi
			blob_flags_ok "$pfx.enc$t" "${ENCFLAGS[$cfg]}" hex ||
				return 1
		done
	fi
	m_ioctl c -v || { echo "# $src: -v failed"; return 1; }
	m_shutdown c
}

# load_blobs NAME PFX: stop NAME, load the blobs, INIT; with RAW=1 the
# file-key encrypted ones through raw SET_STATEBLOB with state_flags 2
load_blobs()
{
	local name=$1 pfx=$2
	m_ioctl "$name" --stop || return 1
	if [ "${RAW:-0}" = 1 ]; then
		m_setblob "$name" 1 2 "$pfx.enc1" &&
			m_setblob "$name" 2 2 "$pfx.enc2" || return 1
	else
		m_ioctl "$name" --load permanent "$pfx.permanent" &&
			m_ioctl "$name" --load volatile "$pfx.volatile" ||
			return 1
		if [ -e "$pfx.savestate" ]; then
			m_ioctl "$name" --load savestate "$pfx.savestate" ||
				return 1
		fi
	fi
	m_ioctl "$name" -i
}

# one_direction CFG SRC DST: SRC creates the state; DST resumes from the
# files (cell files:SRC->DST) and, as a fresh instance, from the blobs
# (blob:SRC->DST; with a file key also encblob:SRC->DST)
one_direction()
{
	local cfg=$1 src=$2 dst=$3 d pfx res kind raw
	local -a args
	# shellcheck disable=SC2206 # split into words on purpose
	args=(${ARGS[$cfg]})
	d=$T/$cfg-$src-$dst
	pfx=$d/exp
	if ! create "$cfg" "$src" "$(m_state_of "$d/s" "$cfg")" "$pfx" \
		"${args[@]}"; then
		m_diag c
		sw_stop c
		cell "$cfg" "files:$src->$dst" FAIL
		cell "$cfg" "blob:$src->$dst" FAIL
		[ -z "${ENCFLAGS[$cfg]:-}" ] ||
			cell "$cfg" "encblob:$src->$dst" FAIL
		return
	fi

	res=FAIL
	if m_start "$dst" f "$(m_state_of "$d/s" "$cfg")" "${args[@]}" &&
		m_verify f "$pfx"; then
		res=PASS
	else
		m_diag f
	fi
	sw_stop f
	cell "$cfg" "files:$src->$dst" $res

	for kind in blob encblob; do
		[ $kind = blob ] || [ -n "${ENCFLAGS[$cfg]:-}" ] || continue
		res=FAIL
		raw=0
		[ $kind = blob ] || raw=1
		if m_start "$dst" b "$(m_state_of "$d/$kind" "$cfg")" \
			"${args[@]}" && RAW=$raw load_blobs b "$pfx" &&
			m_verify b "$pfx"; then
			res=PASS
		else
			m_diag b
		fi
		sw_stop b
		cell "$cfg" "$kind:$src->$dst" $res
	done
}

# bad_load CFG DST WHAT EXP ARG...: the migration-key blobs saved by ref
# and by ours must be refused by DST started with ARGs, with result EXP
bad_load()
{
	local cfg=$1 dst=$2 what=$3 want=$4 d src blob res
	shift 4
	d=$T/$cfg-$dst-$what
	for src in ref ours; do
		if [ $src = ref ]; then
			blob=$T/$cfg-ref-ours/exp.permanent
		else
			blob=$T/$cfg-ours-ref/exp.permanent
		fi
		res=FAIL
		if ! [ -s "$blob" ]; then
			echo "# no $src blob"
		elif m_start "$dst" n "$(m_state_of "$d-$src" "$cfg")" "$@" &&
			m_ioctl n --stop; then
			if m_ioctl n --load permanent "$blob"; then
				echo "# $dst ($what): --load of a $src blob" \
					"succeeded"
			elif grep -q "PTM_SET_STATEBLOB: $want\$" \
				"$T/n.ioctl"; then
				res=PASS
			else
				echo "# $dst ($what): expected result $want"
			fi
		fi
		[ $res = PASS ] || m_diag n
		sw_stop n
		cell "$cfg" "blob:$src->$dst($what)" $res
	done
}

for cfg in $CONFIGS; do
	one_direction "$cfg" ref ours
	one_direction "$cfg" ours ref
	if [ "$cfg" = migkey ]; then
		for dst in ours ref; do
			bad_load "$cfg" "$dst" no-migkey 0xd
			bad_load "$cfg" "$dst" other-migkey 0x21 \
				--migration-key "file=$K/mk2.hex"
		done
	fi
done

echo "# ---- state interop matrix"
printf '%s\n' "${MATRIX[@]}"
t_done
