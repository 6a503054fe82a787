#!/bin/bash
# install.sh - `make install` puts the binaries, man pages and samples in
# place and the configuration files of the provisioning tools into
# sysconfdir with this build's paths, never overwriting a file that is
# already there; `make uninstall` removes only unedited ones. The sample
# systemd unit's command line serves and sends READY=1.
. "$top_srcdir/tests/lib/common.sh"
t_init

D=$T/dest
inst()
{
	make -s -C "$top_builddir" "$@" DESTDIR="$D" >"$T/make.out" 2>&1
}

check "make install" 0 "$(inst install; echo $?)"
etc=$(find "$D" -type d -name etc | head -n 1)
check_cmd "sysconfdir holds swtpm_setup.conf" test -f "$etc/swtpm_setup.conf"
check_cmd "... swtpm-localca.conf" test -f "$etc/swtpm-localca.conf"
check_cmd "... swtpm-localca.options" test -f "$etc/swtpm-localca.options"
check_re "the tool path is this build's bindir" \
	"^create_certs_tool = /.*/bin/swtpm_localca$" \
	"$(grep '^create_certs_tool =' "$etc/swtpm_setup.conf")"
check "no unsubstituted placeholder" "" \
	"$(grep -l '@[a-z]*dir@' "$etc"/* 2>/dev/null)"
for m in swtpm.8 swtpm_state.8 swtpm_setup.conf.5 swtpm-localca.conf.5 \
	swtpm-localca.options.5; do
	check "man page $m" 1 "$(find "$D" -name "$m" | wc -l)"
done
check "samples: systemd unit and libvirt snippet" 2 \
	"$(find "$D" -path '*samples*' \( -name 'swtpm@.service' -o \
	    -name libvirt-tpm.xml \) | wc -l)"

# the systemd unit's command line, run as systemd would (paths moved
# under $T): it must serve, and say READY=1 on $NOTIFY_SOCKET
unit=$(find "$D" -name 'swtpm@.service' | head -n 1)
cmd=$(sed -n '/^ExecStart=/,/[^\\]$/p' "$unit" | sed 's/^ExecStart=//' |
	tr -d '\\\n\t' | sed -e "s|%i|vm1|g" -e "s|/var/lib|$T/lib|g" \
	    -e "s|/run|$T/run|g" -e "s|/var/log|$T/log|g" \
	    -e "s|^[^ ]*/swtpm ||")
mkdir -p "$T/lib/swtpm/vm1" "$T/run/swtpm/vm1" "$T/log"
"$PYTHON" - "$T/notify" >"$T/notified" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(20)
print(s.recv(256).decode())
PY
npid=$!
wait_for 5 test -S "$T/notify"
# shellcheck disable=SC2086
NOTIFY_SOCKET=$T/notify sw_start unit $cmd
wait "$npid"
check "unit: READY=1 sent" "READY=1" "$(cat "$T/notified")"
check "unit: the control socket answers" 0 \
	"$("$top_builddir/swtpm_ioctl" --unix "$T/run/swtpm/vm1/swtpm-sock" -g \
	    >/dev/null 2>&1; echo $?)"
sw_stop unit

echo "# my edit" >>"$etc/swtpm_setup.conf"
before=$(sha256sum <"$etc/swtpm_setup.conf")
check "make install again" 0 "$(inst install; echo $?)"
check "an edited configuration file is not overwritten" "$before" \
	"$(sha256sum <"$etc/swtpm_setup.conf")"
check_re "and make says so" "not overwriting .*swtpm_setup.conf" \
	"$(cat "$T/make.out")"

check "make uninstall" 0 "$(inst uninstall; echo $?)"
check_cmd "the edited file stays" test -f "$etc/swtpm_setup.conf"
check_cmd "an unedited one goes" test ! -e "$etc/swtpm-localca.conf"

t_done
