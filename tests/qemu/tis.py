"""A TPM 2.0 client at register level: QEMU's qtest protocol (one text
line per access on a socket: "readl ADDR" -> "OK VALUE") moves the bytes
through the machine's TIS registers (TCG PC Client Platform TPM Profile:
ACCESS, STS, DATA_FIFO in a 4 KiB window per locality), or through the
same registers behind I2C (TCG TPM I2C Interface: one register address
byte, then the data, locality in LOC_SEL) on an Aspeed I2C controller
driven in its byte mode. Front ends no guest kernel drives
(tpm-tis-device, tpm-tis-i2c) so run a real workload. Also the TPM 2.0
commands the qtest scenarios send. Written here from the specifications;
raises rig.Fail on a protocol or TPM error.
"""

import struct

from rig import TPM_RS_PW, Fail, RigError, connect_unix, deadline_loop

ACC_VALID = 0x80
ACC_ACTIVE = 0x20
ACC_REQUEST = 0x02

STS_VALID = 0x80
STS_READY = 0x40
STS_GO = 0x20
STS_AVAIL = 0x10
STS_EXPECT = 0x08


class Qtest:
	"""The qtest text protocol on a unix socket QEMU listens on."""

	def __init__(self, path, timeout=30):
		s = connect_unix(path, timeout, "qtest socket")
		s.settimeout(60)
		self.f = s.makefile("rwb", buffering=0)
		self.sock = s

	def _do(self, line):
		self.sock.sendall(line.encode() + b"\n")
		while True:
			r = self.f.readline()
			if not r:
				raise RigError("qtest: connection closed")
			w = r.decode().split()
			if w and w[0] == "IRQ":
				continue  # interrupt line changes: not used
			if not w or w[0] != "OK":
				raise RigError("qtest: %r -> %r" % (line, r))
			return w[1:]

	def read(self, size, addr):
		return int(self._do("read%s 0x%x" % (size, addr))[0], 16)

	def write(self, size, addr, val):
		self._do("write%s 0x%x 0x%x" % (size, addr, val))

	def close(self):
		self.sock.close()


class Tis:
	"""One TIS locality window at base (memory mapped)."""
	ACCESS, STS, FIFO, DID_VID = 0x00, 0x18, 0x24, 0xF00

	def __init__(self, qt, base):
		self.qt = qt
		self.base = base
		self.loc = 0

	def _r(self, size, reg):
		return self.qt.read(size, self.base + self.loc * 0x1000 + reg)

	def _w(self, size, reg, val):
		self.qt.write(size, self.base + self.loc * 0x1000 + reg, val)

	def did_vid(self):
		return self._r("l", self.DID_VID)

	def access(self, loc=None):
		if loc is not None:
			self.loc = loc
		return self._r("b", self.ACCESS)

	def request(self, loc):
		"""Request locality loc; True once it is the active one."""
		self.loc = loc
		self._w("b", self.ACCESS, ACC_REQUEST)
		for _ in deadline_loop(10, "locality %d" % loc):
			a = self._r("b", self.ACCESS)
			want = ACC_VALID | ACC_ACTIVE
			if a & want == want:
				return True

	def relinquish(self):
		self._w("b", self.ACCESS, ACC_ACTIVE)

	def _wait_sts(self, mask, what, timeout=60):
		s = None
		try:
			for _ in deadline_loop(timeout, "STS %s" % what):
				s = self._r("l", self.STS)
				if s & mask == mask:
					return s
		except RigError as e:
			raise RigError("%s (STS 0x%08x)" % (e, s or 0))

	def command(self, cmd):
		"""Send one command through the FIFO, return the response."""
		self._w("b", self.STS, STS_READY)
		self._wait_sts(STS_READY, "commandReady")
		for i, b in enumerate(cmd):
			if i:
				s = self._r("b", self.STS)
				if not s & STS_EXPECT:
					raise Fail("TIS: Expect cleared after "
						   "%d of %d bytes" %
						   (i, len(cmd)))
			self._w("b", self.FIFO, b)
		s = self._wait_sts(STS_VALID, "stsValid")
		if s & STS_EXPECT:
			raise Fail("TIS: still expects data after the command")
		self._w("b", self.STS, STS_GO)
		self._wait_sts(STS_VALID | STS_AVAIL, "dataAvail")
		rsp = bytes(self._r("b", self.FIFO) for _ in range(10))
		size = struct.unpack(">I", rsp[2:6])[0]
		if not 10 <= size <= 4096:
			raise Fail("TIS: response size %d" % size)
		rsp += bytes(self._r("b", self.FIFO) for _ in range(size - 10))
		if self._r("b", self.STS) & STS_AVAIL:
			raise Fail("TIS: dataAvail after the whole response")
		self._w("b", self.STS, STS_READY)
		return rsp


