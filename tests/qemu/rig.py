"""QEMU end-to-end rig, the library: boots a Debian kernel with a busybox
initramfs under QEMU with -tpmdev emulator backed by swtpm, drives QEMU over
QMP and the guest over a serial line protocol (see guest-init.sh). Machines
come from machines.py; scenarios live in sc_*.py; run.py runs one.

Env:   SWTPM (ours, default $top_builddir/swtpm), SWTPM_REF (/usr/bin/swtpm),
       QEMU_PREFIX (root of a QEMU unpacked with dpkg-deb -x, for every
       machine; default: the installed QEMU), QEMU10_PREFIX (the same for
       machines that need QEMU >= 8.1; default /opt/swtpm-ng-qemu10, made
       by scripts/qemu10.sh),
       QEMU_ACCEL (auto|kvm|tcg: for x86 guests; others run under TCG),
       QEMU_TEST_KERNEL (a vmlinuz to use instead of the apt one),
       QEMU_TEST_CACHE (kernel cache dir), QEMU_TEST_KEEP=1 (keep tmp dir),
       QEMU_TEST_TIMEOUT (seconds per scenario, default 300).
Exit:  0 pass, 1 fail, 77 skip, 99 rig error (automake conventions).
"""

import ctypes
import fcntl
import glob
import hashlib
import json
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

from machines import FIRMWARE, KERNELS, MACHINES

SKIP = 77
HARD = 99


class Fail(Exception):
	"""A scenario check failed."""


class Skip(Exception):
	"""A prerequisite is missing."""


class RigError(Exception):
	"""The rig itself could not do its job."""


def log(msg):
	sys.stdout.write("%s\n" % msg)
	sys.stdout.flush()


def check(cond, msg):
	if not cond:
		raise Fail(msg)
	log("  ok: %s" % msg)


def connect_unix(path, timeout, what):
	"""A stream socket connected to path, retried until a server
	listens there or timeout seconds passed (RigError)."""
	for _ in deadline_loop(timeout, "%s %s" % (what, path)):
		s = socket.socket(socket.AF_UNIX)
		try:
			s.connect(path)
			return s
		except OSError:
			s.close()
			time.sleep(0.05)


def deadline_loop(timeout, what):
	"""Yield until timeout seconds passed, then raise RigError."""
	end = time.monotonic() + timeout
	while time.monotonic() < end:
		yield
	raise RigError("timeout (%ss) waiting for %s" % (timeout, what))


# --------------------------------------------------------------------------
# Processes: every child dies with us (PR_SET_PDEATHSIG) and is killed at
# cleanup.

_libc = ctypes.CDLL(None, use_errno=True)


def _child_setup():
	_libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Procs:
	def __init__(self):
		self.all = []

	def spawn(self, argv, **kw):
		p = subprocess.Popen(argv, preexec_fn=_child_setup,
				     stdin=subprocess.DEVNULL, **kw)
		self.all.append(p)
		return p

	def cleanup(self):
		for p in self.all:
			if p.poll() is None:
				p.terminate()
		end = time.monotonic() + 5
		for p in self.all:
			try:
				p.wait(max(0.1, end - time.monotonic()))
			except subprocess.TimeoutExpired:
				p.kill()
				p.wait()


# --------------------------------------------------------------------------
# Assets: kernel (cached, from apt), initramfs (built per run), accel probe.

def cache_dir():
	d = os.environ.get("QEMU_TEST_CACHE")
	if not d:
		base = os.environ.get("XDG_CACHE_HOME") or \
			os.path.join(os.path.expanduser("~"), ".cache")
		d = os.path.join(base, "swtpm-ng-qemu")
	try:
		os.makedirs(d, exist_ok=True)
		if os.access(d, os.W_OK):
			return d
	except OSError:
		pass
	d = os.path.join(tempfile.gettempdir(),
			 "swtpm-ng-qemu-%d" % os.getuid())
	os.makedirs(d, exist_ok=True)
	return d


class Lock:
	def __init__(self, path):
		self.path = path

	def __enter__(self):
		self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
		fcntl.flock(self.fd, fcntl.LOCK_EX)

	def __exit__(self, *a):
		os.close(self.fd)


def current_kernel_package(k):
	"""The metapackage depends on the current versioned package:
	returns (package, version string of its files) or None."""
	meta = "%s:%s" % (k["meta"], k["arch"])
	try:
		out = subprocess.run(["apt-cache", "depends", meta],
				     capture_output=True, text=True,
				     timeout=60).stdout
	except (OSError, subprocess.TimeoutExpired):
		return None
	flavour = k["meta"][len("linux-image-"):]
	m = re.search(r"Depends:\s*(linux-image-(\S+)-%s)\b" % flavour, out)
	return (m.group(1), m.group(2) + "-" + flavour) if m else None


