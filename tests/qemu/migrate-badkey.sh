#!/bin/sh
# QEMU, x86 TPM 2.0: different --migration-key: destination fails, source keeps
# running.
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/qemu/scenario.sh" migrate-badkey
