#!/bin/sh
# QEMU, x86 TPM 2.0: migration with the same --migration-key on both sides. The
# rig (tests/qemu/rig.py) does the work; see its header for the env.
d=${top_srcdir:-$(dirname "$0")/../..}
exec sh "$d/tests/qemu/scenario.sh" migrate-migkey
