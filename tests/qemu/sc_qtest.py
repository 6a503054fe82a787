"""Scenario 3: TIS front ends no Debian guest drives, at register level
through QEMU's qtest protocol (tis.py): x86 tpm-tis (cross-check),
aarch64 virt tpm-tis-device and ast2600-evb tpm-tis-i2c (QEMU 10).
Locality request, FIFO command and response, Startup, GetRandom,
PCR_Extend + PCR_Read, NV define/write/read; then the machine migrates
(QMP, -incoming) and the TPM state must be there. Also AAVMF boots on
aarch64 virt and its TPM commands must succeed."""

import re
import time

from flows import D1, D2, incoming_tcp, shutdown
from machines import MACHINES
from rig import (ZERO32, Fail, Swtpm, Vm, check, cmd_pcr_extend, compress,
		 cmd_pcr_read, deadline_loop, extended, log, rsp_code,
		 rsp_pcr_read)
from tis import (AspeedI2c, Qtest, Tis, TisI2c, cmd_get_random,
		 cmd_nv_define, cmd_nv_read, cmd_nv_write, cmd_startup_clear,
		 rsp_nv_read, rsp_random)

NV_INDEX = 0x01500016
NV_DATA = b"swtpm-ng qtest nv data, 32 byte"


def mtree_base(vm, region):
	"""Start of a memory region in `info mtree` (sysbus devices on the
	platform bus are placed at run time)."""
	out = vm.qmp.hmp("info mtree")
	m = re.search(r"^\s*([0-9a-f]+)-[0-9a-f]+ \(prio [-\d]+, i/o\): "
		      r"%s\r?$" % re.escape(region), out, re.M)
	if not m:
		raise Fail("no %s region in info mtree" % region)
	return int(m.group(1), 16)


def open_tis(vm):
	"""A TIS client on vm's qtest socket, memory mapped or over I2C as
	the machine's row says; returns (client, where)."""
	qt = Qtest(vm.qtest_path)
	if vm.row.get("i2c"):
		bus, addr = vm.row["i2c"]
		base = mtree_base(vm, bus)
		return (TisI2c(AspeedI2c(qt, base), addr),
			"%s@0x%x, address 0x%x" % (bus, base, addr))
	base = vm.row.get("tis_base") or mtree_base(vm, "tpm-tis-mmio")
	return Tis(qt, base), "0x%x" % base


def run(tis, cmd, what):
	rsp = tis.command(cmd)
	rc = rsp_code(rsp)
	if rc != 0:
		raise Fail("%s rc=0x%x" % (what, rc))
	return rsp


def workload(tis):
	"""Fresh TPM: returns PCR 16 after the extend."""
	check(tis.did_vid() not in (0, 0xFFFFFFFF),
	      "DID_VID reads 0x%08x" % tis.did_vid())
	check(tis.request(0), "locality 0 granted (ACCESS activeLocality)")
	run(tis, cmd_startup_clear(), "TPM2_Startup")
	check(True, "TPM2_Startup(CLEAR) through the FIFO")
	r = rsp_random(run(tis, cmd_get_random(16), "TPM2_GetRandom"))
	check(len(r) == 16, "TPM2_GetRandom gave 16 bytes")
	run(tis, cmd_pcr_extend(16, D1), "TPM2_PCR_Extend")
	v = rsp_pcr_read(run(tis, cmd_pcr_read(16), "TPM2_PCR_Read"))
	check(v == extended(ZERO32, D1), "PCR 16 extended and read back")
	run(tis, cmd_nv_define(NV_INDEX, len(NV_DATA)), "TPM2_NV_DefineSpace")
	run(tis, cmd_nv_write(NV_INDEX, NV_DATA), "TPM2_NV_Write")
	d = rsp_nv_read(run(tis, cmd_nv_read(NV_INDEX, len(NV_DATA)),
			    "TPM2_NV_Read"))
	check(d == NV_DATA, "NV index defined, written and read back")
	tis.relinquish()
	check(tis.request(3), "locality 3 granted after 0 was given up")
	run(tis, cmd_get_random(8), "TPM2_GetRandom at locality 3")
	check(not tis.access(0) & 0x20, "locality 0 is not active meanwhile")
	tis.access(3)
	tis.relinquish()
	check(tis.request(0), "locality 0 granted again")
	return v


