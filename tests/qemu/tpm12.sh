#!/bin/sh
# QEMU, x86 TPM 1.2 (no --tpm2) on tpm-tis: guest sees a 1.2, PCR extend and
# read, snapshot, save/restore, network migration; ours.
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/qemu/scenario.sh" tpm12