def apt_extract(pkg, members, dest):
	"""apt-get download pkg and extract members ("./path" in the
	package) into dest under their base names."""
	tmp = tempfile.mkdtemp(dir=dest, prefix="dl-")
	try:
		os.chmod(tmp, 0o755)  # apt's _apt sandbox user
		r = subprocess.run(["apt-get", "download", pkg], cwd=tmp,
				   capture_output=True, text=True, timeout=600)
		debs = glob.glob(os.path.join(tmp, "*.deb"))
		if r.returncode != 0 or not debs:
			raise RigError("apt-get download %s failed: %s" %
				       (pkg, r.stderr.strip()))
		cmd = "dpkg-deb --fsys-tarfile '%s' | tar -x -C '%s' %s" % \
			(debs[0], tmp, " ".join("'%s'" % m for m in members))
		subprocess.run(["sh", "-ec", cmd], check=True, timeout=300)
		for m in members:
			os.rename(os.path.join(tmp, m),
				  os.path.join(dest, os.path.basename(m)))
	finally:
		shutil.rmtree(tmp, ignore_errors=True)


def fetch_kernel(kname="amd64"):
	"""The guest kernel of KERNELS[kname], from the cache or apt."""
	k = KERNELS[kname]
	env = os.environ.get("QEMU_TEST_KERNEL")
	if env and kname == "amd64":
		if not os.path.isfile(env):
			raise Skip("QEMU_TEST_KERNEL=%s does not exist" % env)
		return env
	cdir = cache_dir()
	img = k["image"]
	with Lock(os.path.join(cdir, ".lock")):
		pkg = current_kernel_package(k)
		if pkg is None:
			have = sorted(glob.glob(os.path.join(
				cdir, "%s-*-%s" % (img, k["meta"][12:]))))
			if have:
				return have[-1]
			raise Skip("no %s kernel cached and apt-cache knows no "
				   "%s:%s (apt-get update; dpkg "
				   "--add-architecture %s)" %
				   (kname, k["meta"], k["arch"], k["arch"]))
		name, ver = pkg
		kfile = os.path.join(cdir, "%s-%s" % (img, ver))
		if os.path.isfile(kfile):
			return kfile
		log("fetching kernel package %s into %s" % (name, cdir))
		# Only ./boot is needed; the modules tree is ~400 MB.
		apt_extract("%s:%s" % (name, k["arch"]),
			    ["./boot/%s-%s" % (img, ver),
			     "./boot/config-" + ver], cdir)
		flav = "-" + k["meta"][12:]
		for old in glob.glob(os.path.join(cdir, "*-*" + flav)):
			if not old.endswith("-" + ver):
				os.unlink(old)
		return kfile


def foreign_busybox(arch):
	"""busybox-static of another dpkg architecture, cached."""
	d = os.path.join(cache_dir(), "busybox-" + arch)
	bb = os.path.join(d, "busybox")
	with Lock(os.path.join(cache_dir(), ".lock")):
		if not os.path.isfile(bb):
			os.makedirs(d, exist_ok=True)
			try:
				apt_extract("busybox-static:" + arch,
					    ["./bin/busybox"], d)
			except RigError as e:
				raise Skip("no busybox-static:%s (dpkg "
					   "--add-architecture %s; apt-get "
					   "update): %s" % (arch, arch, e))
	return bb


def build_initrd(srcdir, tmp, arch="amd64"):
	"""The busybox initramfs with guest-init.sh as /init."""
	bb = shutil.which("busybox")
	for cand in ("/bin/busybox", "/usr/bin/busybox"):
		if bb is None and os.path.exists(cand):
			bb = cand
	if arch != "amd64":
		bb = foreign_busybox(arch)
	if bb is None:
		raise Skip("busybox (busybox-static) not installed")
	ld = subprocess.run(["sh", "-c", "ldd '%s' 2>&1" % bb],
			    capture_output=True, text=True).stdout
	if "=>" in ld:
		raise Skip("%s is not static: install busybox-static" % bb)
	if not shutil.which("cpio"):
		raise Skip("cpio not installed")
	root = os.path.join(tmp, "initrd-root")
	os.makedirs(os.path.join(root, "bin"))
	shutil.copy(bb, os.path.join(root, "bin", "busybox"))
	shutil.copy(os.path.join(srcdir, "guest-init.sh"),
		    os.path.join(root, "init"))
	os.chmod(os.path.join(root, "init"), 0o755)
	out = os.path.join(tmp, "initrd.gz")
	subprocess.run(["sh", "-ec", "cd '%s' && find . | cpio -o -H newc "
			"--quiet | gzip -1 > '%s'" % (root, out)],
		       check=True, timeout=60)
	return out


def boot_id():
	try:
		with open("/proc/sys/kernel/random/boot_id") as f:
			return f.read().strip()
	except OSError:
		return "unknown"


