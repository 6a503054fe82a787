#!/bin/bash
# setup_concurrency.sh - 20 swtpm_setup runs at once against one local CA
# (created by the first of them): every run succeeds, the 40 EK
# certificates have 40 distinct serial numbers, each verifies under the
# CA, the issuer still verifies under the root, and the serial counter
# advanced by the 60 certificates issued (RSA EK, platform, ECC EK).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$TESTLIB/setuplib.sh"
t_init
su_init
N=20
quiet() { "$@" >/dev/null 2>&1; }

pids=()
for i in $(seq $N); do
	mkdir -p "$T/s$i" "$T/ek$i"
	"$SETUP" --config "$CONF" --tpm2 --tpmstate "$T/s$i" \
	    --create-ek-cert --create-platform-cert --lock-nvram \
	    --write-ek-cert-files "$T/ek$i" --vmid "vm$i" \
	    >"$T/out$i" 2>"$T/err$i" &
	pids+=($!)
done
fails=0
for i in $(seq $N); do
	wait "${pids[$((i - 1))]}" || fails=$((fails + 1))
done
check "$N runs at once: all exit 0" 0 $fails
for i in $(seq $N); do
	[ -s "$T/err$i" ] && sed "s/^/# run $i: /" "$T/err$i"
done

serials=$(for i in $(seq $N); do
	for c in "$T/ek$i"/*.crt; do
		openssl x509 -inform der -in "$c" -noout -serial
	done
done)
check "$((2 * N)) EK certificates" $((2 * N)) "$(echo "$serials" | grep -c .)"
check "$((2 * N)) distinct serial numbers" $((2 * N)) \
    "$(echo "$serials" | sort -u | grep -c .)"
bad=0
for i in $(seq $N); do
	for c in "$T/ek$i"/*.crt; do
		su_verify "$c" || bad=$((bad + 1))
	done
done
check "every certificate verifies under the CA" 0 $bad
check_cmd "the issuer still verifies under the root" quiet openssl verify \
    -CAfile "$CA/swtpm-localca-rootca-cert.pem" "$CA/issuercert.pem"
check "the vmid is each certificate's subject" "CN = vm7" \
    "$(openssl x509 -inform der -in "$T/ek7/ek-rsa2048.crt" -noout \
    -subject -nameopt oneline | sed 's/subject=//')"
# 0.7.1's counter starts at 1 and issues 2 first; HEAD's is random
last=$(cat "$CA/certserial")
if [ ${#last} -lt 10 ]; then
	check "the serial counter issued $((3 * N)) certificates" \
	    $((3 * N + 1)) "$last"
fi

t_done
