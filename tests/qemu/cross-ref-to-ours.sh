#!/bin/sh
# QEMU, x86 TPM 2.0: migration from the reference swtpm ($SWTPM_REF) to ours
# ($SWTPM).
d=${top_srcdir:-$(dirname "$0")/../..}
exec sh "$d/tests/qemu/scenario.sh" cross-ref-to-ours
