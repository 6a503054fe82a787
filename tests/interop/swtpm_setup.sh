#!/bin/bash
# interop/swtpm_setup.sh - swtpm_setup against the reference 0.7.1, both
# ways: the reference swtpm_setup manufactures with our swtpm (--tpm) and
# ours with the reference's swtpm; a state made by ours (setup and swtpm)
# is served by the reference swtpm and a state made by the reference by
# ours. Each state is checked with tpm2-tools (persistent EKs, NV
# indices written and locked, certificates verify and carry the EKs'
# keys, tpm2_createek reproduces the EKs). Both swtpm_setup print the
# same lines for the same flags, with either swtpm, for good runs and
# for refused ones; --print-capabilities differs in the version only.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$TESTLIB/setuplib.sh"
t_init
su_init
REF_SETUP=/usr/bin/swtpm_setup
REF_SWTPM=/usr/bin/swtpm
if ! [ -x "$REF_SETUP" ] || ! [ -x "$REF_SWTPM" ]; then
	echo "SKIP: the reference swtpm_setup and swtpm are not installed"
	exit 77
fi
t_need tpm2_getcap tpm2_nvreadpublic tpm2_nvread tpm2_readpublic \
	tpm2_createek tpm2_flushcontext
if ! have_tcti_swtpm; then
	echo "SKIP: libtss2-tcti-swtpm not installed"
	exit 77
fi
OURS=$SWTPM
FLAGS="--tpm2 --create-ek-cert --create-platform-cert --lock-nvram"

names()
{
	su_t2 tpm2_readpublic -c "$1" && sed -n 's/^name: //p' "$T/t2.out"
}
pub() { openssl pkey -pubin -in "$1" -outform der | od -An -tx1 |
    tr -d ' \n'; }

# inspect WHAT DIR BIN EKDIR: serve DIR with BIN and check it
inspect()
{
	local what=$1 dir=$2 bin=$3 ekdir=$4 i
	su_serve x "$dir" "$bin" || return
	su_t2 tpm2_getcap handles-persistent
	check "$what: persistent EKs" "0x81010001 0x81010016" \
	    "$(tr -d ' -' <"$T/t2.out" | sort | tr '\n' ' ' | sed 's/ $//')"
	su_t2 tpm2_getcap handles-nv-index
	check "$what: NV indices" "0x1C00002 0x1C00016 0x1C08000" \
	    "$(tr -d ' -' <"$T/t2.out" | sort | tr '\n' ' ' | sed 's/ $//')"
	for i in 0x1c00002 0x1c00016 0x1c08000; do
		check "$what: $i written and locked" 0x62072801 \
		    "$(su_nvattrs $i)"
		su_t2 tpm2_nvread -C o -o "$T/$i.der" $i
		check_cmd "$what: $i verifies under the local CA" \
		    su_verify "$T/$i.der"
	done
	check_cmd "$what: ek-rsa2048.crt is in 0x1c00002" \
	    cmp -s "$ekdir/ek-rsa2048.crt" "$T/0x1c00002.der"
	check_cmd "$what: ek-secp384r1.crt is in 0x1c00016" \
	    cmp -s "$ekdir/ek-secp384r1.crt" "$T/0x1c00016.der"
	su_t2 tpm2_readpublic -c 0x81010001 -f pem -o "$T/ek.pem"
	openssl x509 -inform der -in "$T/0x1c00002.der" -noout -pubkey \
	    >"$T/cert.pem"
	check "$what: the RSA EK certificate has the EK's key" \
	    "$(pub "$T/ek.pem")" "$(pub "$T/cert.pem")"
	su_t2 tpm2_createek -c "$T/t.ctx" -G rsa -u "$T/t.pub"
	check "$what: tpm2_createek -G rsa reproduces 0x81010001" \
	    "$(names 0x81010001)" "$(names "$T/t.ctx")"
	su_t2 tpm2_createek -c "$T/t.ctx" -G ecc384 -u "$T/t.pub"
	check "$what: tpm2_createek -G ecc384 reproduces 0x81010016" \
	    "$(names 0x81010016)" "$(names "$T/t.ctx")"
	su_t2 tpm2_getcap pcrs
	check "$what: PCR banks: sha256" "sha256" \
	    "$(sed -n 's/^ *- *\([a-z0-9]*\): *\[ *[0-9].*/\1/p' "$T/t2.out")"
	su_unserve x
}

