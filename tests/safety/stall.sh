#!/bin/bash
# stall.sh - no client can freeze the daemon: a data client, a control
# client and a clientfd= peer that send requests without reading the
# answers are dropped after a deadline while everything else (the other
# channel, SIGTERM) is served; LOCK_STORAGE retries run from the event
# loop. The cases are in tests/safety/stall.py.
. "$top_srcdir/tests/lib/common.sh"
t_init
T_WATCHDOG=170

IOCTL=${SWTPM_IOCTL:-$top_builddir/swtpm_ioctl}

for c in data ctrl clientfd lock; do
	mkdir -p "$T/$c"
	out=$("$PYTHON" "$top_srcdir/tests/safety/stall.py" "$SWTPM" "$IOCTL" \
		"$T/$c" "$c" 2>&1)
	echo "$out"
	T_OKS=$((T_OKS + $(grep -c '^ok' <<<"$out")))
	T_FAILS=$((T_FAILS + $(grep -c '^not ok' <<<"$out")))
	if ! grep -q '^ok' <<<"$out"; then
		T_FAILS=$((T_FAILS + 1))
		tail -n 20 "$T/$c/daemon.log" 2>/dev/null | sed 's/^/#   /'
	fi
done

t_done
