#!/usr/bin/env python3
# tpm2raw.py - raw TPM 2 data-channel commands and control-channel requests
# for the safety tests (NV define/write/read with an empty password, state
# blob get/set, INIT/STOP), a daemon starter, and a small command line:
#   tpm2raw.py nvdefine ADDR [INDEX SIZE] | nvwrite ADDR VALUE | nvread ADDR
#   tpm2raw.py startup ADDR          (TPM2_Startup(SU_CLEAR), prints rc)
#   tpm2raw.py ctrl ADDR HEX         (one control request, prints result)
# ADDR is unix:PATH or tcp:PORT.  nvread prints the counter or 'RC <hex>'.
import errno
import os
import select
import socket
import struct
import subprocess
import sys
import time

NV_INDEX = 0x01500010
NV_SIZE = 8
# TPMA_NV_AUTHWRITE | TPMA_NV_AUTHREAD | TPMA_NV_NO_DA, ordinary index
NV_ATTRS = 0x00000004 | 0x00040000 | 0x02000000

TPM_RH_OWNER = 0x40000001
TPM_RS_PW = 0x40000009
TPM_RC_NV_DEFINED = 0x14C

CMD_INIT = 0x02
CMD_STOP = 0x0E
CMD_GET_STATEBLOB = 0x0C
CMD_SET_STATEBLOB = 0x0D


class TpmError(Exception):
    pass


def _pw_session():
    # session handle, empty nonce, attributes 0, empty password
    s = struct.pack('>IHBH', TPM_RS_PW, 0, 0, 0)
    return struct.pack('>I', len(s)) + s


def _cmd(cc, handles, params, sessions=True):
    body = b''.join(struct.pack('>I', h) for h in handles)
    if sessions:
        body += _pw_session()
    body += params
    tag = 0x8002 if sessions else 0x8001
    return struct.pack('>HII', tag, 10 + len(body), cc) + body


def nv_define_cmd(index=NV_INDEX, size=NV_SIZE):
    pub = struct.pack('>IHIHH', index, 0x000B, NV_ATTRS, 0, size)
    params = struct.pack('>H', 0) + struct.pack('>H', len(pub)) + pub
    return _cmd(0x12A, [TPM_RH_OWNER], params)


def nv_write_cmd(value, index=NV_INDEX):
    data = struct.pack('>Q', value)
    params = struct.pack('>H', len(data)) + data + struct.pack('>H', 0)
    return _cmd(0x137, [index, index], params)


def nv_read_cmd(index=NV_INDEX, size=NV_SIZE):
    return _cmd(0x14E, [index, index], struct.pack('>HH', size, 0))


def parse_addr(addr):
    if addr.startswith('unix:'):
        return socket.AF_UNIX, addr[5:]
    if addr.startswith('tcp:'):
        return socket.AF_INET, ('127.0.0.1', int(addr[4:]))
    raise ValueError('bad address %r' % addr)


def connect(addr, patience=10.0, alive=None):
    """Connect, retrying while the socket is not there yet.  'alive' is
    an optional callable; when it returns False we give up at once."""
    fam, target = parse_addr(addr)
    end = time.monotonic() + patience
    while True:
        s = socket.socket(fam, socket.SOCK_STREAM)
        try:
            s.connect(target)
            return s
        except OSError as e:
            s.close()
            if e.errno not in (errno.ENOENT, errno.ECONNREFUSED):
                raise
            if time.monotonic() > end or (alive and not alive()):
                raise TpmError('cannot connect to %s: %s' % (addr, e))
            time.sleep(0.002)


def recv_exact(s, n, timeout):
    """n bytes, or fewer if EOF/reset/timeout came first."""
    buf = bytearray()
    end = time.monotonic() + timeout
    while len(buf) < n:
        left = end - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([s], [], [], left)
        if not r:
            break
        try:
            d = s.recv(n - len(buf))
        except ConnectionResetError:
            break
        if not d:
            break
        buf += d
    return bytes(buf)


def recv_tpm(s, timeout=10.0):
    """One TPM response: (rc, bytes) or (None, partial) on EOF/timeout."""
    hdr = recv_exact(s, 10, timeout)
    if len(hdr) < 10:
        return None, hdr
    size = struct.unpack('>I', hdr[2:6])[0]
    rest = recv_exact(s, size - 10, timeout) if size > 10 else b''
    if len(rest) < size - 10:
        return None, hdr + rest
    return struct.unpack('>I', hdr[6:10])[0], hdr + rest


def transact(s, cmd, timeout=10.0):
    s.sendall(cmd)
    return recv_tpm(s, timeout)


