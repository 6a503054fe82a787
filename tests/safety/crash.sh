#!/bin/bash
# crash.sh - crash consistency: NV writes in a loop while the daemon is
# killed with SIGKILL at random instants (900 kills over the directory
# backend with and without fsync, with backup, and the linear file
# backend); after each kill the state loads and holds the old or the new
# counter, and no temporary or unexpected file is left (with backup, the
# .bak file is a whole blob too).  The loop is tests/safety/crash.py.
# CRASH_KILLS scales the number of kills per backend (default 300).
. "$top_srcdir/tests/lib/common.sh"
t_init

KILLS=${CRASH_KILLS:-300}
SEED=${CRASH_SEED:-$(date +%s)}
echo "# seed $SEED (rerun with CRASH_SEED=$SEED)"

crash()
{
	local name=$1 w
	shift
	w=$T/$name
	mkdir -p "$w"
	if "$PYTHON" "$top_srcdir/tests/safety/crash.py" "$SWTPM" "$w" "$@"
	then
		T_OKS=$((T_OKS + 1))
	else
		T_FAILS=$((T_FAILS + 1))
	fi
}

crash dir dir "$KILLS" "$SEED"
crash dir-nofsync dir "$((KILLS / 2))" "$((SEED + 1))" fsync=false
crash file file "$KILLS" "$((SEED + 2))"
crash dir-backup dir "$((KILLS / 2))" "$((SEED + 3))" backup

t_done
