#!/bin/bash
# swtpm_setup.sh - our swtpm_setup with our swtpm (TPM 2): the state it
# makes is served and inspected with tpm2-tools. The certificates are
# real (openssl verify against the local CA; the key in each EK
# certificate is the TPM's persistent EK, whose template tpm2_createek
# reproduces); NV indices carry the attributes of provisioning.md §1.9
# and are write-locked only with --lock-nvram; PCR banks are as asked;
# every object is flushed once persisted (the commands, from swtpm's
# level-20 log); SRK, RSA-3072 and signing EKs with their templates in
# NV; existing state, --overwrite, --not-overwrite, --reconfigure (a
# failed one keeps the state); --logfile; encrypted state; ${VAR} in
# the configuration and its search; the default --tpm;
# --print-capabilities from the chosen --tpm; --runas.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$TESTLIB/setuplib.sh"
t_init
su_init
t_need tpm2_getcap tpm2_nvreadpublic tpm2_nvread tpm2_nvwrite \
	tpm2_readpublic tpm2_createek tpm2_flushcontext
if ! have_tcti_swtpm; then
	echo "SKIP: libtss2-tcti-swtpm not installed"
	exit 77
fi
ME="$(id -un):$(id -gn)"

# our swtpm with a level-20 log of every command ($T/io.log)
cat >"$T/logged" <<EOT
#!/bin/sh
exec "$SWTPM" "\$@" --log file=$T/io.log,level=20
EOT
chmod +x "$T/logged"

# setup OUT ERR ARGS...: our swtpm_setup with $CONF
setup()
{
	local out=$1 err=$2
	shift 2
	"$SETUP" --config "$CONF" "$@" >"$out" 2>"$err"
}

# the log without the tool's lines, Invoking lines shortened
normlog()
{
	sed -E -e '/^swtpm_localca: /d' \
	    -e 's/^  Invoking [^ ]+ --type ([a-z]+) .*/  Invoking \1/' \
	    -e 's/ @ .*/ @ DATE/' "$1"
}

persistent()
{
	su_t2 tpm2_getcap handles-persistent && tr -d ' -' <"$T/t2.out" |
	    tr 'A-F' 'a-f' | sort | tr '\n' ' '
}

nvindices()
{
	su_t2 tpm2_getcap handles-nv-index && tr -d ' -' <"$T/t2.out" |
	    tr 'A-F' 'a-f' | sort | tr '\n' ' '
}

# the PCR banks that have PCRs selected, in the TPM's order
banks()
{
	su_t2 tpm2_getcap pcrs &&
	    sed -n 's/^ *- *\([a-z0-9]*\): *\[ *[0-9].*/\1/p' "$T/t2.out" |
	    tr '\n' ' '
}

# DER of a public key: from a certificate (DER) or a TPM object
cert_pub() { openssl x509 -inform der -in "$1" -noout -pubkey |
    openssl pkey -pubin -outform der | od -An -tx1 | tr -d ' \n'; }
tpm_pub()
{
	su_t2 tpm2_readpublic -c "$1" -f pem -o "$T/pub.pem" &&
	    openssl pkey -pubin -in "$T/pub.pem" -outform der |
	    od -An -tx1 | tr -d ' \n'
}
tpm_name()
{
	su_t2 tpm2_readpublic -c "$1" && sed -n 's/^name: //p' "$T/t2.out"
}

# --- A: certificates, NV, locking, flushing, the log ------------------
S=$T/a
# a TMPDIR of its own: other tests may run swtpm_setup at the same time
mkdir -p "$S" "$T/ek" "$T/tmp-a"
TMPDIR=$T/tmp-a setup "$T/a.out" "$T/a.err" --tpm "$T/logged socket" --tpm2 \
    --tpmstate "$S" --create-ek-cert --create-platform-cert --lock-nvram \
    --write-ek-cert-files "$T/ek" --vmid vm1
check "A: exit 0" 0 $?
check "A: stderr empty" "" "$(cat "$T/a.err")"
check "A: the reference's lines in its order" "Starting vTPM manufacturing as $ME @ DATE
TPM is listening on Unix socket.
Successfully created RSA 2048 EK with handle 0x81010001.
  Invoking ek
  Invoking platform
