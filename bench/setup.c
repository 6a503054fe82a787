/*
 * The setup workload (setup.h). A run is timed from fork to the exit of
 * swtpm_setup; its CPU time is the rusage of every process of the run:
 * swtpm_setup's own and that of what it waited for (the certificate
 * tool, its swtpm_cert, the swtpm probes and, for ours, the swtpm).
 *
 * The reference starts its swtpm through GLib's g_spawn_async, which
 * forks twice: the swtpm is an orphan that only PID 1 (or a subreaper)
 * can reap, and the reference's stop loop tests it with kill(pid, 0)
 * every 1 ms for up to 500 ms, which a zombie passes. Where PID 1 reaps
 * late (this VM, many containers) each run waits the full 500 ms; where
 * it reaps at once (systemd) it does not. The "reaped" runs make this
 * process the subreaper that reaps at once, which also puts the
 * orphan's CPU time into the account.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json.h>

#include "proc.h"
#include "setup.h"
#include "stats.h"

static char	conf[PATH_MAX];

static int
write_text(const char *path, const char *text)
{
	FILE	*f = fopen(path, "we");
	int	 ret;

	if (f == NULL)
		return -1;
	ret = fputs(text, f) < 0 ? -1 : 0;
	if (fclose(f) != 0)
		ret = -1;
	return ret;
}

static double
tv_us(struct timeval tv)
{
	return (double)tv.tv_sec * 1e6 + (double)tv.tv_usec;
}

/* In the child: never returns. */
static void
child(const char *setup, const char *tpm, const char *state)
{
	char	log[PATH_MAX];
	int	fd;

	unpin_cpu();
	snprintf(log, sizeof(log), "%s/setup.log", state);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 ||
	    dup2(fd, STDERR_FILENO) < 0)
		_exit(127);
	execl(setup, setup, "--tpm", tpm, "--tpmstate", state, "--config",
	    conf, "--tpm2", "--create-ek-cert", "--create-platform-cert",
	    "--lock-nvram", (char *)NULL);
	_exit(127);
}

/*
 * One run in a new state directory. reaper: this process is the child
 * subreaper and reaps every orphan of the run at once. *wall until
 * swtpm_setup exits, *cpu_us of every process reaped.
 */
static int
run_one(const char *setup, const char *swtpm, const char *state,
    bool reaper, uint64_t *wall, double *cpu_us)
{
	char		tpm[PATH_MAX + 8];
	struct rusage	ru;
	uint64_t	t0;
	pid_t		pid, w;
	bool		ok = false, done = false;
	int		st, spins = 0;

	snprintf(tpm, sizeof(tpm), "%s socket", swtpm);
	if (mkdir(state, 0700) != 0)
		return -1;
	if (reaper && prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
		return -1;
	*cpu_us = 0;
	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0)
		child(setup, tpm, state);
	for (;;) {
		/* after swtpm_setup: what is left of the run, not blocking */
		w = wait4(reaper ? -1 : pid, &st, done ? WNOHANG : 0, &ru);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break;
		if (w == 0) {
			if (++spins > 1000)
				break;
			usleep(1000);
			continue;
		}
		*cpu_us += tv_us(ru.ru_utime) + tv_us(ru.ru_stime);
		if (w == pid) {
			*wall = now_ns() - t0;
			ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
			done = true;
			if (!reaper)
				break;
		}
	}
out:
	if (reaper)
		(void)prctl(PR_SET_CHILD_SUBREAPER, 0);
	if (!ok)
		fprintf(stderr, "swtpm_bench: setup: '%s' failed (see "
		    "%s/setup.log)\n", setup, state);
	return ok ? 0 : -1;
}

