#!/bin/sh
# QEMU, x86 TPM 2.0: system_reset re-runs QEMU's TPM start-up; guest gets a
# working TPM.
d=${top_srcdir:-$(dirname "$0")/../..}
exec sh "$d/tests/qemu/scenario.sh" reset
