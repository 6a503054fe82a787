#!/bin/bash
# The unix control socket must accept connections as soon as its path
# exists (the reference binds before it listens, so an early connect can
# get ECONNREFUSED). Starts the daemon 200 times and connects the instant
# the path is created (inotify, tests/integration/sockrace.c).
. "$top_srcdir/tests/lib/common.sh"
t_init
out=$("$top_builddir/tests/integration/sockrace" "$SWTPM" "$T" 200)
echo "# $out"
refused=$(echo "$out" | sed -n 's/.*refused=\([0-9]*\).*/\1/p')
answered=$(echo "$out" | sed -n 's/.*answered=\([0-9]*\).*/\1/p')
if [ "$IS_REF" = 1 ]; then
	# The reference has the race: expect it to show.
	echo "# reference: $refused of 200 early connections refused"
	check_range "reference refuses some early connections" 1 200 \
	    "${refused:-0}"
else
	check "no early connection refused" 0 "$refused"
	check "every early connection answered" 200 "$answered"
fi
t_done
