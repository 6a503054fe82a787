#!/bin/sh
# QEMU, x86 TPM 1.2: tpm12.sh with the reference swtpm, the control.
d=${top_srcdir:-$(dirname "$0")/../..}
exec sh "$d/tests/qemu/scenario.sh" tpm12@ref
