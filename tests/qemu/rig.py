#!/usr/bin/env python3
"""QEMU end-to-end rig: boots a Debian kernel with a busybox initramfs under
QEMU with -tpmdev emulator backed by swtpm, drives QEMU over QMP and the guest
over a serial line protocol (see guest-init.sh), and runs one scenario.

Usage: rig.py SCENARIO      (rig.py list prints the scenario names)
Env:   SWTPM (ours, default $top_builddir/swtpm), SWTPM_REF (/usr/bin/swtpm),
       QEMU (qemu-system-x86_64), QEMU_ACCEL (auto|kvm|tcg),
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


def current_kernel_package():
	"""linux-image-amd64 depends on the current linux-image-X-amd64."""
	try:
		out = subprocess.run(
			["apt-cache", "depends", "linux-image-amd64"],
			capture_output=True, text=True, timeout=60).stdout
	except (OSError, subprocess.TimeoutExpired):
		return None
	m = re.search(r"Depends:\s*(linux-image-(\S+)-amd64)\b", out)
	return (m.group(1), m.group(2) + "-amd64") if m else None


def fetch_kernel():
	k = os.environ.get("QEMU_TEST_KERNEL")
	if k:
		if not os.path.isfile(k):
			raise Skip("QEMU_TEST_KERNEL=%s does not exist" % k)
		return k
	cdir = cache_dir()
	with Lock(os.path.join(cdir, ".lock")):
		pkg = current_kernel_package()
		if pkg is None:
			have = sorted(glob.glob(os.path.join(cdir,
							     "vmlinuz-*")))
			if have:
				return have[-1]
			raise RigError("no kernel cached and apt-cache knows "
				       "no linux-image-amd64 "
				       "(run apt-get update)")
		name, ver = pkg
		vmlinuz = os.path.join(cdir, "vmlinuz-" + ver)
		if os.path.isfile(vmlinuz):
			return vmlinuz
		log("fetching kernel package %s into %s" % (name, cdir))
		tmp = tempfile.mkdtemp(dir=cdir, prefix="dl-")
		try:
			os.chmod(tmp, 0o755)  # apt's _apt sandbox user
			r = subprocess.run(["apt-get", "download", name],
					   cwd=tmp, capture_output=True,
					   text=True, timeout=600)
			debs = glob.glob(os.path.join(tmp, "*.deb"))
			if r.returncode != 0 or not debs:
				raise RigError("apt-get download %s failed: "
					       "%s" % (name, r.stderr.strip()))
			# Only ./boot is needed; the modules tree is ~400 MB.
			cmd = "dpkg-deb --fsys-tarfile '%s' | tar -x -C '%s' " \
			      "./boot/vmlinuz-%s ./boot/config-%s" % \
			      (debs[0], tmp, ver, ver)
			subprocess.run(["sh", "-ec", cmd], check=True,
				       timeout=300)
			os.rename(os.path.join(tmp, "boot", "config-" + ver),
				  os.path.join(cdir, "config-" + ver))
			olds = glob.glob(os.path.join(cdir, "vmlinuz-*")) + \
				glob.glob(os.path.join(cdir, "config-*"))
			for old in olds:
				if not old.endswith("-" + ver):
					os.unlink(old)
			os.rename(os.path.join(tmp, "boot", "vmlinuz-" + ver),
				  vmlinuz)
		finally:
			shutil.rmtree(tmp, ignore_errors=True)
		return vmlinuz


def build_initrd(srcdir, tmp):
	bb = shutil.which("busybox")
	for cand in ("/bin/busybox", "/usr/bin/busybox"):
		if bb is None and os.path.exists(cand):
			bb = cand
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
	return hashlib.sha256(old + digest).digest()


# --------------------------------------------------------------------------
# QMP client: line-delimited JSON over a unix socket; events are queued.

class Qmp:
	def __init__(self, path, timeout):
		for _ in deadline_loop(timeout, "QMP socket " + path):
			try:
				s = socket.socket(socket.AF_UNIX)
				s.connect(path)
				break
			except OSError:
				s.close()
				time.sleep(0.05)
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
		for _ in deadline_loop(timeout, "serial socket " + path):
			try:
				s = socket.socket(socket.AF_UNIX)
				s.connect(path)
				break
			except OSError:
				s.close()
				time.sleep(0.05)
		self.sock = s
		self.buf = b""
		self.next_id = int(time.monotonic() * 1000) % 100000 + 1

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
			if line == "@0 READY" or line == ping:
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
		"""PCR n via raw TPM2_PCR_Read, cross-checked against sysfs."""
		raw = rsp_pcr_read(self.tpm(cmd_pcr_read(n)))
		sysfs = self.sysfs_pcr(n)
		if raw != sysfs:
			raise Fail("PCR %d: raw %s != sysfs %s" %
				   (n, raw.hex(), sysfs.hex()))
		return raw

	def extend(self, n, digest):
		rc = rsp_code(self.tpm(cmd_pcr_extend(n, digest)))
		if rc != 0:
			raise Fail("TPM2_PCR_Extend(%d) rc=0x%x" % (n, rc))


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
		     tag="tpm"):
		self.rig = rig
		self.binary = binary
		self.dir = statedir
		os.makedirs(statedir, exist_ok=True)
		self.sock = os.path.join(statedir, "swtpm-sock")
		self.log = os.path.join(rig.tmp, "%s.log" % tag)
		self.err = open(os.path.join(rig.tmp, "%s.stderr" % tag), "ab")
		argv = [binary, "socket", "--tpmstate", "dir=" + statedir,
			"--ctrl", "type=unixio,path=" + self.sock, "--tpm2",
			"--log", "level=20,file=" + self.log]
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

	def wait_exit(self, timeout=15):
		try:
			return self.proc.wait(timeout)
		except subprocess.TimeoutExpired:
			raise Fail("%s did not exit after QEMU quit" % self.tag)


class Vm:
	def __init__(self, rig, name, tpm, tpmif="tpm-tis", incoming=False,
		     disk=None, noreboot=True):
		self.rig = rig
		self.name = name
		self.tpm = tpm
		t = rig.tmp
		self.qmp_path = os.path.join(t, name + "-qmp.sock")
		self.ser_path = os.path.join(t, name + "-ser.sock")
		self.console = os.path.join(t, name + "-console.log")
		self.bioslog = os.path.join(t, name + "-seabios.log")
		self.errpath = os.path.join(t, name + "-qemu.stderr")
		argv = [rig.qemu, "-M", "q35", "-accel", rig.accel,
			"-m", "256", "-smp", "1", "-nodefaults",
			"-no-user-config", "-display", "none",
			"-kernel", rig.kernel, "-initrd", rig.initrd,
			"-append", "console=ttyS0 panic=-1 quiet",
			"-chardev", "file,id=con,path=" + self.console,
			"-serial", "chardev:con",
			"-chardev", "socket,id=cmd,path=%s,server=on,wait=off" %
			self.ser_path,
			"-serial", "chardev:cmd",
			"-chardev", "file,id=dbg,path=" + self.bioslog,
			"-device", "isa-debugcon,iobase=0x402,chardev=dbg",
			"-qmp", "unix:%s,server=on,wait=off" % self.qmp_path,
			"-chardev", "socket,id=chrtpm,path=" + tpm.sock,
			"-tpmdev", "emulator,id=tpm0,chardev=chrtpm",
			"-device", "%s,tpmdev=tpm0" % tpmif]
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
					    stderr=self.err)
		self.qmp = Qmp(self.qmp_path, 30)
		self.caps(events=True)
		self.guest = Guest(self.ser_path)

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
		self.qemu = os.environ.get("QEMU") or "qemu-system-x86_64"
		self.procs = Procs()
		self.tmp = tempfile.mkdtemp(prefix="swtpm-qemu-")
		self.keep = os.environ.get("QEMU_TEST_KEEP") == "1"
		self.accel = None
		self.ndirs = 0
		self.tpms = []

	def need_binaries(self, ours=True, ref=False):
		if not shutil.which(self.qemu):
			raise Skip("%s not installed (qemu-system-x86)" %
				   self.qemu)
		if not os.path.isfile("/usr/share/seabios/bios-256k.bin"):
			raise Skip("seabios not installed")
		for b, want in ((self.swtpm, ours), (self.swtpm_ref, ref)):
			if want and not os.access(b, os.X_OK):
				raise Skip("emulator %s not built/installed" %
					   b)

	def prepare(self):
		self.kernel = fetch_kernel()
		self.initrd = build_initrd(self.srcdir, self.tmp)
		self.accel = pick_accel(self)
		log("kernel %s, accel %s, swtpm %s, ref %s" %
		    (os.path.basename(self.kernel), self.accel, self.swtpm,
		     self.swtpm_ref))

	def probe_kvm(self):
		"""Boot the test kernel under KVM without a TPM; True if it
		reaches the guest's command loop."""
		out = os.path.join(self.tmp, "kvm-probe.ser")
		p = self.procs.spawn(
			[self.qemu, "-M", "q35", "-accel", "kvm", "-m", "256",
			 "-nodefaults", "-no-user-config", "-display", "none",
			 "-no-reboot", "-kernel", self.kernel,
			 "-initrd", self.initrd,
			 "-append", "console=ttyS0 panic=-1 quiet",
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
			if not re.search(r"(stderr|console\.log|seabios\.log|"
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


# --------------------------------------------------------------------------
# Scenarios. Each returns normally on pass and raises Fail otherwise.

D1 = hashlib.sha256(b"swtpm-ng qemu test 1").digest()
D2 = hashlib.sha256(b"swtpm-ng qemu test 2").digest()
D3 = hashlib.sha256(b"swtpm-ng qemu test 3").digest()


def boot_checks(g, driver):
	for line in g.dmesg():
		log("  guest: %s" % line)
	i = g.info()
	check(i.get("dev") == "tpm0", "guest has /dev/tpm0")
	check(i.get("major") == "2", "TPM major version is 2")
	check(i.get("driver") == driver, "bound by driver %s (got %s)" %
	      (driver, i.get("driver")))
	check(i["pcr"].get(0) not in (None, ZERO32),
	      "PCR 0 is non-zero (SeaBIOS measured the boot)")
	check(i["pcr"].get(16) == ZERO32, "PCR 16 starts at zero")
	g.extend(16, D1)
	v1 = extended(ZERO32, D1)
	check(g.read_pcr(16) == v1, "PCR 16 extend is visible (raw + sysfs)")
	g.extend(16, D2)
	check(g.read_pcr(16) == extended(v1, D2), "second extend chains")
	return i


def boot_vm(rig, tpmif="tpm-tis", binary=None, **kw):
	tpm = Swtpm(rig, binary or rig.swtpm, rig.statedir("state"),
		    tag="tpm-a")
	vm = Vm(rig, "vm-a", tpm, tpmif=tpmif, **kw)
	vm.wait_booted()
	return tpm, vm


def shutdown(vm, tpm):
	vm.quit()
	rc = tpm.wait_exit()
	check(rc == 0, "%s exited with 0 after QEMU quit (CMD_SHUTDOWN)" %
	      tpm.tag)


def sc_boot(rig, tpmif, driver):
	rig.need_binaries()
	rig.prepare()
	tpm, vm = boot_vm(rig, tpmif)
	boot_checks(vm.guest, driver)
	shutdown(vm, tpm)


def prime(vm):
	"""Extend PCR 16 once; return (value, all PCRs)."""
	vm.guest.extend(16, D1)
	v = extended(ZERO32, D1)
	check(vm.guest.read_pcr(16) == v, "PCR 16 extended before migration")
	return v, vm.guest.info()["pcr"]


def after_move(vm, v, pcrs):
	check(vm.status() == "running", "%s is running" % vm.name)
	check(vm.guest.read_pcr(16) == v, "PCR 16 kept its value on %s" %
	      vm.name)
	check(vm.guest.info()["pcr"] == pcrs, "all PCRs kept on %s" % vm.name)
	vm.guest.extend(16, D3)
	check(vm.guest.read_pcr(16) == extended(v, D3),
	      "PCR 16 extend works after the move")


def sc_saverestore(rig):
	rig.need_binaries()
	rig.prepare()
	tpm, vm = boot_vm(rig)
	v, pcrs = prime(vm)
	f = os.path.join(rig.tmp, "vm.state")
	vm.qmp.cmd("migrate", uri="exec:cat > '%s'" % f)
	check(vm.wait_migration() == "completed", "saved the VM into a file")
	shutdown(vm, tpm)
	tpm2 = Swtpm(rig, rig.swtpm, tpm.dir, tag="tpm-b")
	vm2 = Vm(rig, "vm-b", tpm2, incoming=True)
	vm2.qmp.cmd("migrate-incoming", uri="exec:cat < '%s'" % f)
	vm2.qmp.wait_event("RESUME")
	after_move(vm2, v, pcrs)
	shutdown(vm2, tpm2)


def sc_snapshot(rig):
	rig.need_binaries()
	rig.prepare()
	disk = os.path.join(rig.tmp, "disk.qcow2")
	img = shutil.which("qemu-img")
	if not img:
		raise Skip("qemu-img not installed (qemu-utils)")
	subprocess.run([img, "create", "-q", "-f", "qcow2", disk, "16M"],
		       check=True, timeout=60)
	tpm, vm = boot_vm(rig, disk=disk)
	v, pcrs = prime(vm)
	vm.qmp.hmp("savevm snap1")
	out = vm.qmp.hmp("info snapshots")
	check("snap1" in out, "savevm created snapshot snap1")
	check(vm.status() == "running", "VM runs after savevm")
	vm.guest.extend(16, D2)
	check(vm.guest.read_pcr(16) == extended(v, D2),
	      "PCR 16 changed after the snapshot")
	out = vm.qmp.hmp("loadvm snap1")
	check(out.strip() == "", "loadvm snap1 succeeded (%r)" % out.strip())
	after_move(vm, v, pcrs)
	shutdown(vm, tpm)


def state_encrypted(d):
	"""BLOB_FLAG_ENCRYPTED of the stored permanent state (blob header:
	u8 version, u8 min_version, be16 hdrsize, be16 flags, be32 totlen)."""
	p = os.path.join(d, "tpm2-00.permall")
	try:
		with open(p, "rb") as f:
			h = f.read(10)
	except OSError:
		raise Fail("no permanent state file in %s" % d)
	if len(h) < 10 or h[2:4] != b"\0\x0a":
		raise Fail("%s has no swtpm blob header" % p)
	return bool(struct.unpack(">H", h[4:6])[0] & 1)


def net_migrate(rig, src_bin, dst_bin, src_opts=None, dst_opts=None,
		expect_ok=True):
	tpm_a = Swtpm(rig, src_bin, rig.statedir("src"), tag="tpm-a",
		      **(src_opts or {}))
	vm_a = Vm(rig, "vm-a", tpm_a)
	vm_a.wait_booted()
	v, pcrs = prime(vm_a)
	tpm_b = Swtpm(rig, dst_bin, rig.statedir("dst"), tag="tpm-b",
		      **(dst_opts or {}))
	vm_b = Vm(rig, "vm-b", tpm_b, incoming=True)
	# With a return path the source learns that the destination failed
	# and resumes the VM instead of staying paused.
	vm_a.caps(return_path=True)
	vm_b.caps(return_path=True)
	vm_b.qmp.cmd("migrate-incoming", uri="tcp:127.0.0.1:0")
	port = None
	for _ in deadline_loop(30, "incoming migration port"):
		a = vm_b.qmp.cmd("query-migrate").get("socket-address") or []
		for s in a:
			if s.get("type") == "inet" and s.get("port") != "0":
				port = s["port"]
		if port:
			break
		time.sleep(0.05)
	vm_a.qmp.cmd("migrate", uri="tcp:127.0.0.1:%s" % port)
	st = vm_a.wait_migration()
	if expect_ok:
		check(st == "completed", "migration completed on the source")
		vm_b.qmp.wait_event("RESUME")
		after_move(vm_b, v, pcrs)
		check(vm_a.status() == "postmigrate", "source is postmigrate")
		shutdown(vm_a, tpm_a)
		shutdown(vm_b, tpm_b)
		for t, o in ((tpm_a, src_opts), (tpm_b, dst_opts)):
			enc = state_encrypted(t.dir)
			check(enc == bool((o or {}).get("key")),
			      "%s state file is %sencrypted" %
			      (t.tag, "" if enc else "not "))
		return
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
	shutdown(vm_a, tpm_a)
	check(state_encrypted(tpm_a.dir), "source state file still there")
	tpm_b.proc.terminate()
	tpm_b.proc.wait(10)


def sc_netmig(rig):
	rig.need_binaries()
	rig.prepare()
	net_migrate(rig, rig.swtpm, rig.swtpm)


def sc_mig_key(rig):
	rig.need_binaries()
	rig.prepare()
	ka = rig.keyfile("key-a")
	kb = rig.keyfile("key-b", binary=True)
	net_migrate(rig, rig.swtpm, rig.swtpm, {"key": ka}, {"key": kb})


def sc_mig_migkey(rig):
	rig.need_binaries()
	rig.prepare()
	ka = rig.keyfile("key-a")
	kb = rig.keyfile("key-b", binary=True)
	mk = rig.keyfile("mkey")
	net_migrate(rig, rig.swtpm, rig.swtpm, {"key": ka, "migkey": mk},
		    {"key": kb, "migkey": mk})


def sc_mig_badkey(rig):
	rig.need_binaries()
	rig.prepare()
	ka = rig.keyfile("key-a")
	kb = rig.keyfile("key-b", binary=True)
	ma = rig.keyfile("mkey-a")
	mb = rig.keyfile("mkey-b")
	net_migrate(rig, rig.swtpm, rig.swtpm, {"key": ka, "migkey": ma},
		    {"key": kb, "migkey": mb}, expect_ok=False)


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
	"boot-tis": lambda r: sc_boot(r, "tpm-tis", "tpm_tis"),
	"boot-crb": lambda r: sc_boot(r, "tpm-crb", "tpm_crb"),
	"save-restore": sc_saverestore,
	"snapshot": sc_snapshot,
	"migrate-net": sc_netmig,
	"migrate-key": sc_mig_key,
	"migrate-migkey": sc_mig_migkey,
	"migrate-badkey": sc_mig_badkey,
	"cross-ref-to-ours": lambda r: sc_cross(r, True),
	"cross-ours-to-ref": lambda r: sc_cross(r, False),
	"reset": sc_reset,
}


def _on_signal(sig, frame):
	raise RigError("signal %d" % sig)


def main(argv):
	if len(argv) != 2 or (argv[1] not in SCENARIOS and argv[1] != "list"):
		sys.stderr.write("usage: rig.py SCENARIO|list\n")
		return HARD
	if argv[1] == "list":
		print("\n".join(SCENARIOS))
		return 0
	name = argv[1]
	for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP,
		  signal.SIGALRM):
		signal.signal(s, _on_signal)
	signal.alarm(int(os.environ.get("QEMU_TEST_TIMEOUT", "300")))
	rig = Rig()
	t0 = time.monotonic()
	verdict, rc = "FAIL", 1
	try:
		log("scenario %s" % name)
		SCENARIOS[name](rig)
		verdict, rc = "PASS", 0
	except Skip as e:
		verdict, rc = "SKIP (%s)" % e, SKIP
	except Fail as e:
		log("  FAILED: %s" % e)
	except (RigError, OSError, subprocess.SubprocessError) as e:
		log("  rig error: %s" % e)
		verdict, rc = "ERROR", HARD
	finally:
		signal.alarm(0)
		rig.cleanup(rc not in (0, SKIP))
	log("%s: %s in %.1fs" % (name, verdict, time.monotonic() - t0))
	return rc


if __name__ == "__main__":
	sys.exit(main(sys.argv))
