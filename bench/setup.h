/*
 * The setup workload: swtpm_setup manufacturing a TPM 2 with EK and
 * platform certificates and locked NV, ours (with our swtpm) against
 * the reference (with its swtpm), both with the same certificate tool
 * and local CA. Wall clock and the CPU time of every process of a run.
 */
#ifndef BENCH_SETUP_H
#define BENCH_SETUP_H

#include <stdio.h>

#include "bench.h"

struct json_object;

/* The flags every run gets (after --tpm, --tpmstate, --config). */
#define SETUP_FLAGS	"--tpm2 --create-ek-cert --create-platform-cert " \
			"--lock-nvram"

/*
 * Writes the configuration of the local CA under cfg->base and makes
 * the CA with one untimed run. Returns 0 or -1.
 */
int	 setup_prepare(const struct config *cfg);
/*
 * cfg->setup runs of each side in round r, alternating: ours, the
 * reference, and the reference again with the benchmark as the child
 * subreaper that reaps at once (see bench/README.md). Fills
 * res->c[WL_SETUP][WHO_A|WHO_B][r] (cpu_us: CPU per run) and
 * res->setup_reaped[r]. Returns 0 or -1.
 */
int	 round_setup(const struct config *cfg, struct results *res,
	    unsigned r);

/*
 * Median over rounds of ours' p50 wall time over the reference's
 * (reaped: the reference's reaped runs). NAN if not measured.
 */
double	 setup_ratio(const struct results *res, bool reaped);
/* The table's setup section (nothing if the workload did not run). */
void	 setup_report(FILE *f, const struct config *cfg,
	    const struct results *res);
/* Its JSON object, or NULL. */
struct json_object *setup_json(const struct config *cfg,
	    const struct results *res);

#endif
