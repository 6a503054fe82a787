#!/bin/sh
# QEMU end to end: migration from the reference swtpm ($SWTPM_REF) to ours
# ($SWTPM).
# The rig (tests/qemu/rig.py) does the work; see its header for the env.
d=${top_srcdir:+$top_srcdir/tests/qemu}
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
exec python3 "${d:-$(dirname "$0")}/rig.py" cross-ref-to-ours
