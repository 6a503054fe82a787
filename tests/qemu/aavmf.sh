#!/bin/sh
# QEMU, aarch64 virt + tpm-tis-device: AAVMF measures its boot; every TPM
# command succeeds, the same with ours and the reference.
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/qemu/scenario.sh" aavmf
