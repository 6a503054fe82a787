/*
 * Benchmark report: medians over rounds, ratios with their spread, the
 * memory and density figures and the project's targets, as a text table
 * and as JSON (json-c). Reads results only; runs nothing.
 */
#include "config.h"

#include <json.h>
#include <math.h>
#include <string.h>

#include "bench.h"
#include "setup.h"

enum field { F_P50, F_P99, F_OPS };

static double
field_of(const struct summary *s, enum field f)
{
	return f == F_P50 ? s->p50_us : f == F_P99 ? s->p99_us : s->ops;
}

/* Median over rounds of one figure; NAN if never measured. */
static double
med(const struct results *res, enum wl w, int who, enum field f)
{
	double		v[MAX_ROUNDS];
	unsigned	r, n = 0;

	for (r = 0; r < res->rounds; r++)
		if (res->c[w][who][r].have)
			v[n++] = field_of(&res->c[w][who][r].s, f);
	return n ? median_d(v, n) : NAN;
}

/* Median over rounds of the server (or client) CPU time per command. */
static double
cpumed_of(const struct results *res, enum wl w, int who, bool client)
{
	double		v[MAX_ROUNDS], x;
	unsigned	r, n = 0;

	for (r = 0; r < res->rounds; r++) {
		if (!res->c[w][who][r].have)
			continue;
		x = client ? res->c[w][who][r].client_cpu_us :
		    res->c[w][who][r].cpu_us;
		if (!isnan(x))
			v[n++] = x;
	}
	return n ? median_d(v, n) : NAN;
}

static double
cpumed(const struct results *res, enum wl w, int who)
{
	return cpumed_of(res, w, who, false);
}

/* CPU a server adds per small command over the null server + libtpms. */
static double
cpu_extra(const struct results *res, enum wl w, int who)
{
	return cpumed(res, w, who) - cpumed(res, w, WHO_NULL) -
	    cpumed(res, w, WHO_FLOOR);
}

struct ratio {
	double	med, min, max;
	double	rounds[MAX_ROUNDS];
	unsigned n;
};

/* Per-round p50 ratio a/b (a in workload wa, b in workload wb). */
static bool
ratio(const struct results *res, enum wl wa, int a, enum wl wb, int b,
    struct ratio *out)
{
	double		tmp[MAX_ROUNDS];
	unsigned	r;

	out->n = 0;
	for (r = 0; r < res->rounds; r++) {
		const struct cell *x = &res->c[wa][a][r];
		const struct cell *y = &res->c[wb][b][r];

		if (x->have && y->have && y->s.p50_us > 0)
			out->rounds[out->n++] = x->s.p50_us / y->s.p50_us;
	}
	if (out->n == 0) {
		out->med = out->min = out->max = NAN;
		return false;
	}
	memcpy(tmp, out->rounds, out->n * sizeof(double));
	out->min = min_d(tmp, out->n);
	out->max = max_d(tmp, out->n);
	out->med = median_d(tmp, out->n);
	return true;
}

/* The floor workload that matches w (same durability). */
static enum wl
floor_of(enum wl w)
{
	return w;
}

static bool
is_small(enum wl w)
{
	return w == WL_GETRANDOM || w == WL_PCR || w == WL_HASH;
}

static double
memmed(const struct results *res, int who, size_t off, bool isint)
{
	double		v[MAX_ROUNDS];
	unsigned	r, n = 0;

	for (r = 0; r < res->rounds; r++) {
		const char	*m = (const char *)&res->mem[who][r];

		if (!res->mem[who][r].have)
			continue;
		v[n++] = isint ? (double)*(const int *)(m + off) :
		    (double)*(const long *)(m + off);
	}
	return n ? median_d(v, n) : NAN;
}

static double
fd_per_op(const struct results *res, int who)
{
	long		g = 0;
	unsigned long	ops = 0;
	unsigned	r;

	int		w;

	for (r = 0; r < res->rounds; r++)
		if (res->mem[who][r].have) {
			for (w = 0; w < WL_COUNT; w++)
				g += res->mem[who][r].fd_wl[w];
			ops += res->mem[who][r].ops;
		}
	return ops ? (double)g / (double)ops : NAN;
}

