"""Scenario 2: ppc64 pseries with tpm-spapr and a Debian ppc64el guest
(tpm_ibmvtpm; SLOF firmware): boot, PCR read and extend, save/restore,
network migration."""

from flows import (boot_checks, boot_vm, migrate_to, save_restore,
		   shutdown)


def sc_ppc64(rig, machine="ppc64-spapr"):
	rig.need_binaries(machine)
	rig.prepare(machine)
	tpm, vm = boot_vm(rig, machine)
	boot_checks(vm, "tpm_ibmvtpm")
	tpm, vm = save_restore(rig, tpm, vm)
	tpm_b, vm_b = migrate_to(rig, tpm, vm, rig.swtpm)
	shutdown(vm, tpm)
	shutdown(vm_b, tpm_b)


SCENARIOS = {"ppc64-spapr": sc_ppc64}
