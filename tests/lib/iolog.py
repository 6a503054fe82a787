#!/usr/bin/env python3
"""Reads a swtpm log written with --log level=20 and prints one line per
TPM command: "<command hex> <response hex>" (upper-case hex). Used by the
swtpm_setup tests to see the exact commands a run sent.

usage: iolog.py LOGFILE
"""
import re
import sys


def exchanges(path):
	cur = None
	out = []
	buf = []
	with open(path, errors="replace") as f:
		for line in f:
			m = re.match(r"\s*SWTPM_IO_(Read|Write): length (\d+)", line)
			if m:
				if cur is not None:
					out.append((cur, "".join(buf)))
				cur = m.group(1)
				buf = []
				continue
			if cur is not None and re.match(r"^\s*([0-9A-F]{2} ?)+\s*$",
							line):
				buf.append(line.replace(" ", "").strip())
			elif cur is not None:
				out.append((cur, "".join(buf)))
				cur = None
	if cur is not None:
		out.append((cur, "".join(buf)))
	pairs = []
	for i, (kind, data) in enumerate(out):
		if kind == "Read":
			rsp = out[i + 1][1] if i + 1 < len(out) and \
				out[i + 1][0] == "Write" else ""
			pairs.append((data, rsp))
	return pairs


if __name__ == "__main__":
	for cmd, rsp in exchanges(sys.argv[1]):
		print(cmd, rsp or "-")
