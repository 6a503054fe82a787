#!/usr/bin/env python3
"""libvirt end to end: Debian's libvirtd 9.0 manages VMs whose TPM is our
swtpm, manufactured by our swtpm_setup (with our swtpm_localca and
swtpm_cert), and the test guest of tests/qemu sees it.

Runs as root without systemd: it creates the users and directories
libvirtd needs, writes /etc/libvirt/qemu.conf (the old one is put back),
and starts its own virtlogd and libvirtd with a PATH whose swtpm,
swtpm_setup and swtpm_ioctl are the ones under test, and an
XDG_CONFIG_HOME whose swtpm_setup.conf points at a local CA of its own.

Scenarios: a TPM 2 (tpm-crb) boots and /proc shows that libvirt ran our
binaries; the EK and platform certificates are in written, write-locked
NV; managedsave and start keep a PCR; a TPM encrypted with a libvirt
secret boots and its state file is encrypted; a TPM 1.2 (tpm-tis) boots;
undefine --keep-tpm keeps the state and undefine --tpm removes it.

Env: LIBVIRT_TEST_TOOLS (dir with swtpm, swtpm_setup, swtpm_ioctl,
swtpm_localca, swtpm_cert; default $top_builddir), and those of rig.py.
Exit: 0 pass, 1 fail, 77 skip, 99 rig error.
"""

import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "qemu"))
import rig  # noqa: E402

TOOLS = ("swtpm", "swtpm_setup", "swtpm_ioctl", "swtpm_localca",
	 "swtpm_cert")
URI = "qemu:///system"
QEMU_CONF = "/etc/libvirt/qemu.conf"
SOCK = "/var/run/libvirt/libvirt-sock"
SECRET = "6dd3e4a5-1d76-44ce-961f-f119f5aad935"
NV_EK_RSA = 0x01C00002
NV_PLATFORM = 0x01C08000
TPMA_NV_WRITELOCKED = 0x00000800
TPMA_NV_WRITTEN = 0x20000000
log = rig.log
check = rig.check


def run(argv, env=None, timeout=120, ok=True):
	r = subprocess.run(argv, capture_output=True, text=True, env=env,
			   timeout=timeout)
	if ok and r.returncode != 0:
		raise rig.Fail("%s: exit %d: %s" % (" ".join(argv),
			       r.returncode, (r.stderr or r.stdout).strip()))
	return r


def virsh(*args, ok=True, timeout=180):
	return run(["virsh", "-q", "-c", URI] + list(args), ok=ok,
		   timeout=timeout)


class Execwatch:
	"""Every program that libvirtd and its descendants execute while it
	runs (strace -f on libvirtd): short-lived tools included."""

	def __init__(self, pid, out):
		self.out = out
		self.p = subprocess.Popen(["strace", "-f", "-qq", "-e",
					   "trace=execve", "-e", "signal=none",
					   "-o", out, "-p", str(pid)],
					  stdout=subprocess.DEVNULL,
					  stderr=subprocess.DEVNULL)
		# attached once strace has stopped the process once
		for _ in rig.deadline_loop(10, "strace to attach"):
			try:
				with open("/proc/%d/status" % pid) as f:
					if any(l.startswith("TracerPid:") and
					       l.split()[1] != "0" for l in f):
						break
			except OSError:
				break
			time.sleep(0.02)

	def done(self):
		"""{basename: {realpath, ...}} of the successful execve calls."""
		self.p.send_signal(2)
		self.p.wait(10)
		seen = {}
		with open(self.out) as f:
			for line in f:
				m = re.search(r'execve\("([^"]+)", .* = 0$', line)
				if m:
					path = os.path.realpath(m.group(1))
					seen.setdefault(os.path.basename(m.group(1)),
							set()).add(path)
		return seen


