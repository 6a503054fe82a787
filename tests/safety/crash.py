#!/usr/bin/env python3
# crash.py - crash-consistency driver for tests/safety/crash.sh.
# Loops TPM2_NV_Write of an incrementing counter on the data channel and
# SIGKILLs the daemon after a random 0-30 ms; after each restart the
# counter must be the last acknowledged value or the one in flight, the
# state must load, and no temporary or unexpected file may remain.
#
# usage: crash.py SWTPM WORKDIR BACKEND KILLS SEED [fsync=false] [backup]
#   BACKEND: dir | file; backup (dir only): the .bak file must be a whole
#   blob too
# Prints "ok - ..." / "not ok - ..." lines; exit 1 on any failure.
import os
import random
import select
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tpm2raw as t  # noqa: E402

DIR_OK = {'.lock', 'tpm2-00.permall'}


def check_blob_file(path):
    """Stored blob header (state-storage.md §4): totlen == file size."""
    with open(path, 'rb') as f:
        b = f.read()
    if len(b) < 10:
        return 'only %d bytes' % len(b)
    ver, minver, hsz, _flags, tot = struct.unpack('>BBHHI', b[:10])
    if ver != 2 or minver != 1 or hsz != 10 or tot != len(b):
        return 'bad header %s (size %d)' % (b[:10].hex(), len(b))
    return None


def check_linear(path):
    """Linear header (§3.1) sane and every slot inside the file."""
    with open(path, 'rb') as f:
        b = f.read()
    if len(b) < 192 or b[:8] != b'nilmptws':
        return 'bad linear header (size %d)' % len(b)
    for i in range(15):
        off, dlen, slen = struct.unpack('<III', b[12 + 12 * i:24 + 12 * i])
        if off == 0:
            continue
        if dlen > slen or off + dlen > len(b):
            return 'slot %d {%d, %d, %d} outside %d bytes' % (
                i, off, dlen, slen, len(b))
        blob = b[off:off + dlen]
        if len(blob) < 10 or struct.unpack('>I', blob[6:10])[0] != dlen:
            return 'slot %d blob header broken' % i
    return None


class Run:
    def __init__(self, swtpm, work, backend, fsync, backup=False):
        self.work = work
        self.backend = backend
        self.state = os.path.join(work, 'state')
        os.makedirs(self.state, exist_ok=True)
        if backend == 'dir':
            arg = 'dir=' + self.state
        else:
            self.linear = os.path.join(self.state, 'linear.img')
            arg = 'backend-uri=file://' + self.linear
        if not fsync:
            arg += ',fsync=false'
        self.backup = backup
        if backup:
            arg += ',backup'
        run = os.path.join(work, 'run')
        os.makedirs(run, exist_ok=True)
        self.d = t.Daemon(swtpm, run, arg,
                          ['--flags', 'not-need-init,startup-clear'],
                          log=os.path.join(work, 'daemon.log'))
        self.fails = 0

    def fail(self, msg):
        self.fails += 1
        print('not ok - %s %s' % (self.backend, msg))
        for line in self.d.log_tail(10):
            print('#   ' + line)

    def files_ok(self, when):
        names = set(os.listdir(self.state))
        if self.backend == 'dir':
            ok = DIR_OK | ({'tpm2-00.permall.bak'} if self.backup else set())
            bad = names - ok
            if bad:
                self.fail('%s: unexpected files %s' % (when, sorted(bad)))
                return False
            err = check_blob_file(os.path.join(self.state,
                                               'tpm2-00.permall'))
            bak = os.path.join(self.state, 'tpm2-00.permall.bak')
            if not err and self.backup and os.path.exists(bak):
                err = check_blob_file(bak)
                if err:
                    err = 'backup: ' + err
        else:
            if names != {'linear.img'}:
                self.fail('%s: unexpected files %s' % (when, sorted(names)))
                return False
            err = check_linear(self.linear)
        if err:
            self.fail('%s: %s' % (when, err))
            return False
        return True

    def start_and_read(self):
        """Start, read the counter; None (after fail()) on error."""
        self.d.start()
        try:
            s = self.d.connect_data()
            v = t.nv_read(s)
        except (t.TpmError, OSError) as e:
            rc = self.d.proc.poll()
            self.fail('restart: %s (daemon exit %s)' % (e, rc))
            self.d.kill()
            return None, None
        return s, v


