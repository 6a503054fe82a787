#!/bin/sh
# QEMU, x86 TPM 2.0: migration between emulators with different --key (state
# encryption).
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/qemu/scenario.sh" migrate-key