class Libvirt:
	def __init__(self, tools, work):
		self.tools = tools
		self.work = work
		self.pids = []
		self.saved_conf = None
		self.domains = []

	def prepare_host(self):
		for grp in ("kvm", "libvirt-qemu"):
			if run(["getent", "group", grp], ok=False).returncode:
				run(["groupadd", "-r", grp])
		if run(["getent", "passwd", "libvirt-qemu"],
		       ok=False).returncode:
			run(["useradd", "-r", "-g", "kvm", "-d",
			     "/var/lib/libvirt", "-s", "/usr/sbin/nologin",
			     "libvirt-qemu"])
		os.makedirs("/var/log/libvirt", exist_ok=True)
		if os.path.exists(QEMU_CONF):
			with open(QEMU_CONF) as f:
				self.saved_conf = f.read()
		with open(QEMU_CONF, "w") as f:
			f.write('user = "root"\ngroup = "root"\n'
				'swtpm_user = "root"\nswtpm_group = "root"\n'
				'cgroup_controllers = [ ]\n'
				'security_driver = "none"\nnamespaces = [ ]\n'
				'remember_owner = 0\n')

	def restore_host(self):
		if self.saved_conf is not None:
			with open(QEMU_CONF, "w") as f:
				f.write(self.saved_conf)
		elif os.path.exists(QEMU_CONF):
			os.unlink(QEMU_CONF)

	def env(self):
		"""libvirtd's environment: only our tools and one emulator on
		PATH; our swtpm_setup.conf through XDG_CONFIG_HOME."""
		b = os.path.join(self.work, "bin")
		os.makedirs(b)
		for t in ("swtpm", "swtpm_setup", "swtpm_ioctl"):
			os.symlink(os.path.join(self.tools, t),
				   os.path.join(b, t))
		os.symlink(shutil.which("qemu-system-x86_64"),
			   os.path.join(b, "qemu-system-x86_64"))
		x = os.path.join(self.work, "xdg")
		ca = os.path.join(self.work, "ca")
		os.makedirs(x)
		with open(os.path.join(x, "swtpm_setup.conf"), "w") as f:
			f.write("create_certs_tool = %s\n"
				"create_certs_tool_config = %s\n"
				"create_certs_tool_options = %s\n"
				"active_pcr_banks = sha256\n" %
				(os.path.join(self.tools, "swtpm_localca"),
				 os.path.join(x, "swtpm-localca.conf"),
				 os.path.join(x, "swtpm-localca.options")))
		with open(os.path.join(x, "swtpm-localca.conf"), "w") as f:
			f.write("statedir = %s\nsigningkey = %s/signkey.pem\n"
				"issuercert = %s/issuercert.pem\n"
				"certserial = %s/certserial\n" % (ca, ca, ca, ca))
		with open(os.path.join(x, "swtpm-localca.options"), "w") as f:
			f.write("--platform-manufacturer swtpm-ng-test\n"
				"--platform-version 1.0\n"
				"--platform-model libvirt-e2e\n")
		self.ca = ca
		env = {"PATH": b + ":/usr/sbin:/usr/bin:/sbin:/bin",
		       "XDG_CONFIG_HOME": x, "HOME": self.work,
		       "LANG": "C"}
		# Sanitizer builds: everything libvirtd starts runs under
		# strace (Execwatch), and LeakSanitizer aborts under ptrace;
		# leaks are checked by the other tests.
		asan = os.environ.get("ASAN_OPTIONS", "")
		env["ASAN_OPTIONS"] = (asan + ":" if asan else "") + \
			"detect_leaks=0"
		for k in ("UBSAN_OPTIONS", "LSAN_OPTIONS"):
			if k in os.environ:
				env[k] = os.environ[k]
		# swtpm_cert: the tools directory (ours) comes first
		env["PATH"] = self.tools + ":" + env["PATH"]
		env["PATH"] = b + ":" + env["PATH"]
		return env

	def start(self):
		if run(["pgrep", "-x", "libvirtd"], ok=False).returncode == 0:
			raise rig.Skip("a libvirtd is running already")
		env = self.env()
		for d, name in (("virtlogd", "virtlogd"),
				("libvirtd", "libvirtd")):
			pidf = os.path.join(self.work, name + ".pid")
			run([d, "-d", "-p", pidf], env=env)
			for _ in rig.deadline_loop(30, name + " pid file"):
				if os.path.exists(pidf) and \
				   open(pidf).read().strip():
					break
				time.sleep(0.05)
			self.pids.append(int(open(pidf).read().strip()))
		for _ in rig.deadline_loop(60, "libvirtd socket"):
			if virsh("version", ok=False).returncode == 0:
				break
			time.sleep(0.1)

	def stop(self):
		for pid in reversed(self.pids):
			try:
				os.kill(pid, 15)
			except OSError:
				continue
			for _ in range(100):
				try:
					os.kill(pid, 0)
				except OSError:
					break
				time.sleep(0.05)

	def cleanup(self):
		for d in self.domains:
			virsh("destroy", d, ok=False)
			virsh("undefine", d, "--tpm", "--managed-save", ok=False)
		virsh("secret-undefine", SECRET, ok=False)
		self.stop()


