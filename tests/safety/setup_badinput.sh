#!/bin/bash
# setup_badinput.sh - swtpm_setup refused input and failures on the way:
# unreadable and malformed configuration files, a missing,
# non-executable or misbehaving --tpm, an existing state without
# --overwrite, a certificate tool that fails or leaves no or a bad
# certificate, a full disk while the certificates are written (tmpfs,
# root only). Each time: a clear message, exit 1, and nothing of a
# half-manufactured state left: no state files (an old state is kept
# where the run was refused before starting), no EK certificate files,
# no temporary directory or pid file, no swtpm still running on it.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh"
. "$TESTLIB/setuplib.sh"
t_init
su_init
export TMPDIR=$T/tmp
mkdir -p "$TMPDIR"

# bad DESC MESSAGE-ERE STATEDIR SETUP-ARGS...: exit 1, the message on
# stderr, and nothing left behind
bad()
{
	local desc=$1 msg=$2 st=$3 left
	shift 3
	rm -rf "$T/ek"
	mkdir -p "$st" "$T/ek"
	chmod 1777 "$T/ek"
	"$SETUP" --tpmstate "$st" --write-ek-cert-files "$T/ek" "$@" \
	    >"$T/out" 2>"$T/err"
	check "$desc: exit 1" 1 $?
	check_re "$desc: message" "$msg" "$(cat "$T/err")"
	left=$(cd "$st" && ls | grep -E 'permall|volatilestate|savestate')
	check "$desc: no state left" "" "$left"
	check "$desc: no EK certificate files left" "" "$(ls "$T/ek")"
	check "$desc: nothing left in TMPDIR" "" "$(ls -A "$TMPDIR")"
	if [ -e "$st/.lock" ]; then
		check_cmd "$desc: no swtpm holds the state" \
		    flock -n "$st/.lock" true
	fi
}

CERTS="--tpm2 --create-ek-cert --create-platform-cert --lock-nvram"

# --- configuration files ----------------------------------------------------
bad "missing config" "^User [^ ]+ cannot read config file $T/none.conf.\$" \
    "$T/s" --config "$T/none.conf" $CERTS
mkdir -p "$T/dir.conf"
bad "a directory as config" "config file: '$T/dir.conf' is not a regular file" \
    "$T/s" --config "$T/dir.conf" $CERTS
printf 'create_certs_tool = x\0y\n' >"$T/nul.conf"
bad "a config with a NUL byte" "not a text file" "$T/s" \
    --config "$T/nul.conf" $CERTS
head -c 1100000 /dev/zero | tr '\0' '#' >"$T/big.conf"
bad "a config larger than 1 MiB" "big.conf" "$T/s" --config "$T/big.conf" \
    $CERTS
su_conf "$T/notool.conf"
sed -i "s|^create_certs_tool = .*|create_certs_tool = $T/no-such-tool|" \
    "$T/notool.conf"
bad "create_certs_tool that does not exist" \
    "^Could not find $T/no-such-tool in PATH.\$" "$T/s" \
    --config "$T/notool.conf" $CERTS
grep -v '^create_certs_tool =' "$CONF" >"$T/none-tool.conf"
bad "no create_certs_tool, certificates wanted" \
    "no create_certs_tool in config file '$T/none-tool.conf'" "$T/s" \
    --config "$T/none-tool.conf" $CERTS
su_conf "$T/banks.conf"
sed -i 's/^active_pcr_banks = .*/active_pcr_banks = md5,foo/' \
    "$T/banks.conf"
bad "active_pcr_banks without a known bank" \
    "No PCR banks could be allocated. None of the selected algorithms are supported." \
    "$T/s" --config "$T/banks.conf" --tpm2 --createek
if [ "$(id -u)" = 0 ] && getent passwd nobody >/dev/null; then
	mkdir -p "$T/ns"
	chown nobody "$T/ns"
	chmod 755 "$T" "$TMPDIR"
	chmod 1777 "$TMPDIR"
	cp "$CONF" "$T/private.conf"
	chmod 600 "$T/private.conf"
	bad "a config the --runas user cannot read" \
	    "^User nobody cannot read config file $T/private.conf.\$" \
	    "$T/ns" --config "$T/private.conf" --runas nobody --tpm2 \
	    --createek
fi

# an old state survives a configuration that is refused
mkdir -p "$T/old"
"$SETUP" --config "$CONF" --tpm2 --tpmstate "$T/old" >/dev/null 2>&1
sum=$(sha256sum "$T/old/tpm2-00.permall")
"$SETUP" --config "$T/none.conf" --tpm2 --tpmstate "$T/old" --overwrite \
    >/dev/null 2>&1
check "--overwrite with a bad config: exit 1" 1 $?
check "--overwrite with a bad config: the old state is kept (the reference deletes it first)" \
    "$sum" "$(sha256sum "$T/old/tpm2-00.permall" 2>&1)"

# --- the TPM program -------------------------------------------------------
bad "--tpm that does not exist" \
    "^swtpm at $T/no-swtpm is not an executable.\$" "$T/s" \
    --config "$CONF" --tpm "$T/no-swtpm socket" $CERTS
cp "$SWTPM" "$T/noexec"
chmod 644 "$T/noexec"
bad "--tpm that is not executable" \
    "^swtpm at $T/noexec is not an executable.\$" "$T/s" \
    --config "$CONF" --tpm "$T/noexec socket" $CERTS
bad "--tpm that is a directory" "^swtpm at $T is not an executable.\$" \
    "$T/s" --config "$CONF" --tpm "$T socket" $CERTS