Successfully created NVRAM area 0x1c00002 for RSA 2048 EK certificate.
Successfully created NVRAM area 0x1c08000 for platform certificate.
Successfully created ECC EK with handle 0x81010016.
  Invoking ek
Successfully created NVRAM area 0x1c00016 for ECC EK certificate.
Successfully activated PCR banks sha256 among sha1,sha256,sha384,sha512.
Successfully authored TPM state.
Ending vTPM manufacturing @ DATE" "$(normlog "$T/a.out")"
check "A: tool output relayed" 3 \
    "$(grep -c '^swtpm_localca: Successfully created' "$T/a.out")"
check_re "A: Invoking line names the tool and its arguments" \
    "  Invoking $CERTTOOL --type ek --ek [0-9a-f]{512} --dir [^ ]+ --vmid vm1 --tpm-spec-family 2.0 --tpm-spec-level 0 --tpm-spec-revision 164 --tpm-manufacturer id:00001014 --tpm-model swtpm --tpm-version id:20191023 --tpm2 --configfile $T/localca.conf --optsfile $T/localca.options" \
    "$(grep -m1 Invoking "$T/a.out")"
check "A: EK files, mode 0640" "640 640" \
    "$(stat -c %a "$T/ek/ek-rsa2048.crt" "$T/ek/ek-secp384r1.crt" |
    tr '\n' ' ' | sed 's/ $//')"
check "A: no temporary directory left" "" \
    "$(ls "$T/tmp-a")"

# the commands: every CreatePrimary's object flushed after EvictControl
su_iolog "$T/io.log" >"$T/a.io"
flush=$("$PYTHON" - "$T/a.io" <<'EOT'
import sys
made, flushed, evicted = [], [], 0
for line in open(sys.argv[1]):
	cmd, rsp = line.split()
	cc = cmd[12:20]
	if cc == "00000131" and rsp[12:20] == "00000000":
		made.append(rsp[20:28])
	elif cc == "00000120":
		evicted += 1
	elif cc == "00000165":
		flushed.append(cmd[20:28])
print(len(made), evicted, "flushed" if made == flushed else
      "made %s flushed %s" % (made, flushed))
EOT
)
check "A: 2 objects made, persisted and flushed" "2 2 flushed" "$flush"
# provisioning.md §1.8's capture but for the size (its cert: 1016 bytes)
want=$(echo 8002 0000002D 0000012A 4000000C 00000009 40000009 0000 00 0000 \
    0000 000E 01C00002 000B 42072001 0000 | tr -d ' ')
check_re "A: NV_DefineSpace of the RSA EK cert (PLATFORM, SHA256, 0x42072001)" \
    "^$want[0-9A-F]{4}\$" \
    "$(grep -m1 '^80020000002D0000012A' "$T/a.io" | cut -d' ' -f1)"
check "A: TPM2_Shutdown(CLEAR) is the last command" \
    "80010000000C000001450000" "$(tail -n 1 "$T/a.io" | cut -d' ' -f1)"

su_serve a "$S" || t_done
check "A: persistent EKs" "0x81010001 0x81010016 " "$(persistent)"
check "A: NV indices" "0x1c00002 0x1c00016 0x1c08000 " "$(nvindices)"
for i in 0x1c00002 0x1c00016 0x1c08000; do
	check "A: $i written and write-locked (0x62072801)" 0x62072801 \
	    "$(su_nvattrs $i)"
	su_t2 tpm2_nvread -C o -o "$T/nv$i.der" $i
	check_cmd "A: certificate in $i verifies under the local CA" \
	    su_verify "$T/nv$i.der"
done
check_cmd "A: ek-rsa2048.crt is the certificate in 0x1c00002" \
    cmp -s "$T/ek/ek-rsa2048.crt" "$T/nv0x1c00002.der"
check_cmd "A: ek-secp384r1.crt is the certificate in 0x1c00016" \
    cmp -s "$T/ek/ek-secp384r1.crt" "$T/nv0x1c00016.der"
check "A: RSA EK certificate's key is the persistent EK 0x81010001" \
    "$(tpm_pub 0x81010001)" "$(cert_pub "$T/nv0x1c00002.der")"
