#!/bin/sh
# QEMU, x86 TPM 2.0: migration over loopback TCP between two emulators. The rig
# (tests/qemu/rig.py) does the work; see its header for the env.
d=${top_srcdir:-$(dirname "$0")/../..}
exec sh "$d/tests/qemu/scenario.sh" migrate-net
