"""Guest flows shared by the scenarios (sc_*.py): boot a VM with a TPM,
extend and check PCR 16, move the VM (file, snapshot, network) and check
the TPM came along. TPM 2.0 or 1.2, any machine of machines.py with a
guest kernel. Raises rig.Fail when a check fails.
"""

import hashlib
import os
import shutil
import struct
import subprocess
import time

from rig import (Fail, Skip, Swtpm, Vm, ZERO20, ZERO32, check,
		 deadline_loop, extended, log)

D1 = hashlib.sha256(b"swtpm-ng qemu test 1").digest()
D2 = hashlib.sha256(b"swtpm-ng qemu test 2").digest()
D3 = hashlib.sha256(b"swtpm-ng qemu test 3").digest()


def zero(tpm):
	return ZERO32 if tpm.tpm2 else ZERO20


def boot_checks(vm, driver):
	"""The guest sees the TPM of the right version through driver, the
	firmware measured into PCR 0, PCR 16 extends."""
	g = vm.guest
	z = zero(vm.tpm)
	for line in g.dmesg():
		log("  guest: %s" % line)
	i = g.info()
	major = "2" if vm.tpm.tpm2 else "1"
	check(i.get("dev") == "tpm0", "guest has /dev/tpm0")
	check(i.get("major") == major, "TPM major version is %s" % major)
	check(i.get("driver") == driver, "bound by driver %s (got %s)" %
	      (driver, i.get("driver")))
	check(i["pcr"].get(0) not in (None, z),
	      "PCR 0 is non-zero (the firmware measured the boot)")
	check(i["pcr"].get(16) == z, "PCR 16 starts at zero")
	g.extend(16, D1)
	v1 = extended(z, D1[:len(z)])
	check(g.read_pcr(16) == v1, "PCR 16 extend is visible (raw + sysfs)")
	g.extend(16, D2)
	check(g.read_pcr(16) == extended(v1, D2[:len(z)]),
	      "second extend chains")
	return i


def boot_vm(rig, machine="x86-tis", binary=None, tpm2=True, **kw):
	tpm = Swtpm(rig, binary or rig.swtpm, rig.statedir("state"),
		    tag="tpm-a", tpm2=tpm2)
	vm = Vm(rig, "vm-a", tpm, machine=machine, **kw)
	vm.wait_booted()
	return tpm, vm


def shutdown(vm, tpm):
	vm.quit()
	rc = tpm.wait_exit()
	check(rc == 0, "%s exited with 0 after QEMU quit (CMD_SHUTDOWN)" %
	      tpm.tag)


def prime(vm):
	"""Extend PCR 16 once more; return (value, all PCRs)."""
	old = vm.guest.read_pcr(16)
	vm.guest.extend(16, D1)
	v = extended(old, D1[:len(old)])
	check(vm.guest.read_pcr(16) == v, "PCR 16 extended before the move")
	return v, vm.guest.info()["pcr"]


def after_move(vm, v, pcrs):
	check(vm.status() == "running", "%s is running" % vm.name)
	check(vm.guest.read_pcr(16) == v, "PCR 16 kept its value on %s" %
	      vm.name)
	check(vm.guest.info()["pcr"] == pcrs, "all PCRs kept on %s" % vm.name)
	vm.guest.extend(16, D3)
	check(vm.guest.read_pcr(16) == extended(v, D3[:len(v)]),
	      "PCR 16 extend works after the move")


def save_restore(rig, tpm, vm):
	"""Save the running VM into a file, quit, restore it in a new QEMU
	(same machine and disk) and emulator on the same state dir; returns
	(tpm, vm) of the new."""
	v, pcrs = prime(vm)
	f = os.path.join(rig.tmp, "vm.state")
	vm.migrate("exec:cat > '%s'" % f)
	check(vm.wait_migration() == "completed", "saved the VM into a file")
	shutdown(vm, tpm)
	tpm2 = Swtpm(rig, tpm.binary, tpm.dir, tag="tpm-r", tpm2=tpm.tpm2)
	vm2 = Vm(rig, "vm-r", tpm2, machine=vm.machine, disk=vm.disk,
		 incoming=True)
	vm2.qmp.cmd("migrate-incoming", uri="exec:cat < '%s'" % f)
	vm2.qmp.wait_event("RESUME")
	after_move(vm2, v, pcrs)
	return tpm2, vm2


def new_disk(rig):
	"""A 16 MB qcow2 for savevm; skips without qemu-img."""
	disk = os.path.join(rig.tmp, "disk.qcow2")
	img = shutil.which("qemu-img")
	if not img:
		raise Skip("qemu-img not installed (qemu-utils)")
	subprocess.run([img, "create", "-q", "-f", "qcow2", disk, "16M"],
		       check=True, timeout=60)
	return disk