def pick_accel(rig):
	want = os.environ.get("QEMU_ACCEL", "auto")
	if want in ("kvm", "tcg"):
		return want
	if not os.access("/dev/kvm", os.R_OK | os.W_OK):
		return "tcg"
	# KVM may be present but unable to run a stock kernel (nested or
	# sandboxed hosts): boot the test kernel once and remember the answer
	# for this host boot.
	memo = os.path.join(cache_dir(), "accel-" + boot_id())
	with Lock(os.path.join(cache_dir(), ".lock")):
		if os.path.isfile(memo):
			with open(memo) as f:
				return f.read().strip()
		ok = rig.probe_kvm()
		res = "kvm" if ok else "tcg"
		for old in glob.glob(os.path.join(cache_dir(), "accel-*")):
			os.unlink(old)
		with open(memo, "w") as f:
			f.write(res + "\n")
		return res


# --------------------------------------------------------------------------
# TPM 2 command encoding (host side; the guest only moves bytes).

TPM_ALG_SHA256 = 0x000B
TPM_RS_PW = 0x40000009
ZERO32 = b"\0" * 32


def cmd_pcr_extend(pcr, digest):
	auth = struct.pack(">IHBH", TPM_RS_PW, 0, 0, 0)
	body = struct.pack(">II", pcr, len(auth)) + auth + \
		struct.pack(">IH", 1, TPM_ALG_SHA256) + digest
	return struct.pack(">HII", 0x8002, 10 + len(body), 0x182) + body


