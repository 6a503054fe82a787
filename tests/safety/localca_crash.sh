#!/bin/bash
# localca_crash.sh - swtpm_localca SIGKILLed while it creates its CA
# (at random instants, and right while the files are written): the CA
# left behind is never half made (no signing key without its issuer
# certificate, never a key and a certificate that do not belong
# together), and the next run always completes with a certificate that
# verifies. The loop is tests/safety/localca_crash.py. LOCALCA_KILLS
# sets the number of kills (default 12), LOCALCA_SEED the random seed.
set -u
. "${top_srcdir:-.}/tests/lib/localcalib.sh"
lc_init

KILLS=${LOCALCA_KILLS:-12}
SEED=${LOCALCA_SEED:-$(date +%s)}
echo "# seed $SEED (rerun with LOCALCA_SEED=$SEED)"
lc_conf "$W/ca.conf" "$W/state"
if python3 "$top_srcdir/tests/safety/localca_crash.py" "$SWTPM_LOCALCA" \
    "$W/ca.conf" "$W/opts" "$W/state" "$W/out" "$MOD" "$KILLS" "$SEED"
then
	cl_ok "$KILLS kills during CA creation"
else
	cl_notok "$KILLS kills during CA creation"
fi
cl_done
