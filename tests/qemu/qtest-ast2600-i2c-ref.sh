#!/bin/sh
# QEMU qtest: qtest-ast2600-i2c.sh with the reference swtpm, the control.
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/qemu/scenario.sh" qtest-ast2600-i2c@ref