def cmd_pcr_read(pcr):
	sel = bytearray(3)
	sel[pcr // 8] |= 1 << (pcr % 8)
	body = struct.pack(">IHB", 1, TPM_ALG_SHA256, 3) + bytes(sel)
	return struct.pack(">HII", 0x8001, 10 + len(body), 0x17E) + body


def rsp_code(rsp):
	if len(rsp) < 10:
		raise Fail("short TPM response %s" % rsp.hex())
	tag, size, rc = struct.unpack(">HII", rsp[:10])
	if size != len(rsp):
		raise Fail("TPM response size %d != %d" % (size, len(rsp)))
	return rc


def rsp_pcr_read(rsp):
	rc = rsp_code(rsp)
	if rc != 0:
		raise Fail("TPM2_PCR_Read rc=0x%x" % rc)
	off = 10 + 4
	cnt, = struct.unpack(">I", rsp[off:off + 4])
	off += 4
	for _ in range(cnt):
		_, sz = struct.unpack(">HB", rsp[off:off + 3])
		off += 3 + sz
	cnt, = struct.unpack(">I", rsp[off:off + 4])
	off += 4
	if cnt != 1:
		raise Fail("TPM2_PCR_Read returned %d digests" % cnt)
	sz, = struct.unpack(">H", rsp[off:off + 2])
	return rsp[off + 2:off + 2 + sz]


def extended(old, digest):
	"""PCR extend: the hash is the bank's, told by the value's size."""
	h = hashlib.sha256 if len(old) == 32 else hashlib.sha1
	return h(old + digest).digest()


# TPM 1.2 (TPM Main Part 3, 16.1 TPM_Extend, 16.2 TPM_PCRRead): tag
# TPM_TAG_RQU_COMMAND, no authorization; 20-byte SHA-1 digests.

ZERO20 = b"\0" * 20


def cmd12_extend(pcr, digest):
	return struct.pack(">HIII", 0xC1, 34, 0x14, pcr) + digest[:20]


def cmd12_pcr_read(pcr):
	return struct.pack(">HIII", 0xC1, 14, 0x15, pcr)


def rsp12_digest(rsp, what):
	rc = rsp_code(rsp)
	if rc != 0 or len(rsp) != 30:
		raise Fail("%s rc=0x%x (%d bytes)" % (what, rc, len(rsp)))
	return rsp[10:]


# --------------------------------------------------------------------------
# QMP client: line-delimited JSON over a unix socket; events are queued.

class Qmp:
	def __init__(self, path, timeout):
		s = connect_unix(path, timeout, "QMP socket")
		self.sock = s
		self.buf = b""
		self.events = []
		self.next_id = 1
		self._read_msg(30)  # greeting
		self.cmd("qmp_capabilities")

	def _read_msg(self, timeout):
		end = time.monotonic() + timeout
		while b"\n" not in self.buf:
			left = end - time.monotonic()
			if left <= 0:
				raise RigError("QMP: no message within %ss" %
					       timeout)
			r, _, _ = select.select([self.sock], [], [], left)
			if not r:
				continue
			d = self.sock.recv(65536)
			if not d:
				raise RigError("QMP: connection closed")
			self.buf += d
		line, self.buf = self.buf.split(b"\n", 1)
		return json.loads(line)

	def cmd(self, name, timeout=120, **args):
		i = self.next_id
		self.next_id += 1
		m = {"execute": name, "id": i}
		if args:
			m["arguments"] = args
		self.sock.sendall(json.dumps(m).encode() + b"\n")
		while True:
			r = self._read_msg(timeout)
			if "event" in r:
				self.events.append(r)
				continue
			if r.get("id") != i:
				continue
			if "error" in r:
				raise Fail("QMP %s: %s" % (name, r["error"]))
			return r.get("return")

	def hmp(self, line, timeout=120):
		return self.cmd("human-monitor-command", timeout=timeout,
				**{"command-line": line})

	def wait_event(self, name, timeout=120, match=None):
		end = time.monotonic() + timeout
		while True:
			for j, e in enumerate(self.events):
				if e["event"] == name and \
				   (match is None or match(e.get("data", {}))):
					del self.events[j]
					return e
			left = end - time.monotonic()
			if left <= 0:
				raise RigError("QMP: no %s event in %ss" %
					       (name, timeout))
			self.events.append(self._read_msg(left))

	def close(self):
		self.sock.close()


# --------------------------------------------------------------------------
# Guest command channel (ttyS1 through a chardev socket).

class Guest:
	def __init__(self, path, timeout=30):
		s = connect_unix(path, timeout, "serial socket")
		self.sock = s
		self.buf = b""
		self.next_id = int(time.monotonic() * 1000) % 100000 + 1
		self.tpm2 = True

	def readline(self, timeout):
		end = time.monotonic() + timeout
		while b"\n" not in self.buf:
			left = end - time.monotonic()
			if left <= 0:
				raise RigError("guest: no answer within %ss" %
					       timeout)
			r, _, _ = select.select([self.sock], [], [], left)
			if not r:
				continue
			d = self.sock.recv(4096)
			if not d:
				raise RigError("guest: serial socket closed")
			self.buf += d
		line, self.buf = self.buf.split(b"\n", 1)
		return line.decode(errors="replace").strip("\r\x00 ")

	def wait_ready(self, timeout):
		"""Wait for the guest's "@0 READY". Should that line have been
		missed, a ping that gets its answer also counts."""
		end = time.monotonic() + timeout
		nudge = time.monotonic() + 20
		ping = None
		while True:
			now = time.monotonic()
			if now >= end:
				raise RigError("guest did not come up in %ss" %
					       timeout)
			if now >= nudge:
				ping = "@%d pong" % self.next_id
				self.sock.sendall(b"%d ping\n" % self.next_id)
				self.next_id += 1
				nudge = now + 5
			try:
				line = self.readline(min(end, nudge) - now)
			except RigError as e:
				if "no answer" in str(e):
					continue
				raise
			# firmware (OVMF) may leave bytes without a newline on
			# the command tty before the guest's first line
			if line.endswith("@0 READY") or line == ping:
				return

	def call(self, cmd, arg="", timeout=60):
		i = self.next_id
		self.next_id += 1
		self.sock.sendall(("%d %s %s\n" % (i, cmd, arg)).encode())
		out = []
		tag = "@%d " % i
		end = time.monotonic() + timeout
		while True:
			line = self.readline(max(0.1, end - time.monotonic()))
			if not line.startswith(tag):
				continue
			words = line[len(tag):].split()
			if words and words[0] == "END":
				rc = int(words[1]) if len(words) > 1 else -1
				return rc, out
			out.append(words)

	def info(self):
		rc, out = self.call("info")
		if rc != 0:
			raise Fail("guest info failed rc=%d" % rc)
		d = {"pcr": {}}
		for w in out:
			if w[0] == "pcr":
				d["pcr"][int(w[1])] = bytes.fromhex(w[2]) \
					if len(w) > 2 else None
			else:
				d[w[0]] = w[1] if len(w) > 1 else ""
		return d

	def tpm(self, cmd):
		rc, out = self.call("tpm", cmd.hex())
		rsp = [w for w in out if w[0] == "rsp"]
		if rc != 0 or not rsp or len(rsp[0]) < 2:
			raise Fail("guest could not talk to /dev/tpm0 "
				   "(rc=%d)" % rc)
		return bytes.fromhex(rsp[0][1])

	def dmesg(self):
		rc, out = self.call("dmesg")
		return [" ".join(w[1:]) for w in out if w[0] == "log"]

	def sysfs_pcr(self, n):
		rc, out = self.call("pcr", str(n))
		if rc != 0 or not out or len(out[0]) < 3:
			raise Fail("guest could not read sysfs PCR %d" % n)
		return bytes.fromhex(out[0][2])

	def read_pcr(self, n):
		"""PCR n via a raw PCR read (TPM 2: sha256 bank, 1.2: the
		sha1 one), cross-checked against sysfs."""
		if self.tpm2:
			raw = rsp_pcr_read(self.tpm(cmd_pcr_read(n)))
		else:
			raw = rsp12_digest(self.tpm(cmd12_pcr_read(n)),
					   "TPM_PCRRead(%d)" % n)
		sysfs = self.sysfs_pcr(n)
		if raw != sysfs:
			raise Fail("PCR %d: raw %s != sysfs %s" %
				   (n, raw.hex(), sysfs.hex()))
		return raw

	def extend(self, n, digest):
		"""Extend PCR n by digest (a 1.2 takes its first 20 bytes)."""
		if not self.tpm2:
			rsp12_digest(self.tpm(cmd12_extend(n, digest)),
				     "TPM_Extend(%d)" % n)
			return
		rc = rsp_code(self.tpm(cmd_pcr_extend(n, digest)))
		if rc != 0:
			raise Fail("TPM2_PCR_Extend(%d) rc=0x%x" % (n, rc))

	def banks(self):
		"""{bank: {pcr: value}} for every bank sysfs shows."""
		rc, out = self.call("banks")
		res = {}
		for w in out:
			if w[0] == "bank" and len(w) == 4:
				res.setdefault(w[1], {})[int(w[2])] = \
					bytes.fromhex(w[3])
		if rc != 0 or not res:
			raise Fail("guest could not read the PCR banks")
		return res

	def evlog(self):
		"""The firmware's event log as the kernel exports it."""
		rc, out = self.call("evlog", timeout=300)
		if rc != 0:
			raise Fail("guest has no binary_bios_measurements")
		return bytes.fromhex("".join(w[1] for w in out
					     if w[0] == "hex"))


# --------------------------------------------------------------------------
# The control channel conversation, recovered from swtpm's --log level=20
# dump (" Ctrl Cmd: length N" then hex lines; cli.md section 7).

CTRL_NAMES = {
	0x01: "GET_CAPABILITY", 0x02: "INIT", 0x03: "SHUTDOWN",
	0x04: "GET_TPMESTABLISHED", 0x05: "SET_LOCALITY",
	0x06: "HASH_START", 0x07: "HASH_DATA", 0x08: "HASH_END",
	0x09: "CANCEL_TPM_CMD", 0x0A: "STORE_VOLATILE",
	0x0B: "RESET_TPMESTABLISHED", 0x0C: "GET_STATEBLOB",
	0x0D: "SET_STATEBLOB", 0x0E: "STOP", 0x0F: "GET_CONFIG",
	0x10: "SET_DATAFD", 0x11: "SET_BUFFERSIZE", 0x12: "GET_INFO",
	0x13: "LOCK_STORAGE",
}


def read_conversation(path):
	"""[(kind, bytes)], kind in Cmd, Rsp, Rsp Continued, Read, Write."""
	out = []
	try:
		with open(path, errors="replace") as f:
			lines = f.read().splitlines()
	except OSError:
		return out
	for line in lines:
		m = re.match(r"^ (Ctrl (Cmd|Rsp|Rsp Continued)|"
			     r"SWTPM_IO_(Read|Write)): length \d+\s*$", line)
		if m:
			out.append([m.group(2) or m.group(3), b""])
		elif out and re.match(r"^( [0-9A-Fa-f]{2})+\s*$", line):
			out[-1][1] += bytes.fromhex(line)
	return out


def ctrl_summary(path):
	"""Control commands in order, with the argument where it matters."""
	res = []
	for kind, b in read_conversation(path):
		if kind != "Cmd" or len(b) < 4:
			continue
		code = struct.unpack(">I", b[:4])[0]
		n = CTRL_NAMES.get(code, "0x%x" % code)
		if code in (0x02, 0x11, 0x13) and len(b) >= 8:
			n += "(%d)" % struct.unpack(">I", b[4:8])[0]
		elif code in (0x0C, 0x0D) and len(b) >= 12:
			n += "(flags=%d,type=%d)" % \
				struct.unpack(">II", b[4:12])
		elif code == 0x05 and len(b) >= 5:
			n += "(%d)" % b[4]
		res.append(n)
	return res


def compress(names):
	out = []
	for n in names:
		if out and out[-1][0] == n:
			out[-1][1] += 1
		else:
			out.append([n, 1])
	return " ".join(n if c == 1 else "%s x%d" % (n, c) for n, c in out)


# --------------------------------------------------------------------------
# swtpm and QEMU instances.

class Swtpm:
	def __init__(self, rig, binary, statedir, key=None, migkey=None,
		     tag="tpm", tpm2=True):
		self.rig = rig
		self.binary = binary
		self.tpm2 = tpm2
		self.dir = statedir
		os.makedirs(statedir, exist_ok=True)
		self.sock = os.path.join(statedir, "swtpm-sock")
		self.log = os.path.join(rig.tmp, "%s.log" % tag)
		self.err = open(os.path.join(rig.tmp, "%s.stderr" % tag), "ab")
		argv = [binary, "socket", "--tpmstate", "dir=" + statedir,
			"--ctrl", "type=unixio,path=" + self.sock,
			"--log", "level=20,file=" + self.log]
		if tpm2:
			argv += ["--tpm2"]
		if key:
			argv += ["--key", key]
		if migkey:
			argv += ["--migration-key", migkey]
		self.tag = tag
		rig.tpms.append(self)
		self.proc = rig.procs.spawn(argv, stdout=self.err,
					    stderr=self.err)
		for _ in deadline_loop(20, "swtpm control socket"):
			if self.proc.poll() is not None:
				raise RigError("%s exited with %d: %s" %
					       (binary, self.proc.returncode,
						self.stderr()))
			try:
				s = socket.socket(socket.AF_UNIX)
				s.connect(self.sock)
				s.close()
				break
			except OSError:
				s.close()
				time.sleep(0.02)

	def stderr(self):
		try:
			with open(self.err.name, "rb") as f:
				return f.read().decode(errors="replace")[-2000:]
		except OSError:
			return ""

	def ctrl(self):
		return ctrl_summary(self.log)

	def exchanges(self):
		"""[(command code, response code)] of the data channel so far,
		from the log."""
		res = []
		cc = None
		for kind, b in read_conversation(self.log):
			if kind == "Read" and len(b) >= 10:
				cc = struct.unpack(">I", b[6:10])[0]
			elif kind == "Write" and len(b) >= 10 and \
			     cc is not None:
				rc = struct.unpack(">I", b[6:10])[0]
				res.append((cc, rc))
				cc = None
		return res

	def wait_exit(self, timeout=30):
		try:
			return self.proc.wait(timeout)
		except subprocess.TimeoutExpired:
			raise Fail("%s did not exit after QEMU quit" % self.tag)


def machine_argv(rig, machine, name):
	"""QEMU's command line for MACHINES[machine] without the TPM, for the
	VM called name; firmware files to be written are copied to rig.tmp."""
	row = MACHINES[machine]
	fw = FIRMWARE[row["firmware"]]
	sub = {"tmp": rig.tmp, "vm": name}
	for src, dst in fw.get("copy", {}).items():
		shutil.copy(src, os.path.join(rig.tmp, dst.format(**sub)))
	argv = [rig.qemu_bin(row)] + row["board"] + [
		"-m", row["mem"], "-smp", row.get("smp", "1"), "-nodefaults",
		"-no-user-config", "-display", "none"] + \
		[x.format(**sub) for x in fw["args"]]
	p = rig.qemu_prefix(row)
	if p:
		# its own ROMs first, then the installed firmware packages'
		argv += ["-L", os.path.join(p, "usr", "share", "qemu")]
	return argv


class Vm:
	"""A QEMU of MACHINES[machine] with tpm as its TPM. With a guest
	kernel the guest's command tty is self.guest; qtest=True runs the
	machine stopped with self.qtest_path for a register-level client
	(tis.py) instead."""

	def __init__(self, rig, name, tpm, machine="x86-tis", incoming=False,
		     disk=None, noreboot=True, qtest=False, append=""):
		self.rig = rig
		self.name = name
		self.tpm = tpm
		self.machine = machine
		self.disk = disk
		self.row = row = MACHINES[machine]
		t = rig.tmp
		self.qmp_path = os.path.join(t, name + "-qmp.sock")
		self.ser_path = os.path.join(t, name + "-ser.sock")
		self.qtest_path = os.path.join(t, name + "-qtest.sock")
		self.console = os.path.join(t, name + "-console.log")
		self.errpath = os.path.join(t, name + "-qemu.stderr")
		argv = machine_argv(rig, machine, name) + [
			"-qmp", "unix:%s,server=on,wait=off" % self.qmp_path,
			"-chardev", "socket,id=chrtpm,path=" + tpm.sock,
			"-tpmdev", "emulator,id=tpm0,chardev=chrtpm",
			"-device", "%s,tpmdev=tpm0" % row["tpm"]]
		if qtest:
			# Debian's QEMU has no qtest accelerator: the CPUs stay
			# stopped (-S) so no firmware touches the TPM, and the
			# device model answers the qtest client all the same.
			argv += ["-S", "-accel", "tcg", "-qtest",
				 "unix:%s,server=on,wait=off" % self.qtest_path]
		else:
			argv += ["-accel", rig.accel_for(machine)]
		if row["console"]:
			argv += ["-chardev", "file,id=con,path=" + self.console,
				 "-serial", "chardev:con"]
		if row["cmd_tty"]:
			argv += ["-chardev", "socket,id=cmd,path=%s,server=on,"
				 "wait=off" % self.ser_path,
				 "-serial", "chardev:cmd"]
		if row["kernel"] and not qtest:
			argv += ["-kernel", rig.kernel, "-initrd", rig.initrd,
				 "-append", "console=%s rig.tty=%s panic=-1 "
				 "quiet %s" % (row["console"], row["cmd_tty"],
					       append)]
		if disk:
			argv += ["-drive",
				 "file=%s,if=none,id=disk0,format=qcow2" % disk]
		if incoming:
			argv += ["-incoming", "defer"]
		if noreboot:
			# A guest panic ends QEMU at once; but this also turns
			# QMP system_reset into a shutdown (QEMU 7.2).
			argv += ["-no-reboot"]
		self.err = open(self.errpath, "ab")
		self.proc = rig.procs.spawn(argv, stdout=self.err,
					    stderr=self.err,
					    env=rig.qemu_env(row))
		self.qmp = Qmp(self.qmp_path, 30)
		self.caps(events=True)
		self.guest = None
		if row["kernel"] and not qtest:
			self.guest = Guest(self.ser_path)
			self.guest.tpm2 = tpm.tpm2

	def console_text(self):
		try:
			with open(self.console, "rb") as f:
				return f.read().decode(errors="replace")
		except OSError:
			return ""

	def caps(self, **kv):
		self.qmp.cmd("migrate-set-capabilities", capabilities=[
			{"capability": k.replace("_", "-"), "state": v}
			for k, v in kv.items()])

	def stderr(self):
		with open(self.errpath, "rb") as f:
			return f.read().decode(errors="replace")

	def status(self):
		return self.qmp.cmd("query-status")["status"]

	def wait_booted(self, timeout=180):
		t0 = time.monotonic()
		self.guest.wait_ready(timeout)
		log("  %s: guest up after %.1fs" % (self.name,
						     time.monotonic() - t0))

	def migrate(self, uri):
		"""Start an outgoing migration. Older MIGRATION events are
		dropped first: savevm sends them too, and a stale "completed"
		would end wait_migration before this one is done."""
		self.qmp.events = [e for e in self.qmp.events
				   if e["event"] != "MIGRATION"]
		self.qmp.cmd("migrate", uri=uri)

	def wait_migration(self, timeout=180):
		"""Wait for the MIGRATION event with a final status."""
		e = self.qmp.wait_event(
			"MIGRATION", timeout,
			lambda d: d.get("status") in
			("completed", "failed", "cancelled"))
		return e["data"]["status"]

	def quit(self, timeout=30):
		if self.proc.poll() is None:
			try:
				self.qmp.cmd("quit", timeout=10)
			except (RigError, Fail, OSError):
				pass
		try:
			self.proc.wait(timeout)
		except subprocess.TimeoutExpired:
			raise Fail("%s: QEMU did not quit" % self.name)
		self.qmp.close()


# --------------------------------------------------------------------------
# The rig: environment, assets, cleanup.

class Rig:
	def __init__(self):
		self.srcdir = os.path.dirname(os.path.abspath(__file__))
		top_b = os.environ.get("top_builddir") or \
			os.path.normpath(os.path.join(self.srcdir, "..", ".."))
		self.swtpm = os.environ.get("SWTPM") or \
			os.path.join(top_b, "swtpm")
		self.swtpm_ref = os.environ.get("SWTPM_REF") or "/usr/bin/swtpm"
		self.prefix = os.environ.get("QEMU_PREFIX")
		self.prefix10 = os.environ.get("QEMU10_PREFIX") or \
			"/opt/swtpm-ng-qemu10"
		self.procs = Procs()
		self.tmp = tempfile.mkdtemp(prefix="swtpm-qemu-")
		self.keep = os.environ.get("QEMU_TEST_KEEP") == "1"
		self.accel = None
		self.ndirs = 0
		self.tpms = []

	def qemu_prefix(self, row):
		"""Root of the unpacked QEMU that runs row, None for the
		installed one."""
		return self.prefix10 if row.get("qemu10") else self.prefix

	def qemu_bin(self, row):
		p = self.qemu_prefix(row)
		if p:
			return os.path.join(p, "usr", "bin", row["qemu"])
		return shutil.which(row["qemu"]) or row["qemu"]

	def qemu_env(self, row):
		"""An unpacked QEMU loads its own modules, not the installed
		one's."""
		env = dict(os.environ)
		p = self.qemu_prefix(row)
		if p:
			env["QEMU_MODULE_DIR"] = os.path.join(
				p, "usr", "lib", "x86_64-linux-gnu", "qemu")
		return env

	def need_binaries(self, machine="x86-tis", ours=True, ref=False):
		"""Skip unless MACHINES[machine] can run here and the wanted
		emulators exist."""
		row = MACHINES[machine]
		q = self.qemu_bin(row)
		if not os.access(q, os.X_OK):
			hint = ": scripts/qemu10.sh unpacks it" \
				if row.get("qemu10") else ""
			raise Skip("%s not installed (%s%s)" %
				   (q, row["package"], hint))
		fw = FIRMWARE[row["firmware"]]
		for f in fw["files"]:
			if not os.path.isfile(f):
				raise Skip("%s missing (%s)" %
					   (f, fw["package"]))
		dev = row["tpm"].split(",")[0]
		r = subprocess.run([q, "-M", "none", "-device", dev + ",help"],
				   capture_output=True, text=True, timeout=60,
				   env=self.qemu_env(row))
		if r.returncode != 0:
			v = subprocess.run([q, "--version"],
					   capture_output=True, text=True,
					   timeout=60).stdout
			raise Skip("%s (%s) has no %s device%s" %
				   (q, v.splitlines()[0] if v else "?", dev,
				    " (scripts/qemu10.sh installs QEMU 10)"
				    if row.get("qemu10") else ""))
		for b, want in ((self.swtpm, ours), (self.swtpm_ref, ref)):
			if want and not os.access(b, os.X_OK):
				raise Skip("emulator %s not built/installed" %
					   b)

	def prepare(self, machine="x86-tis"):
		"""Fetch the row's guest kernel and build the initramfs."""
		row = MACHINES[machine]
		self.kernel = None
		if row["kernel"]:
			self.kernel = fetch_kernel(row["kernel"])
			self.initrd = build_initrd(
				self.srcdir, self.tmp,
				KERNELS[row["kernel"]]["arch"])
		if row["kernel"] == "amd64" and os.uname().machine == "x86_64":
			self.accel = pick_accel(self)
		log("%s: %s, kernel %s, accel %s, swtpm %s, ref %s" %
		    (machine, self.qemu_bin(row),
		     self.kernel and os.path.basename(self.kernel),
		     self.accel_for(machine), self.swtpm, self.swtpm_ref))

	def accel_for(self, machine):
		"""KVM only for an x86 guest on an x86 host that can run it."""
		if MACHINES[machine]["kernel"] == "amd64" and self.accel:
			return self.accel
		return "tcg"

	def probe_kvm(self):
		"""Boot the test kernel under KVM without a TPM; True if it
		reaches the guest's command loop."""
		out = os.path.join(self.tmp, "kvm-probe.ser")
		p = self.procs.spawn(
			[self.qemu_bin(MACHINES["x86-tis"]), "-M", "q35",
			 "-accel", "kvm", "-m", "256",
			 "-nodefaults", "-no-user-config", "-display", "none",
			 "-no-reboot", "-kernel", self.kernel,
			 "-initrd", self.initrd,
			 "-append",
			 "console=ttyS0 rig.tty=ttyS1 panic=-1 quiet",
			 "-serial", "null", "-serial", "file:" + out],
			stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
		ok = False
		end = time.monotonic() + 20
		while time.monotonic() < end and p.poll() is None:
			try:
				with open(out, "rb") as f:
					if b"@0 READY" in f.read():
						ok = True
						break
			except OSError:
				pass
			time.sleep(0.1)
		if p.poll() is None:
			p.kill()
		p.wait()
		log("KVM probe: %s" % ("boots" if ok else
				       "does not boot the kernel, using TCG"))
		return ok

	def statedir(self, tag):
		self.ndirs += 1
		return os.path.join(self.tmp, "%s-%d" % (tag, self.ndirs))

	def keyfile(self, name, binary=False):
		"""A fresh random AES-128 key; returns the --key value."""
		p = os.path.join(self.tmp, name)
		k = os.urandom(16)
		with open(p, "wb") as f:
			f.write(k if binary else k.hex().encode() + b"\n")
		return "file=%s,mode=aes-cbc%s" % (p, ",format=binary"
						   if binary else "")

	def dump_logs(self):
		for p in sorted(glob.glob(os.path.join(self.tmp, "*"))):
			if not re.search(r"(stderr|console\.log|fw\.log|"
					 r"tpm.*\.log)$", p):
				continue
			try:
				with open(p, "rb") as f:
					d = f.read().decode(errors="replace")
			except OSError:
				continue
			if "tpm" in os.path.basename(p) and p.endswith(".log"):
				d = "\n".join(d.splitlines()[-40:])
			else:
				d = d[-3000:]
			log("---- %s\n%s" % (os.path.basename(p), d))

	def cleanup(self, failed):
		self.procs.cleanup()
		for t in self.tpms:
			log("  %s (%s) control channel: %s" %
			    (t.tag, t.binary, compress(t.ctrl())))
		if failed:
			self.dump_logs()
		if self.keep:
			log("kept %s" % self.tmp)
		else:
			shutil.rmtree(self.tmp, ignore_errors=True)