def snapshot_cycle(vm):
	"""savevm, change PCR 16, loadvm: the TPM is back as saved."""
	v, pcrs = prime(vm)
	vm.qmp.hmp("savevm snap1")
	out = vm.qmp.hmp("info snapshots")
	check("snap1" in out, "savevm created snapshot snap1")
	check(vm.status() == "running", "VM runs after savevm")
	vm.guest.extend(16, D2)
	check(vm.guest.read_pcr(16) == extended(v, D2[:len(v)]),
	      "PCR 16 changed after the snapshot")
	out = vm.qmp.hmp("loadvm snap1")
	check(out.strip() == "", "loadvm snap1 succeeded (%r)" % out.strip())
	after_move(vm, v, pcrs)


def state_encrypted(d, tpm2=True):
	"""BLOB_FLAG_ENCRYPTED of the stored permanent state (blob header:
	u8 version, u8 min_version, be16 hdrsize, be16 flags, be32 totlen)."""
	p = os.path.join(d, "tpm2-00.permall" if tpm2 else "tpm-00.permall")
	try:
		with open(p, "rb") as f:
			h = f.read(10)
	except OSError:
		raise Fail("no permanent state file in %s" % d)
	if len(h) < 10 or h[2:4] != b"\0\x0a":
		raise Fail("%s has no swtpm blob header" % p)
	return bool(struct.unpack(">H", h[4:6])[0] & 1)


def incoming_tcp(vm):
	"""Start listening for a migration on a free port; returns it."""
	vm.qmp.cmd("migrate-incoming", uri="tcp:127.0.0.1:0")
	for _ in deadline_loop(30, "incoming migration port"):
		a = vm.qmp.cmd("query-migrate").get("socket-address") or []
		for s in a:
			if s.get("type") == "inet" and s.get("port") != "0":
				return s["port"]
		time.sleep(0.05)


def migrate_to(rig, tpm_a, vm_a, dst_bin, dst_opts=None, expect_ok=True):
	"""Migrate the running vm_a over loopback TCP to a new QEMU (same
	machine and disk) with a new dst_bin emulator. On success returns
	(tpm, vm) of the destination, vm_a is postmigrate. With
	expect_ok=False the destination must fail and vm_a go on running;
	returns None."""
	v, pcrs = prime(vm_a)
	tpm_b = Swtpm(rig, dst_bin, rig.statedir("dst"), tag="tpm-m",
		      tpm2=tpm_a.tpm2, **(dst_opts or {}))
	vm_b = Vm(rig, "vm-m", tpm_b, machine=vm_a.machine, disk=vm_a.disk,
		  incoming=True)
	# With a return path the source learns that the destination failed
	# and resumes the VM instead of staying paused.
	vm_a.caps(return_path=True)
	vm_b.caps(return_path=True)
	port = incoming_tcp(vm_b)
	vm_a.migrate("tcp:127.0.0.1:%s" % port)
	st = vm_a.wait_migration()
	if expect_ok:
		check(st == "completed", "migration completed on the source")
		vm_b.qmp.wait_event("RESUME")
		after_move(vm_b, v, pcrs)
		check(vm_a.status() == "postmigrate", "source is postmigrate")
		return tpm_b, vm_b
	check(st == "failed", "migration failed on the source (%s)" % st)
	try:
		rc = vm_b.proc.wait(60)
	except subprocess.TimeoutExpired:
		raise Fail("destination QEMU did not give up")
	err = vm_b.stderr()
	log("  destination said: %s" % " | ".join(
		l for l in err.splitlines() if l.strip())[:600])
	check(rc != 0, "destination QEMU exited with %d" % rc)
	check("tpm" in err.lower(), "destination reported a TPM error")
	vm_a.qmp.wait_event("RESUME", 60)
	after_move(vm_a, v, pcrs)
	tpm_b.proc.terminate()
	tpm_b.proc.wait(10)
	return None


def net_migrate(rig, src_bin, dst_bin, src_opts=None, dst_opts=None,
		expect_ok=True):
	"""Boot on src_bin, migrate to dst_bin, check the state files'
	encryption matches the --key options."""
	tpm_a = Swtpm(rig, src_bin, rig.statedir("src"), tag="tpm-a",
		      **(src_opts or {}))
	vm_a = Vm(rig, "vm-a", tpm_a)
	vm_a.wait_booted()
	moved = migrate_to(rig, tpm_a, vm_a, dst_bin, dst_opts,
			   expect_ok=expect_ok)
	if not moved:
		shutdown(vm_a, tpm_a)
		check(state_encrypted(tpm_a.dir),
		      "source state file still there")
		return
	tpm_b, vm_b = moved
	shutdown(vm_a, tpm_a)
	shutdown(vm_b, tpm_b)
	for t, o in ((tpm_a, src_opts), (tpm_b, dst_opts)):
		enc = state_encrypted(t.dir)
		check(enc == bool((o or {}).get("key")),
		      "%s state file is %sencrypted" %
		      (t.tag, "" if enc else "not "))
