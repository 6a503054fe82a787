#!/bin/sh
# QEMU qtest, aarch64 virt tpm-tis-device at register level (tis.py):
# locality, FIFO, Startup, GetRandom, PCR, NV; migration keeps the TPM; ours.
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/qemu/scenario.sh" qtest-aarch64-virt
