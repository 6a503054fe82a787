"""Scenario 4: measured boot with event-log replay. The firmware (SeaBIOS
or OVMF) boots the x86 guest with ours and with the reference side by
side; each guest hands over its event log and PCRs 0-7 of every active
bank; the host replays each log with tpm2_eventlog and the PCRs must match
it, and ours must equal the reference's."""

import os
import re
import shutil
import subprocess

from rig import ZERO32, Fail, Skip, Swtpm, Vm, check, log
from flows import shutdown


def replay(rig, name, evlog):
	"""{bank: {pcr: value}} that tpm2_eventlog computes from evlog."""
	p = os.path.join(rig.tmp, name + ".evlog")
	with open(p, "wb") as f:
		f.write(evlog)
	r = subprocess.run(["tpm2_eventlog", p], capture_output=True,
			   text=True, timeout=120)
	if r.returncode != 0:
		raise Fail("tpm2_eventlog %s: %s" % (p, r.stderr.strip()))
	res = {}
	bank = None
	inpcrs = False
	for line in r.stdout.splitlines():
		if line.startswith("pcrs:"):
			inpcrs = True
			continue
		if not inpcrs:
			continue
		m = re.match(r"^  (\w+):\s*$", line)
		if m:
			bank = m.group(1)
			continue
		m = re.match(r"^    (\d+)\s*:\s*0x([0-9A-Fa-f]+)", line)
		if m and bank:
			res.setdefault(bank, {})[int(m.group(1))] = \
				bytes.fromhex(m.group(2))
	if not res:
		raise Fail("tpm2_eventlog printed no PCRs for %s" % name)
	return res


def measured(rig, machine):
	rig.need_binaries(machine, ours=True, ref=True)
	if not shutil.which("tpm2_eventlog"):
		raise Skip("tpm2_eventlog not installed (tpm2-tools)")
	rig.prepare(machine)
	vms = []
	for tag, b in (("ours", rig.swtpm), ("ref", rig.swtpm_ref)):
		tpm = Swtpm(rig, b, rig.statedir(tag), tag="tpm-" + tag)
		vms.append((tag, tpm, Vm(rig, "vm-" + tag, tpm,
					 machine=machine)))
	seen = {}
	for tag, tpm, vm in vms:
		vm.wait_booted()
		pcrs = vm.guest.banks()
		ev = vm.guest.evlog()
		log("  %s: event log %d bytes, banks %s" %
		    (tag, len(ev), " ".join(sorted(pcrs))))
		want = replay(rig, tag, ev)
		check(pcrs.get("sha256", {}).get(0, ZERO32) != ZERO32,
		      "%s: sha256 PCR 0 is non-zero" % tag)
		for bank in sorted(pcrs):
			check(bank in want, "%s: the log has the %s bank" %
			      (tag, bank))
			for n in range(8):
				got = pcrs[bank][n]
				exp = want[bank].get(n, b"")
				if got != exp:
					raise Fail("%s: %s PCR %d is %s, the "
						   "log replays to %s" %
						   (tag, bank, n, got.hex(),
						    exp.hex()))
			check(True, "%s: %s PCRs 0-7 match the replayed log" %
			      (tag, bank))
		seen[tag] = {b: [v[n] for n in range(8)]
			     for b, v in pcrs.items()}
		shutdown(vm, tpm)
	check(seen["ours"] == seen["ref"],
	      "PCRs 0-7 of every bank are the same with ours and the "
	      "reference")


SCENARIOS = {
	"measured-seabios": lambda r: measured(r, "x86-tis"),
	"measured-ovmf": lambda r: measured(r, "x86-tis-ovmf"),
}
