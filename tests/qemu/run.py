#!/usr/bin/env python3
"""Runs one scenario of the QEMU rig and prints its time.

Usage: run.py SCENARIO      (run.py list prints the scenario names)
A name ending in "@ref" runs the scenario with the reference swtpm
($SWTPM_REF) in the place of ours: the control. Environment: see rig.py.
Exit:  0 pass, 1 fail, 77 skip, 99 rig error (automake conventions).
A failed or broken run is retried once (QEMU_TEST_RETRY=0: never).
"""

import os
import signal
import subprocess
import sys
import time

import sc_measured
import sc_ppc64
import sc_ppi
import sc_qtest
import sc_tpm12
import sc_x86
from rig import HARD, SKIP, Fail, Rig, RigError, Skip, log

SCENARIOS = {}
for m in (sc_x86, sc_tpm12, sc_measured, sc_qtest, sc_ppc64,
	  sc_ppi):
	SCENARIOS.update(m.SCENARIOS)


def _on_signal(sig, frame):
	raise RigError("signal %d" % sig)


def main(argv):
	name = argv[1] if len(argv) == 2 else ""
	base, _, who = name.partition("@")
	if name == "list":
		print("\n".join(SCENARIOS))
		return 0
	if base not in SCENARIOS or who not in ("", "ref"):
		sys.stderr.write("usage: run.py SCENARIO[@ref]|list\n")
		return HARD
	for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP,
		  signal.SIGALRM):
		signal.signal(s, _on_signal)
	# One retry: under TCG on two shared CPUs (make -j2 beside other
	# tests) a guest or a firmware can miss a deadline. Both attempts'
	# logs stay; a scenario fails only if it fails twice.
	tries = 1 + int(os.environ.get("QEMU_TEST_RETRY", "1"))
	for attempt in range(1, tries + 1):
		rc = attempt_once(name, base, who)
		if rc in (0, SKIP) or attempt == tries:
			return rc
		log("%s: attempt %d failed, retrying" % (name, attempt))
	return rc


def attempt_once(name, base, who):
	signal.alarm(int(os.environ.get("QEMU_TEST_TIMEOUT", "300")))
	rig = Rig()
	if who == "ref":
		rig.swtpm = rig.swtpm_ref
	t0 = time.monotonic()
	verdict, rc = "FAIL", 1
	try:
		log("scenario %s" % name)
		SCENARIOS[base](rig)
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
