/*
 * Latency samples and their summaries (percentiles, ops/s), plus the
 * monotonic clock the benchmark programs share. No I/O.
 */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

struct samples {
	uint64_t	*v;		/* nanoseconds */
	size_t		 n, cap;
};

struct summary {
	size_t		 n;
	double		 p50_us, p99_us, mean_us;
	double		 ops;	/* n per second of summed latency */
};

uint64_t	 now_ns(void);
/* Returns 0, or -1 if out of memory. */
int		 samples_init(struct samples *, size_t cap);
void		 samples_release(struct samples *);
void		 samples_reset(struct samples *);
/* Drops the sample if the buffer is full (cap is chosen by the caller). */
void		 samples_add(struct samples *, uint64_t ns);
/* Sorts the samples in place. An empty set gives n = 0 and zeroes. */
void		 samples_summarize(struct samples *, struct summary *);
/* Median of n doubles (sorts v in place); 0 for n = 0. */
double		 median_d(double *v, size_t n);
double		 min_d(const double *v, size_t n);
double		 max_d(const double *v, size_t n);

#endif