/* out = dir "/" name; -1 if it does not fit. */
static int
join(char *out, size_t cap, const char *dir, const char *name)
{
	int	n = snprintf(out, cap, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int
setup_prepare(const struct config *cfg)
{
	char	dir[PATH_MAX], path[PATH_MAX], text[4 * PATH_MAX];
	uint64_t wall;
	double	cpu;
	int	who = cfg->setup_bin[0] ? 0 : 1, n;

	if (join(dir, sizeof(dir), cfg->base, "setup-ca") != 0 ||
	    mkdir(dir, 0700) != 0 ||
	    join(path, sizeof(path), dir, "localca.conf") != 0)
		return -1;
	n = snprintf(text, sizeof(text), "statedir = %s\nsigningkey = %s/"
	    "signkey.pem\nissuercert = %s/issuercert.pem\ncertserial = "
	    "%s/certserial\n", dir, dir, dir, dir);
	if (n < 0 || (size_t)n >= sizeof(text) || write_text(path, text) != 0 ||
	    join(path, sizeof(path), dir, "localca.options") != 0 ||
	    write_text(path, "--platform-manufacturer Bench "
	    "--platform-version 1 --platform-model Bench\n") != 0 ||
	    join(conf, sizeof(conf), dir, "swtpm_setup.conf") != 0)
		return -1;
	n = snprintf(text, sizeof(text), "create_certs_tool = %s\n"
	    "create_certs_tool_config = %s/localca.conf\n"
	    "create_certs_tool_options = %s/localca.options\n"
	    "active_pcr_banks = sha256\n", cfg->setup_tool, dir, dir);
	if (n < 0 || (size_t)n >= sizeof(text) || write_text(conf, text) != 0 ||
	    join(path, sizeof(path), dir, "warm-up") != 0)
		return -1;
	/* makes the CA (untimed) */
	return run_one(cfg->setup_bin[who], cfg->bin[who], path, true,
	    &wall, &cpu);
}

/* The three kinds of run: ours, the reference, the reference reaped. */
struct kind {
	int		 who;
	bool		 reaper;
	const char	*name;
	struct samples	 s;
	double		 cpu_us;
	unsigned	 n;
};

static void
fill(struct cell *c, struct kind *k)
{
	samples_summarize(&k->s, &c->s);
	c->have = k->s.n > 0;
	c->cpu_us = k->n ? k->cpu_us / k->n : NAN;
	c->client_cpu_us = NAN;
}

int
round_setup(const struct config *cfg, struct results *res, unsigned r)
{
	struct kind	 kinds[3] = {
		{ WHO_A, true, "ours", { 0 }, 0, 0 },
		{ WHO_B, false, "ref", { 0 }, 0, 0 },
		{ WHO_B, true, "ref-reaped", { 0 }, 0, 0 },
	};
	char		 dir[PATH_MAX];
	unsigned	 i, j, nk = 0;
	struct kind	*k, *use[3];
	uint64_t	 wall;
	double		 cpu;
	int		 ret = -1;

	for (j = 0; j < 3; j++)
		if (cfg->setup_bin[kinds[j].who] && cfg->bin[kinds[j].who])
			use[nk++] = &kinds[j];
	for (j = 0; j < nk; j++)
		if (samples_init(&use[j]->s, cfg->setup) != 0)
			goto out;
	for (i = 0; i < cfg->setup; i++) {
		for (j = 0; j < nk; j++) {
			k = use[(i + j + r) % nk];
			snprintf(dir, sizeof(dir), "%s/r%u-%s-setup-%u",
			    cfg->base, r, k->name, i);
			if (run_one(cfg->setup_bin[k->who], cfg->bin[k->who],
			    dir, k->reaper, &wall, &cpu) != 0)
				goto out;
			samples_add(&k->s, wall);
			k->cpu_us += cpu;
			k->n++;
			(void)rm_rf(dir);
		}
	}
	for (j = 0; j < nk; j++) {
		k = use[j];
		if (k == &kinds[2])
			fill(&res->setup_reaped[r], k);
		else
			fill(&res->c[WL_SETUP][k->who][r], k);
	}
	/* the CPU of a reference run: only the reaped runs see it all */
	if (res->setup_reaped[r].have)
		res->c[WL_SETUP][WHO_B][r].cpu_us =
		    res->setup_reaped[r].cpu_us;
	ret = 0;
out:
	for (j = 0; j < nk; j++)
		samples_release(&use[j]->s);
	return ret;
}

/* Median over rounds of a per-round figure of a cell. */
static double
med_of(const struct cell *c, unsigned rounds, bool cpu)
{
	double		v[MAX_ROUNDS];
	unsigned	r, n = 0;

	for (r = 0; r < rounds; r++)
		if (c[r].have && !isnan(cpu ? c[r].cpu_us : c[r].s.p50_us))
			v[n++] = cpu ? c[r].cpu_us : c[r].s.p50_us;
	return n ? median_d(v, n) : NAN;
}

/* The per-round ratios a/b: median, min, max (NAN if none). */
static void
ratios(const struct cell *a, const struct cell *b, unsigned rounds,
    double out[3])
{
	double		v[MAX_ROUNDS];
	unsigned	r, n = 0;

	for (r = 0; r < rounds; r++)
		if (a[r].have && b[r].have && b[r].s.p50_us > 0)
			v[n++] = a[r].s.p50_us / b[r].s.p50_us;
	if (n == 0) {
		out[0] = out[1] = out[2] = NAN;
		return;
	}
	out[1] = min_d(v, n);
	out[2] = max_d(v, n);
	out[0] = median_d(v, n);
}

double
setup_ratio(const struct results *res, bool reaped)
{
	double	q[3];

	ratios(res->c[WL_SETUP][WHO_A], reaped ? res->setup_reaped :
	    res->c[WL_SETUP][WHO_B], res->rounds, q);
	return q[0];
}

static void
row(FILE *f, const char *name, const struct cell *c,
    const struct cell *ours, unsigned rounds)
{
	double	q[3];

	fprintf(f, "%-17s", name);
	if (isnan(med_of(c, rounds, false))) {
		fprintf(f, " %9s\n", "-");
		return;
	}
	fprintf(f, " %9.1f %9.1f", med_of(c, rounds, false) / 1e3,
	    med_of(c, rounds, true) / 1e3);
	if (c != ours) {
		ratios(ours, c, rounds, q);
		fprintf(f, "   %.2f [%.2f..%.2f]", q[0], q[1], q[2]);
	}
	fputc('\n', f);
}

void
setup_report(FILE *f, const struct config *cfg, const struct results *res)
{
	if (!cfg->setup)
		return;
	fprintf(f, "\nswtpm_setup " SETUP_FLAGS " (certificates: %s;\n"
	    "not pinned; ms per run, median over rounds of the p50; CPU: all "
	    "processes of a run,\nthe reference's counted in its reaped runs)"
	    "\n", cfg->setup_tool);
	fprintf(f, "%-17s %9s %9s   %s\n", "", "wall", "cpu",
	    "ours/this [min..max]");
	row(f, "ours", res->c[WL_SETUP][WHO_A], res->c[WL_SETUP][WHO_A],
	    res->rounds);
	row(f, "ref", res->c[WL_SETUP][WHO_B], res->c[WL_SETUP][WHO_A],
	    res->rounds);
	row(f, "ref, reaped", res->setup_reaped, res->c[WL_SETUP][WHO_A],
	    res->rounds);
}

static struct json_object *
jcell(const struct cell *c, unsigned rounds)
{
	struct json_object	*o;
	double			 v;

	if (isnan(v = med_of(c, rounds, false)))
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "wall_ms", json_object_new_double(v / 1e3));
	v = med_of(c, rounds, true);
	json_object_object_add(o, "cpu_ms", isnan(v) ? NULL :
	    json_object_new_double(v / 1e3));
	return o;
}

struct json_object *
setup_json(const struct config *cfg, const struct results *res)
{
	struct json_object	*o;
	double			 v;

	if (!cfg->setup)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "flags", json_object_new_string(
	    SETUP_FLAGS));
	json_object_object_add(o, "cert_tool", json_object_new_string(
	    cfg->setup_tool));
	json_object_object_add(o, "runs_per_round", json_object_new_int(
	    (int)cfg->setup));
	json_object_object_add(o, "ours", jcell(res->c[WL_SETUP][WHO_A],
	    res->rounds));
	json_object_object_add(o, "ref", jcell(res->c[WL_SETUP][WHO_B],
	    res->rounds));
	json_object_object_add(o, "ref_reaped", jcell(res->setup_reaped,
	    res->rounds));
	v = setup_ratio(res, false);
	json_object_object_add(o, "ratio_ours_ref", isnan(v) ? NULL :
	    json_object_new_double(v));
	v = setup_ratio(res, true);
	json_object_object_add(o, "ratio_ours_ref_reaped", isnan(v) ? NULL :
	    json_object_new_double(v));
	return o;
}