# make WHO SETUP SWTPM: a state in $T/WHO with the given pair
make()
{
	mkdir -p "$T/$1" "$T/$1.ek"
	"$2" --tpm "$3 socket" --config "$CONF" $FLAGS --tpmstate "$T/$1" \
	    --write-ek-cert-files "$T/$1.ek" --vmid vm >"$T/$1.out" \
	    2>"$T/$1.err"
	check "$1: exit 0" 0 $?
	check "$1: no errors" "" "$(cat "$T/$1.err")"
}

make refsetup-ours "$REF_SETUP" "$OURS"
inspect "reference swtpm_setup with our swtpm, served by ours" \
    "$T/refsetup-ours" "$OURS" "$T/refsetup-ours.ek"
make oursetup-ref "$SETUP" "$REF_SWTPM"
inspect "our swtpm_setup with the reference swtpm, served by it" \
    "$T/oursetup-ref" "$REF_SWTPM" "$T/oursetup-ref.ek"
make ours-ours "$SETUP" "$OURS"
inspect "state made by ours, served by the reference swtpm" \
    "$T/ours-ours" "$REF_SWTPM" "$T/ours-ours.ek"
make ref-ref "$REF_SETUP" "$REF_SWTPM"
inspect "state made by the reference, served by our swtpm" \
    "$T/ref-ref" "$OURS" "$T/ref-ref.ek"

# --- the same lines ------------------------------------------------------
norm()
{
	sed -E -e 's/ @ .*/ @ DATE/' -e 's/certs\.[A-Za-z0-9]+(\/[a-z0-9]+)?/certs.X/g' \
	    -e 's/--ek [0-9a-fxy=,]+(id=secp384r1)? /--ek KEY /' \
	    -e 's/"version": "[0-9.]+"/"version": V/' "$1"
}

# same DESC SETUP-ARGS...: both tools in fresh directories, with the
# reference's swtpm and with ours; stdout, stderr and status compared
same()
{
	local desc=$1 sw who rc
	shift
	for sw in "$REF_SWTPM" "$OURS"; do
		for who in ref ours; do
			rm -rf "$T/c-$who"
			mkdir -p "$T/c-$who/st"
			if [ "$who" = ref ]; then s=$REF_SETUP; else s=$SETUP; fi
			(cd "$T/c-$who" && "$s" --tpm "$sw socket" "$@" \
			    >out 2>err; echo "rc=$?" >>out; ls st >>out)
		done
		check "same lines: $desc (swtpm: $sw)" \
		    "$(norm "$T/c-ref/out"; norm "$T/c-ref/err")" \
		    "$(norm "$T/c-ours/out"; norm "$T/c-ours/err")"
	done
}

echo 00112233445566778899aabbccddeeff >"$T/key"
same "TPM 2, certificates, lock" --config "$CONF" $FLAGS --tpmstate st
same "TPM 2, SRK, RSA 3072, banks" --config "$CONF" --tpm2 --createek \
    --create-spk --rsa-keysize 3072 --pcr-banks sha1,sha512,sha1 \
    --tpmstate st
same "TPM 2, ECC SRK, no banks" --config "$CONF" --tpm2 --create-spk \
    --ecc --pcr-banks - --tpmstate st
same "TPM 2, signing EK (no certificates)" --config "$CONF" --tpm2 \
    --createek --allow-signing --decryption --lock-nvram --tpmstate st
same "TPM 1.2, certificates, ownership, lock" --config "$CONF" \
    --create-ek-cert --create-platform-cert --take-ownership --lock-nvram \
    --tpmstate st
