# Cases for tests/interop/clients.sh (sourced). Each line runs the
# reference client and ours in identical situations and compares.

make_templates

# --- swtpm_ioctl: arguments only -------------------------------------
args_ioctl() { args_case ioctl "$@"; }
args_ioctl --version
args_ioctl --help
args_ioctl -help
args_ioctl
args_ioctl -c
args_ioctl --unix "$WORK/nonexistent"
args_ioctl -c --unix "$WORK/nonexistent"
args_ioctl -c -e --unix x
args_ioctl -c -c --unix x
args_ioctl -x --unix x
args_ioctl -l2 --unix x
args_ioctl -l=2 --unix x
args_ioctl -l 5 --unix x
args_ioctl -l -1 --unix x
args_ioctl -l x --unix x
args_ioctl -r 9 --unix x
args_ioctl -b x --unix x
args_ioctl --info 0x3x --unix x
args_ioctl --info 99999999999999999999999 --unix x
args_ioctl --save volatile --unix x
args_ioctl --save volatile
args_ioctl --load volatile -x
args_ioctl --tcp :70000 -c
args_ioctl --tcp localhost:70000 -c
args_ioctl --tcp :abc -c
args_ioctl --tcp localhost: -c
args_ioctl --tcp :1 -c
args_ioctl --tcp 127.0.0.1:1 -c
args_ioctl --tcp no.such.host.invalid:1 -c
args_ioctl -e "$WORK/nonexistent-device"
args_ioctl --tpm-device "$WORK/nonexistent-device" -c --unix x
args_ioctl -l
args_ioctl --unix x -h

# --- swtpm_ioctl against the server ------------------------------------
# a blob to load: the permanent state of the TPM 2 template
cp "$WORK/tmpl2/tpm2-00.permall" "$WORK/blobin" 2>/dev/null ||
    head -c 1000 /dev/zero >"$WORK/blobin"
: >"$WORK/empty"
for ver in 2 1; do
	for cmd in "-c" "-g" "-e" "-i" "--stop" "-s" "-v" "-C" "-l 0" "-l 4" \
	    "-r 0" "-r 3" "-r 4" "-b 0" "-b 3000" "--info 0" "--info 1" \
	    "--info 2" "--info 7" "--info 0x100" "-h abc" "-h -" "--c" \
	    "--sto" "--save permanent {W}/blob" \
	    "--save volatile {W}/blob" "--save savestate {W}/blob" \
	    "--save bogus {W}/blob" "--save volatile {W}/nodir/blob" \
	    "--load permanent {W}/blobin" "--load bogus {W}/blobin" \
	    "--load permanent {W}/nonexistent"; do
		# shellcheck disable=SC2086
		ioctl_case $ver unix - {CTRL} $cmd
	done
	# stopped TPM
	for cmd in "-e" "-r 3" "-v" "-b 100" "-b 3000" "-b 100000" \
	    "--save permanent {W}/blob" "--load permanent {W}/blobin" \
	    "--load volatile {W}/empty" "-h abc" "-C" "-c"; do
		# shellcheck disable=SC2086
		ioctl_case $ver unix --stop {CTRL} $cmd
	done
	# TCP control channel
	for cmd in "-c" "-g" "-e" "--info 1" "-h abc" "--stop"; do
		# shellcheck disable=SC2086
		ioctl_case $ver tcp - {CTRL} $cmd
	done
done
for cmd in "--load permanent {W}/blobin"; do
	# shellcheck disable=SC2086
	ioctl_case 2 unix --stop {CTRL} $cmd
done
# hash from stdin in several chunks: 5000 bytes -> 4096 + 904
head -c 5000 /dev/zero | tr '\0' 'a' >"$WORK/hashin"
STDIN=$WORK/hashin ioctl_case 2 unix - {CTRL} -h -
head -c 4096 /dev/zero >"$WORK/hashin"
STDIN=$WORK/hashin ioctl_case 2 unix - {CTRL} -h -
ioctl_case 2 unix - {CTRL} -h "$(head -c 9000 /dev/zero | tr '\0' 'b')"

# --- swtpm_bios: arguments only ----------------------------------------
args_bios() { args_case bios "$@"; }
args_bios -v
args_bios -h
args_bios -x
args_bios --tcp :70000
args_bios --tcp localhost:70000
args_bios --tcp :x
args_bios --tcp :1
args_bios --tcp :1 --tpm2
args_bios --tcp :1 -n --tpm2
args_bios --unix "$WORK/nonexistent"
args_bios --tpm-device "$WORK/nonexistent" --tcp :1
TPM_DEVICE=$WORK/nonexistent args_bios
TCSD_USE_TCP_DEVICE=1 TCSD_TCP_DEVICE_PORT=1 args_bios
TCSD_USE_TCP_DEVICE=1 TCSD_TCP_DEVICE_HOSTNAME=no.such.host.invalid \
    args_bios

# --- swtpm_bios against the server -------------------------------------
for opts in "" "-c" "-s" "-d" "-n" "-o" "-cs" "-u" "-cs -u" "-o -cs"; do
	# shellcheck disable=SC2086
	bios_case 2 - --tpm2 $opts
done
bios_case 2 --tpm2 --tpm2
bios_case 2 --tpm2 --tpm2 -cs -u
for opts in "" "-c" "-s" "-d" "-n" "-o" "-cs" "-u" "-ea" "-ea -u" \
    "-o -cs" "-n -ea"; do
	# shellcheck disable=SC2086
	bios_case 1 - $opts
done
bios_case 1 -d -n -ea
bios_case 1 -d -ea
bios_case 1 - -c -c

. "$top_srcdir/tests/interop/clients/fake.sh"
