#!/bin/sh
# QEMU, ppc64 pseries + tpm-spapr, Debian ppc64el guest (tpm_ibmvtpm, SLOF):
# boot, PCR read and extend, save/restore, network migration; ours.
d=${top_srcdir:-$(dirname "$0")/../..}
exec sh "$d/tests/qemu/scenario.sh" ppc64-spapr