check "A: ECC EK certificate's key is the persistent EK 0x81010016" \
    "$(tpm_pub 0x81010016)" "$(cert_pub "$T/nv0x1c00016.der")"
check "A: platform certificate's key is the RSA EK" \
    "$(tpm_pub 0x81010001)" "$(cert_pub "$T/nv0x1c08000.der")"
check_re "A: EK certificate subject CN=vm1" "CN ?= ?vm1" \
    "$(openssl x509 -inform der -in "$T/nv0x1c00002.der" -noout -subject)"
su_t2 tpm2_createek -c "$T/ek.ctx" -G rsa -u "$T/ekrsa.pub"
check "A: tpm2_createek -G rsa gives the Name of 0x81010001" \
    "$(tpm_name 0x81010001)" "$(tpm_name "$T/ek.ctx")"
su_t2 tpm2_createek -c "$T/ek.ctx" -G ecc384 -u "$T/ekecc.pub"
check "A: tpm2_createek -G ecc384 gives the Name of 0x81010016" \
    "$(tpm_name 0x81010016)" "$(tpm_name "$T/ek.ctx")"
head -c 16 /dev/zero >"$T/zero"
if su_t2 tpm2_nvwrite -C p -i "$T/zero" 0x1c00002; then
	notok "A: a locked certificate index refuses writes"
else
	check_re "A: a locked certificate index refuses writes" \
	    'NV_LOCKED|0x148|locked' "$(cat "$T/t2.out")"
fi
check "A: PCR banks: sha256 only" "sha256 " "$(banks)"
su_unserve a

# --- B: RSA-3072, signing EK, SRK, banks, no lock ---------------------
S=$T/b
mkdir -p "$S"
setup "$T/b.out" "$T/b.err" --tpm2 --tpmstate "$S" --create-ek-cert \
    --rsa-keysize 3072 --allow-signing --decryption --create-spk \
    --pcr-banks sha384,foo,sha1,sha384
check "B: exit 0" 0 $?
check "B: lines" "Starting vTPM manufacturing as $ME @ DATE
TPM is listening on Unix socket.
Successfully created storage primary key with handle 0x81000001.
Successfully created RSA 3072 EK with handle 0x8101001c.
Successfully created NVRAM area 0x1c0001d for RSA 3072 EK template.
  Invoking ek
Successfully created NVRAM area 0x1c0001c for RSA 3072 EK certificate.
Successfully created ECC EK with handle 0x81010016.
Successfully created NVRAM area 0x1c00017 for ECC EK template.
  Invoking ek
Successfully created NVRAM area 0x1c00016 for ECC EK certificate.
Successfully activated PCR banks sha384,sha1 among sha1,sha256,sha384,sha512.
Successfully authored TPM state.
Ending vTPM manufacturing @ DATE" "$(normlog "$T/b.out")"
check_re "B: --allow-signing --decryption go to the cert tool (HEAD)" \
    '--dir [^ ]+ --allow-signing --decryption ' \
    "$(grep -m1 Invoking "$T/b.out")"
su_serve b "$S" || t_done
check "B: persistent SRK and EKs" "0x81000001 0x81010016 0x8101001c " \
    "$(persistent)"
check "B: NV indices" "0x1c00016 0x1c00017 0x1c0001c 0x1c0001d " \
    "$(nvindices)"
check "B: written, not locked without --lock-nvram (0x62072001)" \
    "0x62072001 0x62072001" \
    "$(su_nvattrs 0x1c0001c) $(su_nvattrs 0x1c0001d)"
su_t2 tpm2_nvread -C o -o "$T/tmpl" 0x1c0001d
check "B: RSA-3072 signing template in NV (bare TPMT_PUBLIC, 70 bytes)" \
    "0001000c000600f20030b26e7d28d11a50bc53d882bcf5fd3a1a074148bb35d3b4e4cb1c0ad9bde419cacb47ba09699646150f9fc000f3f80e12001000100c00000000000000" \
    "$(od -An -tx1 "$T/tmpl" | tr -d ' \n')"
su_t2 tpm2_nvread -C o -o "$T/b.der" 0x1c0001c
check_cmd "B: RSA-3072 EK certificate verifies" su_verify "$T/b.der"
check "B: its key is the persistent EK 0x8101001c" \
    "$(tpm_pub 0x8101001c)" "$(cert_pub "$T/b.der")"