/* Descriptors gained during workload w, summed over rounds. */
static long
fd_wl(const struct results *res, int who, int w)
{
	long		g = 0;
	unsigned	r;

	for (r = 0; r < res->rounds; r++)
		if (res->mem[who][r].have)
			g += res->mem[who][r].fd_wl[w];
	return g;
}

static void
num(FILE *f, double v, int width, int prec)
{
	if (isnan(v))
		fprintf(f, " %*s", width, "-");
	else
		fprintf(f, " %*.*f", width, prec, v);
}

struct target {
	char	 name[64];
	double	 value, limit;
	bool	 met;
};

static unsigned
targets(const struct results *res, struct target *t)
{
	static const enum wl small[] = { WL_GETRANDOM, WL_PCR, WL_HASH };
	struct ratio	q;
	unsigned	n = 0, i;
	double		v;

	for (i = 0; i < 3; i++) {
		ratio(res, small[i], WHO_A, small[i], WHO_B, &q);
		snprintf(t[n].name, sizeof(t[n].name), "%s ours/ref",
		    wl_names[small[i]]);
		t[n].value = q.med;
		t[n++].limit = 1.0;
		v = med(res, small[i], WHO_A, F_P50) - med(res, small[i],
		    WHO_NULL, F_P50) - med(res, small[i], WHO_FLOOR, F_P50);
		snprintf(t[n].name, sizeof(t[n].name),
		    "%s ours-(null+floor) us", wl_names[small[i]]);
		t[n].value = v;
		t[n++].limit = 1.5;
	}
	ratio(res, WL_MIGRATION, WHO_A, WL_MIGRATION, WHO_B, &q);
	snprintf(t[n].name, sizeof(t[n].name), "migration ours/ref");
	t[n].value = q.med;
	t[n++].limit = 0.3;
	ratio(res, WL_NV, WHO_A, WL_NV, WHO_B, &q);
	snprintf(t[n].name, sizeof(t[n].name), "nv_write ours/ref");
	t[n].value = q.med;
	t[n++].limit = 0.7;
	ratio(res, WL_NV_DURABLE, WHO_A, WL_NV_DURABLE, WHO_FLOOR, &q);
	snprintf(t[n].name, sizeof(t[n].name), "nv_write_durable ours/floor");
	t[n].value = q.med;
	t[n++].limit = 1.1;
	ratio(res, WL_STARTUP, WHO_A, WL_STARTUP, WHO_B, &q);
	snprintf(t[n].name, sizeof(t[n].name), "startup ours/ref");
	t[n].value = q.med;
	t[n++].limit = 0.75;
	snprintf(t[n].name, sizeof(t[n].name), "density pss ours/ref");
	t[n].value = res->dens[0].have && res->dens[1].have &&
	    res->dens[1].pss_kb > 0 ? res->dens[0].pss_kb /
	    res->dens[1].pss_kb : NAN;
	t[n++].limit = 1.0;
	snprintf(t[n].name, sizeof(t[n].name), "setup ours/ref");
	t[n].value = setup_ratio(res, false);
	t[n++].limit = 0.25;
	snprintf(t[n].name, sizeof(t[n].name), "fd growth per op (ours)");
	t[n].value = fd_per_op(res, WHO_A);
	t[n++].limit = 0;
	for (i = 0; i < n; i++)
		t[i].met = !isnan(t[i].value) && t[i].value <= t[i].limit;
	return n;
}

#define MAX_TARGETS	16

