#!/bin/sh
# QEMU, ppc64: ppc64-spapr.sh with the reference swtpm, the control.
d=${top_srcdir:-$(dirname "$0")/../..}
exec sh "$d/tests/qemu/scenario.sh" ppc64-spapr@ref