printf '#!/bin/sh\necho "cannot work" >&2\nexit 1\n' >"$T/fails"
printf '#!/bin/sh\necho "{ not json"\n' >"$T/garbage"
chmod +x "$T/fails" "$T/garbage"
bad "--tpm that fails" "^Failed to run swtpm '$T/fails': cannot work" \
    "$T/s" --config "$CONF" --tpm "$T/fails socket" $CERTS
bad "--tpm that prints no JSON" \
    "^swtpm '$T/garbage' printed no valid capabilities" "$T/s" \
    --config "$CONF" --tpm "$T/garbage socket" $CERTS
# probes pass, the real run dies at once
cat >"$T/dies" <<EOT
#!/bin/sh
case "\$*" in *--print-*) exec "$SWTPM" "\$@" ;; esac
exit 3
EOT
chmod +x "$T/dies"
bad "a swtpm that ends at start-up" \
    "swtpm process terminated unexpectedly.
Could not start the TPM 2.
An error occurred. Authoring the TPM state failed." "$T/s" \
    --config "$CONF" --tpm "$T/dies socket" $CERTS

# --- an existing state -----------------------------------------------------
"$SETUP" --config "$CONF" --tpmstate "$T/old" --tpm2 --createek \
    >"$T/out" 2>"$T/err"
check "existing state without --overwrite: exit 1" 1 $?
check "existing state: message" "Found existing TPM state 'permall'." \
    "$(cat "$T/err")"
check "existing state: kept" "$sum" "$(sha256sum "$T/old/tpm2-00.permall")"

# --- the certificate tool --------------------------------------------------
# tool SCRIPT-BODY: a cert tool at $T/tool and a config naming it
tool()
{
	printf '#!/bin/sh\n%s\n' "$1" >"$T/tool"
	chmod +x "$T/tool"
	su_conf "$T/tool.conf"
	sed -i "s|^create_certs_tool = .*|create_certs_tool = $T/tool|" \
	    "$T/tool.conf"
}
tool 'echo "no CA here" >&2; exit 1'
bad "a cert tool that fails" \
    "^tool exit with status 1: no CA here" "$T/s" --config "$T/tool.conf" \
    $CERTS
# fails for the ECC EK only: the RSA EK's file was written, and removed
tool 'case "$*" in *x=*) exit 2;; esac
exec '"$CERTTOOL"' "$@"'
bad "a cert tool that fails for the second EK" \
    "^tool exit with status 2: " "$T/s" --config "$T/tool.conf" $CERTS
tool 'exit 0'
bad "a cert tool that writes no certificate" \
    "cannot read certificate '.*ek.cert': No such file" "$T/s" \
    --config "$T/tool.conf" $CERTS
tool 'while [ $# -gt 0 ]; do [ "$1" = --dir ] && d=$2; shift; done
head -c 3000 /dev/urandom >"$d/ek.cert"; head -c 10 /dev/zero >"$d/platform.cert"'
bad "a certificate too large for NV" \
    "Could not create NVRAM area 0x1c00002 for RSA 2048 EK certificate." \
    "$T/s" --config "$T/tool.conf" $CERTS

# --- a full disk --------------------------------------------------------------
MNT=$T/mnt
mkdir -p "$MNT"
if [ "$(id -u)" = 0 ] &&
    mount -t tmpfs -o size=256k,mode=0755 tmpfs "$MNT" 2>/dev/null; then
	trap 'umount "$MNT" 2>/dev/null || umount -l "$MNT"; t_cleanup' EXIT
	# fill [PAGES]: the tmpfs full but for PAGES pages
	fill()
	{
		local size
		dd if=/dev/zero of="$MNT/filler" bs=4k >/dev/null 2>&1
		head -c 4096 /dev/zero >>"$MNT/filler" 2>/dev/null
		size=$(stat -c %s "$MNT/filler")
		truncate -s $((size / 4096 * 4096 - ${1:-0} * 4096)) \
		    "$MNT/filler"
	}
	# the EK certificate files go to a full disk
	mkdir -p "$MNT/ek"
	fill
	rm -rf "$T/s"
	mkdir -p "$T/s"
	"$SETUP" --config "$CONF" --tpmstate "$T/s" $CERTS \
	    --write-ek-cert-files "$MNT/ek" >"$T/out" 2>"$T/err"
	check "full disk for the EK files: exit 1" 1 $?
	check_re "full disk for the EK files: message" \
	    "cannot write '$MNT/ek/ek-rsa2048.crt': No space left on device" \
	    "$(cat "$T/err")"
	check "full disk for the EK files: none left" "" "$(ls -A "$MNT/ek")"
	check "full disk for the EK files: no state left" "" \
	    "$(ls "$T/s" | grep permall)"
	# the cert tool writes into a TMPDIR on a full disk (one page
	# left: the pid file fits, three certificates do not)
	rm -f "$MNT/filler"
	mkdir -p "$MNT/tmp"
	fill 1
	TMPDIR=$MNT/tmp bad "full disk for the certificates" \
	    "exit with status 1" "$T/s" --config "$CONF" $CERTS
	check "full disk for the certificates: nothing left there" "" \
	    "$(ls -A "$MNT/tmp")"
	# the state itself on a full disk
	rm -f "$MNT/filler"
	mkdir -p "$MNT/state"
	fill
	bad "full disk for the state" \
	    "failed|terminated unexpectedly|Could not" "$MNT/state" \
	    --config "$CONF" $CERTS
else
	echo "# cannot mount a tmpfs: full-disk cases skipped"
fi

t_done