void
report_table(FILE *f, const struct config *cfg, const struct results *res)
{
	static const struct { const char *name; size_t off; bool isint; }
	    mrows[] = {
		{ "rss_idle_kib", offsetof(struct memrow, rss_idle), false },
		{ "pss_idle_kib", offsetof(struct memrow, pss_idle), false },
		{ "rss_peak_kib", offsetof(struct memrow, rss_peak), false },
		{ "pss_peak_kib", offsetof(struct memrow, pss_peak), false },
		{ "fds_before", offsetof(struct memrow, fd_before), true },
		{ "fds_after", offsetof(struct memrow, fd_after), true },
	};
	struct target	t[MAX_TARGETS];
	struct ratio	q, qf;
	unsigned	i, n;
	int		w, who;

	fprintf(f, "swtpm benchmark, %s%s\n", res->date,
	    cfg->quick ? " (quick mode: figures are not meaningful)" : "");
	fprintf(f, "machine: %s\n", res->machine);
	fprintf(f, "ours: %s (%s)\nref:  %s (%s)\n", cfg->bin[0],
	    res->versions[0], cfg->bin[1] ? cfg->bin[1] : "-",
	    res->versions[1]);
	fprintf(f, "--tpmstate dir=D suffixes (ours/ref): main '%s'/'%s', "
	    "nv_write '%s'/'%s', nv_write_durable '%s'/'%s'\n",
	    cfg->main_opt[0], cfg->main_opt[1], cfg->nofsync_opt[0],
	    cfg->nofsync_opt[1], cfg->durable_opt[0] ? cfg->durable_opt[0] :
	    "(skipped)", cfg->durable_opt[1] ? cfg->durable_opt[1] :
	    "(skipped)");
	fprintf(f, "rounds: %u interleaved, pinned to CPU %d, %s; "
	    "iterations small %u, nv %u, heavy %u, start-up %u\n\n",
	    res->rounds, cfg->cpu, cfg->tcp ? "TCP" : "unix sockets",
	    cfg->small, cfg->nv, cfg->heavy, cfg->start);
	fprintf(f, "p50 latency in us (median over rounds)\n");
	fprintf(f, "%-17s %9s %9s %22s %9s %9s %10s %10s %10s\n",
	    "workload", "ours", "ref", "ours/ref [min..max]", "floor", "null",
	    "ours-floor", "ours-n-fl", "ours/floor");
	for (w = 0; w < WL_COUNT; w++) {
		double	a = med(res, w, WHO_A, F_P50);
		double	fl = med(res, floor_of(w), WHO_FLOOR, F_P50);
		double	nl = med(res, w, WHO_NULL, F_P50);
		char	rb[32] = "-";

		if (ratio(res, w, WHO_A, w, WHO_B, &q))
			snprintf(rb, sizeof(rb), "%.2f [%.2f..%.2f]", q.med,
			    q.min, q.max);
		ratio(res, w, WHO_A, floor_of(w), WHO_FLOOR, &qf);
		fprintf(f, "%-17s", wl_names[w]);
		num(f, a, 9, 1);
		num(f, med(res, w, WHO_B, F_P50), 9, 1);
		fprintf(f, " %22s", rb);
		num(f, fl, 9, 2);
		num(f, nl, 9, 2);
		num(f, a - fl, 10, 1);
		num(f, is_small(w) ? a - fl - nl : NAN, 10, 2);
		num(f, qf.med, 10, 2);
		fputc('\n', f);
	}
	fprintf(f, "\np99 latency in us and throughput in ops/s (median over "
	    "rounds)\n");
	fprintf(f, "%-17s %9s %9s %9s %11s %11s %11s %11s\n", "workload",
	    "ours p99", "ref p99", "floor p99", "ours ops/s", "ref ops/s",
	    "null ops/s", "floor ops/s");
	for (w = 0; w < WL_COUNT; w++) {
		fprintf(f, "%-17s", wl_names[w]);
		num(f, med(res, w, WHO_A, F_P99), 9, 1);
		num(f, med(res, w, WHO_B, F_P99), 9, 1);
		num(f, med(res, w, WHO_FLOOR, F_P99), 9, 1);
		for (who = 0; who < WHO_COUNT; who++)
			num(f, med(res, w, who, F_OPS), 11, 0);
		fputc('\n', f);
	}
	fprintf(f, "\nCPU time per command in us (on-CPU time from "
	    "/proc/PID/schedstat, kernel\nsocket work included; floor = "
	    "in-process mean; client = the benchmark process\nwhile talking "
	    "to ours / ref / null; median over rounds)\n");
	fprintf(f, "%-17s %9s %9s %9s %9s %10s %10s %8s %8s %8s\n",
	    "workload", "ours", "ref", "null", "floor", "ours-n-fl",
	    "ref-n-fl", "cl-ours", "cl-ref", "cl-null");
	for (w = 0; w < WL_COUNT; w++) {
		if (!is_small(w))
			continue;
		fprintf(f, "%-17s", wl_names[w]);
		for (who = 0; who < WHO_COUNT; who++)
			num(f, cpumed(res, w, who), 9, 2);
		num(f, cpu_extra(res, w, WHO_A), 10, 2);
		num(f, cpu_extra(res, w, WHO_B), 10, 2);
		for (who = 0; who <= WHO_NULL; who++)
			num(f, cpumed_of(res, w, who, true), 8, 2);
		fputc('\n', f);
	}
	setup_report(f, cfg, res);
	fprintf(f, "\nserver memory and descriptors (median over rounds)\n");
	fprintf(f, "%-17s %10s %10s\n", "", "ours", "ref");
	for (i = 0; i < sizeof(mrows) / sizeof(mrows[0]); i++) {
		fprintf(f, "%-17s", mrows[i].name);
		for (who = 0; who < 2; who++)
			num(f, memmed(res, who, mrows[i].off, mrows[i].isint),
			    10, 0);
		fputc('\n', f);
	}
	fprintf(f, "%-17s", "fd_growth_per_op");
	for (who = 0; who < 2; who++)
		num(f, fd_per_op(res, who), 10, 4);
	for (w = 0; w < WL_COUNT; w++) {
		if (fd_wl(res, 0, w) == 0 && fd_wl(res, 1, w) == 0)
			continue;
		fprintf(f, "\n+fds %-12s", wl_names[w]);
		for (who = 0; who < 2; who++)
			num(f, (double)fd_wl(res, who, w), 10, 0);
	}
	fprintf(f, "\n\ndensity (idle instances)\n%-17s %10s %10s\n", "",
	    "ours", "ref");
	fprintf(f, "%-17s", "instances");
	for (who = 0; who < 2; who++)
		num(f, res->dens[who].have ? res->dens[who].n : NAN, 10, 0);
#define DROW(label, fld, prec) do {				\
	fprintf(f, "\n%-17s", label);					\
	for (who = 0; who < 2; who++)					\
		num(f, res->dens[who].have ? res->dens[who].fld :	\
		    NAN, 10, prec);					\
} while (0)
	DROW("pss_each_kib", pss_kb, 0);
	DROW("pss_anon_each_kib", pss_anon_kb, 0);
	DROW("rss_each_kib", rss_kb, 0);
	DROW("pss_early_kib", pss_early_kb, 0);
	DROW("spawn_ready_s", ready_s, 2);
	DROW("all_answer_ms", answer_ms, 1);
	DROW("spawn_answer_s", total_s, 2);
