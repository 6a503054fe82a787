/*
 * Latency sample buffers and nearest-rank percentiles for the benchmark.
 */
#include "config.h"

#include <stdlib.h>
#include <time.h>

#include "stats.h"

uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int
samples_init(struct samples *s, size_t cap)
{
	s->n = 0;
	s->cap = cap ? cap : 1;
	s->v = calloc(s->cap, sizeof(*s->v));
	return s->v ? 0 : -1;
}

void
samples_release(struct samples *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

void
samples_reset(struct samples *s)
{
	s->n = 0;
}

void
samples_add(struct samples *s, uint64_t ns)
{
	if (s->n < s->cap)
		s->v[s->n++] = ns;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_d(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted values. */
static uint64_t
pct(const uint64_t *v, size_t n, unsigned p)
{
	size_t	k = (n * p + 99) / 100;

	return v[k ? k - 1 : 0];
}

void
samples_summarize(struct samples *s, struct summary *out)
{
	double		sum = 0;
	size_t		i;

	out->n = s->n;
	out->p50_us = out->p99_us = out->mean_us = out->ops = 0;
	if (s->n == 0)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
	for (i = 0; i < s->n; i++)
		sum += (double)s->v[i];
	out->p50_us = (double)pct(s->v, s->n, 50) / 1e3;
	out->p99_us = (double)pct(s->v, s->n, 99) / 1e3;
	out->mean_us = sum / (double)s->n / 1e3;
	out->ops = sum > 0 ? (double)s->n * 1e9 / sum : 0;
}

double
median_d(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_d);
	if (n % 2)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2;
}

double
min_d(const double *v, size_t n)
{
	double	m = n ? v[0] : 0;
	size_t	i;

	for (i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

double
max_d(const double *v, size_t n)
{
	double	m = n ? v[0] : 0;
	size_t	i;

	for (i = 1; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}