check_re "B: signing EK certificate: digitalSignature, keyEncipherment" \
    'Digital Signature, Key Encipherment' \
    "$(openssl x509 -inform der -in "$T/b.der" -noout -ext keyUsage)"
su_t2 tpm2_readpublic -c 0x81000001
check_re "B: SRK RSA 3072 (0.7.1: the EK's size)" 'bits: 3072' \
    "$(cat "$T/t2.out")"
check "B: PCR banks sha1 and sha384" "sha1 sha384 " "$(banks)"
su_unserve b

# --- C: ECC SRK without an EK ------------------------------------------
S=$T/c
mkdir -p "$S"
setup "$T/c.out" "$T/c.err" --tpm2 --tpmstate "$S" --create-spk --ecc \
    --pcr-banks -
check "C: exit 0" 0 $?
check "C: '--pcr-banks -' leaves the banks (no allocation line)" "" \
    "$(grep 'activated PCR' "$T/c.out")"
su_serve c "$S" || t_done
check "C: only the SRK" "0x81000001 " "$(persistent)"
su_t2 tpm2_readpublic -c 0x81000001
check_re "C: SRK is ECC P-384" 'curve-id:[^:]*: NIST p384' \
    "$(cat "$T/t2.out")"
check "C: all banks active" "sha1 sha256 sha384 sha512 " "$(banks)"
su_unserve c

# --- D: existing state ---------------------------------------------------
S=$T/a
sum=$(sha256sum "$S/tpm2-00.permall")
setup "$T/d.out" "$T/d.err" --tpm2 --tpmstate "$S" --createek
check "D: existing state without --overwrite: exit 1" 1 $?
check "D: message" "Found existing TPM state 'permall'." "$(cat "$T/d.err")"
check "D: state untouched" "$sum" "$(sha256sum "$S/tpm2-00.permall")"
setup "$T/d.out" "$T/d.err" --tpm2 --tpmstate "$S" --createek \
    --not-overwrite
check "D: --not-overwrite: exit 0" 0 $?
check "D: --not-overwrite: message" "Not overwriting existing state file." \
    "$(cat "$T/d.out")"
check "D: --not-overwrite: state untouched" "$sum" \
    "$(sha256sum "$S/tpm2-00.permall")"

# --- E: --reconfigure keeps the EK; a failed one keeps the state --------
cp -a "$T/b" "$T/e"
S=$T/e
su_serve e "$S" || t_done
before=$(tpm_pub 0x8101001c)
su_unserve e
setup "$T/e.out" "$T/e.err" --tpm2 --tpmstate "$S" --reconfigure \
    --pcr-banks sha256
check "E: --reconfigure: exit 0" 0 $?
check "E: --reconfigure: lines" "Starting vTPM reconfiguration as $ME @ DATE
TPM is listening on Unix socket.
Successfully activated PCR banks sha256 among sha1,sha256,sha384,sha512.
Successfully authored TPM state.
Ending vTPM manufacturing @ DATE" "$(normlog "$T/e.out")"
su_serve e "$S" || t_done
check "E: EK unchanged" "$before" "$(tpm_pub 0x8101001c)"
check "E: PCR banks now sha256" "sha256 " "$(banks)"
su_unserve e
sum=$(sha256sum "$S/tpm2-00.permall")
setup "$T/e.out" "$T/e.err" --tpm2 --tpmstate "$S" --reconfigure \
    --pcr-banks md5
check "E: --reconfigure with no known bank: exit 1" 1 $?
check "E: message" "No PCR banks could be allocated. None of the selected algorithms are supported.
An error occurred. Authoring the TPM state failed." "$(cat "$T/e.err")"
check "E: the failed reconfiguration kept the state (the reference deletes it)" \
    "$sum" "$(sha256sum "$S/tpm2-00.permall" 2>&1)"
setup "$T/e.out" "$T/e.err" --tpm2 --tpmstate "$S" --reconfigure \
    --createek
check "E: --reconfigure with --createek: exit 1" 1 $?
check "E: message" "Reconfiguration is not supported with creation of EK or certificates" \
    "$(cat "$T/e.err")"

