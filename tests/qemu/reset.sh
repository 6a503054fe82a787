#!/bin/sh
# QEMU, x86 TPM 2.0: system_reset re-runs QEMU's TPM start-up; guest gets a
# working TPM.
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/qemu/scenario.sh" reset
