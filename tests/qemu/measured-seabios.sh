#!/bin/sh
# QEMU, x86 TPM 2.0: SeaBIOS measures the boot; the guest event log replays
# (tpm2_eventlog) to its PCRs 0-7, the same with ours and the reference.
d=${top_srcdir:-$(dirname "$0")/../..}
exec sh "$d/tests/qemu/scenario.sh" measured-seabios