#undef DROW
	fprintf(f, "\n\ntargets (informational; never fail the run)\n");
	n = targets(res, t);
	for (i = 0; i < n; i++) {
		fprintf(f, "%-36s", t[i].name);
		num(f, t[i].value, 9, 3);
		fprintf(f, "  <= %-5g %s\n", t[i].limit, isnan(t[i].value) ?
		    "n/a" : t[i].met ? "met" : "NOT met");
	}
	fflush(f);
}

static json_object *
jnum(double v)
{
	return isnan(v) ? NULL : json_object_new_double(v);
}

static json_object *
j_who(const struct results *res, enum wl w, int who)
{
	json_object	*o, *a;
	unsigned	 r;

	if (isnan(med(res, w, who, F_P50)))
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "p50_us", jnum(med(res, w, who, F_P50)));
	json_object_object_add(o, "p99_us", jnum(med(res, w, who, F_P99)));
	json_object_object_add(o, "ops_per_s", jnum(med(res, w, who,
	    F_OPS)));
	a = json_object_new_array();
	for (r = 0; r < res->rounds; r++)
		if (res->c[w][who][r].have)
			json_object_array_add(a, json_object_new_double(
			    res->c[w][who][r].s.p50_us));
	json_object_object_add(o, "rounds_p50_us", a);
	if (is_small(w))
		json_object_object_add(o, "cpu_us_per_command",
		    jnum(cpumed(res, w, who)));
	if (is_small(w) && who != WHO_FLOOR)
		json_object_object_add(o, "client_cpu_us_per_command",
		    jnum(cpumed_of(res, w, who, true)));
	return o;
}