def main():
    swtpm, work, backend, kills, seed = sys.argv[1:6]
    extra = sys.argv[6:]
    fsync = 'fsync=false' not in extra
    backup = 'backup' in extra
    kills = int(kills)
    rnd = random.Random(int(seed))
    r = Run(swtpm, work, backend, fsync, backup)
    try:
        return drive(r, kills, rnd, backend + ('' if fsync else
                                               ',fsync=false') +
                     (',backup' if backup else ''))
    finally:
        r.d.kill()


def drive(r, kills, rnd, name):

    # set-up without kills: define the index, write 0
    r.d.start()
    s = r.d.connect_data()
    rc, _ = t.transact(s, t.nv_define_cmd())
    rc2, _ = t.transact(s, t.nv_write_cmd(0))
    s.close()
    r.d.term()
    if rc != 0 or rc2 != 0:
        print('not ok - %s set-up: NV_DefineSpace %s, NV_Write %s' %
              (name, rc, rc2))
        return 1

    acked, inflight = 0, None
    writes = early = in_flight_kills = took_new = 0
    t0 = time.monotonic()
    for i in range(kills):
        if rnd.random() < 0.15:
            # kill while it starts up (Startup(CLEAR) rewrites permall)
            r.d.start()
            time.sleep(rnd.uniform(0, 0.02))
            r.d.kill()
            early += 1
            continue
        s, v = r.start_and_read()
        if s is None:
            break
        if v != acked and v != inflight:
            r.fail('kill %d: counter %d, expected %d or %s' %
                   (i, v, acked, inflight))
            r.d.kill()
            break
        if inflight is not None and v == inflight:
            took_new += 1
        acked, inflight = v, None
        if not r.files_ok('after restart %d' % i):
            r.d.kill()
            break
        deadline = time.monotonic() + rnd.uniform(0, 0.030)
        killed = False
        while not killed:
            n = acked + 1
            s.sendall(t.nv_write_cmd(n))
            inflight = n
            # wait for the answer, but no longer than the deadline
            left = deadline - time.monotonic()
            rd, _, _ = select.select([s], [], [], max(left, 0))
            if not rd:
                r.d.kill()
                killed = True
                in_flight_kills += 1
                break
            rc, _ = t.recv_tpm(s, 5.0)
            if rc is None:
                r.fail('kill %d: no answer to NV_Write' % i)
                break
            if rc != 0:
                r.fail('kill %d: NV_Write rc 0x%x' % (i, rc))
                break
            acked, inflight = n, None
            writes += 1
            if time.monotonic() >= deadline:
                r.d.kill()
                killed = True
        s.close()
        if not killed:
            r.d.kill()
            break
    # final: the state loads and holds the right value
    if r.fails == 0:
        s, v = r.start_and_read()
        if s is not None:
            if v != acked and v != inflight:
                r.fail('final: counter %d, expected %d or %s' %
                       (v, acked, inflight))
            r.files_ok('final')
            s.close()
            rc = r.d.term()
            if rc != 0:
                r.fail('final: SIGTERM exit status %s' % rc)
    dt = time.monotonic() - t0
    if r.fails == 0:
        print('ok - %s: %d kills (%d during start-up, %d with a write in '
              'flight, %d kept the in-flight value), %d acknowledged '
              'writes, counter %d, %.1f s' %
              (name, kills, early, in_flight_kills, took_new, writes,
               acked if inflight is None else inflight, dt))
    return 1 if r.fails else 0


if __name__ == '__main__':
    sys.exit(main())
