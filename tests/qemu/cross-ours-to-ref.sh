#!/bin/sh
# QEMU, x86 TPM 2.0: migration from ours ($SWTPM) to the reference swtpm
# ($SWTPM_REF).
d=${top_srcdir:-$(dirname "$0")/../..}
exec sh "$d/tests/qemu/scenario.sh" cross-ours-to-ref
