#!/bin/bash
# localca_badinput.sh - swtpm_localca given bad input exits 1 with a
# clear message and leaves nothing half made: missing, unreadable
# (as user nobody) or malformed configuration and options files (a
# directory, a NUL byte, too large, required keys missing or empty),
# directories that cannot be made, an unwritable state directory, lock
# file, signing key or certificate, a broken signing key, a counter
# file that is a directory, a lock file that is a symlink; and a full
# disk (a small tmpfs) at every point of creating the CA, updating the
# counter and writing the certificate: no signing key without its
# certificate, no temporary file, the counter unchanged, and once there
# is space the next run succeeds. The nobody and tmpfs parts need root
# and are skipped without it.
set -u
. "${top_srcdir:-.}/tests/lib/localcalib.sh"
lc_init

# fails DESC EXPECTED-OUTPUT CONF ARGS...: exit 1 and exactly that output
fails()
{
	local desc=$1 want=$2 conf=$3 rc

	shift 3
	lc_run "$conf" "$W/out" "${TPM2_EK[@]}" --ek "$MOD" "$@"
	rc=$?
	cl_check "$desc" "1
$want" "$rc
$(cat "$W/lc.out")"
}

mkdir -p "$W/out"
S=$W/state
lc_conf "$W/ca.conf" "$S"
ME=$(id -un)

# ---------------------------------------------------------------- files
fails "config file missing" \
    "Need read rights on config file $W/none.conf for user $ME." \
    "$W/none.conf"
cl_check "config file missing: nothing created" "no" \
    "$([ -e "$S" ] && echo yes || echo no)"
"$SWTPM_LOCALCA" --configfile "$W/ca.conf" --optsfile "$W/none" \
    --dir "$W/out" "${TPM2_EK[@]}" --ek "$MOD" >"$W/lc.out" 2>&1
cl_check "options file missing" "1 Need read rights on options file \
$W/none for user $ME." "$? $(cat "$W/lc.out")"
mkdir "$W/dir.conf"
fails "config file is a directory" "'$W/dir.conf' is not a regular file" \
    "$W/dir.conf"
printf 'statedir = %s\0\n' "$S" >"$W/nul.conf"
fails "config file with a NUL byte" \
    "'$W/nul.conf' is not a text file (NUL byte)" "$W/nul.conf"
head -c 1100000 /dev/zero | tr '\0' '#' >"$W/big.conf"
fails "config file over 1 MiB" \
    "cannot read '$W/big.conf': file too large" "$W/big.conf"
printf 'signingkey = %s/k\nissuercert = %s/c\n' "$S" "$S" >"$W/nosd.conf"
fails "no statedir" \
    "Missing 'statedir' config value in config file $W/nosd.conf." \
    "$W/nosd.conf"
printf 'statedir = \nstatedir = %s\n' "$S" >"$W/empty.conf"
fails "empty statedir (the first line wins)" \
    "Missing 'statedir' config value in config file $W/empty.conf." \
    "$W/empty.conf"
printf 'statedir = %s\nissuercert = %s/c\n' "$S" "$S" >"$W/nosk.conf"
fails "no signingkey (after the statedir was made)" \
    "Creating swtpm-localca dir '$S'.
Missing 'signingkey' config value in config file $W/nosk.conf." \
    "$W/nosk.conf"
printf 'statedir = %s\nsigningkey = %s/k\n' "$S" "$S" >"$W/noic.conf"
fails "no issuercert" \
    "Missing 'issuercert' config value in config file $W/noic.conf." \
    "$W/noic.conf"
rm -rf "$S"
: >"$W/afile"
lc_conf "$W/sdfile.conf" "$W/afile/state"
fails "statedir cannot be made" "Creating swtpm-localca dir '$W/afile/state'.
Could not create directory for 'statedir': Not a directory" \
    "$W/sdfile.conf"
cat >"$W/skdir.conf" <<EOF
statedir = $S
signingkey = $W/afile/sk/signkey.pem
issuercert = $S/issuercert.pem
EOF
fails "signing key's directory cannot be made" \
    "Creating swtpm-localca dir '$S'.
Creating swtpm-localca dir '$W/afile/sk'.
Could not create directory for 'signkey': Not a directory" "$W/skdir.conf"

# a working CA for what follows
lc_run "$W/ca.conf" "$W/out" "${TPM2_EK[@]}" --ek "$MOD" ||
    { cl_notok "set-up run"; cat "$W/lc.out"; cl_done; }