def nv_value(resp):
    """Counter from an NV_Read response (sessions present)."""
    # header 10, parameterSize 4, TPM2B size 2, data
    n = struct.unpack('>H', resp[14:16])[0]
    if n != NV_SIZE:
        raise TpmError('NV_Read returned %d bytes' % n)
    return struct.unpack('>Q', resp[16:24])[0]


def nv_read(s):
    rc, resp = transact(s, nv_read_cmd())
    if rc is None:
        raise TpmError('no answer to NV_Read')
    if rc != 0:
        raise TpmError('NV_Read: TPM rc 0x%x' % rc)
    return nv_value(resp)


def ctrl(s, code, body=b'', rlen=4, timeout=30.0):
    """One control request; returns the full response (rlen bytes min)."""
    s.sendall(struct.pack('>I', code) + body)
    return recv_exact(s, rlen, timeout)


def ctrl_rc(resp):
    if len(resp) < 4:
        raise TpmError('short control response %r' % resp)
    return struct.unpack('>I', resp[:4])[0]


def get_stateblob(s, btype, flags=1):
    """CMD_GET_STATEBLOB: returns (result, blob)."""
    s.sendall(struct.pack('>IIII', CMD_GET_STATEBLOB, flags, btype, 0))
    hdr = recv_exact(s, 16, 30.0)
    if len(hdr) < 16:
        raise TpmError('short GET_STATEBLOB response')
    res, _, tot, length = struct.unpack('>IIII', hdr)
    if tot != length:
        raise TpmError('GET_STATEBLOB totlength %d != length %d' %
                       (tot, length))
    blob = recv_exact(s, length, 30.0) if length else b''
    if len(blob) < length:
        raise TpmError('short GET_STATEBLOB blob')
    return res, blob


def set_stateblob(s, btype, blob, flags=0):
    s.sendall(struct.pack('>IIII', CMD_SET_STATEBLOB, flags, btype,
                          len(blob)) + blob)
    return ctrl_rc(recv_exact(s, 4, 30.0))


class Daemon:
    """One swtpm socket process with unix sockets in 'rundir'."""

    def __init__(self, swtpm, rundir, state_args, extra=(), log=None):
        self.swtpm = swtpm
        self.data = os.path.join(rundir, 'data')
        self.ctrl = os.path.join(rundir, 'ctrl')
        self.log = log or os.path.join(rundir, 'daemon.log')
        self.argv = [swtpm, 'socket', '--tpm2', '--tpmstate', state_args,
                     '--server', 'type=unixio,path=' + self.data,
                     '--ctrl', 'type=unixio,path=' + self.ctrl] + \
            list(extra)
        self.proc = None

    def start(self):
        with open(self.log, 'ab') as lf:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                         stdout=lf, stderr=lf)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def connect_data(self, patience=10.0):
        return connect('unix:' + self.data, patience, self.alive)

    def connect_ctrl(self, patience=10.0):
        return connect('unix:' + self.ctrl, patience, self.alive)

    def kill(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()

    def term(self, timeout=5.0):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def log_tail(self, n=15):
        try:
            with open(self.log, 'rb') as f:
                lines = f.read().decode('utf-8', 'replace').splitlines()
        except OSError:
            return []
        return lines[-n:]


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__ if __doc__ else 'see the file header\n')
        return 2
    act, addr = argv[1], argv[2]
    s = connect(addr)
    try:
        if act == 'nvdefine':
            if len(argv) > 4:
                cmd = nv_define_cmd(int(argv[3], 0), int(argv[4], 0))
            else:
                cmd = nv_define_cmd()
            rc, _ = transact(s, cmd)
            print('%x' % rc if rc is not None else 'EOF')
        elif act == 'nvwrite':
            rc, _ = transact(s, nv_write_cmd(int(argv[3])))
            print('%x' % rc if rc is not None else 'EOF')
        elif act == 'nvread':
            rc, resp = transact(s, nv_read_cmd())
            if rc is None:
                print('EOF')
            elif rc != 0:
                print('RC %x' % rc)
            else:
                print(nv_value(resp))
        elif act == 'startup':
            rc, _ = transact(s, _cmd(0x144, [], struct.pack('>H', 0),
                                     sessions=False))
            print('%x' % rc if rc is not None else 'EOF')
        elif act == 'ctrl':
            data = bytes.fromhex(argv[3].replace(' ', ''))
            s.sendall(data)
            print(recv_exact(s, 4, 30.0).hex() or 'EOF')
        else:
            sys.stderr.write('unknown action %s\n' % act)
            return 2
    finally:
        s.close()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