static json_object *
j_ratio(const struct ratio *q)
{
	json_object	*o;

	if (q->n == 0)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "median", jnum(q->med));
	json_object_object_add(o, "min", jnum(q->min));
	json_object_object_add(o, "max", jnum(q->max));
	return o;
}

static json_object *
j_workloads(const struct results *res)
{
	json_object	*all = json_object_new_object(), *o;
	struct ratio	 q;
	int		 w, who;
	double		 a, fl, nl;

	for (w = 0; w < WL_COUNT; w++) {
		o = json_object_new_object();
		for (who = 0; who < WHO_COUNT; who++)
			json_object_object_add(o, who_names[who],
			    j_who(res, w, who));
		ratio(res, w, WHO_A, w, WHO_B, &q);
		json_object_object_add(o, "ratio_ours_ref", j_ratio(&q));
		ratio(res, w, WHO_A, floor_of(w), WHO_FLOOR, &q);
		json_object_object_add(o, "ratio_ours_floor", j_ratio(&q));
		a = med(res, w, WHO_A, F_P50);
		fl = med(res, floor_of(w), WHO_FLOOR, F_P50);
		nl = med(res, w, WHO_NULL, F_P50);
		json_object_object_add(o, "ours_minus_floor_us",
		    jnum(a - fl));
		if (is_small(w)) {
			json_object_object_add(o,
			    "ours_minus_null_and_floor_us", jnum(a - fl - nl));
			json_object_object_add(o,
			    "cpu_ours_minus_null_and_floor_us",
			    jnum(cpu_extra(res, w, WHO_A)));
			json_object_object_add(o,
			    "cpu_ref_minus_null_and_floor_us",
			    jnum(cpu_extra(res, w, WHO_B)));
		}
		json_object_object_add(all, wl_names[w], o);
	}
	return all;
}

static json_object *
j_memory(const struct results *res, int who)
{
	json_object	*o = json_object_new_object(), *a;
	int		 w;

#define M(k, fld, i) json_object_object_add(o, k, jnum(memmed(res, who, \
	offsetof(struct memrow, fld), i)))
	M("rss_idle_kib", rss_idle, false);
	M("pss_idle_kib", pss_idle, false);
	M("rss_peak_kib", rss_peak, false);
	M("pss_peak_kib", pss_peak, false);
	M("fds_before", fd_before, true);
	M("fds_after", fd_after, true);
#undef M
	json_object_object_add(o, "fd_growth_per_op", jnum(fd_per_op(res,
	    who)));
	a = json_object_new_object();
	for (w = 0; w < WL_COUNT; w++)
		if (w != WL_STARTUP)
			json_object_object_add(a, wl_names[w],
			    json_object_new_int64(fd_wl(res, who, w)));
	json_object_object_add(o, "fd_growth_by_workload", a);
	return o;
}

