#!/bin/bash
# Builds twice (plain -Werror, then ASan+UBSan) and runs the whole test
# suite in each, then every libFuzzer target for 60 s (FUZZ_SECONDS);
# prints one closing "N passed, N failed" line.
# Usage: scripts/test.sh [--no-deps] [--no-sanitizers]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
deps=1
sani=1
for a in "$@"; do
	case $a in
	--no-deps) deps=0 ;;
	--no-sanitizers) sani=0 ;;
	*) echo "unknown argument: $a" >&2; exit 2 ;;
	esac
done
if [ $deps = 1 ]; then
	"$top/scripts/deps.sh" || { echo "dependency install failed" >&2; exit 1; }
fi
cd "$top" && ./autogen.sh >/dev/null 2>&1 || { echo "autogen failed" >&2; exit 1; }

total_pass=0
total_fail=0
status=0

# run_suite NAME CONFIGURE-ARGS...
run_suite() {
	local name=$1; shift
	local dir="$top/build-$name"
	rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || return 1
	echo "=== $name: configure $*"
	if ! "$top/configure" -q "$@" >configure.out 2>&1; then
		cat configure.out; total_fail=$((total_fail + 1)); status=1; return
	fi
	echo "=== $name: build"
	if ! make -s -j2 >build.out 2>&1; then
		cat build.out; total_fail=$((total_fail + 1)); status=1; return
	fi
	run_check "$name" check
}

# run_check NAME TARGET: make TARGET in the current build directory and
# count its PASS/FAIL lines
run_check() {
	local name=$1 target=$2
	echo "=== $name: $target"
	make -s -j2 "$target" >"$target.out" 2>&1 || status=1
	grep -E '^(PASS|FAIL|SKIP|ERROR|XFAIL|XPASS):' "$target.out"
	local p f
	p=$(grep -c -E '^(PASS|XFAIL):' "$target.out")
	f=$(grep -c -E '^(FAIL|ERROR|XPASS):' "$target.out")
	if [ "$f" != 0 ]; then
		for log in $(grep -l -E '^:test-result: (FAIL|ERROR)' $(find . -name '*.trs') 2>/dev/null); do
			echo "----- ${log%.trs}.log"; tail -n 60 "${log%.trs}.log"
		done
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
}

# run_fuzz: every libFuzzer target for FUZZ_SECONDS (default 60) each,
# built with clang and ASan + UBSan, in the last build directory
run_fuzz() {
	local out p f
	echo "=== fuzz: ${FUZZ_SECONDS:-60} s per target"
	out=$(make -s fuzz-run FUZZ_SECONDS="${FUZZ_SECONDS:-60}" 2>&1)
	echo "$out" | grep -E '^(PASS|FAIL)|^#' | head -n 200
	p=$(grep -c '^PASS:' <<<"$out")
	f=$(grep -c '^FAIL:' <<<"$out")
	if [ "$p" = 0 ] && [ "$f" = 0 ]; then
		echo "$out" | tail -n 20
		f=1
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	[ "$f" = 0 ] || status=1
}

run_suite plain --enable-werror
# the QEMU suite once more on QEMU 10 (scripts/qemu10.sh), plain build only
if [ -x "$top/build-plain/swtpm" ] && cd "$top/build-plain"; then
	run_check plain check-qemu10
fi
if [ $sani = 1 ]; then
	run_suite sanitizers --enable-werror --enable-sanitizers
	run_fuzz
fi
echo "$total_pass passed, $total_fail failed"
[ $status = 0 ] && [ $total_fail = 0 ]
