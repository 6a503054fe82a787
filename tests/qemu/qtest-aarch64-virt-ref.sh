#!/bin/sh
# QEMU qtest: qtest-aarch64-virt.sh with the reference swtpm, the control.
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/qemu/scenario.sh" qtest-aarch64-virt@ref
