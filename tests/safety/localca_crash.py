#!/usr/bin/env python3
# localca_crash.py - driver of tests/safety/localca_crash.sh: runs
# swtpm_localca on a CA that must be (re)created and SIGKILLs it: a
# third of the time at a random instant of the whole run (mostly during
# key generation), else at a random step of writing the CA and the
# serial counter: with strace(1), at the N-th write, fsync, rename or
# unlink (strace -e inject=...:signal=SIGKILL:when=N, N random);
# without it, right after the k-th change (k random) that inotify
# reports in the CA's directory. After each
# kill the CA must be usable: no signing key, or one that belongs to the
# issuer certificate, which verifies under the root next to it, or the
# old signing key the run was about to replace (its certificate was
# already missing). Every third kill, and at the end, a run to
# completion must succeed, its EK certificate must verify, and no
# temporary file may remain in the CA's directory (nor in --dir from
# that run; a killed run leaves its unfinished certificate there).
#
# usage: localca_crash.py LOCALCA CONF OPTS STATEDIR OUTDIR MODULUS KILLS
#        SEED
# Prints "ok - ..." / "not ok - ..." lines; exit 1 on any failure.
import ctypes
import hashlib
import os
import select
import shutil
import struct
import random
import signal
import subprocess
import sys
import time

(LOCALCA, CONF, OPTS, STATE, OUT, MOD, KILLS, SEED) = sys.argv[1:9]
KILLS = int(KILLS)
random.seed(int(SEED))
ARGS = [LOCALCA, '--configfile', CONF, '--optsfile', OPTS, '--dir', OUT,
        '--type', 'ek', '--tpm2', '--tpm-spec-family', '2.0',
        '--tpm-spec-level', '0', '--tpm-spec-revision', '164',
        '--tpm-manufacturer', 'id:00001014', '--tpm-model', 'swtpm',
        '--tpm-version', 'id:20191023', '--ek', MOD]
KEY = os.path.join(STATE, 'signkey.pem')
CERT = os.path.join(STATE, 'issuercert.pem')
ROOT = os.path.join(STATE, 'swtpm-localca-rootca-cert.pem')
failures = 0


def out(cmd):
    r = subprocess.run(cmd, capture_output=True)
    return r.returncode, r.stdout


def temps(d):
    return [n for n in os.listdir(d) if n.endswith('.swtpm-localca-tmp')
            or '.cert.' in n]


def digest(path):
    try:
        with open(path, 'rb') as f:
            return hashlib.sha256(f.read()).digest()
    except FileNotFoundError:
        return None


def ca_problem(old_key):
    """None if the CA on disk is usable (or absent), else why not."""
    if not os.path.exists(KEY):
        return None
    if not os.path.exists(CERT):
        if digest(KEY) == old_key:
            return None
        return 'a new signing key without issuer certificate'
    rc1, kpub = out(['openssl', 'pkey', '-pubout', '-in', KEY])
    rc2, cpub = out(['openssl', 'x509', '-noout', '-pubkey', '-in', CERT])
    if rc1 != 0 or rc2 != 0:
        return 'signing key or issuer certificate unreadable'
    if kpub != cpub:
        return 'signing key does not belong to the issuer certificate'
    rc, _ = out(['openssl', 'verify', '-CAfile', ROOT, CERT])
    if rc != 0:
        return 'issuer certificate does not verify under the root'
    return None


def report(ok, desc):
    global failures
    if ok:
        print('ok - ' + desc)
    else:
        failures += 1
        print('not ok - ' + desc)


def complete(desc):
    """A run to completion: exit 0, the EK verifies, nothing left."""
    ek = os.path.join(OUT, 'ek.cert')
    for n in temps(OUT) + ['ek.cert']:
        if os.path.exists(os.path.join(OUT, n)):
            os.unlink(os.path.join(OUT, n))
    r = subprocess.run(ARGS, capture_output=True)
    if r.returncode != 0:
        report(False, desc + ': run exits 0')
        sys.stdout.write(r.stdout.decode() + r.stderr.decode())
        return
    pem = subprocess.run(['openssl', 'x509', '-inform', 'der', '-in', ek],
                         capture_output=True).stdout
    v = subprocess.run(['openssl', 'verify', '-CAfile', ROOT, '-untrusted',
                        CERT], input=pem, capture_output=True)
    report(v.returncode == 0, desc + ': EK certificate verifies')
    left = temps(STATE) + temps(OUT)
    report(not left, desc + ': no temporary files %s' % (left or ''))


