"""Scenarios: x86 TPM 2.0 guests (q35, SeaBIOS) on tpm-tis and tpm-crb:
boot, save/restore, snapshot, network migration with and without keys,
migration to and from the reference, system_reset."""

from flows import (D2, boot_checks, boot_vm, net_migrate, new_disk, prime,
		   save_restore, shutdown, snapshot_cycle)
from rig import ZERO32, check, extended
from machines import MACHINES


def sc_boot(rig, machine):
	rig.need_binaries(machine)
	rig.prepare(machine)
	tpm, vm = boot_vm(rig, machine)
	boot_checks(vm, MACHINES[machine]["driver"])
	shutdown(vm, tpm)


def sc_saverestore(rig):
	rig.need_binaries()
	rig.prepare()
	tpm, vm = boot_vm(rig)
	shutdown(*reversed(save_restore(rig, tpm, vm)))


def sc_snapshot(rig):
	rig.need_binaries()
	rig.prepare()
	tpm, vm = boot_vm(rig, disk=new_disk(rig))
	snapshot_cycle(vm)
	shutdown(vm, tpm)


def sc_mig(rig, keys=(), migkeys=(), expect_ok=True):
	"""Ours to ours; keys and migkeys name key files for source and
	destination."""
	rig.need_binaries()
	rig.prepare()
	opts = [{}, {}]
	made = {}
	for i, k in enumerate(keys):
		opts[i]["key"] = rig.keyfile(k, binary=i == 1)
	for i, k in enumerate(migkeys):
		if k not in made:
			made[k] = rig.keyfile(k)
		opts[i]["migkey"] = made[k]
	net_migrate(rig, rig.swtpm, rig.swtpm, opts[0], opts[1],
		    expect_ok=expect_ok)


def sc_cross(rig, ref_to_ours):
	rig.need_binaries(ours=True, ref=True)
	rig.prepare()
	if ref_to_ours:
		net_migrate(rig, rig.swtpm_ref, rig.swtpm)
	else:
		net_migrate(rig, rig.swtpm, rig.swtpm_ref)


def sc_reset(rig):
	rig.need_binaries()
	rig.prepare()
	tpm, vm = boot_vm(rig, noreboot=False)
	i0 = vm.guest.info()
	prime(vm)
	vm.qmp.cmd("system_reset")
	vm.qmp.wait_event("RESET")
	vm.wait_booted()
	inits = [c for c in tpm.ctrl() if c.startswith("INIT")]
	# SeaBIOS answers a warm reset with "Attempting a hard reboot"
	# (another, guest-initiated reset), so expect at least one more.
	check(len(inits) >= 2, "QEMU re-ran the start-up sequence (%s)" %
	      " ".join(inits))
	i = vm.guest.info()
	check(i.get("dev") == "tpm0", "guest has /dev/tpm0 after reset")
	check(i["pcr"].get(0) == i0["pcr"][0],
	      "PCR 0 measured again, same as first boot")
	check(i["pcr"].get(16) == ZERO32, "PCR 16 back to zero after reset")
	vm.guest.extend(16, D2)
	check(vm.guest.read_pcr(16) == extended(ZERO32, D2),
	      "PCR 16 extend works after reset")
	shutdown(vm, tpm)


SCENARIOS = {
	"boot-tis": lambda r: sc_boot(r, "x86-tis"),
	"boot-crb": lambda r: sc_boot(r, "x86-crb"),
	"save-restore": sc_saverestore,
	"snapshot": sc_snapshot,
	"migrate-net": sc_mig,
	"migrate-key": lambda r: sc_mig(r, ("key-a", "key-b")),
	"migrate-migkey": lambda r: sc_mig(r, ("key-a", "key-b"),
					   ("mkey", "mkey")),
	"migrate-badkey": lambda r: sc_mig(r, ("key-a", "key-b"),
					   ("mkey-a", "mkey-b"),
					   expect_ok=False),
	"cross-ref-to-ours": lambda r: sc_cross(r, True),
	"cross-ours-to-ref": lambda r: sc_cross(r, False),
	"reset": sc_reset,
}
