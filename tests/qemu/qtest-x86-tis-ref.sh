#!/bin/sh
# QEMU qtest: qtest-x86-tis.sh with the reference swtpm, the control.
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/qemu/scenario.sh" qtest-x86-tis@ref
