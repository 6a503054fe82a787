#!/bin/sh
# QEMU qtest, ast2600-evb tpm-tis-i2c (QEMU 10) through the Aspeed I2C
# controller (tis.py): locality, FIFO, Startup, GetRandom, PCR, NV; migration.
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/qemu/scenario.sh" qtest-ast2600-i2c
