#!/bin/bash
# statetool_kill.sh - crash safety of swtpm_state: SIGKILLs at random
# instants during rekey (directory and linear file) and convert (both
# directions); after each the state opens with the old or the new key
# (rekey) or the destination holds nothing or the whole state (convert),
# and a real swtpm reads the NV data back every 25 kills. The loop is
# tests/safety/statetool_kill.py. STATETOOL_KILLS sets the number of
# kills (default 300), STATETOOL_SEED the random seed.
. "$top_srcdir/tests/lib/common.sh"
t_init

SS=${SWTPM_STATE:-$top_builddir/swtpm_state}
if ! [ -x "$SS" ]; then
	echo "SKIP: $SS not built"
	exit 77
fi
KILLS=${STATETOOL_KILLS:-300}
SEED=${STATETOOL_SEED:-$(date +%s)}
echo "# seed $SEED (rerun with STATETOOL_SEED=$SEED)"
if "$PYTHON" "$top_srcdir/tests/safety/statetool_kill.py" "$SWTPM" "$SS" \
	"$T" "$KILLS" "$SEED"; then
	T_OKS=$((T_OKS + 1))
else
	T_FAILS=$((T_FAILS + 1))
fi
t_done
