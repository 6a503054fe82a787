#!/usr/bin/env python3
# stall.py - no client can freeze the daemon (run by stall.sh).
#   stall.py SWTPM SWTPM_IOCTL WORKDIR CASE
# CASE data:     a data client pipelines NV_Read(1024) commands and never
#                reads; the control channel answers at once, the data
#                client is dropped after its deadline, SIGTERM works.
# CASE ctrl:     the same for a control client (GET_STATEBLOB requests);
#                the data channel keeps answering.
# CASE clientfd: the same through --ctrl unixio,clientfd= (socketpair).
# CASE lock:     CMD_LOCK_STORAGE with 0xFFFFFFFF retries while another
#                daemon holds the lock: the data channel and SIGTERM are
#                served meanwhile; the lock is taken as soon as the other
#                daemon ends; a failed LOCK_STORAGE leaves no retry count
#                behind (the next data command fails at once).
# Prints TAP-like "ok"/"not ok" lines; exit 0 iff all passed.
import os
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tpm2raw as t  # noqa: E402

SWTPM, IOCTL, WORK, CASE = sys.argv[1:5]
fails = 0
NV_BIG = 0x01500020


def check(desc, cond, detail=''):
    global fails
    if cond:
        print('ok - %s: %s' % (CASE, desc))
    else:
        fails += 1
        print('not ok - %s: %s' % (CASE, desc))
        if detail:
            print('#   %s' % detail)


def ioctl_ok(ctrl_path, limit=3.0):
    """swtpm_ioctl -c against the daemon; (rc, seconds)."""
    t0 = time.monotonic()
    try:
        p = subprocess.run([IOCTL, '--unix', ctrl_path, '-c'],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=limit)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        rc = 124
    return rc, time.monotonic() - t0


def nv_big_setup(d):
    """A 1024-byte NV index, written, so that NV_Read answers 1 KiB."""
    s = d.connect_data()
    rc, _ = t.transact(s, t.nv_define_cmd(NV_BIG, 1024))
    data = bytes(range(256)) * 4
    params = struct.pack('>H', len(data)) + data + struct.pack('>H', 0)
    rc2, _ = t.transact(s, t._cmd(0x137, [NV_BIG, NV_BIG], params))
    s.close()
    return rc, rc2


def flood_data(d):
    """Sends NV_Read(1024) commands, never reading; returns the socket."""
    s = d.connect_data()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    cmd = t._cmd(0x14E, [NV_BIG, NV_BIG], struct.pack('>HH', 1024, 0))
    s.setblocking(False)
    sent = 0
    for _ in range(1500):
        try:
            s.send(cmd)
            sent += 1
        except BlockingIOError:
            break
        time.sleep(0.001)
    return s, sent


def wait_log(d, text, limit):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        with open(d.log, 'rb') as f:
            if text.encode() in f.read():
                return True
        time.sleep(0.1)
    return False


def term_time(d):
    t0 = time.monotonic()
    rc = d.term(5.0)
    return rc, time.monotonic() - t0


def case_data():
    d = t.Daemon(SWTPM, WORK, 'dir=' + WORK,
                 ['--flags', 'not-need-init,startup-clear'])
    d.start()
    check('NV index of 1 KiB', nv_big_setup(d) == (0, 0))
    s, sent = flood_data(d)
    check('a client pipelined %d commands without reading' % sent,
          sent >= 300)
    rc, secs = ioctl_ok(d.ctrl)
    check('control channel answers meanwhile', rc == 0,
          'swtpm_ioctl -c: rc %d after %.1f s' % (rc, secs))
    check('the stalled client is dropped after its deadline',
          wait_log(d, 'Data client does not read its responses', 15))
    c = d.connect_data()
    rc, _ = t.transact(c, t._cmd(0x14E, [NV_BIG, NV_BIG],
                                 struct.pack('>HH', 8, 0)), 3.0)
    c.close()
    check('a new data client is served', rc == 0, 'rc %r' % rc)
    s.close()
    # and SIGTERM while a client stalls
    s, sent = flood_data(d)
    rc, secs = term_time(d)
    check('SIGTERM while a data client stalls: exit 0 within 2 s',
          rc == 0 and secs < 2.0, 'rc %s after %.1f s' % (rc, secs))
    s.close()


