#!/bin/sh
# QEMU, x86 TPM 2.0: different --migration-key: destination fails, source keeps
# running.
d=${top_srcdir:-$(dirname "$0")/../..}
exec sh "$d/tests/qemu/scenario.sh" migrate-badkey
