#!/bin/sh
# QEMU, x86 SeaBIOS: a TPM Clear asked through PPI; SeaBIOS offers no PPI
# operation, so the kernel refuses it, the same with ours and the reference.
d=${top_srcdir:-$(dirname "$0")/../..}
exec sh "$d/tests/qemu/scenario.sh" ppi-seabios
