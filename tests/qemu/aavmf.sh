#!/bin/sh
# QEMU, aarch64 virt + tpm-tis-device: AAVMF measures its boot; every TPM
# command succeeds, the same with ours and the reference.
d=${top_srcdir:-$(dirname "$0")/../..}
exec sh "$d/tests/qemu/scenario.sh" aavmf
