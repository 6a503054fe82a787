#!/bin/sh
# QEMU, x86 OVMF: a TPM Clear asked through PPI runs on the reboot (F12
# pressed); the guest sees the TPM cleared, the same with ours and the reference.
d=${top_srcdir:-$(dirname "$0")/../..}
exec sh "$d/tests/qemu/scenario.sh" ppi-ovmf
