"""Scenario 1: x86 TPM 1.2 (swtpm without --tpm2) behind tpm-tis: the
guest sees a 1.2, PCR extend and read, snapshot, save/restore and network
migration, one VM moved through all of them."""

from flows import (boot_checks, boot_vm, migrate_to, new_disk,
		   save_restore, shutdown, snapshot_cycle)


def sc_tpm12(rig):
	rig.need_binaries("x86-tis")
	rig.prepare("x86-tis")
	tpm, vm = boot_vm(rig, "x86-tis", tpm2=False, disk=new_disk(rig))
	boot_checks(vm, "tpm_tis")
	snapshot_cycle(vm)
	tpm, vm = save_restore(rig, tpm, vm)
	tpm_b, vm_b = migrate_to(rig, tpm, vm, rig.swtpm)
	shutdown(vm, tpm)
	shutdown(vm_b, tpm_b)


SCENARIOS = {"tpm12": sc_tpm12}
