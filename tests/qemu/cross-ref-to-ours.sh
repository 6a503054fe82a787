#!/bin/sh
# QEMU, x86 TPM 2.0: migration from the reference swtpm ($SWTPM_REF) to ours
# ($SWTPM).
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/qemu/scenario.sh" cross-ref-to-ours
