#!/bin/bash
# Concurrent swtpm_localca runs against one local CA (libvirt starts
# many VMs at once): 20 runs on a CA that does not exist yet create it
# once (one "Creating root CA" line, every other run waits for it under
# the lock and uses it), 20 more on the existing CA leave its files
# untouched; all 40 exit 0, get 40 distinct serials (the counter ends at
# the largest) and their certificates verify under the one CA; no
# temporary file is left. Skips (77) without the tools.
set -u
. "${top_srcdir:-.}/tests/lib/localcalib.sh"
lc_init

N=${LOCALCA_RUNS:-20}
S=$W/state
lc_conf "$W/ca.conf" "$S" "signingkey_password = pw"

# batch FIRST: N runs at once into $W/out/FIRST..FIRST+N-1
batch()
{
	local i pids=()

	for i in $(seq "$1" $(($1 + N - 1))); do
		mkdir -p "$W/out/$i"
		"$SWTPM_LOCALCA" --configfile "$W/ca.conf" --optsfile "$W/opts" \
		    --dir "$W/out/$i" "${TPM2_EK[@]}" --ek "$MOD" \
		    --vmid "vm$i" >"$W/out/$i.log" 2>&1 &
		pids+=($!)
	done
	fails=0
	for i in "${pids[@]}"; do
		wait "$i" || fails=$((fails + 1))
	done
}

batch 1
cl_check "$N concurrent runs on a new CA: all exit 0" 0 "$fails"
cl_check "the CA was created once" 1 \
    "$(cat "$W"/out/*.log | grep -c "^Creating root CA")"
sums=$(sha256sum "$S"/*.pem)
batch $((N + 1))
cl_check "$N concurrent runs on the existing CA: all exit 0" 0 "$fails"
cl_check "the CA files are unchanged" "$sums" "$(sha256sum "$S"/*.pem)"

bad=0
serials=()
for i in $(seq 1 $((2 * N))); do
	if ! lc_verify "$W/out/$i/ek.cert" "$S"; then
		bad=$((bad + 1))
		echo "# run $i: certificate does not verify"
		cat "$W/out/$i.log"
	fi
	serials+=("$(lc_serial "$W/out/$i/ek.cert")")
done
cl_check "every certificate verifies under the CA" 0 "$bad"
cl_check "$((2 * N)) distinct serials" $((2 * N)) \
    "$(printf '%s\n' "${serials[@]}" | sort -u | wc -l)"
max=$(printf '%s\n' "${serials[@]}" | sort -n | tail -1)
min=$(printf '%s\n' "${serials[@]}" | sort -n | head -1)
cl_check "the counter holds the largest" "$max" "$(cat "$S/certserial")"
cl_check "serials are consecutive" "$max" \
    "$(python3 -c "print($min + $((2 * N)) - 1)")"
if lc_ca_ok "$S" pw; then
	cl_ok "the CA is whole (key matches certificate, chain verifies)"
else
	cl_notok "the CA is whole (key matches certificate, chain verifies)"
fi
cl_check "no temporary files" "" "$(lc_temps "$S")"

cl_done
