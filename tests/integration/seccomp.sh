#!/bin/bash
# seccomp.sh - the filter a running daemon is under is the allow list of
# src/swtpm/seccomp.c (--seccomp, swtpm(8)).
# * Fetched from the daemon with ptrace (tests/integration/seccomp_filter,
#   skipped when not permitted) and run for every syscall number 0..1023:
#   exactly the compiled list is allowed; every syscall the issue named
#   (unshare(CLONE_NEWUSER), setns, io_uring_*, process_vm_*, ...) and
#   every other one, x32 numbers and other architectures get kill; with
#   action=log, log.
# * The daemon keeps serving after a ptrace stop, after SIGSTOP/SIGCONT in
#   the middle of a request (the kernel resumes the poll through
#   restart_syscall) and after CMD_LOCK_STORAGE retries (which sleep).
# * swtpm(8)'s way to find a missing syscall: a daemon made to call one
#   (uname, by tests/integration/seccomp_poke preloaded, on SIGUSR2) keeps
#   serving under action=log, the kernel log has "audit: type=1326 ...
#   pid=PID ... syscall=N ... code=0x7ffc0000" and the header defines
#   __NR_uname as N; under the default kill it dies of SIGSYS.
. "$top_srcdir/tests/lib/common.sh"
t_init
[ "$IS_REF" = 1 ] && { echo "SKIP: checks our own allow list"; exit 77; }
FILTER=$top_builddir/tests/integration/seccomp_filter
POKE=$top_builddir/tests/integration/seccomp_poke
if ! [ -x "$FILTER" ] || ! [ -f "$POKE" ]; then
	echo "SKIP: helpers not built"
	exit 77
fi
if ! "$SWTPM" socket --print-capabilities | grep -q cmdarg-seccomp; then
	echo "SKIP: swtpm built without seccomp"
	exit 77
fi
ulimit -c 0		# the SIGSYS case would dump core
if [ "${SW_SANITIZERS:-0}" = 1 ]; then
	# the preloaded object comes before the ASan runtime
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
	export ASAN_OPTIONS
fi

GETRANDOM=80010000000c0000017b0008
# syscalls of the issue (x86_64 names; iopl/ioperm only there)
ISSUE="unshare setns io_uring_setup io_uring_enter io_uring_register
process_vm_readv process_vm_writev perf_event_open userfaultfd
open_by_handle_at pidfd_getfd kcmp swapon swapoff settimeofday
clock_settime clock_adjtime adjtimex sethostname setdomainname syslog
capset quotactl vhangup"
[ "$(uname -m)" = x86_64 ] && ISSUE="$ISSUE iopl ioperm"

# sk NAME: SK = the socket options of daemon NAME (unix sockets in $T)
sk()
{
	SK=(--server "type=unixio,path=$T/$1.d"
	    --ctrl "type=unixio,path=$T/$1.c")
}

# field KEY: the rest of the line "KEY ..." of $REPORT
field()
{
	sed -n "s/^$1 //p; s/^$1\$//p" <<<"$REPORT"
}

# fetch NAME: REPORT = seccomp_filter's report on daemon NAME
fetch()
{
	REPORT=$("$FILTER" "$(sw_pid "$1")")
	FETCH_RC=$?
	if [ "$FETCH_RC" = 77 ]; then
		echo "SKIP: $REPORT"
		exit 77
	fi
}

# check_filter DESC ACTION: the report shows our list with ACTION
check_filter()
{
	local d=$1 act=$2 n wrong
	check "$d: fetched" 0 "$FETCH_RC"
	check "$d: one filter" 1 "$(field filters)"
	check_re "$d: a short program" '^[0-9]{2,3}$' "$(field insns)"
	check "$d: allowed = the compiled allow list" "$(field listed)" \
		"$(field allowed)"
	check "$d: every other syscall number" "$act" "$(field other)"
	check "$d: x32 numbers" "$act" "$(field x32)"
	check "$d: other architectures" "$act" "$(field arch)"
	check "$d: listed calls with a refused argument" "$act" \
		"$(field argument)"
	for n in $ISSUE; do
		check "$d: $n" "refused $n $act" \
			"$(grep "^refused $n " <<<"$REPORT" | sort -u)"
	done
	wrong=$(grep '^refused ' <<<"$REPORT" | grep -v " $act\$")
	check "$d: all $(grep -c '^refused ' <<<"$REPORT") refused calls" "" \
		"$wrong"
}

# ------------------------------------------------ the default filter
mkdir -p "$T/a"
sk a
sw_start a socket --tpm2 --tpmstate "dir=$T/a" "${SK[@]}" \
	--flags not-need-init,startup-clear || t_done