def flood_ctrl(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.setblocking(False)
    req = struct.pack('>IIII', t.CMD_GET_STATEBLOB, 0, 1, 0)
    sent = 0
    # paced, so that each read of the daemon finds one request
    for _ in range(1000):
        try:
            s.send(req)
            sent += 1
        except BlockingIOError:
            break
        time.sleep(0.001)
    return sent


def data_answers(d):
    t0 = time.monotonic()
    s = d.connect_data()
    rc, _ = t.transact(s, t.nv_read_cmd(), 3.0)
    s.close()
    return rc == 0, time.monotonic() - t0


def case_ctrl():
    d = t.Daemon(SWTPM, WORK, 'dir=' + WORK,
                 ['--flags', 'not-need-init,startup-clear'])
    d.start()
    s = d.connect_data()
    check('NV index', t.transact(s, t.nv_define_cmd())[0] == 0 and
          t.transact(s, t.nv_write_cmd(5))[0] == 0)
    s.close()
    c = d.connect_ctrl()
    sent = flood_ctrl(c)
    check('a control client sent %d GET_STATEBLOB without reading' % sent,
          sent >= 100)
    time.sleep(0.5)
    ok, secs = data_answers(d)
    check('data channel answers meanwhile', ok and secs < 2.0,
          '%.1f s' % secs)
    check('the stalled control client is dropped after its deadline',
          wait_log(d, 'Control client does not read its response', 15))
    c.close()
    rc, secs = ioctl_ok(d.ctrl)
    check('a new control client is served', rc == 0)
    c = d.connect_ctrl()
    flood_ctrl(c)
    time.sleep(0.3)
    rc, secs = term_time(d)
    check('SIGTERM while a control client stalls: exit 0 within 2 s',
          rc == 0 and secs < 2.0, 'rc %s after %.1f s' % (rc, secs))
    c.close()


def case_clientfd():
    a, b = socket.socketpair()
    log = os.path.join(WORK, 'daemon.log')
    data = os.path.join(WORK, 'data')
    with open(log, 'ab') as lf:
        p = subprocess.Popen([SWTPM, 'socket', '--tpm2', '--tpmstate',
                              'dir=' + WORK, '--server',
                              'type=unixio,path=' + data, '--ctrl',
                              'type=unixio,clientfd=%d' % b.fileno(),
                              '--flags', 'not-need-init,startup-clear'],
                             pass_fds=[b.fileno()], stdout=lf, stderr=lf)
    b.close()
    s = t.connect('unix:' + data, 10.0, lambda: p.poll() is None)
    check('NV index', t.transact(s, t.nv_define_cmd())[0] == 0 and
          t.transact(s, t.nv_write_cmd(6))[0] == 0)
    s.close()
    sent = flood_ctrl(a)
    check('the clientfd peer sent %d requests without reading' % sent,
          sent >= 100)
    time.sleep(0.5)
    t0 = time.monotonic()
    s = t.connect('unix:' + data, 3.0)
    rc, _ = t.transact(s, t.nv_read_cmd(), 3.0)
    s.close()
    check('data channel answers meanwhile',
          rc == 0 and time.monotonic() - t0 < 2.0)
    t0 = time.monotonic()
    p.terminate()
    try:
        p.wait(5.0)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    check('SIGTERM: exit 0 within 2 s',
          p.returncode == 0 and time.monotonic() - t0 < 2.0,
          'rc %s' % p.returncode)
    a.close()


def lock_req(c, retries):
    c.sendall(struct.pack('>II', 0x13, retries))


def case_lock():
    holder_dir = WORK
    a = t.Daemon(SWTPM, os.path.join(WORK, 'a'), 'dir=' + holder_dir,
                 ['--flags', 'not-need-init,startup-clear'])
    os.makedirs(os.path.join(WORK, 'a'), exist_ok=True)
    os.makedirs(os.path.join(WORK, 'b'), exist_ok=True)
    a.start()
    a.connect_ctrl().close()
    b = t.Daemon(SWTPM, os.path.join(WORK, 'b'), 'dir=' + holder_dir,
                 ['--migration', 'incoming', '--flags', 'not-need-init'])
    b.start()
    c = b.connect_ctrl()
    lock_req(c, 0xFFFFFFFF)
    time.sleep(0.3)
    ok = True
    try:
        s = b.connect_data(2.0)
        s.close()
    except t.TpmError:
        ok = False
    check('data channel accepts while LOCK_STORAGE retries', ok)
    check('no answer while the other daemon holds the lock',
          t.recv_exact(c, 4, 0.5) == b'')
    a.term()
    r = t.recv_exact(c, 4, 2.0)
    check('lock taken once the other daemon ended: answer 0',
          r == b'\0\0\0\0', repr(r))
    c.close()
    rc, secs = term_time(b)
    check('b exits 0', rc == 0, 'rc %s' % rc)

    # SIGTERM while LOCK_STORAGE retries
    a.start()
    a.connect_ctrl().close()
    b.start()
    c = b.connect_ctrl()
    lock_req(c, 0xFFFFFFFF)
    time.sleep(0.3)
    rc, secs = term_time(b)
    check('SIGTERM while LOCK_STORAGE retries: exit 0 within 2 s',
          rc == 0 and secs < 2.0, 'rc %s after %.1f s' % (rc, secs))
    c.close()

    # a failed LOCK_STORAGE spends its count
    b.start()
    c = b.connect_ctrl()
    t0 = time.monotonic()
    lock_req(c, 100)
    r = t.recv_exact(c, 4, 10.0)
    secs = time.monotonic() - t0
    check('LOCK_STORAGE(100) fails after ~1 s: TPM_FAIL',
          r == b'\0\0\0\x09' and 0.8 < secs < 5.0,
          '%r after %.1f s' % (r, secs))
    c.close()
    t0 = time.monotonic()
    s = b.connect_data()
    s.sendall(t.nv_read_cmd())
    b.proc.wait(10.0)
    secs = time.monotonic() - t0
    check('then a data command ends the daemon at once (no retries left)',
          secs < 0.5, '%.2f s' % secs)
    s.close()
    b.term()
    a.term()


{'data': case_data, 'ctrl': case_ctrl, 'clientfd': case_clientfd,
 'lock': case_lock}[CASE]()
sys.exit(1 if fails else 0)
