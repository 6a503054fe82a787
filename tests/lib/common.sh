# tests/lib/common.sh - shared helpers for the shell integration tests.
# Source from a bash test after `. "$top_srcdir/tests/lib/common.sh"` and
# call t_init first.  Provides result printing (ok / not ok), daemon start
# with readiness polling, bounded waits, cleanup of every started process,
# and `tw`, a wrapper around tests/lib/tpmwire.py (see its --help).
#
# Environment:
#   SWTPM         daemon under test; default $top_builddir/swtpm (if
#                 executable), otherwise the test is skipped (exit 77)
#   PYTHON        python3 interpreter (default: python3 from PATH)
#   T_KEEP=1      keep the temporary directory for inspection
#   T_WATCHDOG    seconds after which a hanging test is killed (180)
#
# Variables set by t_init:
#   T        temporary directory (removed at exit unless T_KEEP=1)
#   IS_REF   1 when $SWTPM is the 0.7 reference (`--version` says 0.7)
#   TESTLIB  directory of this file
#
# Functions (all print nothing unless stated):
#   t_need CMD...            skip the test (exit 77) unless all CMDs exist
#   ok DESC / notok DESC     print "ok - DESC" / "not ok - DESC" (counts)
#   check DESC EXP ACT       ok if EXP = ACT, else not ok and show both
#   check_re DESC ERE ACT    ok if ACT matches the extended regex ERE
#   check_cmd DESC CMD...    ok if CMD exits 0
#   check_range DESC LO HI X ok if LO <= X <= HI (decimals allowed)
#   t_done                   print summary; exit 1 if anything failed
#   tw ARGS...               run tpmwire.py ARGS (stdout = its output)
#   tw_each ADDR HEX...      one connection per request; print responses
#   free_port                print a TCP port P with P and P+1 free
#   t_bg NAME CMD...         start CMD in the background with stdout+stderr
#                            in $T/NAME.out; remember its pid under NAME
#                            (all sw_* functions below work on it)
#   sw_bg NAME ARGS...       t_bg NAME "$SWTPM" ARGS...
#   sw_start NAME ARGS...    sw_bg plus `--pid file=$T/NAME.pid` and wait
#                            until that pid file is non-empty; returns 1
#                            (after a "not ok" line and the output) if it
#                            died or did not get ready within 10 s
#   sw_pid NAME              print the pid of NAME
#   sw_wait NAME SECS        wait up to SECS for NAME to exit; sets
#                            SW_RC to its exit status; returns 1 if it is
#                            still running
#   sw_stop NAME             SIGTERM, wait up to 5 s, then SIGKILL
#   sw_alive NAME            true if NAME still runs (not a zombie)
#   sw_out NAME              print NAME's collected stdout/stderr
#   check_out DESC NAME ERE  ok once NAME's output matches ERE (waits up
#                            to 10 s: the pid file is written before the
#                            TPM starts, so start-up messages may follow)
#   sw_require NAME          if NAME is no longer running: not ok, show
#                            its output and end the test (t_done)
#   wait_for SECS CMD...     poll CMD every 20 ms until it succeeds;
#                            returns 1 after SECS
#   sha256_of_files FILE...  print "name sum" lines (for comparisons)
#   have_tcti_swtpm          true if tpm2-tss' swtpm TCTI library exists
#   tohex                    stdin -> lower-case hex on one line
#   fromhex HEX              write the bytes of HEX to stdout

if [ -z "${BASH_VERSION:-}" ]; then
	echo "common.sh needs bash" >&2
	exit 99
fi

TESTLIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PYTHON=${PYTHON:-python3}
T_FAILS=0
T_OKS=0
declare -gA T_PIDS=()

t_init()
{
	if [ -z "${SWTPM:-}" ]; then
		if [ -n "${top_builddir:-}" ] && [ -x "$top_builddir/swtpm" ]
		then
			SWTPM=$top_builddir/swtpm
		else
			echo "SKIP: no swtpm binary (set SWTPM=...)"
			exit 77
		fi
	fi
	if ! [ -x "$SWTPM" ]; then
		echo "SKIP: $SWTPM is not executable"
		exit 77
	fi
	t_need "$PYTHON"
	# resolve wrappers (e.g. pyenv shims) once: tpmwire runs often
	PYTHON=$("$PYTHON" -c 'import sys; print(sys.executable)') || exit 99
	if "$SWTPM" --version 2>/dev/null | grep -q 'version 0\.7'; then
		IS_REF=1
	else
		IS_REF=0
	fi
	T=$(mktemp -d "${TMPDIR:-/tmp}/swtpm-it.XXXXXX") || exit 99
	trap t_cleanup EXIT
	trap 'exit 130' INT TERM
	(
		# 1-s steps so that no long sleep outlives the test
		for _ in $(seq "${T_WATCHDOG:-180}"); do sleep 1; done
		echo "not ok - watchdog: test took longer than" \
			"${T_WATCHDOG:-180} s" >&2
		kill -TERM $$
	) >/dev/null &
	T_WATCHDOG_PID=$!
	echo "# SWTPM=$SWTPM (reference: $IS_REF) tmp=$T"
}

t_cleanup()
{
	local name pid
	for name in "${!T_PIDS[@]}"; do
		pid=${T_PIDS[$name]}
		kill -TERM "$pid" 2>/dev/null
	done
	for name in "${!T_PIDS[@]}"; do
		pid=${T_PIDS[$name]}
		wait_for 3 t_dead "$pid" || kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [ -n "${T_WATCHDOG_PID:-}" ]; then
		kill -TERM "$T_WATCHDOG_PID" 2>/dev/null
		wait "$T_WATCHDOG_PID" 2>/dev/null
	fi
	if [ -n "${T:-}" ] && [ -d "$T" ]; then
		if [ "${T_KEEP:-0}" = 1 ]; then
			echo "# kept $T"
		else
			rm -rf "$T"
		fi
	fi
}