check_re "serves before" '^80010000001400000000' \
	"$(tw conn d "unix:$T/a.d" x $GETRANDOM)"
fetch a
check_filter "default" kill
check_re "serves after a ptrace stop" '^80010000001400000000' \
	"$(tw conn d "unix:$T/a.d" x $GETRANDOM)"

# SIGSTOP/SIGCONT while a request is half sent: poll with a timeout is
# resumed by restart_syscall
tw timeout 5 conn d "unix:$T/a.d" send 800100 sleep 1 \
	send 00000c0000017b0008 recv >"$T/half.out" 2>&1 &
half=$!
sleep 0.3
kill -STOP "$(sw_pid a)"
sleep 0.2
kill -CONT "$(sw_pid a)"
wait "$half"
check_re "SIGSTOP/SIGCONT in a request: answered" '^80010000001400000000' \
	"$(cat "$T/half.out")"
sw_require a

# CMD_LOCK_STORAGE(10) while a holds the lock: 10 retries 10 ms apart
sk b
sw_start b socket --tpm2 --tpmstate "dir=$T/a" "${SK[@]}" \
	--migration incoming --flags not-need-init || t_done
check "LOCK_STORAGE(10) while locked elsewhere -> FAIL" 00000009 \
	"$(tw conn c "unix:$T/b.c" x '00000013 0000000a')"
sw_require b
sw_stop b
sw_stop a
check "default: exit status after SIGTERM" 0 "$SW_RC"

# ------------------------------------------------------- action=log
cat >"$T/poked" <<EOF
#!/bin/sh
LD_PRELOAD=$POKE exec "$SWTPM" "\$@"
EOF
chmod +x "$T/poked"
mkdir -p "$T/l" "$T/k"
sk l
SWTPM=$T/poked sw_start l socket --tpm2 --tpmstate "dir=$T/l" "${SK[@]}" \
	--flags not-need-init,startup-clear --seccomp action=log || t_done
fetch l
check_filter "action=log" log

# kernel_line PID: the kernel's seccomp audit line for PID, if any
kernel_line()
{
	dmesg 2>/dev/null | grep -F 'type=1326' | grep -F " pid=$1 " | tail -n 1
}

have_kernel_line()
{
	[ -n "$(kernel_line "$1")" ]
}

pid=$(sw_pid l)
kmsg=1
if ! dmesg >/dev/null 2>&1; then
	kmsg=0
	echo "# the kernel log is not readable here: its checks are skipped"
fi
# The kernel rate-limits these lines (printk_ratelimit: 10 per 5 s, shared
# with every other message): poke again if one was dropped.
for try in 1 2 3; do
	kill -USR2 "$pid"
	[ "$kmsg" = 0 ] && break
	wait_for 6 have_kernel_line "$pid" && break
done
check_out "log: the unlisted syscall returned" l 'seccomp_poke: uname returned'
sw_require l
check_re "log: serves after it" '^80010000001400000000' \
	"$(tw conn d "unix:$T/l.d" x $GETRANDOM)"
if [ "$kmsg" = 1 ]; then
	line=$(kernel_line "$pid")
	echo "# $line"
	check_re "log: the kernel logged it (swtpm(8))" \
		'audit: type=1326 .* syscall=[0-9]+ .*code=0x7ffc0000' "$line"
	nr=$(sed -n 's/.* syscall=\([0-9]*\) .*/\1/p' <<<"$line")
	# the man page's way to name the number (a C compiler installed)
	check_re "log: the number is uname's" "__NR_uname $nr\$" \
		"$(echo '#include <sys/syscall.h>' | cpp -dM |
			grep -w "__NR_.* $nr")"
	if command -v ausyscall >/dev/null; then
		check "log: ausyscall names it" uname "$(ausyscall "$nr")"
	fi
	if command -v scmp_sys_resolver >/dev/null; then
		check "log: scmp_sys_resolver names it" uname \
			"$(scmp_sys_resolver "$nr")"
	fi
fi
sw_stop l
check "log: exit status after SIGTERM" 0 "$SW_RC"

# ------------------------------------ the same call under the default
sk k
SWTPM=$T/poked sw_start k socket --tpm2 --tpmstate "dir=$T/k" "${SK[@]}" \
	--flags not-need-init,startup-clear || t_done
# the pid file comes before the filter: poke once the daemon serves
serves()
{
	"$top_builddir/swtpm_ioctl" --unix "$1" -g >/dev/null 2>&1
}
wait_for 10 serves "$T/k.c"
kill -USR2 "$(sw_pid k)"
sw_wait k 5
check "kill: the unlisted syscall ends it with SIGSYS" $((128 + 31)) "$SW_RC"
t_done
