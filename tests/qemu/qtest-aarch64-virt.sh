#!/bin/sh
# QEMU qtest, aarch64 virt tpm-tis-device at register level (tis.py):
# locality, FIFO, Startup, GetRandom, PCR, NV; migration keeps the TPM; ours.
d=${top_srcdir:-$(dirname "$0")/../..}
exec sh "$d/tests/qemu/scenario.sh" qtest-aarch64-virt
