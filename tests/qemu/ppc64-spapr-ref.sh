#!/bin/sh
# QEMU, ppc64: ppc64-spapr.sh with the reference swtpm, the control.
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/qemu/scenario.sh" ppc64-spapr@ref