# --- F: --logfile ---------------------------------------------------------
S=$T/f
mkdir -p "$S"
setup "$T/f.out" "$T/f.err" --tpm2 --tpmstate "$S" --create-ek-cert \
    --logfile "$T/f.log"
check "F: exit 0" 0 $?
check "F: stdout has only the listening line" \
    "TPM is listening on Unix socket." "$(cat "$T/f.out")"
check "F: stderr empty" "" "$(cat "$T/f.err")"
check_re "F: the log is in the file" \
    'Successfully created ECC EK.*Successfully authored TPM state' \
    "$(tr '\n' ' ' <"$T/f.log")"
check_re "F: the cert tool got --logfile" "--logfile $T/f.log" \
    "$(grep -m1 Invoking "$T/f.log")"
check_re "F: logfile not world-readable" '^6[04]0$' "$(stat -c %a "$T/f.log")"

# --- G: encrypted state ----------------------------------------------------
S=$T/g
mkdir -p "$S"
echo 00112233445566778899aabbccddeeff >"$T/key"
setup "$T/g.out" "$T/g.err" --tpm2 --tpmstate "$S" --createek \
    --keyfile "$T/key"
check "G: --keyfile: exit 0" 0 $?
check_re "G: --keyfile: its line" \
    "  The TPM's state will be encrypted with a provided key." \
    "$(cat "$T/g.out")"
p=$(free_port)
SWTPM=$SWTPM sw_start g socket --tpm2 --tpmstate "dir=$S" \
    --server "type=tcp,port=$p" --ctrl "type=tcp,port=$((p + 1))" \
    --flags not-need-init,startup-clear --key "file=$T/key" && SU_PORT=$p
export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$p"
check "G: the encrypted state serves with its key" "0x81010001 0x81010016 " \
    "$(persistent)"
su_unserve g
S=$T/g2
mkdir -p "$S"
setup "$T/g.out" "$T/g.err" --tpm2 --tpmstate "$S" --createek \
    --cipher aes-256-cbc --pwdfile-fd 3 3< <(printf 'a passphrase')
check "G: --pwdfile-fd (as libvirt passes it): exit 0" 0 $?
p=$(free_port)
printf 'a passphrase' >"$T/pwd"
SWTPM=$SWTPM sw_start g2 socket --tpm2 --tpmstate "dir=$S" \
    --server "type=tcp,port=$p" --ctrl "type=tcp,port=$((p + 1))" \
    --flags not-need-init,startup-clear \
    --key "pwdfile=$T/pwd,mode=aes-256-cbc" && SU_PORT=$p
export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$p"
check "G: ... and serves with that passphrase" "0x81010001 0x81010016 " \
    "$(persistent)"
su_unserve g2
# without the key: the daemon does not start, or has no EK
sw_bg g3 socket --tpm2 --tpmstate "dir=$S" --server "type=tcp,port=$p" \
    --ctrl "type=tcp,port=$((p + 1))" --flags not-need-init,startup-clear \
    --pid "file=$T/g3.pid"
wait_for 10 t_pidfile_ready "$T/g3.pid" g3
if sw_alive g3 && [ "$(persistent)" = "0x81010001 0x81010016 " ]; then
	notok "G: ... and not without it"
else
	ok "G: ... and not without it"
fi
sw_stop g3

# --- H: ${VAR} in the configuration; the configuration search ------------
S=$T/h
mkdir -p "$S"
su_conf "$T/h.conf"
sed -i "s|$T/localca|\${SU_H_DIR}/localca|" "$T/h.conf"
SU_H_DIR=$T setup "$T/h.out" "$T/h.err" --config "$T/h.conf" --tpm2 \
    --tpmstate "$S" --create-ek-cert
check "H: \${VAR} expanded in create_certs_tool_config: exit 0" 0 $?
check_re "H: the tool got the expanded path" "--configfile $T/localca.conf" \
    "$(grep -m1 Invoking "$T/h.out")"
