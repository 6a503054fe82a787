#!/bin/sh
# QEMU, x86 TPM 2.0: boot with tpm-crb: guest sees the TPM, SeaBIOS measured,
# PCR 16 extends.
d=${top_srcdir:-$(dirname "$0")/../..}
exec sh "$d/tests/qemu/scenario.sh" boot-crb
