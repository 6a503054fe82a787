#!/bin/sh
# QEMU, x86 TPM 2.0: migrate to a file, restore in a new QEMU + emulator on the
# same state dir.
d=${top_srcdir:-$(dirname "$0")/../..}
exec sh "$d/tests/qemu/scenario.sh" save-restore
