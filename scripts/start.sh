#!/bin/bash
# Installs the build dependencies, builds, and starts `swtpm socket --tpm2`
# with a default state directory, printing how to connect.
#   scripts/start.sh          TCP data port 2321 + control port 2322
#                             (tpm2-tools: -T swtpm:port=2321)
#   scripts/start.sh --qemu   unix control socket for QEMU -tpmdev emulator
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
mode=tcp
[ "${1:-}" = "--qemu" ] && mode=qemu
if [ "${NO_DEPS:-0}" != 1 ]; then
	"$top/scripts/deps.sh"
fi
cd "$top"
[ -x configure ] || ./autogen.sh >/dev/null
mkdir -p build && cd build
[ -f Makefile ] || ../configure -q
make -s -j2 >/dev/null
state=${SWTPM_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/swtpm-ng/tpm0}
mkdir -p "$state"
if [ $mode = qemu ]; then
	sock="$state/swtpm-sock"
	cat <<TXT
State directory: $state
Start QEMU with:
  qemu-system-x86_64 ... -chardev socket,id=chrtpm,path=$sock \\
    -tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-tis,tpmdev=tpm0
TXT
	exec ./swtpm socket --tpm2 --tpmstate dir="$state" \
	    --ctrl type=unixio,path="$sock" --log level=1
fi
cat <<TXT
State directory: $state
TPM 2.0 listening on 127.0.0.1:2321 (data) and 127.0.0.1:2322 (control).
Connect with tpm2-tools:
  export TPM2TOOLS_TCTI=swtpm:host=127.0.0.1,port=2321
  tpm2_getrandom --hex 16
Control it with:  $top/build/swtpm_ioctl --tcp 127.0.0.1:2322 -c
Stop with Ctrl-C (or: swtpm_ioctl --tcp 127.0.0.1:2322 -s).
TXT
exec ./swtpm socket --tpm2 --tpmstate dir="$state" \
    --server type=tcp,port=2321 --ctrl type=tcp,port=2322 \
    --flags not-need-init,startup-clear
