#!/bin/bash
# sockpaths.sh - what the daemon finds at a --ctrl / --server unixio path:
#   regular file   refused at start-up (exit 1, message naming the path),
#                  the file intact; at the --ctrl and at the --server path
#   directory,     refused likewise, left alone
#   symlink
#   stale socket   (nobody listening) replaced: the daemon starts and
#                  answers on it
#   live socket    another daemon listens on it: refused ("in use"), the
#                  other daemon still answers on its path
#   temp name      a file at the temporary name the old code derived from
#                  the pid (created by another user if we are root) does
#                  not block start-up
#   mode, owner    mode= and uid= apply to the socket; no temporary name
#                  is left behind
. "$top_srcdir/tests/lib/common.sh"
t_init

IOCTL=${SWTPM_IOCTL:-$top_builddir/swtpm_ioctl}
[ -x "$IOCTL" ] || { echo "SKIP: no swtpm_ioctl"; exit 77; }

S=$T/state
mkdir -p "$S"

# answers PATH: the control channel at PATH answers GET_CAPABILITY
answers()
{
	"$IOCTL" --unix "$1" -c >/dev/null 2>&1
}

# refused DESC NAME CTRL DATA CAUSE_RE: the daemon exits 1 at once
refused()
{
	local desc=$1 name=$2
	sw_bg "$name" socket --tpm2 --tpmstate "dir=$S" \
		--ctrl "type=unixio,path=$3" --server "type=unixio,path=$4"
	if sw_wait "$name" 10; then
		check "$desc: start-up refused" 1 "$SW_RC"
	else
		notok "$desc: start-up refused (still running)"
		sw_stop "$name"
	fi
	check_re "$desc: message names the path and the cause" \
		"'?$5'?:? .*$6|$6.*$5" "$(sw_out "$name")"
}

# stale_socket PATH: a socket file nobody listens on
stale_socket()
{
	"$PYTHON" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.close()' "$1"
}

# ------------------------------------------------------- regular files
echo precious >"$T/file"
refused "file at --ctrl" f1 "$T/file" "$T/f1.d" \
	"$T/file" 'exists and is not a socket'
check "file at --ctrl: intact" precious "$(cat "$T/file" 2>/dev/null)"
refused "file at --server" f2 "$T/f2.c" "$T/file" \
	"$T/file" 'exists and is not a socket'
check "file at --server: intact" precious "$(cat "$T/file" 2>/dev/null)"
check_cmd "file at --server: the control socket was removed again" \
	test ! -e "$T/f2.c"

# -------------------------------------------------- directory, symlink
mkdir -p "$T/dir"
refused "directory at --ctrl" dd "$T/dir" "$T/dd.d" \
	"$T/dir" 'exists and is not a socket'
check_cmd "directory at --ctrl: still there" test -d "$T/dir"
stale_socket "$T/target"
ln -s "$T/target" "$T/link"
refused "symlink at --server" sl "$T/sl.c" "$T/link" \
	"$T/link" 'exists and is not a socket'
check_cmd "symlink at --server: still a symlink" test -L "$T/link"

# -------------------------------------------------------- stale sockets
stale_socket "$T/st.c"
stale_socket "$T/st.d"
if sw_start st socket --tpm2 --tpmstate "dir=$S" \
	--ctrl "type=unixio,path=$T/st.c" --server "type=unixio,path=$T/st.d"
then
	check_cmd "stale sockets: replaced, the daemon answers" answers \
		"$T/st.c"
	# ---------------------------------------------------- live socket
	refused "live socket at --ctrl" lv "$T/st.c" "$T/lv.d" \
		"$T/st.c" 'in use'
	check_cmd "live socket: the first daemon still answers" answers \
		"$T/st.c"
	check_cmd "live socket: the first daemon alive" sw_alive st
	sw_stop st
fi

# ----------------------------------- a file at the old temporary name
# The old code bound to DIR/.swtpm-<pid>-0 before renaming into place;
# another user who can write to DIR could block start-up with that name.
P=$T/pub
mkdir -p "$P"
chmod 1777 "$P"
chmod a+x "$T"
as_other=
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	as_other="setpriv --reuid 65534 --regid 65534 --clear-groups"
fi
# pre.sh keeps its pid through exec: the daemon's pid is known first
cat >"$T/pre.sh" <<EOF
for i in 0 1 2; do $as_other touch "$P/.swtpm-\$\$-\$i"; done
exec "\$@"
EOF
rm -f "$T/tn.pid"
t_bg tn bash "$T/pre.sh" "$SWTPM" socket --tpm2 --tpmstate "dir=$S" \
	--ctrl "type=unixio,path=$P/tn.c" --server "type=unixio,path=$P/tn.d" \
	--pid "file=$T/tn.pid"
wait_for 10 t_pidfile_ready "$T/tn.pid" tn
check "temp name: the other user's files are there" 3 \
	"$(ls -A "$P" | grep -c '^\.swtpm-[0-9]*-[0-9]$')"
if wait_for 10 t_pidfile_ready "$T/tn.pid" tn && sw_alive tn; then
	ok "temp name taken by another user: start-up not blocked"
	check_cmd "temp name taken: the daemon answers" answers "$P/tn.c"
else
	notok "temp name taken by another user: start-up not blocked"
	sw_out tn | sed 's/^/#   /'
fi
sw_stop tn

# ------------------------------------------------------- mode and owner
mkdir -p "$T/m"
uidopt=
want_uid=$(id -u)
if [ "$(id -u)" = 0 ]; then
	uidopt=,uid=65534
	want_uid=65534
fi
if sw_start mo socket --tpm2 --tpmstate "dir=$S" \
	--ctrl "type=unixio,path=$T/m/c,mode=0600$uidopt" \
	--server "type=unixio,path=$T/m/d,mode=0640"; then
	check "mode and owner of the control socket" "600 $want_uid" \
		"$(stat -c '%a %u' "$T/m/c")"
	check "mode of the data socket" 640 "$(stat -c %a "$T/m/d")"
	check "no temporary name left" "c d" "$(cd "$T/m" && echo $(ls -A))"
	sw_stop mo
	check "exit: our sockets are removed" "" \
		"$(cd "$T/m" && echo $(ls -A))"
fi

# --------------------------- exit: only the sockets we made are removed
mkdir -p "$T/x"
if sw_start ex socket --tpm2 --tpmstate "dir=$S" \
	--ctrl "type=unixio,path=$T/x/c" --server "type=unixio,path=$T/x/d"
then
	mv "$T/x/c" "$T/x/moved"
	echo "someone's file" >"$T/x/c"
	sw_stop ex
	check "exit: a file put at the control path since is left alone" \
		"someone's file" "$(cat "$T/x/c" 2>/dev/null)"
	check_cmd "exit: the data socket is removed" test ! -e "$T/x/d"
fi

t_done
