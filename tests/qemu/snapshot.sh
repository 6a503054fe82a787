#!/bin/sh
# QEMU, x86 TPM 2.0: savevm into qcow2, change PCR 16, loadvm restores it. The
# rig (tests/qemu/rig.py) does the work; see its header for the env.
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/qemu/scenario.sh" snapshot
