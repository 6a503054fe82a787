#!/usr/bin/env python3
# tpmwire.py - scriptable socket peer for the swtpm integration tests.
# Runs a list of actions (connect, send hex, receive with timeout, pass an
# fd with SCM_RIGHTS, spawn a process holding one end of a socketpair, ...)
# and prints one line per observation, so a shell test can compare output.
"""
usage: tpmwire.py ACTION [ARG...] [ACTION [ARG...]]...

Every action has a fixed number of arguments.  Sockets (and pty masters)
are kept under names; most actions work on the *current* one, which is
the one last opened with `conn` or selected with `use`.

Addresses: unix:PATH | tcp:PORT | tcp:HOST:PORT
Hex arguments may contain spaces, '_' or '.' for readability.

Output lines (lower-case hex, no spaces):
  <hex>     bytes received
  EOF       peer closed the connection before any byte arrived
  TIMEOUT   nothing arrived within the timeout
  SENDERR E a write failed with errno E (e.g. EPIPE)

Actions:
  timeout T          default timeout for recv/x/recvn/wait (seconds, 2.0)
  conn NAME ADDR     connect (retries ENOENT/ECONNREFUSED for up to 5 s)
  use NAME           make NAME current
  close              close the current socket
  shutwr             shutdown(SHUT_WR) on the current socket
  send HEX           one write of HEX
  sendrand N         one write of N pseudo-random bytes (see seed)
  seed S             seed the generator used by sendrand (default 0)
  sendfd HEX WHAT    one sendmsg of HEX carrying one SCM_RIGHTS fd, WHAT is
                       null       a fresh fd of /dev/null (closed after)
                       pair:NAME  one end of a new AF_UNIX socketpair (the
                                  local copy is closed); the other end is
                                  kept as NAME (not made current)
  recv               receive what arrives: wait up to the timeout for the
                     first byte, then keep reading while more arrives
                     within 50 ms; print it (or EOF / TIMEOUT)
  recvt T            recv with timeout T
  recvn N            read until N bytes, EOF or timeout; print what came
  x HEX              send HEX, then recv
  elapsed            print seconds since the last send, two decimals
  sleep S            sleep S seconds
  spawn NAME FD CMD  create a socketpair, start CMD (a shell-style string,
                     split with shlex; '{pty}' is replaced by the slave
                     path of the last `pty`) with one end as fd FD and
                     keep the other end as NAME.  FD '-' = no socketpair.
                     Only one spawned process at a time.
  pid                print the spawned process id
  signal N           send signal number N to the spawned process
  wait               wait up to the timeout for the spawned process:
                     print 'EXIT <status>' (negative = signal) or RUNNING
  pty NAME           open a pty in raw mode; the master is kept as NAME
  garbage N SEED ADDR  N random control requests (deterministic per SEED,
                     >= 4 bytes, never codes that change stored state or
                     wait for more bytes), each answered or not; prints
                     'GARBAGE <n> <answered>'

At exit every socket is closed and a still running spawned process is
sent SIGTERM (then SIGKILL after 2 s).  Exit status 0, or 2 on a usage
or connection error (message on stderr).
"""

import array
import errno
import os
import random
import select
import shlex
import signal
import socket
import subprocess
import sys
import time
import tty

IDLE = 0.05


class Usage(Exception):
    pass


class Peer:
    """A named socket or pty master; reads/writes through plain fds."""

    def __init__(self, fd, sock=None):
        self.fd = fd
        self.sock = sock  # keeps the socket object alive

    def write(self, data):
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]

    def read_some(self, tmo):
        """Return bytes, b'' on EOF, or None on timeout."""
        if tmo < 0:
            tmo = 0
        r, _, _ = select.select([self.fd], [], [], tmo)
        if not r:
            return None
        try:
            return os.read(self.fd, 65536)
        except OSError as e:
            if e.errno in (errno.EIO, errno.ECONNRESET):
                return b''
            raise

    def close(self):
        if self.fd is None:
            return
        if self.sock is not None:
            self.sock.close()
        else:
            os.close(self.fd)
        self.fd = None


def parse_hex(s):
    s = s.replace(' ', '').replace('_', '').replace('.', '')
    try:
        return bytes.fromhex(s)
    except ValueError:
        raise Usage('bad hex: %r' % s)


