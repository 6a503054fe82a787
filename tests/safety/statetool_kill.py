#!/usr/bin/env python3
# statetool_kill.py - crash safety of swtpm_state rekey and convert, for
# tests/safety/statetool_kill.sh. A TPM 2 state (NV index with a known
# value, permanent and volatile blobs) is made by our swtpm; then
# swtpm_state is SIGKILLed after a random fraction of its run time:
#   rekey, directory and linear file: the state must verify with the old
#     key or with the new one, never neither (no mix of blobs);
#   convert dir -> file and file -> dir: the source verifies unchanged
#     and the destination holds no state or the whole state.
# Every 25th kill, and at the end, a real swtpm loads the state with the
# key swtpm_state says and reads the NV value back.
#
# usage: statetool_kill.py SWTPM SWTPM_STATE WORKDIR KILLS SEED
# Prints "ok - ..." / "not ok - ..." lines; exit 1 on any failure.
import glob
import json
import os
import random
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tpm2raw as t  # noqa: E402

CMD_STORE_VOLATILE = 0x0A
NV_VALUE = 4242


class Kill:
    def __init__(self, swtpm, ss, work, seed):
        self.swtpm = swtpm
        self.ss = ss
        self.work = work
        self.rnd = random.Random(seed)
        self.fails = 0
        self.kills = 0
        self.keys = [os.path.join(work, 'ka.hex'), os.path.join(work,
                                                                'kb.hex')]
        with open(self.keys[0], 'w') as f:
            f.write('00112233445566778899aabbccddeeff\n')
        with open(self.keys[1], 'w') as f:
            f.write('000102030405060708090a0b0c0d0e0f'
                    '101112131415161718191a1b1c1d1e1f\n')

    def keyopt(self, i):
        mode = ',mode=aes-256-cbc' if i == 1 else ''
        return 'file=' + self.keys[i] + mode

    def fail(self, what):
        print('not ok - ' + what)
        self.fails += 1

    def run_ss(self, *args):
        return subprocess.run([self.ss] + list(args),
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode

    def verify(self, state, key):
        args = ['verify', '--tpm2', '--tpmstate', state]
        if key is not None:
            args += ['--key', self.keyopt(key)]
        return self.run_ss(*args)

    def blobs(self, state):
        """Number of blobs swtpm_state info finds (0: no state)."""
        p = subprocess.run([self.ss, 'info', '--json', '--tpm2',
                            '--tpmstate', state], capture_output=True)
        if p.returncode != 0:
            return 0
        return sum(1 for b in json.loads(p.stdout)['blobs'] if b['present'])

    def daemon_nv(self, state, key):
        """NV value read by a real swtpm on the state, or an error text."""
        rundir = os.path.join(self.work, 'run')
        shutil.rmtree(rundir, ignore_errors=True)
        os.mkdir(rundir)
        extra = ['--flags', 'not-need-init,startup-clear']
        if key is not None:
            extra += ['--key', self.keyopt(key)]
        d = t.Daemon(self.swtpm, rundir, state, extra)
        d.start()
        try:
            s = d.connect_data()
            v = t.nv_read(s)
            s.close()
            return v
        except (OSError, t.TpmError) as e:
            return 'error %s: %s' % (e, ' | '.join(d.log_tail(3)))
        finally:
            d.term()

    def make_state(self, state):
        rundir = os.path.join(self.work, 'run')
        os.makedirs(rundir, exist_ok=True)
        d = t.Daemon(self.swtpm, rundir, state,
                     ['--flags', 'not-need-init,startup-clear',
                      '--key', self.keyopt(0)])
        d.start()
        try:
            s = d.connect_data()
            t.transact(s, t.nv_define_cmd())
            t.transact(s, t.nv_write_cmd(NV_VALUE))
            s.close()
            c = d.connect_ctrl()
            t.ctrl(c, CMD_STORE_VOLATILE)
            c.close()
        finally:
            d.term()

    def killed_run(self, args, budget):
        """Starts swtpm_state ARGS and SIGKILLs it after a random delay."""
        p = subprocess.Popen([self.ss] + args, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        time.sleep(self.rnd.uniform(0, budget))
        p.kill()
        p.wait()
        self.kills += 1
        return p.returncode

    def timed(self, args):
        t0 = time.monotonic()
        rc = self.run_ss(*args)
        return rc, time.monotonic() - t0

    def real_check(self, state, key, what):
        v = self.daemon_nv(state, key)
        if v != NV_VALUE:
            self.fail('%s: swtpm reads NV %r, want %d' % (what, v,
                                                          NV_VALUE))
            return False
        return True

    def rekey_loop(self, state, n, what):
        cur = 0
        rc, dur = self.timed(['rekey', '--tpm2', '--tpmstate', state,
                              '--key', self.keyopt(cur), '--new-key',
                              self.keyopt(1 - cur)])
        if rc != 0:
            self.fail('%s: a whole rekey run exits %d' % (what, rc))
            return cur
        cur = 1 - cur
        bad = 0
        seen = [0, 0]	# kills that left the old, the new key
        for i in range(n):
            new = 1 - cur
            self.killed_run(['rekey', '--tpm2', '--tpmstate', state,
                             '--key', self.keyopt(cur), '--new-key',
                             self.keyopt(new)], dur * 1.3)
            if self.verify(state, new) == 0:
                cur = new
                seen[1] += 1
            elif self.verify(state, cur) == 0:
                seen[0] += 1
            else:
                self.fail('%s: kill %d: the state opens with neither '
                          'key' % (what, i))
                bad += 1
                break
            if i % 25 == 24 and not self.real_check(state, cur, what):
                bad += 1
                break
        print('# %s: %d kills left the old key, %d the new one' % (
            what, seen[0], seen[1]))
        # a whole run afterwards sweeps what the kills left beside it
        if bad == 0 and self.run_ss('rekey', '--tpm2', '--tpmstate', state,
                                    '--key', self.keyopt(cur), '--new-key',
                                    self.keyopt(1 - cur)) == 0:
            cur = 1 - cur
            path = state.split('://', 1)[1] if '://' in state else \
                state.split('=', 1)[1]
            if self.litter(path):
                self.fail('%s: temporaries left after a whole run: %s' %
                          (what, self.litter(path)))
                bad += 1
        if bad == 0 and 0 in seen:
            self.fail('%s: the kills never hit one side of the commit '
                      'point' % what)
        elif bad == 0 and self.real_check(state, cur, what):
            print('ok - %s: %d kills, old or new key every time' % (what,
                                                                     n))
        return cur

    def litter(self, path):
        base = os.path.basename(path.rstrip('/'))
        return glob.glob(os.path.join(os.path.dirname(path.rstrip('/')),
                                      '.' + base + '.stage-*'))

    def convert_loop(self, src, key, dst_uri, dst_path, n, what):
        want = self.blobs(src)
        rc, dur = self.timed(['convert', '--tpm2', '--tpmstate', src,
                              '--to', dst_uri])
        if rc != 0 or self.verify(dst_uri, key) != 0:
            self.fail('%s: a whole convert run exits %d' % (what, rc))
            return
        bad = 0
        seen = [0, 0]	# kills that left no destination, a whole one
        for i in range(n):
            shutil.rmtree(dst_path, ignore_errors=True)
            if os.path.exists(dst_path):
                os.unlink(dst_path)
            for x in self.litter(dst_path):
                shutil.rmtree(x, ignore_errors=True)
                if os.path.exists(x):
                    os.unlink(x)
            self.killed_run(['convert', '--tpm2', '--tpmstate', src,
                             '--to', dst_uri], dur * 1.3)
            if self.verify(src, key) != 0:
                self.fail('%s: kill %d: the source no longer verifies' %
                          (what, i))
                bad += 1
                break
            got = self.blobs(dst_uri) if os.path.exists(dst_path) else 0
            seen[got != 0] += 1
            if got != 0 and (got != want or self.verify(dst_uri, key)):
                self.fail('%s: kill %d: destination with %d of %d blobs '
                          'or not verifying' % (what, i, got, want))
                bad += 1
                break
            if got != 0 and i % 25 == 24 and \
                    not self.real_check(dst_uri, key, what):
                bad += 1
                break
        print('# %s: %d kills left no destination, %d the whole state' % (
            what, seen[0], seen[1]))
        if bad == 0:
            print('ok - %s: %d kills, no destination or the whole state' %
                  (what, n))


def main(argv):
    if len(argv) != 6:
        sys.stderr.write('usage: statetool_kill.py SWTPM SWTPM_STATE '
                         'WORKDIR KILLS SEED\n')
        return 2
    swtpm, ss, work, kills, seed = argv[1], argv[2], argv[3], \
        int(argv[4]), int(argv[5])
    k = Kill(swtpm, ss, work, seed)
    sdir = os.path.join(work, 's')
    os.mkdir(sdir)
    k.make_state('dir=' + sdir)
    if k.verify('dir=' + sdir, 0) != 0:
        k.fail('the state made by swtpm does not verify')
        return 1
    # linear copy for the file rekey loop (made by a whole convert)
    lin = os.path.join(work, 'l.lin')
    k.run_ss('convert', '--tpm2', '--tpmstate', 'dir=' + sdir, '--to',
             'backend-uri=file://' + lin)
    quarter = max(kills // 4, 1)
    dkey = k.rekey_loop('dir=' + sdir, kills - 3 * quarter, 'rekey dir')
    lkey = k.rekey_loop('backend-uri=file://' + lin, quarter, 'rekey file')
    k.convert_loop('dir=' + sdir, dkey, 'backend-uri=file://' +
                   os.path.join(work, 'c.lin'), os.path.join(work, 'c.lin'),
                   quarter, 'convert dir->file')
    k.convert_loop('backend-uri=file://' + lin, lkey, 'dir=' +
                   os.path.join(work, 'cd'), os.path.join(work, 'cd'),
                   quarter, 'convert file->dir')
    print('# %d kills' % k.kills)
    return 1 if k.fails else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