def domain_xml(w, name, uuid, tpm, kernel, initrd):
	return """<domain type='qemu'>
  <name>%(name)s</name>
  <uuid>%(uuid)s</uuid>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>%(kernel)s</kernel>
    <initrd>%(initrd)s</initrd>
    <cmdline>console=ttyS0 panic=-1 quiet</cmdline>
  </os>
  <features><acpi/></features>
  <on_reboot>destroy</on_reboot>
  <devices>
    <emulator>%(w)s/bin/qemu-system-x86_64</emulator>
    <serial type='file'><source path='%(w)s/%(name)s.console'/>
      <target port='0'/></serial>
    <serial type='unix'><source mode='bind' path='%(w)s/%(name)s.cmd'/>
      <target port='1'/></serial>
    %(tpm)s
    <video><model type='none'/></video>
    <memballoon model='none'/>
  </devices>
</domain>
""" % {"w": w, "name": name, "uuid": uuid, "tpm": tpm, "kernel": kernel,
       "initrd": initrd}


def guest(w, name):
	g = rig.Guest(os.path.join(w, name + ".cmd"), 60)
	g.wait_ready(int(os.environ.get("QEMU_TEST_TIMEOUT", "300")))
	return g


def info(g):
	rc, out = g.call("info")
	return {o[0]: o[1:] for o in out if o}


def nv_readpublic(g, index):
	cmd = struct.pack(">HIII", 0x8001, 14, 0x169, index)
	rc, out = g.call("tpm", cmd.hex())
	rsp = bytes.fromhex(out[0][1]) if out and out[0][0] == "rsp" else b""
	code = rig.rsp_code(rsp)
	if code != 0:
		return code, 0, 0
	# TPM2B_NV_PUBLIC: size, index, nameAlg, attributes, policy, size
	attrs, = struct.unpack(">I", rsp[18:22])
	plen, = struct.unpack(">H", rsp[22:24])
	size, = struct.unpack(">H", rsp[24 + plen:26 + plen])
	return 0, attrs, size


def size_of(g, index):
	code, attrs, size = nv_readpublic(g, index)
	if code != 0:
		raise rig.Fail("NV_ReadPublic 0x%x: rc 0x%x" % (index, code))
	return size


def nv_read(g, index, size):
	"""The whole index, in chunks of at most 1024 bytes (owner auth is
	not needed: the indices have AUTHREAD with an empty auth)."""
	data = b""
	while len(data) < size:
		n = min(1024, size - len(data))
		auth = struct.pack(">IHBH", rig.TPM_RS_PW, 0, 0, 0)
		body = struct.pack(">III", index, index, len(auth)) + auth + \
			struct.pack(">HH", n, len(data))
		cmd = struct.pack(">HII", 0x8002, 10 + len(body), 0x14E) + body
		rc, out = g.call("tpm", cmd.hex())
		rsp = bytes.fromhex(out[0][1])
		code = rig.rsp_code(rsp)
		if code != 0:
			raise rig.Fail("NV_Read 0x%x: rc 0x%x" % (index, code))
		got, = struct.unpack(">H", rsp[14:16])
		data += rsp[16:16 + got]
	return data


def verify_der(der, root, ca, w):
	pem = der + ".pem"
	run(["openssl", "x509", "-inform", "DER", "-in", der, "-out", pem])
	r = run(["openssl", "verify", "-CAfile", root, "-untrusted",
		 os.path.join(ca, "issuercert.pem"), pem], ok=False)
	if r.returncode != 0:
		log("  openssl verify: %s" % (r.stdout + r.stderr).strip())
	return r.returncode == 0


