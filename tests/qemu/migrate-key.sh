#!/bin/sh
# QEMU, x86 TPM 2.0: migration between emulators with different --key (state
# encryption).
d=${top_srcdir:-$(dirname "$0")/../..}
exec sh "$d/tests/qemu/scenario.sh" migrate-key
