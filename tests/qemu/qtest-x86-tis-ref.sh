#!/bin/sh
# QEMU qtest: qtest-x86-tis.sh with the reference swtpm, the control.
d=${top_srcdir:-$(dirname "$0")/../..}
exec sh "$d/tests/qemu/scenario.sh" qtest-x86-tis@ref