def break_ca(i):
    """Make the next run create the CA: remove the key, the certificate
    or both (a CA a kill left incomplete stays as it is)."""
    if not os.path.exists(KEY) or not os.path.exists(CERT):
        return
    for p in [[KEY], [CERT], [KEY, CERT]][i % 3]:
        os.unlink(p)


# inotify(7): the CA directory's creations, finished writes, renames
# into it and removals
IN_CLOSE_WRITE, IN_MOVED_TO, IN_CREATE, IN_DELETE = 0x8, 0x80, 0x100, 0x200
LIBC = ctypes.CDLL(None, use_errno=True)


def watch(d):
    fd = LIBC.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
    if fd < 0 or LIBC.inotify_add_watch(
            fd, d.encode(),
            IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE) < 0:
        raise OSError(ctypes.get_errno(), 'inotify')
    return fd


def count_events(buf):
    n, off = 0, 0
    while off + 16 <= len(buf):
        _wd, _mask, _cookie, ln = struct.unpack_from('iIII', buf, off)
        off += 16 + ln
        n += 1
    return n


HAVE_STRACE = shutil.which('strace') is not None
# syscall sets and how often swtpm_localca makes them while it writes
# a new CA and the serial counter (so N covers every step)
STEPS = [('write', 10), ('fsync', 11), ('rename,renameat,renameat2', 6),
         ('unlink,unlinkat', 6)]


def kill_run(mode):
    """Runs localca and kills it; returns (exit code, where)."""
    os.makedirs(STATE, exist_ok=True)
    args, where = ARGS, 'at random'
    if mode == 'syscall':
        calls, most = random.choice(STEPS)
        n = random.randint(1, most)
        where = 'at %s #%d' % (calls.split(',')[0], n)
        args = ['strace', '-qq', '-o', '/dev/null', '-e', 'trace=' + calls,
                '-e', 'inject=%s:signal=SIGKILL:when=%d' % (calls, n)] + ARGS
    ino = watch(STATE) if mode == 'inotify' else -1
    k = random.randint(1, 18)
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    if mode == 'inotify':
        where = 'after change #%d' % k
        seen = 0
        end = time.monotonic() + 30
        while p.poll() is None and seen < k and time.monotonic() < end:
            r, _, _ = select.select([ino], [], [], 0.05)
            if r:
                seen += count_events(os.read(ino, 65536))
        os.close(ino)
    elif mode == 'random':
        time.sleep(random.uniform(0, 1.2))
    if mode != 'syscall':
        try:
            p.send_signal(signal.SIGKILL)
        except ProcessLookupError:
            pass
    p.wait()
    rc = p.returncode
    # strace reports the tracee's death by the signal as its own
    return (-signal.SIGKILL if rc in (-signal.SIGKILL, 128 + signal.SIGKILL)
            else rc), where


def main():
    os.makedirs(OUT, exist_ok=True)
    killed = 0
    for i in range(KILLS):
        break_ca(i)
        old_key = digest(KEY)
        modes = (['random', 'syscall', 'syscall'] if HAVE_STRACE
                 else ['random', 'inotify'])
        rc, where = kill_run(modes[i % len(modes)])
        if rc == -signal.SIGKILL:
            killed += 1
        why = ca_problem(old_key)
        files = sorted(n for n in os.listdir(STATE) if n.endswith('.pem')
                       or n.endswith('-tmp'))
        report(why is None, 'kill %d (%s, %s): CA usable%s' % (
            i + 1, where, 'killed' if rc == -signal.SIGKILL else 'finished',
            '' if why is None else ': ' + why))
        print('#   left: ' + ' '.join(files))
        if i % 3 == 2:
            complete('after kill %d' % (i + 1))
    complete('at the end')
    print('# %d of %d runs were killed before they finished' % (killed, KILLS))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
