#!/bin/sh
# QEMU end to end: migrate to a file, restore in a new QEMU + emulator on the
# same state dir.
# The rig (tests/qemu/rig.py) does the work; see its header for the env.
d=${top_srcdir:+$top_srcdir/tests/qemu}
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
exec python3 "${d:-$(dirname "$0")}/rig.py" save-restore
