#!/usr/bin/env python3
"""TPM 1.2 questions for the swtpm_setup tests, over a swtpm data socket
(unix): the permanent flags and NV indices (GetCapability), and an NV
index read with owner authorization (OIAP, TPM_NV_ReadValue with the
HMAC-SHA1 of the owner's auth value), which proves the owner password.

usage: tpm12nv.py SOCKET flags          -> "disable deactivated nvLocked owned"
       tpm12nv.py SOCKET nvlist         -> the NV indices, hex, one a line
       tpm12nv.py SOCKET read INDEX SIZE AUTH
                                           AUTH: a password (SHA-1 of it is
                                           the auth value), or wk for
                                           SHA-1 of 20 zero bytes, or
                                           zeros for 20 zero bytes
Prints the data read as hex; exit 1 with the response code on errors.
"""
import hashlib
import hmac
import os
import socket
import struct
import sys


def xfer(sock, cmd):
	sock.sendall(cmd)
	rsp = b""
	while len(rsp) < 10 or len(rsp) < struct.unpack(">I", rsp[2:6])[0]:
		chunk = sock.recv(8192)
		if not chunk:
			raise SystemExit("EOF")
		rsp += chunk
	return rsp


def cmd(tag, ordinal, body):
	return struct.pack(">HII", tag, 10 + len(body), ordinal) + body


def rc_of(rsp):
	return struct.unpack(">I", rsp[6:10])[0]


def getcap(sock, cap, sub):
	rsp = xfer(sock, cmd(0xC1, 0x65, struct.pack(">II", cap, len(sub)) +
			      sub))
	if rc_of(rsp):
		raise SystemExit("GetCapability: 0x%x" % rc_of(rsp))
	n = struct.unpack(">I", rsp[10:14])[0]
	return rsp[14:14 + n]


def auth_value(a):
	if a == "zeros":
		return bytes(20)
	if a == "wk":
		return hashlib.sha1(bytes(20)).digest()
	return hashlib.sha1(a.encode()).digest()


def nv_read(sock, index, size, auth):
	rsp = xfer(sock, cmd(0xC1, 0x0A, b""))
	if rc_of(rsp):
		raise SystemExit("OIAP: 0x%x" % rc_of(rsp))
	handle = rsp[10:14]
	nonce_even = rsp[14:34]
	nonce_odd = os.urandom(20)
	params = struct.pack(">III", index, 0, size)
	digest = hashlib.sha1(struct.pack(">I", 0xCF) + params).digest()
	mac = hmac.new(auth, digest + nonce_even + nonce_odd + b"\0",
		       hashlib.sha1).digest()
	rsp = xfer(sock, cmd(0xC2, 0xCF, params + handle + nonce_odd + b"\0" +
			      mac))
	if rc_of(rsp):
		print("0x%x" % rc_of(rsp))
		sys.exit(1)
	n = struct.unpack(">I", rsp[10:14])[0]
	return rsp[14:14 + n]


def main():
	s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	s.settimeout(30)
	s.connect(sys.argv[1])
	what = sys.argv[2]
	if what == "flags":
		f = getcap(s, 4, struct.pack(">I", 0x108))
		# TPM_PERMANENT_FLAGS: tag, then one byte per flag
		owned = getcap(s, 5, struct.pack(">I", 0x111))
		print(f[2], f[4], f[17], owned[0])
	elif what == "nvlist":
		d = getcap(s, 0x0D, b"")
		for i in range(0, len(d), 4):
			print("%08x" % struct.unpack(">I", d[i:i + 4]))
	elif what == "read":
		data = nv_read(s, int(sys.argv[3], 16), int(sys.argv[4]),
			       auth_value(sys.argv[5]))
		print(data.hex())


if __name__ == "__main__":
	main()
