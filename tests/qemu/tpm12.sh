#!/bin/sh
# QEMU, x86 TPM 1.2 (no --tpm2) on tpm-tis: guest sees a 1.2, PCR extend and
# read, snapshot, save/restore, network migration; ours.
d=${top_srcdir:-$(dirname "$0")/../..}
exec sh "$d/tests/qemu/scenario.sh" tpm12
