#!/bin/sh
# libvirt end to end (tests/libvirt/e2e.py): libvirtd manages VMs whose TPM
# is manufactured by our swtpm_setup and served by our swtpm.
exec "${PYTHON:-python3}" "$top_srcdir/tests/libvirt/e2e.py"
