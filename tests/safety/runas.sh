#!/bin/bash
# runas.sh - --runas through the real daemon (needs root): a number that
# does not fit uid_t is refused with the reference's message (ours used
# to wrap it to uid 0 and run as root); a number and a name give the
# process exactly that uid and gid,
# its own supplementary groups (not root's), and a daemon that can no
# longer become root (checked by the daemon itself and here in
# /proc/PID/status).
. "$top_srcdir/tests/lib/common.sh"
t_init

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root"
	exit 77
fi

# the daemon runs as another user: it must reach its directory and
# write its pid file here
chmod 1777 "$T"

# status_of NAME FIELD: a line of /proc/PID/status without its label
status_of()
{
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$(sw_pid "$1")/status" |
		tr -s ' \t' ' ' | sed 's/ $//'
}

# start NAME RUNAS: a daemon on a state directory anybody may write
start()
{
	mkdir -p "$T/$1"
	chmod 0777 "$T/$1"
	sw_start "$1" socket --tpm2 --tpmstate "dir=$T/$1" \
		--server "type=unixio,path=$T/$1/d" \
		--ctrl "type=unixio,path=$T/$1/c" \
		--flags not-need-init,startup-clear --runas "$2"
}

# ------------------------------------------------ out of range: refused
for n in 4294967296 4294967295 18446744073709551616; do
	out=$(timeout 10 "$SWTPM" socket --tpm2 --tpmstate "dir=$T" \
		--ctrl "type=unixio,path=$T/c.$n" --runas "$n" 2>&1)
	check "--runas $n refused" 1 "$?"
	check_re "--runas $n: message" "uid $n outside valid range" "$out"
	check_cmd "--runas $n: no socket left" test ! -e "$T/c.$n"
done

# --------------------------------------------- a number: uid = gid = N
if start num 54321; then
	check "number: uids" "54321 54321 54321 54321" "$(status_of num Uid)"
	check "number: gids" "54321 54321 54321 54321" "$(status_of num Gid)"
	check "number: groups (root's are gone)" "54321" \
		"$(status_of num Groups)"
	check "number: no capabilities left" "0000000000000000" \
		"$(status_of num CapEff)"
	check "number: the TPM answers" 0 \
		"$("$top_builddir/swtpm_ioctl" --unix "$T/num/c" -g \
		    >/dev/null 2>&1; echo $?)"
	check "number: state files belong to it" 54321 \
		"$(stat -c %u "$T/num/tpm2-00.permall")"
	sw_stop num
fi

# -------------------------------------------------- a name: its groups
if id nobody >/dev/null 2>&1 && start name nobody; then
	u=$(id -u nobody)
	g=$(id -g nobody)
	check "name: uids" "$u $u $u $u" "$(status_of name Uid)"
	check "name: gids" "$g $g $g $g" "$(status_of name Gid)"
	check "name: groups are nobody's" "$(id -G nobody | tr ' ' '\n' |
	    sort -n | tr '\n' ' ' | sed 's/ $//')" \
		"$(status_of name Groups | tr ' ' '\n' | sort -n |
		    tr '\n' ' ' | sed 's/ $//')"
	sw_stop name
fi

t_done