n=$(cat "$S/certserial")
printf -- '--platform-model\0x\n' >"$W/nulopts"
"$SWTPM_LOCALCA" --configfile "$W/ca.conf" --optsfile "$W/nulopts" \
    --dir "$W/out" "${TPM2_EK[@]}" --ek "$MOD" >"$W/lc.out" 2>&1
cl_check "options file with a NUL byte: exit 1, no serial used" \
    "1 '$W/nulopts' is not a text file (NUL byte) $n" \
    "$? $(cat "$W/lc.out") $(cat "$S/certserial")"
mkdir -p "$W/bad"
cp "$S/issuercert.pem" "$W/bad/issuercert.pem"
echo "not a key" >"$W/bad/signkey.pem"
lc_conf "$W/bad.conf" "$W/bad"
rm -f "$W/out/ek.cert"
lc_run "$W/bad.conf" "$W/out" "${TPM2_EK[@]}" --ek "$MOD"
rc=$?
cl_check "broken signing key: swtpm_cert's message, exit 1" \
    "1 Could not create EK certificate locally" \
    "$rc $(head -1 "$W/lc.out")"
cl_check "broken signing key: no certificate, no temporary file" "" \
    "$(ls -A "$W/out")"
rm -f "$W/bad/signkey.pem" "$W/bad/.lock.swtpm-localca"
ln -s "$W/elsewhere" "$W/bad/.lock.swtpm-localca"
lc_run "$W/bad.conf" "$W/out" "${TPM2_EK[@]}" --ek "$MOD"
cl_check "lock file is a symlink: exit 1, not followed" \
    "1 Could not open lockfile $W/bad/.lock.swtpm-localca: Too many levels of symbolic links no" \
    "$? $(cat "$W/lc.out") $([ -e "$W/elsewhere" ] && echo yes || echo no)"
mv "$S/certserial" "$W/certserial.save"
mkdir "$S/certserial"
fails "counter file is a directory" \
    "cannot read serial number file '$S/certserial': Is a directory" \
    "$W/ca.conf"
rmdir "$S/certserial"
mv "$W/certserial.save" "$S/certserial"

# ---------------------------------------------------------------- nobody
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	P=$W/pub
	mkdir -p "$P/out" "$P/st"
	chmod 755 "$W" "$P"
	chmod 777 "$P/out"
	cp "$W/opts" "$P/opts"
	chmod 644 "$P/opts"
	# nob DESC EXPECTED CONF: as nobody, exit 1 with that message
	nob()
	{
		local rc

		setpriv --reuid=65534 --regid=65534 --clear-groups \
		    "$SWTPM_LOCALCA" --configfile "$3" --optsfile "$P/opts" \
		    --dir "$P/out" "${TPM2_EK[@]}" --ek "$MOD" \
		    >"$W/lc.out" 2>&1
		rc=$?
		cl_check "$1" "1 $2" "$rc $(cat "$W/lc.out")"
	}
	lc_conf "$P/ca.conf" "$P/st"
	chmod 600 "$P/ca.conf"
	nob "as nobody: unreadable config file" \
	    "Need read rights on config file $P/ca.conf for user nobody." \
	    "$P/ca.conf"
	chmod 644 "$P/ca.conf"
	chmod 755 "$P/st"
	nob "as nobody: unwritable state directory" \
	    "Need read/write rights on statedir $P/st for user nobody." \
	    "$P/ca.conf"
	chown 65534:65534 "$P/st"
	: >"$P/st/.lock.swtpm-localca"
	chmod 644 "$P/st/.lock.swtpm-localca"
	nob "as nobody: unwritable lock file" \
	    "Need read/write rights on $P/st/.lock.swtpm-localca for user nobody." \
	    "$P/ca.conf"
	chown 65534:65534 "$P/st/.lock.swtpm-localca"
	cp "$S/signkey.pem" "$S/issuercert.pem" "$P/st/"
	chmod 600 "$P/st/signkey.pem"
	nob "as nobody: unreadable signing key" \
	    "Need read rights on signing key $P/st/signkey.pem for user nobody." \
	    "$P/ca.conf"
	chmod 644 "$P/st/signkey.pem"
	chmod 600 "$P/st/issuercert.pem"
	nob "as nobody: unreadable issuer certificate" \
	    "Need read rights on issuer certificate $P/st/issuercert.pem for user nobody." \
	    "$P/ca.conf"
	cl_check "as nobody: no CA was created over them" \
	    "$(sha256sum <"$S/signkey.pem")" "$(sha256sum <"$P/st/signkey.pem")"
	chmod 700 "$W"
