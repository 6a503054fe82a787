#!/bin/sh
# QEMU qtest: qtest-ast2600-i2c.sh with the reference swtpm, the control.
d=${top_srcdir:-$(dirname "$0")/../..}
exec sh "$d/tests/qemu/scenario.sh" qtest-ast2600-i2c@ref
