/*
 * Shared types of the benchmark driver: the workloads, who ran them
 * (A = ours, B = reference, the null server, the in-process floor), the
 * run configuration and the collected per-round results.
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <stdbool.h>
#include <stdio.h>

#include "stats.h"

enum wl {
	WL_GETRANDOM, WL_PCR, WL_HASH, WL_NV, WL_NV_DURABLE, WL_PRIMARY,
	WL_MIGRATION, WL_STARTUP, WL_SETUP, WL_COUNT
};
enum who { WHO_A, WHO_B, WHO_NULL, WHO_FLOOR, WHO_COUNT };

#define MAX_ROUNDS	64

extern const char *const wl_names[WL_COUNT];
extern const char *const who_names[WHO_COUNT];

struct config {
	/* Index 0 = A (ours), 1 = B (reference; bin[1] may be NULL). */
	const char	*bin[2];
	/* --tpmstate dir=D suffixes: main instance, NV write at the
	 * reference's durability, NV write at full durability (NULL: skip). */
	const char	*main_opt[2];
	const char	*nofsync_opt[2];
	const char	*durable_opt[2];
	const char	*null_bin, *floor_bin;
	/* swtpm_setup: ours, the reference (NULL: skip), the cert tool */
	const char	*setup_bin[2];
	const char	*setup_tool;
	const char	*json, *base;
	unsigned	 rounds, small, nv, heavy, start, density, dpasses;
	unsigned	 setup;		/* swtpm_setup runs per side and round */
	int		 cpu;
	int		 tcp;	/* base port; 0 = unix sockets */
	bool		 quick, keep;
};

struct cell {
	bool		have;
	struct summary	s;
	/* On-CPU time per command of the server and of the benchmark
	 * client (small commands; NAN if unknown). */
	double		cpu_us, client_cpu_us;
};

struct memrow {
	bool		have;
	long		rss_idle, pss_idle, rss_peak, pss_peak;
	int		fd_before, fd_after;
	long		fd_wl[WL_COUNT];	/* growth during workload */
	unsigned long	ops;
};

struct dens {
	bool		have;
	/*
	 * n instances, medians of `passes` runs. Seconds from the first
	 * spawn until all connect (ready_s) and until all answered one
	 * GetRandom (total_s); milliseconds from sending it to all until
	 * all answered. Memory per instance in KiB, idle after answering;
	 * pss_early_kb when all could connect.
	 */
	unsigned	n, passes;
	double		ready_s, answer_ms, total_s;
	double		pss_kb, rss_kb, pss_anon_kb, pss_early_kb;
};

struct results {
	unsigned	rounds;
	char		date[64], machine[256], versions[2][128];
	struct cell	c[WL_COUNT][WHO_COUNT][MAX_ROUNDS];
	struct memrow	mem[2][MAX_ROUNDS];
	struct dens	dens[2];
	/* the reference's setup runs with this process as prompt reaper */
	struct cell	setup_reaped[MAX_ROUNDS];
};

void	 report_table(FILE *, const struct config *,
	    const struct results *);
/* path "-" writes to stdout. Returns 0 or -1. */
int	 report_json(const char *path, const struct config *,
	    const struct results *);

#endif