def pcr_extend_read(g, pcr, digest=None):
	if digest is not None:
		rc, out = g.call("tpm", rig.cmd_pcr_extend(pcr, digest).hex())
		rig.rsp_code(bytes.fromhex(out[0][1]))
	rc, out = g.call("tpm", rig.cmd_pcr_read(pcr).hex())
	return rig.rsp_pcr_read(bytes.fromhex(out[0][1]))


def state_dir(uuid, ver):
	return "/var/lib/libvirt/swtpm/%s/%s" % (uuid, ver)


def main():
	if os.geteuid() != 0:
		raise rig.Skip("needs root")
	for p in ("libvirtd", "virtlogd", "virsh", "qemu-system-x86_64",
		  "strace", "openssl"):
		if shutil.which(p) is None:
			raise rig.Skip("%s not installed" % p)
	tools = os.path.realpath(os.environ.get("LIBVIRT_TEST_TOOLS") or
				 os.environ.get("top_builddir", "."))
	for t in TOOLS:
		if not os.access(os.path.join(tools, t), os.X_OK):
			raise rig.Skip("%s/%s is not built" % (tools, t))
	kernel = rig.fetch_kernel()
	w = tempfile.mkdtemp(prefix="swtpm-libvirt.")
	os.chmod(w, 0o755)
	initrd = rig.build_initrd(os.path.join(HERE, "..", "qemu"), w)
	lv = Libvirt(tools, w)
	lv.prepare_host()
	try:
		lv.start()
		scenarios(lv, w, kernel, initrd)
	finally:
		lv.cleanup()
		lv.restore_host()
		if os.environ.get("QEMU_TEST_KEEP") != "1":
			shutil.rmtree(w, ignore_errors=True)


def define(lv, w, name, uuid, tpm, kernel, initrd):
	x = os.path.join(w, name + ".xml")
	with open(x, "w") as f:
		f.write(domain_xml(w, name, uuid, tpm, kernel, initrd))
	virsh("define", x)
	if name not in lv.domains:
		lv.domains.append(name)