class AspeedI2c:
	"""An Aspeed I2C bus (registers at base) as a byte-at-a-time master
	(old register mode): FUN_CTRL, INTR_STS, CMD, BYTE_BUF."""
	FUN_CTRL, INTR_CTRL, INTR_STS, CMD = 0x00, 0x0C, 0x10, 0x14
	BYTE_BUF = 0x20
	START, TX, RX, RX_LAST, STOP = 0x01, 0x02, 0x08, 0x10, 0x20
	TX_ACK, TX_NAK = 0x01, 0x02

	def __init__(self, qt, base):
		self.qt = qt
		self.base = base
		qt.write("l", base + self.FUN_CTRL, 1)  # master enable
		# status bits not enabled here read as 0: TX_ACK, TX_NAK
		qt.write("l", base + self.INTR_CTRL, self.TX_ACK | self.TX_NAK)

	def _cmd(self, bits, what):
		self.qt.write("l", self.base + self.CMD, bits)
		st = self.qt.read("l", self.base + self.INTR_STS)
		self.qt.write("l", self.base + self.INTR_STS, 0xFFFFFFFF)
		if st & self.TX_NAK or bits & (self.START | self.TX) and \
		   not st & self.TX_ACK:
			raise Fail("I2C: %s not acknowledged (0x%x)" %
				   (what, st))
		return st

	def start(self, addr, read):
		self.qt.write("l", self.base + self.BYTE_BUF,
			      addr << 1 | int(read))
		self._cmd(self.START, "address 0x%x" % addr)

	def tx(self, byte):
		self.qt.write("l", self.base + self.BYTE_BUF, byte)
		self._cmd(self.TX, "byte 0x%02x" % byte)

	def rx(self, last):
		self._cmd(self.RX | (self.RX_LAST if last else 0), "read")
		return self.qt.read("l", self.base + self.BYTE_BUF) >> 8 & 0xFF

	def stop(self):
		self._cmd(self.STOP, "stop")


class TisI2c(Tis):
	"""The TIS registers of a TCG I2C TPM at addr on an AspeedI2c bus:
	each access is [START addr/w, register] then the bytes written, or
	a repeated START addr/r and the bytes read (little endian)."""
	LOC_SEL, ACCESS, STS, FIFO, DID_VID = 0x00, 0x04, 0x18, 0x24, 0x48

	def __init__(self, bus, addr):
		self.bus = bus
		self.addr = addr
		self.loc = 0
		self.sel = None

	def _select(self):
		if self.sel != self.loc:
			self.sel = self.loc
			self._xfer(self.LOC_SEL, bytes([self.loc]))

	def _xfer(self, reg, data=None, n=0):
		b = self.bus
		b.start(self.addr, False)
		b.tx(reg)
		if data is not None:
			for x in data:
				b.tx(x)
			b.stop()
			return None
		b.start(self.addr, True)
		got = bytes(b.rx(i == n - 1) for i in range(n))
		b.stop()
		return int.from_bytes(got, "little")

	def _r(self, size, reg):
		self._select()
		return self._xfer(reg, n=4 if size == "l" else 1)

	def _w(self, size, reg, val):
		self._select()
		n = 4 if size == "l" else 1
		self._xfer(reg, val.to_bytes(n, "little"))


# --------------------------------------------------------------------------
# TPM 2.0 commands (Part 3) the scenarios send, password sessions only.

def _cmd(tag, cc, body):
	return struct.pack(">HII", tag, 10 + len(body), cc) + body


def _pw_auth():
	a = struct.pack(">IHBH", TPM_RS_PW, 0, 0, 0)
	return struct.pack(">I", len(a)) + a


def cmd_startup_clear():
	return _cmd(0x8001, 0x144, struct.pack(">H", 0))


def cmd_get_random(n):
	return _cmd(0x8001, 0x17B, struct.pack(">H", n))


NV_ATTRS = 0x00040004 | 0x02000000  # AUTHREAD|AUTHWRITE, NO_DA


def cmd_nv_define(index, size):
	pub = struct.pack(">IHIHH", index, 0x000B, NV_ATTRS, 0, size)
	body = struct.pack(">I", 0x40000001) + _pw_auth() + \
		struct.pack(">H", 0) + struct.pack(">H", len(pub)) + pub
	return _cmd(0x8002, 0x12A, body)


def cmd_nv_write(index, data, offset=0):
	body = struct.pack(">II", index, index) + _pw_auth() + \
		struct.pack(">H", len(data)) + data + struct.pack(">H", offset)
	return _cmd(0x8002, 0x137, body)


def cmd_nv_read(index, size, offset=0):
	body = struct.pack(">II", index, index) + _pw_auth() + \
		struct.pack(">HH", size, offset)
	return _cmd(0x8002, 0x14E, body)


def rsp_nv_read(rsp):
	"""The data of a TPM2_NV_Read response (after parameterSize)."""
	n = struct.unpack(">H", rsp[14:16])[0]
	return rsp[16:16 + n]


def rsp_random(rsp):
	n = struct.unpack(">H", rsp[10:12])[0]
	return rsp[12:12 + n]