same "TPM 2, --keyfile" --config "$CONF" --tpm2 --createek \
    --keyfile "$T/key" --tpmstate st
same "no --tpm-state" --config "$CONF" --tpm2
same "missing state directory" --config "$CONF" --tpm2 --tpmstate nodir
same "unreadable config" --config "$T/nonexistent" --tpm2 --tpmstate st
same "--take-ownership on TPM 2" --config "$CONF" --tpm2 --take-ownership \
    --tpmstate st
same "--ecc on TPM 1.2" --config "$CONF" --ecc --tpmstate st
same "--create-spk on TPM 1.2" --config "$CONF" --create-spk --tpmstate st
same "--reconfigure on TPM 1.2" --config "$CONF" --reconfigure \
    --tpmstate st
same "--reconfigure with --createek" --config "$CONF" --tpm2 \
    --reconfigure --createek --tpmstate st
same "bad cipher" --config "$CONF" --tpm2 --cipher aes-0 --tpmstate st
same "unreadable keyfile" --config "$CONF" --tpm2 --keyfile /nonexistent \
    --tpmstate st
same "unreadable passphrase file" --config "$CONF" --tpm2 \
    --pwdfile /nonexistent --tpmstate st
same "RSA 4096" --config "$CONF" --tpm2 --rsa-keysize 4096 --tpmstate st
same "RSA 1000" --config "$CONF" --tpm2 --rsa-keysize 1000 --tpmstate st
same "unknown user" --config "$CONF" --tpm2 --runas no-such-user \
    --tpmstate st
same "uid out of range" --config "$CONF" --tpm2 --runas 99999999999 \
    --tpmstate st
same "deprecated options" --config "$CONF" --tpm2 --swtpm_ioctl x \
    --tcsd-system-ps-file y --tpmstate st
# usage texts are each tool's own: the status and stderr are the same
same_status()
{
	local desc=$1 who
	shift
	for who in ref ours; do
		if [ "$who" = ref ]; then s=$REF_SETUP; else s=$SETUP; fi
		"$s" "$@" >/dev/null 2>"$T/s-$who.err"
		echo "rc=$?" >>"$T/s-$who.err"
		sed -i "s|^$s: |swtpm_setup: |" "$T/s-$who.err"
	done
	check "same status and errors: $desc" "$(cat "$T/s-ref.err")" \
	    "$(cat "$T/s-ours.err")"
}
same_status "unknown option" --no-such-option
same_status "--help" --help
same_status "-h" -h
same_status "-?" -?
same_status "--tpm without its argument" --tpm
"$REF_SETUP" --version >/dev/null
check "--version: the reference exits 1 (0.7.1; HEAD: 0)" 1 $?
"$SETUP" --version >/dev/null
check "--version: ours exits 0 (HEAD's fix)" 0 $?
same "--print-capabilities" --print-capabilities
same "--create-config-files overwrite,skip-if-exist" \
    --create-config-files overwrite,skip-if-exist

# an existing state: refused, kept, replaced
for who in ref ours; do
	mkdir -p "$T/e-$who"
	if [ "$who" = ref ]; then s=$REF_SETUP; else s=$SETUP; fi
	"$s" --tpm "$OURS socket" --config "$CONF" --tpm2 \
	    --tpmstate "$T/e-$who" >/dev/null 2>&1
	for f in "" --not-overwrite --overwrite; do
		"$s" --tpm "$OURS socket" --config "$CONF" --tpm2 \
		    --tpmstate "$T/e-$who" $f >"$T/e-$who.out$f" \
		    2>"$T/e-$who.err$f"
		echo "rc=$?" >>"$T/e-$who.out$f"
	done
done
for f in "" --not-overwrite --overwrite; do
	check "same lines: existing state ${f:-without --overwrite}" \
	    "$(norm "$T/e-ref.out$f"; norm "$T/e-ref.err$f")" \
	    "$(norm "$T/e-ours.out$f"; norm "$T/e-ours.err$f")"
done

t_done
