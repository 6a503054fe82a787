#!/usr/bin/env python3
"""Helper of jsonlog.sh: reads a swtpm log and prints one summary line per
event, the same for both formats, so the two can be compared.

usage: jsonlog.py json FILE   check every line against the schema of
                              swtpm(8) LOGGING (v 1); exit 1 on the first
                              bad line (printed on stderr)
       jsonlog.py text FILE [PREFIX]
                              read a text log (level >= 3) whose lines
                              start with PREFIX

Summary line: the event name, then its identifying fields
(channel, reason, blob, title, msg) as key=value; for error, warning and
notice only "msg:" and the message (their text form carries no name).
"""
import json
import re
import sys

# swtpm(8) LOGGING, schema 1: event -> (level, {field: type})
S, U, B = str, int, bool
SCHEMA = {
    "error": ("error", {"msg": S}),
    "warning": ("warning", {"msg": S}),
    "notice": ("info", {"msg": S}),
    "dump": ("debug", {"title": S, "length": U, "hex": S}),
    "start": ("info", {"pid": U, "version": S, "tpm": S, "iface": S}),
    "listening": ("info", {"channel": S, "address": S}),
    "client_connected": ("info", {"channel": S}),
    "client_disconnected": ("info", {"channel": S, "reason": S}),
    "client_dropped": ("warning", {"channel": S, "reason": S}),
    "init": ("info", {"flags": U, "from_backup": B}),
    "stop": ("info", {"auto_shutdown": B}),
    "state_loaded": ("info", {"blob": S, "bytes": U, "duration_us": U,
                              "cached": B}),
    "state_written": ("info", {"blob": S, "bytes": U, "duration_us": U,
                               "skipped": B}),
    "migration_out": ("info", {"blob": S, "bytes": U, "encrypted": B}),
    "migration_in": ("info", {"blob": S, "bytes": U, "encrypted": B}),
    "lock_acquired": ("info", {"uri": S}),
    "lock_released": ("info", {"uri": S, "reason": S}),
    "shutdown": ("info", {"reason": S, "status": U}),
}
IDENT = ("channel", "reason", "blob", "title")
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
MSG_EVENTS = ("error", "warning", "notice")


def summary(name, fields):
    if name in MSG_EVENTS:
        return "msg:" + fields["msg"]
    parts = [name] + ["%s=%s" % (k, fields[k]) for k in IDENT
                      if k in fields]
    return " ".join(parts)


def check_json(line):
    """The event's name and fields, or raises ValueError."""
    o = json.loads(line)
    if not isinstance(o, dict):
        raise ValueError("not an object")
    if o.get("v") != 1:
        raise ValueError("v is not 1")
    if not isinstance(o.get("ts"), str) or not TS.match(o["ts"]):
        raise ValueError("bad ts")
    name = o.get("event")
    if name not in SCHEMA:
        raise ValueError("unknown event %r" % name)
    level, fields = SCHEMA[name]
    if o.get("level") != level:
        raise ValueError("level %r, want %r" % (o.get("level"), level))
    keys = set(o) - {"v", "ts", "level", "event", "prefix"}
    if keys != set(fields):
        raise ValueError("fields %s, want %s" % (sorted(keys),
                                                 sorted(fields)))
    for k, t in fields.items():
        v = o[k]
        if t is U and (isinstance(v, bool) or not isinstance(v, int)
                       or v < 0):
            raise ValueError("%s is not an unsigned integer" % k)
        if t is not U and not isinstance(v, t):
            raise ValueError("%s is not %s" % (k, t.__name__))
    return name, {k: o[k] for k in fields}


FIELD = re.compile(r' ([a-z_]+)=("(?:[^"\\]|\\.)*"|[0-9]+|true|false)')
DUMP = re.compile(r"^ (.+): length (\d+)$")
HEX = re.compile(r"^( [0-9A-F]{2})+ $")


def read_text(path, prefix=""):
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f.read().splitlines():
            if not line.startswith(prefix):
                sys.exit("no prefix: %s" % line)
            line = line[len(prefix):]
            if HEX.match(line):
                continue
            m = DUMP.match(line)
            if m:
                out.append(summary("dump", {"title": m.group(1)}))
                continue
            m = re.match(r"^  ([a-z_]+)((?: [a-z_]+=.*)?)$", line)
            if m and m.group(1) in SCHEMA:
                fields = {k: json.loads(v)
                          for k, v in FIELD.findall(m.group(2))}
                want = set(SCHEMA[m.group(1)][1])
                if set(fields) != want:
                    sys.exit("bad text event: %s" % line)
                out.append(summary(m.group(1), fields))
                continue
            out.append("msg:" + line)
    return out


def read_json(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.endswith("\n"):
                sys.exit("%s:%d: no newline at the end" % (path, n))
            try:
                name, fields = check_json(line)
            except ValueError as e:
                sys.exit("%s:%d: %s: %s" % (path, n, e, line.rstrip()))
            out.append(summary(name, fields))
    return out


def main():
    if sys.argv[1:2] == ["json"] and len(sys.argv) == 3:
        lines = read_json(sys.argv[2])
    elif sys.argv[1:2] == ["text"] and len(sys.argv) in (3, 4):
        lines = read_text(*sys.argv[2:])
    else:
        sys.exit(__doc__)
    for s in lines:
        print(s)


if __name__ == "__main__":
    main()