def scenarios(lv, w, kernel, initrd):
	ours = {t: os.path.realpath(os.path.join(lv.tools, t))
		for t in TOOLS}

	log("-- TPM 2 (tpm-crb): manufacture, boot, /proc")
	u1 = "2f7c0d4e-4a5b-4c6d-8e9f-0a1b2c3d4e01"
	define(lv, w, "lv-tpm2", u1, "<tpm model='tpm-crb'><backend "
	       "type='emulator' version='2.0'/></tpm>", kernel, initrd)
	watch = Execwatch(lv.pids[-1], os.path.join(w, "exec.log"))
	virsh("start", "lv-tpm2")
	g = guest(w, "lv-tpm2")
	seen = watch.done()
	i = info(g)
	check(i.get("dev") == ["tpm0"], "guest has /dev/tpm0")
	check(i.get("driver") == ["tpm_crb"] and i.get("major") == ["2"],
	      "guest: TPM 2 on tpm_crb")
	for t in TOOLS:
		if t == "swtpm_ioctl":
			continue	# libvirt only checks that it exists
		check(seen.get(t) == {ours[t]},
		      "libvirt ran our %s (%s)" % (t, sorted(seen.get(t, []))))
	exes = set()
	for p in os.listdir("/proc"):
		try:
			with open("/proc/%s/cmdline" % p, "rb") as f:
				argv = f.read().split(b"\0")
			if os.path.basename(argv[0]) == b"swtpm" and \
			   any(u1.encode() in a for a in argv):
				exes.add(os.readlink("/proc/%s/exe" % p))
		except OSError:
			continue
	check(exes == {ours["swtpm"]}, "/proc: the VM's TPM is our swtpm "
	      "(%s)" % sorted(exes))
	code, attrs, size = nv_readpublic(g, NV_EK_RSA)
	check(code == 0 and attrs & TPMA_NV_WRITTEN and
	      attrs & TPMA_NV_WRITELOCKED and size > 0,
	      "EK certificate in written, write-locked NV (attrs 0x%x, %d "
	      "bytes)" % (attrs, size))
	code, attrs, size = nv_readpublic(g, NV_PLATFORM)
	ek = nv_read(g, NV_EK_RSA, size_of(g, NV_EK_RSA))
	der = os.path.join(w, "ek.der")
	with open(der, "wb") as f:
		f.write(ek)
	root = os.path.join(lv.ca, "swtpm-localca-rootca-cert.pem")
	check(verify_der(der, root, lv.ca, w), "the EK certificate in NV verifies against the local CA "
	      "that our swtpm_localca made")
	check(code == 0 and attrs & TPMA_NV_WRITELOCKED,
	      "platform certificate in write-locked NV (attrs 0x%x)" % attrs)

	log("-- managedsave and start keep the PCRs")
	before = pcr_extend_read(g, 16, b"\x5a" * 32)
	g.close() if hasattr(g, "close") else g.sock.close()
	virsh("managedsave", "lv-tpm2")
	virsh("start", "lv-tpm2")
	g = rig.Guest(os.path.join(w, "lv-tpm2.cmd"), 60)
	after = pcr_extend_read(g, 16)
	check(after == before, "PCR 16 after managedsave and start")
	g.sock.close()
	virsh("destroy", "lv-tpm2")

	log("-- encrypted state through a libvirt secret")
	sx = os.path.join(w, "secret.xml")
	with open(sx, "w") as f:
		f.write("<secret ephemeral='no' private='yes'><uuid>%s</uuid>"
			"<usage type='vtpm'><name>swtpm-ng-e2e</name></usage>"
			"</secret>" % SECRET)
	virsh("secret-define", sx)
	pw = os.path.join(w, "pw")
	with open(pw, "w") as f:
		f.write("swtpm-ng-e2e-passphrase")
	virsh("secret-set-value", SECRET, "--file", pw, "--plain", ok=False)
	u2 = "2f7c0d4e-4a5b-4c6d-8e9f-0a1b2c3d4e02"
	define(lv, w, "lv-enc", u2, "<tpm model='tpm-crb'><backend "
	       "type='emulator' version='2.0'><encryption secret='%s'/>"
	       "</backend></tpm>" % SECRET, kernel, initrd)
	virsh("start", "lv-enc")
	g = guest(w, "lv-enc")
	check(info(g).get("major") == ["2"], "encrypted TPM: guest sees it")
	with open(os.path.join(state_dir(u2, "tpm2"), "tpm2-00.permall"),
		  "rb") as f:
		hdr = f.read(6)
	flags, = struct.unpack(">H", hdr[4:6])
	check(flags & 1, "state file is encrypted (header flags 0x%04x)" %
	      flags)
	g.sock.close()
	virsh("destroy", "lv-enc")

	log("-- TPM 1.2 (tpm-tis)")
	u3 = "2f7c0d4e-4a5b-4c6d-8e9f-0a1b2c3d4e03"
	t12 = "<tpm model='tpm-tis'><backend type='emulator' " \
	      "version='1.2'/></tpm>"
	define(lv, w, "lv-tpm12", u3, t12, kernel, initrd)
	virsh("start", "lv-tpm12")
	g = guest(w, "lv-tpm12")
	i = info(g)
	check(i.get("major") == ["1"] and i.get("driver") == ["tpm_tis"],
	      "guest: TPM 1.2 on tpm_tis")
	g.sock.close()
	virsh("destroy", "lv-tpm12")

	log("-- undefine --keep-tpm, then --tpm")
	perm = os.path.join(state_dir(u3, "tpm1.2"), "tpm-00.permall")
	check(os.path.isfile(perm), "TPM 1.2 state exists")
	virsh("undefine", "lv-tpm12", "--keep-tpm")
	check(os.path.isfile(perm), "undefine --keep-tpm kept the state")
	define(lv, w, "lv-tpm12", u3, t12, kernel, initrd)
	virsh("undefine", "lv-tpm12", "--tpm")
	check(not os.path.exists(os.path.dirname(os.path.dirname(perm))),
	      "undefine --tpm removed the state")
	lv.domains.remove("lv-tpm12")


if __name__ == "__main__":
	try:
		main()
	except rig.Skip as e:
		log("SKIP: %s" % e)
		sys.exit(rig.SKIP)
	except rig.Fail as e:
		log("FAIL: %s" % e)
		sys.exit(1)
	except rig.RigError as e:
		log("RIG ERROR: %s" % e)
		sys.exit(rig.HARD)
	log("PASS")
