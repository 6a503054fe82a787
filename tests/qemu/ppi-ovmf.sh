#!/bin/sh
# QEMU, x86 OVMF: a TPM Clear asked through PPI runs on the reboot (F12
# pressed); the guest sees the TPM cleared, the same with ours and the reference.
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/qemu/scenario.sh" ppi-ovmf