rm -rf "$S"/*
cp "$CONF" "$XDG_CONFIG_HOME/swtpm_setup.conf"
"$SETUP" --tpm2 --tpmstate "$S" --create-ek-cert >"$T/h.out" 2>"$T/h.err"
check "H: \$XDG_CONFIG_HOME/swtpm_setup.conf found without --config" 0 $?
rm -f "$XDG_CONFIG_HOME/swtpm_setup.conf"

# --- I: the default --tpm: next to swtpm_setup, else PATH -----------------
mkdir -p "$T/bin" "$T/pathbin" "$T/i"
cp "$SETUP" "$T/bin/swtpm_setup"
printf '#!/bin/sh\necho next >>%s/which\nexec %s "$@"\n' "$T" "$SWTPM" \
    >"$T/bin/swtpm"
printf '#!/bin/sh\necho path >>%s/which\nexec %s "$@"\n' "$T" "$SWTPM" \
    >"$T/pathbin/swtpm"
chmod +x "$T/bin/swtpm" "$T/pathbin/swtpm"
PATH=$T/pathbin:$PATH "$T/bin/swtpm_setup" --config "$CONF" --tpm2 \
    --tpmstate "$T/i" >/dev/null 2>&1
check "I: the swtpm next to swtpm_setup is the default" next \
    "$(sort -u "$T/which")"
rm -f "$T/bin/swtpm" "$T/which" "$T/i"/*
PATH=$T/pathbin:$PATH "$T/bin/swtpm_setup" --config "$CONF" --tpm2 \
    --tpmstate "$T/i" >/dev/null 2>&1
check "I: else the swtpm in PATH" path "$(sort -u "$T/which")"
rm -f "$T/which" "$T/i"/*
PATH=/nonexistent "$T/bin/swtpm_setup" --config "$CONF" --tpm2 \
    --tpmstate "$T/i" >"$T/i.out" 2>"$T/i.err"
check "I: no swtpm at all: exit 1" 1 $?
check "I: message" "Default TPM 'swtpm' could not be found and was not provided using --tpm." \
    "$(cat "$T/i.err")"

# --- J: --print-capabilities says what the chosen --tpm says -------------
printf '#!/bin/sh\necho '"'"'{ "type": "swtpm", "features": [ "tpm-2.0", "rsa-keysize-2048" ], "version": "9" }'"'"'\n' \
    >"$T/fake"
chmod +x "$T/fake"
check "J: a TPM 2-only swtpm" '{ "type": "swtpm_setup", "features": [ "tpm-2.0", "cmdarg-keyfile-fd", "cmdarg-pwdfile-fd", "tpm12-not-need-root", "cmdarg-write-ek-cert-files", "cmdarg-create-config-files", "cmdarg-reconfigure-pcr-banks", "tpm2-rsa-keysize-2048" ], "version": "'"$("$SETUP" --version | sed 's/.* //')"'" }' \
    "$("$SETUP" --tpm "$T/fake socket" --print-capabilities)"
check_re "J: ours: tpm-1.2, tpm-2.0, 2048 and 3072" \
    '"tpm-1.2", "tpm-2.0", .*"tpm2-rsa-keysize-2048", "tpm2-rsa-keysize-3072" \]' \
    "$("$SETUP" --print-capabilities)"
"$SETUP" --print-capabilities >"$T/caps.json"
check_cmd "J: it is JSON" "$PYTHON" -c \
    'import json, sys; json.load(open(sys.argv[1]))' "$T/caps.json"
"$SETUP" --tpm "$T/fake socket" --tpmstate "$T/i" >"$T/j.out" 2>"$T/j.err"
check "J: TPM 1.2 asked of a TPM 2-only swtpm: message" \
    "swtpm at $T/fake does not support TPM 1.2" "$(cat "$T/j.err")"

# --- K: --runas ------------------------------------------------------------
if [ "$(id -u)" = 0 ] && getent passwd nobody >/dev/null; then
	S=$T/k
	mkdir -p "$S"
	chown nobody "$S"
	chmod 755 "$T"
	chmod 644 "$CONF"
	setup "$T/k.out" "$T/k.err" --tpm2 --tpmstate "$S" --createek \
	    --runas nobody
	check "K: --runas nobody: exit 0" 0 $?
	check_re "K: it ran as nobody" "as nobody:" "$(cat "$T/k.out")"
	check "K: the state belongs to nobody" nobody \
	    "$(stat -c %U "$S/tpm2-00.permall")"
else
	echo "# not root: --runas skipped"
fi

t_done
