"""Scenario 5: PPI. The guest defines an owner NV index, asks for a TPM
Clear through /sys/class/tpm/tpm0/ppi/request and reboots; the firmware
runs TPM2_Clear on the way up (OVMF asks for F12 first: pressed on the
PS/2 keyboard over QMP), and the guest then finds the index gone. Ours
and the reference side by side: the outcome must be the same with both.
Debian 12's SeaBIOS offers no PPI operation: there the kernel refuses the
request, and that is the outcome both must share."""

from flows import shutdown
import time

from rig import Fail, RigError, Swtpm, Vm, check, log, rsp_code
from tis import cmd_nv_define, cmd_nv_read, cmd_nv_write

NV_INDEX = 0x01500020
DATA = b"ppi-test"
PPI_CLEAR = 5  # TCG PC Client PPI 1.3: TPM2_Clear


def ppi_state(g):
	rc, out = g.call("ppi")
	if rc != 0:
		raise Fail("guest has no /sys/class/tpm/tpm0/ppi")
	return {w[0]: " ".join(w[1:]).replace("_", " ") for w in out}


def nv_rc(g):
	return rsp_code(g.tpm(cmd_nv_read(NV_INDEX, len(DATA))))


def ppi_clear(rig, machine):
	rig.need_binaries(machine, ref=True)
	rig.prepare(machine)
	runs = []
	for tag, b in (("ours", rig.swtpm), ("ref", rig.swtpm_ref)):
		tpm = Swtpm(rig, b, rig.statedir(tag), tag="tpm-" + tag)
		runs.append((tag, tpm, Vm(rig, "vm-" + tag, tpm,
					  machine=machine, noreboot=False)))
	seen = {}
	for tag, tpm, vm in runs:
		g = vm.guest
		vm.wait_booted()
		log("  %s: PPI %s" % (tag, ppi_state(g)))
		for c in (cmd_nv_define(NV_INDEX, len(DATA)),
			  cmd_nv_write(NV_INDEX, DATA)):
			rc = rsp_code(g.tpm(c))
			if rc != 0:
				raise Fail("%s: NV define/write rc=0x%x" %
					   (tag, rc))
		check(nv_rc(g) == 0, "%s: owner NV index defined" % tag)
		rc, out = g.call("ppi", str(PPI_CLEAR))
		if rc != 0:
			log("  %s: the kernel refused the request (the "
			    "firmware offers no PPI operation)" % tag)
			seen[tag] = ("refused", None, False)
			shutdown(vm, tpm)
			continue
		st = {w[0]: " ".join(w[1:]) for w in out}
		req = st.get("request")
		check(req == str(PPI_CLEAR),
		      "%s: PPI request reads back %s" % (tag, req))
		n0 = len(tpm.exchanges())
		g.call("reboot")
		vm.qmp.wait_event("RESET")
		confirm(vm, tag)
		fw = tpm.exchanges()[n0:]
		clears = [r for c, r in fw if c == 0x126]
		gone = nv_rc(g) & 0x3F == 0x0B  # TPM_RC_HANDLE
		log("  %s: after the reboot: TPM2_Clear from the firmware %s, "
		    "NV index %s, PPI %s" % (tag, clears or "never",
					     "gone" if gone else "kept",
					     ppi_state(g)))
		seen[tag] = ("executed" if clears else "not executed",
			     clears, gone)
		shutdown(vm, tpm)
	check(seen["ours"] == seen["ref"],
	      "the same outcome with ours and the reference: %s" %
	      seen["ours"][0])
	if seen["ours"][1]:
		check(seen["ours"][2] and seen["ours"][1] == [0],
		      "TPM2_Clear succeeded and the guest sees the index gone")


def confirm(vm, tag, timeout=180):
	"""Boot after the request; press F12 (on the PS/2 keyboard: on the
	serial console OVMF reads no F12) whenever the firmware asks for the
	physical presence confirmation."""
	end = time.monotonic() + timeout
	pressed = 0
	base = len(vm.console_text())
	while time.monotonic() < end:
		text = vm.console_text()[base:]
		if "F12" in text and pressed < 5:
			log("  %s: the firmware asks: %s" % (tag, " ".join(
				l.strip() for l in text.splitlines()
				if "F12" in l or "ESC" in l)[:300]))
			vm.qmp.cmd("send-key", keys=[{"type": "qcode",
						      "data": "f12"}])
			pressed += 1
			base += len(text)
		try:
			vm.guest.wait_ready(5)
			return
		except RigError as e:
			if "did not come up" not in str(e):
				raise
	raise RigError("%s: guest did not come back after the PPI request" %
		       tag)


SCENARIOS = {
	"ppi-seabios": lambda r: ppi_clear(r, "x86-tis"),
	"ppi-ovmf": lambda r: ppi_clear(r, "x86-tis-ovmf"),
}
