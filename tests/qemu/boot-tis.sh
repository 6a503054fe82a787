#!/bin/sh
# QEMU, x86 TPM 2.0: boot with tpm-tis: guest sees the TPM, SeaBIOS measured,
# PCR 16 extends.
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/qemu/scenario.sh" boot-tis
