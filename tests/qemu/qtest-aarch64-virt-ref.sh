#!/bin/sh
# QEMU qtest: qtest-aarch64-virt.sh with the reference swtpm, the control.
d=${top_srcdir:-$(dirname "$0")/../..}
exec sh "$d/tests/qemu/scenario.sh" qtest-aarch64-virt@ref
