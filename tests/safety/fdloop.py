#!/usr/bin/env python3
# fdloop.py - file descriptor leak check for tests/safety/fds.sh.
# Keeps ONE control connection to a running daemon and loops either the
# migration cycle GET_STATEBLOB(1), GET_STATEBLOB(2), STOP,
# SET_STATEBLOB(1), SET_STATEBLOB(2), INIT(1) ("full"), STOP, INIT(0)
# ("initstop"), or a cycle that makes the daemon create, rename and
# delete files: TPM2_NV_Write on the data channel, STORE_VOLATILE, STOP,
# INIT(1) ("io", needs DATAADDR and a defined index), counting
# /proc/PID/fd before, after 100 cycles and at the end.  Stops early when
# the time budget runs out (the output says how many cycles ran).
#
# usage: fdloop.py CTRLADDR PID MODE CYCLES BUDGET_SECONDS [DATAADDR]
# Output: "fds <before> <after100> <end> cycles <n> seconds <s>" or an
# "error ..." line (exit 1).
import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tpm2raw as t  # noqa: E402


def nfds(pid):
    return len(os.listdir('/proc/%d/fd' % pid))


def expect0(what, rc):
    if rc != 0:
        raise t.TpmError('%s: result 0x%x' % (what, rc))


def full_cycle(s):
    rc, perm = t.get_stateblob(s, 1)
    expect0('GET_STATEBLOB(1)', rc)
    rc, vol = t.get_stateblob(s, 2)
    expect0('GET_STATEBLOB(2)', rc)
    expect0('STOP', t.ctrl_rc(t.ctrl(s, t.CMD_STOP)))
    expect0('SET_STATEBLOB(1)', t.set_stateblob(s, 1, perm))
    expect0('SET_STATEBLOB(2)', t.set_stateblob(s, 2, vol))
    expect0('INIT(1)', t.ctrl_rc(t.ctrl(s, t.CMD_INIT,
                                        struct.pack('>I', 1))))


def initstop_cycle(s):
    expect0('STOP', t.ctrl_rc(t.ctrl(s, t.CMD_STOP)))
    expect0('INIT(0)', t.ctrl_rc(t.ctrl(s, t.CMD_INIT,
                                        struct.pack('>I', 0))))


class IoCycle:
    def __init__(self, data):
        self.d = data
        self.n = 1000

    def __call__(self, s):
        self.n += 1
        rc, _ = t.transact(self.d, t.nv_write_cmd(self.n))
        if rc != 0:
            raise t.TpmError('NV_Write: %s' % (
                'no answer' if rc is None else 'rc 0x%x' % rc))
        expect0('STORE_VOLATILE', t.ctrl_rc(t.ctrl(s, 0x0A)))
        expect0('STOP', t.ctrl_rc(t.ctrl(s, t.CMD_STOP)))
        expect0('INIT(1)', t.ctrl_rc(t.ctrl(s, t.CMD_INIT,
                                            struct.pack('>I', 1))))


def main():
    addr, pid, mode, cycles, budget = sys.argv[1:6]
    pid, cycles, budget = int(pid), int(cycles), float(budget)
    s = t.connect(addr)
    # one round trip, so the daemon has accepted this connection
    t.ctrl(s, 0x01, rlen=8)
    if mode == 'io':
        d = t.connect(sys.argv[6])
        # one round trip here too; TPM2_Startup (it may be needed)
        rc, _ = t.transact(d, bytes.fromhex('80010000000c000001440000'))
        if rc not in (0, 0x100):
            print('error: TPM2_Startup rc %s' % rc)
            return 1
        step = IoCycle(d)
    elif mode == 'full':
        step = full_cycle
    else:
        step = initstop_cycle
    before = nfds(pid)
    after100 = None
    t0 = time.monotonic()
    n = 0
    try:
        while n < cycles:
            step(s)
            n += 1
            if n == 100:
                after100 = nfds(pid)
            if time.monotonic() - t0 > budget:
                break
    except (t.TpmError, OSError) as e:
        print('error after %d cycles: %s' % (n, e))
        return 1
    end = nfds(pid)
    print('fds %d %s %d cycles %d seconds %.1f' %
          (before, after100 if after100 is not None else '-', end, n,
           time.monotonic() - t0))
    return 0


if __name__ == '__main__':
    sys.exit(main())