t_need()
{
	local c
	for c in "$@"; do
		if ! command -v "$c" >/dev/null 2>&1; then
			echo "SKIP: $c not found"
			exit 77
		fi
	done
}

ok()
{
	T_OKS=$((T_OKS + 1))
	echo "ok - $*"
}

notok()
{
	T_FAILS=$((T_FAILS + 1))
	echo "not ok - $*"
}

check()
{
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		notok "$1"
		printf '#   expected: %s\n' "${2//$'\n'/$'\n#             '}"
		printf '#   got:      %s\n' "${3//$'\n'/$'\n#             '}"
	fi
}

check_re()
{
	if [[ $3 =~ $2 ]]; then
		ok "$1"
	else
		notok "$1"
		printf '#   expected match: %s\n' "$2"
		printf '#   got:            %s\n' "${3//$'\n'/$'\n#                   '}"
	fi
}

check_cmd()
{
	local d=$1
	shift
	if "$@"; then
		ok "$d"
	else
		notok "$d"
		echo "#   command failed: $*"
	fi
}

check_range()
{
	if awk -v lo="$2" -v hi="$3" -v x="$4" \
		'BEGIN { exit !(x + 0 >= lo + 0 && x + 0 <= hi + 0) }'; then
		ok "$1 ($4)"
	else
		notok "$1"
		echo "#   expected $2..$3, got '$4'"
	fi
}

t_done()
{
	echo "# $T_OKS passed, $T_FAILS failed"
	if [ "$T_FAILS" -ne 0 ]; then
		exit 1
	fi
	exit 0
}

tw()
{
	"$PYTHON" "$TESTLIB/tpmwire.py" "$@"
}

tw_each()
{
	local addr=$1 h args=()
	shift
	for h in "$@"; do
		args+=(conn c "$addr" x "$h" close)
	done
	tw "${args[@]}"
}

free_port()
{
	"$PYTHON" - <<'EOF'
import random, socket
for _ in range(200):
    p = random.randint(20000, 60000)
    try:
        for q in (p, p + 1):
            s = socket.socket()
            s.bind(('127.0.0.1', q))
            s.close()
    except OSError:
        continue
    print(p)
    break
EOF
}

t_dead()
{
	local st
	[ -r "/proc/$1/stat" ] || return 0
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -z "$st" ] || [ "$st" = Z ] || [ "$st" = X ]
}

wait_for()
{
	local secs=$1 end
	shift
	end=$(($(date +%s%N) + secs * 1000000000))
	while ! "$@"; do
		if [ "$(date +%s%N)" -gt "$end" ]; then
			return 1
		fi
		sleep 0.02
	done
	return 0
}

t_bg()
{
	local name=$1
	shift
	"$@" >"$T/$name.out" 2>&1 </dev/null &
	T_PIDS[$name]=$!
}

sw_bg()
{
	local name=$1
	shift
	t_bg "$name" "$SWTPM" "$@"
}

sw_pid()
{
	echo "${T_PIDS[$1]}"
}

sw_alive()
{
	local pid=${T_PIDS[$1]:-}
	[ -n "$pid" ] && ! t_dead "$pid"
}

sw_require()
{
	if ! sw_alive "$1"; then
		notok "$1 is still running"
		sw_out "$1" | tail -n 20 | sed 's/^/#   /'
		t_done
	fi
}

sw_out()
{
	cat "$T/$1.out" 2>/dev/null
}

t_out_matches()
{
	[[ $(sw_out "$1") =~ $2 ]]
}

check_out()
{
	wait_for 10 t_out_matches "$2" "$3"
	check_re "$1" "$3" "$(sw_out "$2")"
}

t_pidfile_ready()
{
	[ -s "$1" ] || ! sw_alive "$2"
}

sw_start()
{
	local name=$1
	shift
	rm -f "$T/$name.pid"
	sw_bg "$name" "$@" --pid "file=$T/$name.pid"
	if ! wait_for 10 t_pidfile_ready "$T/$name.pid" "$name" ||
		! sw_alive "$name"; then
		notok "$name started: $SWTPM $*"
		sw_out "$name" | sed 's/^/#   /'
		return 1
	fi
	return 0
}

sw_wait()
{
	local pid=${T_PIDS[$1]}
	SW_RC=
	if ! wait_for "$2" t_dead "$pid"; then
		return 1
	fi
	wait "$pid" 2>/dev/null
	SW_RC=$?
	unset "T_PIDS[$1]"
	return 0
}

sw_stop()
{
	local pid=${T_PIDS[$1]:-}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	if ! sw_wait "$1" 5; then
		kill -KILL "$pid" 2>/dev/null
		sw_wait "$1" 5
	fi
}

sha256_of_files()
{
	local f
	for f in "$@"; do
		if [ -e "$f" ]; then
			echo "$(basename "$f") $(sha256sum <"$f" | cut -d' ' -f1)"
		else
			echo "$(basename "$f") missing"
		fi
	done
}

tohex()
{
	od -An -tx1 -v | tr -d ' \n'
}

fromhex()
{
	"$PYTHON" -c 'import sys
sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$1"
}

have_tcti_swtpm()
{
	{ ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } |
		grep -q 'libtss2-tcti-swtpm\.so'
}