static json_object *
j_density(const struct dens *d)
{
	json_object	*o;

	if (!d->have)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "instances", json_object_new_int(
	    (int)d->n));
	json_object_object_add(o, "pss_each_kib", jnum(d->pss_kb));
	json_object_object_add(o, "pss_anon_each_kib", jnum(d->pss_anon_kb));
	json_object_object_add(o, "rss_each_kib", jnum(d->rss_kb));
	json_object_object_add(o, "passes", json_object_new_int(
	    (int)d->passes));
	json_object_object_add(o, "pss_each_at_connect_kib",
	    jnum(d->pss_early_kb));
	json_object_object_add(o, "spawn_to_all_answered_s",
	    jnum(d->total_s));
	json_object_object_add(o, "spawn_to_ready_s", jnum(d->ready_s));
	json_object_object_add(o, "all_answer_getrandom_ms",
	    jnum(d->answer_ms));
	return o;
}

int
report_json(const char *path, const struct config *cfg,
    const struct results *res)
{
	json_object	*root = json_object_new_object(), *o, *a;
	struct target	 t[MAX_TARGETS];
	unsigned	 i, n;
	int		 who, rc = 0;

	json_object_object_add(root, "date", json_object_new_string(
	    res->date));
	json_object_object_add(root, "machine", json_object_new_string(
	    res->machine));
	json_object_object_add(root, "quick", json_object_new_boolean(
	    cfg->quick));
	json_object_object_add(root, "rounds", json_object_new_int(
	    (int)res->rounds));
	json_object_object_add(root, "cpu", json_object_new_int(cfg->cpu));
	json_object_object_add(root, "transport", json_object_new_string(
	    cfg->tcp ? "tcp" : "unix"));
	o = json_object_new_object();
	json_object_object_add(o, "small", json_object_new_int(
	    (int)cfg->small));
	json_object_object_add(o, "nv", json_object_new_int((int)cfg->nv));
	json_object_object_add(o, "heavy", json_object_new_int(
	    (int)cfg->heavy));
	json_object_object_add(o, "startup", json_object_new_int(
	    (int)cfg->start));
	json_object_object_add(root, "iterations", o);
	o = json_object_new_object();
	for (who = 0; who < 2; who++) {
		a = json_object_new_object();
		json_object_object_add(a, "path", cfg->bin[who] ?
		    json_object_new_string(cfg->bin[who]) : NULL);
		json_object_object_add(a, "version", json_object_new_string(
		    res->versions[who]));
		json_object_object_add(a, "tpmstate_main",
		    json_object_new_string(cfg->main_opt[who]));
		json_object_object_add(a, "tpmstate_nv_write",
		    json_object_new_string(cfg->nofsync_opt[who]));
		json_object_object_add(a, "tpmstate_nv_write_durable",
		    cfg->durable_opt[who] ? json_object_new_string(
		    cfg->durable_opt[who]) : NULL);
		json_object_object_add(o, who_names[who], a);
	}
	json_object_object_add(root, "servers", o);
	json_object_object_add(root, "workloads", j_workloads(res));
	o = json_object_new_object();
	for (who = 0; who < 2; who++)
		json_object_object_add(o, who_names[who], j_memory(res, who));
	json_object_object_add(root, "memory", o);
	o = json_object_new_object();
	for (who = 0; who < 2; who++)
		json_object_object_add(o, who_names[who],
		    j_density(&res->dens[who]));
	json_object_object_add(root, "density", o);
	json_object_object_add(root, "setup", setup_json(cfg, res));
	a = json_object_new_array();
	n = targets(res, t);
	for (i = 0; i < n; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(
		    t[i].name));
		json_object_object_add(o, "value", jnum(t[i].value));
		json_object_object_add(o, "limit", json_object_new_double(
		    t[i].limit));
		json_object_object_add(o, "met", json_object_new_boolean(
		    t[i].met));
		json_object_array_add(a, o);
	}
	json_object_object_add(root, "targets", a);
	if (strcmp(path, "-") == 0)
		printf("%s\n", json_object_to_json_string_ext(root,
		    JSON_C_TO_STRING_PRETTY));
	else if (json_object_to_file_ext(path, root,
	    JSON_C_TO_STRING_PRETTY) != 0)
		rc = -1;
	json_object_put(root);
	return rc;
}