def arrived(tis, v):
	"""The migrated TPM: running (Startup refused), PCR and NV kept."""
	check(tis.request(0), "locality 0 on the destination")
	rc = rsp_code(tis.command(cmd_startup_clear()))
	check(rc == 0x100, "TPM2_Startup refused: the TPM was running "
	      "(rc=0x%x, TPM_RC_INITIALIZE)" % rc)
	got = rsp_pcr_read(run(tis, cmd_pcr_read(16), "TPM2_PCR_Read"))
	check(got == v, "PCR 16 arrived")
	d = rsp_nv_read(run(tis, cmd_nv_read(NV_INDEX, len(NV_DATA)),
			    "TPM2_NV_Read"))
	check(d == NV_DATA, "NV index contents arrived")
	run(tis, cmd_pcr_extend(16, D2), "TPM2_PCR_Extend")
	got = rsp_pcr_read(run(tis, cmd_pcr_read(16), "TPM2_PCR_Read"))
	check(got == extended(v, D2), "PCR 16 extends on the destination")


def sc_qtest(rig, machine):
	rig.need_binaries(machine)
	rig.prepare(machine)
	tpm_a = Swtpm(rig, rig.swtpm, rig.statedir("src"), tag="tpm-a")
	vm_a = Vm(rig, "vm-a", tpm_a, machine=machine, qtest=True)
	tis, where = open_tis(vm_a)
	dev = MACHINES[machine]["tpm"].split(",")[0]
	log("  %s: %s registers at %s" % (machine, dev, where))
	v = workload(tis)
	tpm_b = Swtpm(rig, rig.swtpm, rig.statedir("dst"), tag="tpm-b")
	vm_b = Vm(rig, "vm-b", tpm_b, machine=machine, qtest=True,
		  incoming=True)
	tis_b, _ = open_tis(vm_b)
	port = incoming_tcp(vm_b)
	vm_a.migrate("tcp:127.0.0.1:%s" % port)
	check(vm_a.wait_migration() == "completed", "machine migrated")
	check(vm_b.wait_migration() == "completed",
	      "destination completed the incoming migration")
	arrived(tis_b, v)
	shutdown(vm_a, tpm_a)
	shutdown(vm_b, tpm_b)


CC_NAMES = {0x129: "PCR_Allocate", 0x143: "SelfTest", 0x144: "Startup",
	    0x17A: "GetCapability", 0x182: "PCR_Extend"}


def firmware_commands(tpm):
	"""[(cc, rc)] the firmware sent, once its PCR_Extends stopped
	coming (none for 15 s)."""
	last, since = -1, time.monotonic()
	for _ in deadline_loop(240, "the firmware's PCR_Extend commands"):
		ex = tpm.exchanges()
		n = sum(1 for c, _ in ex if c == 0x182)
		if n != last:
			last, since = n, time.monotonic()
		elif n >= 10 and time.monotonic() - since > 15:
			break
		time.sleep(1)
	# QEMU probes the TPM's version before CMD_INIT (TPM2_ReadClock,
	# answered TPM_RC_FAILURE by an emulator not yet running): only the
	# firmware's commands, from its Startup on, count.
	first = [i for i, e in enumerate(ex) if e[0] == 0x144]
	check(first, "%s: the firmware sent TPM2_Startup" % tpm.tag)
	return ex[first[0]:]


def sc_aavmf(rig, machine="aarch64-virt-aavmf"):
	"""AAVMF measures its boot into tpm-tis-device, ours and the
	reference side by side: every command succeeds, and both get the
	same commands."""
	rig.need_binaries(machine, ref=True)
	rig.prepare(machine)
	runs = []
	for tag, b in (("ours", rig.swtpm), ("ref", rig.swtpm_ref)):
		tpm = Swtpm(rig, b, rig.statedir(tag), tag="tpm-" + tag)
		runs.append((tpm, Vm(rig, "vm-" + tag, tpm, machine=machine)))
	seen = []
	for tpm, vm in runs:
		ex = firmware_commands(tpm)
		bad = ["0x%x->0x%x" % e for e in ex if e[1] != 0]
		check(not bad, "%s: every TPM command of AAVMF succeeded (%s)" %
		      (tpm.tag, " ".join(bad)))
		n = sum(1 for c, _ in ex if c == 0x182)
		check(n >= 10, "%s: AAVMF sent %d PCR_Extend commands" %
		      (tpm.tag, n))
		log("  %s: %s" % (tpm.tag, compress(
			[CC_NAMES.get(c, "0x%x" % c) for c, _ in ex])))
		seen.append(ex)
		shutdown(vm, tpm)
	check(seen[0] == seen[1], "the same commands and results with ours "
	      "and the reference")


SCENARIOS = {
	"qtest-x86-tis": lambda r: sc_qtest(r, "x86-tis-qtest"),
	"qtest-aarch64-virt": lambda r: sc_qtest(r, "aarch64-virt-qtest"),
	"qtest-ast2600-i2c": lambda r: sc_qtest(r, "ast2600-evb-qtest"),
	"aavmf": sc_aavmf,
}