else
	echo "# not root or no setpriv: the unreadable-file cases skipped"
fi

# ---------------------------------------------------------------- disk full
MNT=$W/mnt
mkdir -p "$MNT"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=256k,mode=0755 tmpfs \
    "$MNT" 2>"$W/mount.err"; then
	lc_cleanup()
	{
		umount "$MNT" 2>/dev/null || umount -l "$MNT"
		cl_cleanup
	}
	trap lc_cleanup EXIT
	fill()
	{
		dd if=/dev/zero of="$MNT/filler" bs=4k >/dev/null 2>&1
		head -c 4096 /dev/zero >>"$MNT/filler" 2>/dev/null
	}
	# free N: leave N pages of the tmpfs free
	free_pages()
	{
		rm -f "$MNT/filler"
		fill
		truncate -s "-$(($1 * 4096))" "$MNT/filler"
	}
	FS=$MNT/state
	lc_conf "$W/full.conf" "$FS"
	mkdir -p "$FS"
	# CA creation, then the counter, with 0, 1, 2, ... pages free
	ok_all=1
	for pages in 0 1 2 3 4 5; do
		free_pages "$pages"
		lc_run "$W/full.conf" "$W/out" "${TPM2_EK[@]}" --ek "$MOD"
		rc=$?
		if [ "$rc" = 0 ]; then
			echo "# $pages pages free: enough"
			break
		fi
		grep -q "No space left on device" "$W/lc.out" || {
			ok_all=0; echo "# $pages pages: $(cat "$W/lc.out")"; }
		lc_ca_ok "$FS" || { ok_all=0; echo "# $pages pages: half CA"; }
		[ -z "$(lc_temps "$FS")" ] || {
			ok_all=0; echo "# $pages pages: $(lc_temps "$FS")"; }
		[ ! -e "$FS/certserial" ] || {
			ok_all=0; echo "# $pages pages: a serial was used"; }
		echo "# $pages pages free: $(tail -1 "$W/lc.out")"
	done
	cl_check "disk full while creating the CA: exit 1, 'No space left', no half CA, no temporaries, no serial" \
	    1 "$ok_all"
	rm -f "$MNT/filler"
	if lc_run "$W/full.conf" "$W/out" "${TPM2_EK[@]}" --ek "$MOD" &&
	    lc_verify "$W/out/ek.cert" "$FS"; then
		cl_ok "disk full: with space again the next run succeeds"
	else
		cl_notok "disk full: with space again the next run succeeds"
		cat "$W/lc.out"
	fi
	# the counter on a full disk
	n=$(cat "$FS/certserial")
	fill
	rm -f "$W/out/ek.cert"
	lc_run "$W/full.conf" "$W/out" "${TPM2_EK[@]}" --ek "$MOD"
	rc=$?
	cl_check "disk full at the counter: exit 1, clear message" \
	    "1 cannot write '$FS/certserial': No space left on device" \
	    "$rc $(cat "$W/lc.out")"
	cl_check "disk full at the counter: unchanged, no temporary, no certificate" \
	    "$n  no" "$(cat "$FS/certserial") $(lc_temps "$FS") $([ -e \
	    "$W/out/ek.cert" ] && echo yes || echo no)"
	rm -f "$MNT/filler"
	# the certificate on a full disk (the CA elsewhere)
	mkdir -p "$MNT/out"
	fill
	lc_run "$W/ca.conf" "$MNT/out" "${TPM2_EK[@]}" --ek "$MOD"
	rc=$?
	cl_check "disk full at the certificate: exit 1, swtpm_cert's reason" \
	    "1 Could not create EK certificate locally yes" \
	    "$rc $(head -1 "$W/lc.out") $(grep -q 'No space left on device' \
	    "$W/lc.out" && echo yes || echo no)"
	cl_check "disk full at the certificate: nothing left in --dir" "" \
	    "$(ls -A "$MNT/out")"
	rm -f "$MNT/filler"
else
	echo "# cannot mount a tmpfs: the disk-full cases skipped" \
	    "$(cat "$W/mount.err" 2>/dev/null)"
fi

cl_done
