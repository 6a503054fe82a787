#!/bin/sh
# run.sh SECONDS TARGET... - runs each libFuzzer target for SECONDS
# (ASan + UBSan + LeakSanitizer are compiled in) from an empty corpus in
# a temporary directory, and prints one "PASS: fuzz-x" or "FAIL: fuzz-x"
# line per target (with the crash report's tail on failure). Exit 1 if
# any target failed.
secs=$1
shift
status=0
for t in "$@"; do
	dir=$(mktemp -d "${TMPDIR:-/tmp}/$t.XXXXXX") || exit 1
	# -close_fd_mask=3: the option parser's messages are not of interest
	if (cd "$dir" && TMPDIR=$dir "$OLDPWD/$t" -max_total_time="$secs" -timeout=30 \
		-rss_limit_mb=2048 -close_fd_mask=3 -print_final_stats=1 \
		>log 2>&1) &&
		! ls "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* \
		    "$dir"/oom-* >/dev/null 2>&1; then
		echo "PASS: $t ($(grep -E '^stat::number_of_executed_units' \
		    "$dir/log" | awk '{print $2}') runs in $secs s)"
	else
		echo "FAIL: $t"
		tail -n 40 "$dir/log" | sed 's/^/#   /'
		for f in "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-*; do
			[ -e "$f" ] && echo "#   input: $(od -An -tx1 "$f" |
			    tr -d '\n' | cut -c1-400)"
		done
		status=1
	fi
	rm -rf "$dir"
done
exit $status
