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
	WL_MIGRATION, WL_STARTUP, WL_COUNT
};
enum who { WHO_A, WHO_B, WHO_NULL, WHO_FLOOR, WHO_COUNT };

#define MAX_ROUNDS	64

extern const char *const wl_names[WL_COUNT];
extern const char *const who_names[WHO_COUNT];

struct config {
	const char	*bin[2];	/* A, B; B may be NULL */
	const char	*main_opt[2];	/* --tpmstate suffix, main instance */
	const char	*nofsync_opt[2]; /* suffix for reference durability */
	const char	*durable_opt[2]; /* suffix for full durability or NULL */
	const char	*null_bin, *floor_bin;
	const char	*json, *base;
	unsigned	 rounds, small, nv, heavy, start, density, dpasses;
	int		 cpu;
	bool		 quick, keep;
};

struct cell {
	bool		have;
	struct summary	s;
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
	unsigned	n, passes;	/* instances; runs (medians) */
	double		ready_s;	/* spawn of the first to all connectable */
	double		answer_ms;	/* GetRandom to all, until all answered */
	double		total_s;	/* spawn of the first to all answered */
	double		pss_kb, rss_kb;	/* each, idle after answering */
	double		pss_anon_kb;	/* each, anonymous part of pss_kb */
	double		pss_early_kb;	/* each, when all were connectable */
};

struct results {
	unsigned	rounds;
	char		date[64], machine[256], versions[2][128];
	struct cell	c[WL_COUNT][WHO_COUNT][MAX_ROUNDS];
	struct memrow	mem[2][MAX_ROUNDS];
	struct dens	dens[2];
};

void	 report_table(FILE *, const struct config *, const struct results *);
/* path "-" writes to stdout. Returns 0 or -1. */
int	 report_json(const char *path, const struct config *,
	    const struct results *);

#endif
