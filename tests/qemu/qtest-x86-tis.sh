#!/bin/sh
# QEMU qtest, x86 tpm-tis at register level (tis.py): locality, FIFO,
# Startup, GetRandom, PCR, NV; migration keeps the TPM state; ours.
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/qemu/scenario.sh" qtest-x86-tis
