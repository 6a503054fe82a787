#!/bin/sh
# QEMU qtest, x86 tpm-tis at register level (tis.py): locality, FIFO,
# Startup, GetRandom, PCR, NV; migration keeps the TPM state; ours.
d=${top_srcdir:-$(dirname "$0")/../..}
exec sh "$d/tests/qemu/scenario.sh" qtest-x86-tis
