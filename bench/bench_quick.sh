#!/bin/sh
# CI smoke test of the benchmark: run it once in quick mode; it must exit
# 0, print its table and write JSON. No timing is asserted. Skips (77)
# when our swtpm is not built (BENCH_OURS overrides the server).
ours=${BENCH_OURS:-$top_builddir/swtpm}
if [ ! -x "$ours" ]; then
	echo "SKIP: server '$ours' not built"
	exit 77
fi
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

TMPDIR=$tmp timeout 300 "$top_srcdir/bench/run-bench" --quick \
    --ours "$ours" --json "$tmp/out.json" >"$tmp/out.txt" 2>"$tmp/err.txt"
rc=$?
cat "$tmp/out.txt"
if [ $rc -ne 0 ]; then
	cat "$tmp/err.txt"
	echo "FAIL: run-bench exited $rc"
	exit 1
fi
for row in getrandom pcr_extend hash_1k nv_write create_primary \
    migration startup setup pss_idle_kib fd_growth_per_op pss_each_kib; do
	if ! grep -q "^$row " "$tmp/out.txt"; then
		echo "FAIL: table row '$row' missing"
		exit 1
	fi
done
# The CPU table: every small command has a number for ours and the null
# server, not "-" (where the kernel has /proc/PID/schedstat).
if [ -r /proc/self/schedstat ] && ! sed -n '/^CPU time per command/,/^$/p' "$tmp/out.txt" | awk '
    $1 ~ /^(getrandom|pcr_extend|hash_1k)$/ && $2 ~ /^[0-9.]+$/ &&
    $4 ~ /^[0-9.]+$/ { n++ } END { exit n != 3 }'; then
	echo "FAIL: CPU time table incomplete"
	exit 1
fi
if ! grep -q '"cpu_ours_minus_null_and_floor_us"' "$tmp/out.json"; then
	echo "FAIL: CPU figures missing from the JSON"
	exit 1
fi
# The setup workload, when swtpm_setup and a certificate tool are there:
# ours and the reference's wall and CPU times.
if [ -x "$top_builddir/swtpm_setup" ] && { [ -x "$top_builddir/swtpm_localca" ] ||
    [ -x /usr/bin/swtpm_localca ]; } && ! sed -n '/^swtpm_setup /,/^$/p' \
    "$tmp/out.txt" | awk '$1 == "ours" && $2 ~ /^[0-9.]+$/ &&
    $3 ~ /^[0-9.]+$/ { n++ } END { exit n != 1 }'; then
	echo "FAIL: setup workload missing"
	exit 1
fi
if ! grep -q '"workloads"' "$tmp/out.json"; then
	echo "FAIL: no JSON written"
	exit 1
fi
# Leftover servers would show up as stale state directories in use.
if ls "$tmp" | grep -q '^swtpm-bench\.'; then
	echo "FAIL: scratch directory left behind"
	exit 1
fi
exit 0