def parse_addr(addr):
    if addr.startswith('unix:'):
        return socket.AF_UNIX, addr[5:]
    if addr.startswith('tcp:'):
        rest = addr[4:]
        host = '127.0.0.1'
        if ':' in rest:
            host, rest = rest.rsplit(':', 1)
        return socket.AF_INET, (host, int(rest))
    raise Usage('bad address: %r' % addr)


def connect(addr, patience=5.0):
    fam, target = parse_addr(addr)
    end = time.monotonic() + patience
    while True:
        s = socket.socket(fam, socket.SOCK_STREAM)
        try:
            s.connect(target)
            return s
        except OSError as e:
            s.close()
            if e.errno not in (errno.ENOENT, errno.ECONNREFUSED) or \
                    time.monotonic() > end:
                raise Usage('connect %s: %s' % (addr, e))
            time.sleep(0.02)


def hexline(data):
    if data is None:
        return 'TIMEOUT'
    if data == b'':
        return 'EOF'
    return data.hex()


class Runner:
    def __init__(self):
        self.peers = {}
        self.cur = None
        self.tmo = 2.0
        self.t_send = time.monotonic()
        self.child = None
        self.pty_path = None
        self.pty_slave = None
        self.rnd = random.Random(0)

    def out(self, line):
        sys.stdout.write(line + '\n')
        sys.stdout.flush()

    def current(self):
        if self.cur is None or self.cur not in self.peers:
            raise Usage('no current socket')
        return self.peers[self.cur]

    def recv(self, tmo):
        p = self.current()
        data = p.read_some(tmo)
        if not data:
            return data
        buf = bytearray(data)
        while True:
            more = p.read_some(IDLE)
            if not more:
                break
            buf += more
        return bytes(buf)

    def recvn(self, n, tmo):
        p = self.current()
        end = time.monotonic() + tmo
        buf = bytearray()
        while len(buf) < n:
            data = p.read_some(end - time.monotonic())
            if data is None:
                return bytes(buf) if buf else None
            if data == b'':
                return bytes(buf) if buf else b''
            buf += data
        return bytes(buf)

    def send(self, data):
        self.t_send = time.monotonic()
        try:
            self.current().write(data)
        except OSError as e:
            self.out('SENDERR %s' % errno.errorcode.get(e.errno, e.errno))

    def sendfd(self, data, what):
        p = self.current()
        if p.sock is None:
            raise Usage('sendfd needs a socket')
        if what == 'null':
            fd = os.open('/dev/null', os.O_RDWR)
            keep = None
        elif what.startswith('pair:'):
            a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            fd = b.detach()
            keep = (what[5:], a)
        else:
            raise Usage('bad sendfd source %r' % what)
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [fd]))]
        self.t_send = time.monotonic()
        try:
            p.sock.sendmsg([data], anc)
        finally:
            os.close(fd)
        if keep:
            self.peers[keep[0]] = Peer(keep[1].fileno(), keep[1])

    def spawn(self, name, fdarg, cmd):
        if self.child is not None and self.child.poll() is None:
            raise Usage('a spawned process is still running')
        if self.pty_path:
            cmd = cmd.replace('{pty}', self.pty_path)
        argv = shlex.split(cmd)
        if fdarg == '-':
            self.child = subprocess.Popen(argv, close_fds=True)
            return
        target = int(fdarg)
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        # place the child's end at `target` here (saving whatever is
        # there), let the child inherit exactly that fd, then restore
        saved = None
        try:
            saved = os.dup(target)
        except OSError:
            pass
        os.dup2(b.fileno(), target)
        try:
            self.child = subprocess.Popen(argv, close_fds=True,
                                          pass_fds=(target,))
        finally:
            if saved is not None:
                os.dup2(saved, target)
                os.close(saved)
            else:
                os.close(target)
        b.close()
        self.peers[name] = Peer(a.fileno(), a)

    def wait(self, tmo):
        if self.child is None:
            raise Usage('nothing spawned')
        try:
            rc = self.child.wait(tmo)
            self.out('EXIT %d' % rc)
        except subprocess.TimeoutExpired:
            self.out('RUNNING')

    def pty(self, name):
        master, slave = os.openpty()
        tty.setraw(slave)
        self.pty_path = os.ttyname(slave)
        self.pty_slave = slave
        self.peers[name] = Peer(master)

    def garbage(self, n, seed, addr):
        rnd = random.Random(seed)
        # codes whose effect is harmless and that never wait for more bytes:
        # GET_CAPABILITY, GET_TPMESTABLISHED, SET_LOCALITY (body >= 1),
        # HASH_START, HASH_END, CANCEL, RESET_TPMESTABLISHED, GET_CONFIG,
        # SET_DATAFD (no fd), SET_BUFFERSIZE, GET_INFO, LOCK_STORAGE
        codes = [0x01, 0x04, 0x05, 0x06, 0x08, 0x09, 0x0b, 0x0f, 0x10,
                 0x11, 0x12, 0x13]
        answered = 0
        s = None
        for _ in range(n):
            if s is None:
                s = connect(addr)
            if rnd.random() < 0.5:
                code = rnd.getrandbits(32) | 0x01000000
            else:
                code = rnd.choice(codes)
            body = bytes(rnd.getrandbits(8)
                         for _ in range(rnd.randint(1, 60)))
            if code in (0x05, 0x0b, 0x11):
                # keep locality/buffer-size requests invalid or harmless:
                # locality >= 5, buffer size query (0)
                body = (b'\x00\x00\x00\x00' if code == 0x11
                        else bytes([5 + body[0] % 250])) + body[4:]
            p = Peer(s.fileno(), s)
            try:
                p.write(code.to_bytes(4, 'big') + body)
                data = p.read_some(self.tmo)
            except OSError:
                data = b''
            if data:
                answered += 1
                while p.read_some(0.01):
                    pass
            else:
                s.close()
                s = None
        if s is not None:
            s.close()
        self.out('GARBAGE %d %d' % (n, answered))

    def run(self, args):
        i = 0

        def take(k):
            nonlocal i
            if i + k > len(args):
                raise Usage('missing argument for %r' % args[i - 1])
            v = args[i:i + k]
            i += k
            return v

        while i < len(args):
            act = args[i]
            i += 1
            if act == 'timeout':
                self.tmo = float(take(1)[0])
            elif act == 'conn':
                name, addr = take(2)
                s = connect(addr)
                self.peers[name] = Peer(s.fileno(), s)
                self.cur = name
            elif act == 'use':
                self.cur = take(1)[0]
                self.current()
            elif act == 'close':
                self.current().close()
                del self.peers[self.cur]
                self.cur = None
            elif act == 'shutwr':
                self.current().sock.shutdown(socket.SHUT_WR)
            elif act == 'send':
                self.send(parse_hex(take(1)[0]))
            elif act == 'sendrand':
                n = int(take(1)[0])
                self.send(bytes(self.rnd.getrandbits(8) for _ in range(n)))
            elif act == 'seed':
                self.rnd = random.Random(int(take(1)[0]))
            elif act == 'sendfd':
                hx, what = take(2)
                self.sendfd(parse_hex(hx), what)
            elif act == 'recv':
                self.out(hexline(self.recv(self.tmo)))
            elif act == 'recvt':
                self.out(hexline(self.recv(float(take(1)[0]))))
            elif act == 'recvn':
                self.out(hexline(self.recvn(int(take(1)[0]), self.tmo)))
            elif act == 'x':
                self.send(parse_hex(take(1)[0]))
                self.out(hexline(self.recv(self.tmo)))
            elif act == 'elapsed':
                self.out('%.2f' % (time.monotonic() - self.t_send))
            elif act == 'sleep':
                time.sleep(float(take(1)[0]))
            elif act == 'spawn':
                self.spawn(*take(3))
            elif act == 'pid':
                self.out(str(self.child.pid if self.child else 0))
            elif act == 'signal':
                if self.child is None:
                    raise Usage('nothing spawned')
                self.child.send_signal(int(take(1)[0]))
            elif act == 'wait':
                self.wait(self.tmo)
            elif act == 'pty':
                self.pty(take(1)[0])
            elif act == 'garbage':
                n, seed, addr = take(3)
                self.garbage(int(n), int(seed), addr)
            else:
                raise Usage('unknown action %r' % act)

    def cleanup(self):
        for p in self.peers.values():
            try:
                p.close()
            except OSError:
                pass
        if self.pty_slave is not None:
            os.close(self.pty_slave)
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signal.SIGTERM)
            try:
                self.child.wait(2)
            except subprocess.TimeoutExpired:
                self.child.kill()
                self.child.wait()


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ('-h', '--help'):
        sys.stdout.write(__doc__)
        return 0
    r = Runner()
    try:
        r.run(sys.argv[1:])
    except (Usage, OSError) as e:
        sys.stderr.write('tpmwire: %s\n' % e)
        return 2
    finally:
        r.cleanup()
    return 0


if __name__ == '__main__':
    sys.exit(main())
