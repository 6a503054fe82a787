#!/bin/sh
# QEMU, x86 TPM 2.0: SeaBIOS measures the boot; the guest event log replays
# (tpm2_eventlog) to its PCRs 0-7, the same with ours and the reference.
exec sh "${top_srcdir:-$(dirname "$0")/../..}/tests/qemu/scenario.sh" measured-seabios
