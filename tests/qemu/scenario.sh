#!/bin/sh
# Runs one QEMU rig scenario: scenario.sh NAME[@ref] (see run.py); the
# per-scenario test scripts are one line on top of this.
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
exec python3 "$(dirname "$0")/run.py" "$@"
