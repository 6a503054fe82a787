#!/bin/sh
# QEMU qtest, ast2600-evb tpm-tis-i2c (QEMU 10) through the Aspeed I2C
# controller (tis.py): locality, FIFO, Startup, GetRandom, PCR, NV; migration.
d=${top_srcdir:-$(dirname "$0")/../..}
exec sh "$d/tests/qemu/scenario.sh" qtest-ast2600-i2c
