/*
 * swtpm_bench: drives two swtpm-compatible servers (A = ours, B = the
 * reference) interleaved over several rounds through the data and control
 * channels, plus two floors (null server, in-process libtpms), and a
 * density run. Prints a table and optionally JSON. Asserts nothing.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "bytes.h"
#include "client.h"
#include "conn.h"
#include "proc.h"
#include "setup.h"
#include "swtpm/tpm_ioctl.h"
#include "tpm2.h"
#include "tpmcmd.h"

#define FLAGS_STARTED	"not-need-init,startup-clear"
#define RSP_MAX		8192
#define BLOB_MAX	(16u << 20)

/* A state blob, its buffer reused from one migration to the next. */
struct blobbuf {
	uint8_t	*p;
	size_t	 len, cap;
};

const char *const wl_names[WL_COUNT] = {
	"getrandom", "pcr_extend", "hash_1k", "nv_write", "nv_write_durable",
	"create_primary", "migration", "startup", "setup",
};
const char *const who_names[WHO_COUNT] = { "ours", "ref", "null", "floor" };

static uint8_t	rsp[RSP_MAX];
static size_t	rsp_len;	/* of the last response in rsp */

static void warnx_(const char *, ...) __attribute__((format(printf, 1, 2)));

static void
warnx_(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "swtpm_bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * One TPM command; returns its response code or TPM_RSP_MALFORMED.
 * No deadline: reads are bounded by the socket's receive timeout
 * (proc.c), so the hot path is one write and one read.
 */
static uint32_t
tpm_do(struct cl_conn *c, const uint8_t *cmd, size_t n)
{
	if (cl_tpm(c, cmd, n, rsp, sizeof(rsp), &rsp_len, -1) != CL_OK)
		return TPM_RSP_MALFORMED;
	return tpm2_parse_rc(rsp, rsp_len);
}

static size_t
build(enum wl w, unsigned i, uint8_t *cmd, size_t cap)
{
	switch (w) {
	case WL_GETRANDOM:
		return tc_getrandom(cmd, cap, 32);
	case WL_PCR:
		return tc_pcr_extend(cmd, cap, 16, (uint8_t)i);
	case WL_HASH:
		return tc_hash(cmd, cap, TC_HASH_LEN);
	case WL_NV:
	case WL_NV_DURABLE:
		return tc_nv_write(cmd, cap, TC_NV_INDEX, (uint8_t)i,
		    TC_NV_SIZE);
	case WL_PRIMARY:
		return tc_create_primary_ecc(cmd, cap);
	default:
		return 0;
	}
}

/*
 * Iterations [first, first + n) of a TPM command workload; the first
 * warm of them are not recorded. Returns the commands sent, or -1.
 */
static long
loop_tpm(struct inst *in, enum wl w, unsigned first, unsigned n,
    unsigned warm, struct samples *s)
{
	uint8_t		cmd[TC_MAX_CMD], fl[16];
	unsigned	i;
	uint64_t	t0, dt;
	size_t		len;
	uint32_t	rc;

	for (i = 0; i < warm + n; i++) {
		len = build(w, first + i, cmd, sizeof(cmd));
		t0 = now_ns();
		rc = tpm_do(&in->data, cmd, len);
		dt = now_ns() - t0;
		if (rc != 0) {
			fprintf(stderr, "swtpm_bench: %s: response code "
			    "0x%x\n", wl_names[w], rc);
			return -1;
		}
		if (w == WL_PRIMARY) {
			len = tc_flush(fl, sizeof(fl), tc_out_handle(rsp,
			    rsp_len));
			if (tpm_do(&in->data, fl, len) != 0)
				return -1;
		}
		if (i >= warm)
			samples_add(s, dt);
	}
	return (long)(warm + n) * (w == WL_PRIMARY ? 2 : 1);
}

/* One side of the comparison (server A or B) within a round. */
struct side {
	int		 who;
	const char	*bin;
	struct inst	 in;
	struct samples	 s;
	struct blobbuf	 perm, vol;
	char		 stdir[PATH_MAX];	/* start-up state dir */
	int		 fd0;
	/* Server CPU time over the commands of the current workload. */
	long long	 cpu_ns, client_ns;
	unsigned long	 cpu_ops;
	bool		 cpu_bad;
};

/* A control command answered by its 4-byte result. */
static int
ctrl_simple(struct cl_conn *c, const struct wr *req, uint32_t *res)
{
	return cl_ctrl_simple(c, req->p, req->len, res, -1) == CL_OK ? 0 : -1;
}

static int
get_blob(struct cl_conn *c, uint32_t type, struct blobbuf *b, uint32_t *res)
{
	uint32_t	st_flags;

	return cl_get_stateblob(c, PTM_STATE_FLAG_DECRYPTED, type, &b->p,
	    &b->cap, &b->len, BLOB_MAX, res, &st_flags, -1) == CL_OK ? 0 : -1;
}

static int
set_blob(struct cl_conn *c, uint32_t type, const struct blobbuf *b,
    uint32_t *res)
{
	return cl_set_stateblob(c, 0, type, b->p, b->len, res, -1) == CL_OK ?
	    0 : -1;
}

static int
migrate_once(struct side *sd)
{
	uint8_t		stop[4], init[8];
	uint32_t	r1 = 1, r2 = 1, r3 = 1, r4 = 1, r5 = 1, r6 = 1;
	struct cl_conn	*c = &sd->in.ctrl;
	struct wr	ws, wi;

	wr_init(&ws, stop, sizeof(stop));
	ctrl_client_enc(&ws, CMD_STOP);
	wr_init(&wi, init, sizeof(init));
	ctrl_client_enc_init(&wi, PTM_INIT_FLAG_DELETE_VOLATILE);
	if (get_blob(c, PTM_BLOB_TYPE_PERMANENT, &sd->perm, &r1) ||
	    get_blob(c, PTM_BLOB_TYPE_VOLATILE, &sd->vol, &r2) ||
	    ctrl_simple(c, &ws, &r3) ||
	    set_blob(c, PTM_BLOB_TYPE_PERMANENT, &sd->perm, &r4) ||
	    set_blob(c, PTM_BLOB_TYPE_VOLATILE, &sd->vol, &r5) ||
	    ctrl_simple(c, &wi, &r6))
		return -1;
	if (r1 | r2 | r3 | r4 | r5 | r6 || sd->perm.len == 0 ||
	    sd->vol.len == 0) {
		fprintf(stderr, "swtpm_bench: migration results %x %x %x %x "
		    "%x %x\n", r1, r2, r3, r4, r5, r6);
		return -1;
	}
	return 0;
}

static long
loop_migration(struct side *sd, unsigned n, unsigned warm)
{
	unsigned	i;
	uint8_t		cmd[16];
	uint64_t	t0, dt;

	for (i = 0; i < warm + n; i++) {
		t0 = now_ns();
		if (migrate_once(sd) != 0)
			return -1;
		dt = now_ns() - t0;
		if (i >= warm)
			samples_add(&sd->s, dt);
	}
	/* The TPM must have resumed from the volatile state. */
	if (tpm_do(&sd->in.data, cmd, tc_getrandom(cmd, sizeof(cmd), 32)) != 0)
		return -1;
	return (long)(warm + n) * 6 + 1;
}

/* CPU time of the benchmark process itself (ns; -1 if unknown). */
static long long
self_cpu_ns(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		return -1;
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
put(struct results *res, enum wl w, int who, unsigned r, struct side *sd)
{
	struct cell	*c = &res->c[w][who][r];

	samples_summarize(&sd->s, &c->s);
	c->have = true;
	c->cpu_us = c->client_cpu_us = NAN;
	if (!sd->cpu_bad && sd->cpu_ops > 0) {
		c->cpu_us = (double)sd->cpu_ns / 1e3 / (double)sd->cpu_ops;
		c->client_cpu_us = (double)sd->client_ns / 1e3 /
		    (double)sd->cpu_ops;
	}
}

static int
mkdirf(char *buf, size_t cap, const char *base, unsigned r, const char *who,
    const char *what)
{
	if (snprintf(buf, cap, "%s/r%u-%s-%s", base, r, who, what) >=
	    (int)cap || mkdir(buf, 0700) != 0)
		return -1;
	return 0;
}

/*
 * TCP port of a server slot (0 = unix sockets). Slots: 0-2 main sides,
 * 3-4 nv_write, 5-6 nv_write_durable, 7-8 start-up, 9-10 density
 * templates, 16 + i density instance i. Each slot takes two ports.
 */
static int
port_of(const struct config *cfg, unsigned slot)
{
	return cfg->tcp ? cfg->tcp + 2 * (int)slot : 0;
}

static int
start_inst(struct inst *in, const char *bin, const char *dir,
    const char *opt, const char *flags, int port, bool ctrl)
{
	if (inst_spawn(in, bin, dir, opt, flags, port, false) != 0 ||
	    inst_connect(in, ctrl, 100, 20000) != 0) {
		warnx_("cannot start '%s' in '%s' (see server.log)", bin,
		    dir);
		inst_stop(in);
		return -1;
	}
	return 0;
}

static void
track_pss(struct inst *in, struct memrow *m)
{
	struct memstat	ms;

	if (proc_mem(in->pid, &ms) == 0 && ms.pss_kb > m->pss_peak)
		m->pss_peak = ms.pss_kb;
}

/* Exec of the server to the first answered TPM2_Startup, n times. */
static long
loop_startup(const struct config *cfg, struct side *sd, unsigned n,
    unsigned warm)
{
	struct inst	in;
	uint8_t		cmd[16];
	unsigned	i;
	uint64_t	t0, dt;
	uint32_t	rc;

	for (i = 0; i < warm + n; i++) {
		t0 = now_ns();
		if (inst_spawn(&in, sd->bin, sd->stdir,
		    cfg->main_opt[sd->who], "not-need-init",
		    port_of(cfg, 7 + (unsigned)sd->who), false) != 0 ||
		    inst_connect(&in, false, 20, 20000) != 0) {
			inst_stop(&in);
			return -1;
		}
		rc = tpm_do(&in.data, cmd, tc_startup(cmd, sizeof(cmd), 0));
		dt = now_ns() - t0;
		inst_stop(&in);
		if (rc != 0) {
			fprintf(stderr, "swtpm_bench: startup: 0x%x\n", rc);
			return -1;
		}
		if (i >= warm)
			samples_add(&sd->s, dt);
	}
	return (long)(warm + n);
}

/* A state directory whose TPM was manufactured by a first run. */
static int
prepare_startup(const struct config *cfg, struct side *sd, unsigned r)
{
	struct inst	in;
	uint8_t		cmd[16];
	uint32_t	rc;

	if (mkdirf(sd->stdir, sizeof(sd->stdir), cfg->base, r,
	    who_names[sd->who], "startup") || start_inst(&in, sd->bin,
	    sd->stdir, cfg->main_opt[sd->who], FLAGS_STARTED,
	    port_of(cfg, 7 + (unsigned)sd->who), false))
		return -1;
	rc = tpm_do(&in.data, cmd, tc_getrandom(cmd, sizeof(cmd), 8));
	inst_stop(&in);
	return rc == 0 ? 0 : -1;
}

static bool
is_small(enum wl w)
{
	return w == WL_GETRANDOM || w == WL_PCR || w == WL_HASH;
}

static unsigned
iters_of(const struct config *cfg, enum wl w)
{
	switch (w) {
	case WL_GETRANDOM:
	case WL_PCR:
	case WL_HASH:
		return cfg->small;
	case WL_NV:
	case WL_NV_DURABLE:
		return cfg->nv;
	case WL_STARTUP:
		return cfg->start;
	default:
		return cfg->heavy;
	}
}

/*
 * Workload w on every side, alternating in short chunks (about a
 * millisecond of small commands; a few heavy ones; one start-up) and
 * rotating who goes first, so that both see the same machine conditions.
 */
static int
interleave(const struct config *cfg, struct results *res, struct side *sd,
    unsigned nsd, enum wl w, unsigned r)
{
	unsigned	iters = iters_of(cfg, w), warm = iters / 10 + 1;
	unsigned	nch, k, j, per, first = 0;
	struct side	*x;
	long long	cpu0, cpu1, self0, self1;
	long		ops;
	int		fd;

	per = w == WL_STARTUP ? 1 : is_small(w) ? 40 : 5;
	nch = (iters + per - 1) / per;
	for (j = 0; j < nsd; j++) {
		samples_reset(&sd[j].s);
		sd[j].cpu_ns = sd[j].client_ns = 0;
		sd[j].cpu_ops = 0;
		sd[j].cpu_bad = !is_small(w);
	}
	for (k = 0; k < nch; k++) {
		per = (unsigned)((unsigned long)iters * (k + 1) / nch -
		    (unsigned long)iters * k / nch);
		for (j = 0; j < nsd; j++) {
			x = &sd[(j + k + r) % nsd];
			fd = w == WL_STARTUP ? 0 : proc_fds(x->in.pid);
			cpu0 = x->cpu_bad ? -1 : proc_cpu_ns(x->in.pid);
			self0 = self_cpu_ns();
			if (w == WL_STARTUP)
				ops = loop_startup(cfg, x, per, k ? 0 : 1);
			else if (w == WL_MIGRATION)
				ops = loop_migration(x, per, k ? 0 : warm);
			else
				ops = loop_tpm(&x->in, w, first, per,
				    k ? 0 : warm, &x->s);
			if (ops < 0) {
				warnx_("%s failed on '%s'", wl_names[w],
				    x->bin);
				return -1;
			}
			if (!x->cpu_bad) {
				self1 = self_cpu_ns();
				cpu1 = proc_cpu_ns(x->in.pid);
				if (cpu0 < 0 || cpu1 < cpu0 || self0 < 0 ||
				    self1 < self0)
					x->cpu_bad = true;
				x->cpu_ns += cpu1 - cpu0;
				x->client_ns += self1 - self0;
				x->cpu_ops += (unsigned long)ops;
			}
			if (x->who > WHO_B)
				continue;
			res->mem[x->who][r].ops += (unsigned long)ops;
			if (w != WL_STARTUP)
				res->mem[x->who][r].fd_wl[w] +=
				    proc_fds(x->in.pid) - fd;
		}
		first += per + (k ? 0 : warm);
	}
	for (j = 0; j < nsd; j++)
		put(res, w, sd[j].who, r, &sd[j]);
	return 0;
}

static void
stop_sides(struct side *sd, unsigned nsd)
{
	unsigned	j;

	for (j = 0; j < nsd; j++)
		inst_signal(&sd[j].in);
	for (j = 0; j < nsd; j++)
		inst_reap(&sd[j].in, 5000);
}

/* An NV write workload in its own instances (durability mode per side). */
static int
round_nv(const struct config *cfg, struct results *res, struct side *all,
    unsigned nall, enum wl w, unsigned r)
{
	struct side	*sd[2], tmp[2];
	char		 dir[PATH_MAX];
	uint8_t		 cmd[64];
	const char	*opt;
	unsigned	 j, n = 0;
	uint32_t	 rc;
	int		 ret = -1;

	for (j = 0; j < nall; j++) {
		opt = w == WL_NV ? cfg->nofsync_opt[all[j].who] :
		    cfg->durable_opt[all[j].who];
		if (opt == NULL)
			continue;
		sd[n] = &all[j];
		if (mkdirf(dir, sizeof(dir), cfg->base, r,
		    who_names[all[j].who], wl_names[w]) ||
		    start_inst(&all[j].in, all[j].bin, dir, opt,
		    FLAGS_STARTED, port_of(cfg, (w == WL_NV ? 3u : 5u) +
		    (unsigned)all[j].who), false))
			goto out;
		n++;
		rc = tpm_do(&all[j].in.data, cmd, tc_nv_define(cmd,
		    sizeof(cmd), TC_NV_INDEX, TC_NV_SIZE));
		if (rc != 0 && rc != TPM2_RC_NV_DEFINED)
			goto out;
	}
	if (n == 0)
		return 0;
	/* interleave() wants contiguous sides: run on copies. */
	for (j = 0; j < n; j++)
		tmp[j] = *sd[j];
	ret = interleave(cfg, res, tmp, n, w, r);
	for (j = 0; j < n; j++) {
		sd[j]->s = tmp[j].s;
		sd[j]->in = tmp[j].in;
		track_pss(&sd[j]->in, &res->mem[sd[j]->who][r]);
	}
out:
	for (j = 0; j < n; j++)
		inst_signal(&sd[j]->in);
	for (j = 0; j < n; j++)
		inst_reap(&sd[j]->in, 5000);
	return ret;
}

static const enum wl main_wls[] = {
	WL_GETRANDOM, WL_PCR, WL_HASH, WL_PRIMARY, WL_MIGRATION,
};

/*
 * Servers A and B in round r, interleaved workload by workload; the null
 * server sd[nsd] joins the small commands (its IPC floor).
 */
static int
round_servers(const struct config *cfg, struct results *res,
    struct side *sd, unsigned nsd, unsigned r)
{
	struct memstat	 ms;
	struct memrow	*m;
	char		 dir[PATH_MAX];
	uint8_t		 cmd[16];
	unsigned	 j, i;

	for (j = 0; j <= nsd; j++)
		inst_init(&sd[j].in);
	for (j = 0; j < nsd; j++) {
		m = &res->mem[sd[j].who][r];
		memset(m, 0, sizeof(*m));
		if (mkdirf(dir, sizeof(dir), cfg->base, r,
		    who_names[sd[j].who], "main") || start_inst(&sd[j].in,
		    sd[j].bin, dir, cfg->main_opt[sd[j].who], FLAGS_STARTED,
		    port_of(cfg, (unsigned)sd[j].who), true))
			goto fail;
		if (tpm_do(&sd[j].in.data, cmd, tc_getrandom(cmd, sizeof(cmd),
		    32)) != 0)
			goto fail;
	}
	if (mkdirf(dir, sizeof(dir), cfg->base, r, "null", "main") ||
	    start_inst(&sd[nsd].in, sd[nsd].bin, dir, "", FLAGS_STARTED,
	    port_of(cfg, WHO_NULL), false))
		goto fail;
	/* Idle figures once every process is up (PSS splits shared pages). */
	for (j = 0; j < nsd; j++) {
		m = &res->mem[sd[j].who][r];
		if (proc_mem(sd[j].in.pid, &ms) != 0)
			goto fail;
		m->rss_idle = ms.rss_kb;
		m->pss_idle = m->pss_peak = ms.pss_kb;
		m->fd_before = proc_fds(sd[j].in.pid);
	}
	for (i = 0; i < sizeof(main_wls) / sizeof(main_wls[0]); i++) {
		if (interleave(cfg, res, sd, nsd + is_small(main_wls[i]),
		    main_wls[i], r) != 0)
			goto fail;
		for (j = 0; j < nsd; j++)
			track_pss(&sd[j].in, &res->mem[sd[j].who][r]);
	}
	for (j = 0; j < nsd; j++) {
		m = &res->mem[sd[j].who][r];
		m->fd_after = proc_fds(sd[j].in.pid);
		if (proc_mem(sd[j].in.pid, &ms) == 0)
			m->rss_peak = ms.hwm_kb;
		m->have = true;
	}
	stop_sides(sd, nsd + 1);
	if (round_nv(cfg, res, sd, nsd, WL_NV, r) != 0 ||
	    round_nv(cfg, res, sd, nsd, WL_NV_DURABLE, r) != 0)
		return -1;
	for (j = 0; j < nsd; j++)
		if (prepare_startup(cfg, &sd[j], r) != 0)
			return -1;
	return interleave(cfg, res, sd, nsd, WL_STARTUP, r);
fail:
	stop_sides(sd, nsd + 1);
	return -1;
}

/* The in-process floor, run as a child; parses its result lines. */
static int
round_floor(const struct config *cfg, struct results *res, unsigned r)
{
	char		 dir[PATH_MAX], cmd[PATH_MAX * 2 + 128], line[256];
	char		 name[64];
	struct cell	 c;
	FILE		*f;
	int		 w, got = 0;

	if (mkdirf(dir, sizeof(dir), cfg->base, r, "floor", "nv"))
		return -1;
	snprintf(cmd, sizeof(cmd), "'%s' --small %u --nv %u --heavy %u "
	    "--start %u --dir '%s'", cfg->floor_bin, cfg->small, cfg->nv,
	    cfg->heavy, cfg->start, dir);
	if ((f = popen(cmd, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		memset(&c, 0, sizeof(c));
		if (sscanf(line, "floor %63s %zu %lf %lf %lf %lf", name,
		    &c.s.n, &c.s.p50_us, &c.s.p99_us, &c.s.mean_us,
		    &c.s.ops) != 6)
			continue;
		for (w = 0; w < WL_COUNT; w++)
			if (strcmp(name, wl_names[w]) == 0) {
				c.have = true;
				/* in-process: all of its time is CPU time */
				c.cpu_us = c.s.mean_us;
				c.client_cpu_us = NAN;
				res->c[w][WHO_FLOOR][r] = c;
				got++;
			}
	}
	if (pclose(f) != 0 || got == 0) {
		warnx_("in-process floor '%s' failed", cfg->floor_bin);
		return -1;
	}
	return 0;
}

/* N idle instances: PSS each and the time for all to answer. */
static int
run_density(const struct config *cfg, struct dens *d, int who,
    unsigned pass)
{
	struct inst	*in = NULL, tpl;
	struct memstat	 ms;
	char		 dir[PATH_MAX], tdir[PATH_MAX];
	uint8_t		 cmd[16];
	unsigned	 n = cfg->density, i, ready = 0;
	uint64_t	 t0, t1, end;
	size_t		 k;
	int		 rc = -1, t;

	memset(d, 0, sizeof(*d));
	if (raise_nofile((long)n + 64) < (long)n + 16) {
		warnx_("cannot raise the open file limit");
		return -1;
	}
	if (mkdirf(tdir, sizeof(tdir), cfg->base, pass, who_names[who],
	    "density-template") || start_inst(&tpl, cfg->bin[who], tdir,
	    cfg->main_opt[who], FLAGS_STARTED, port_of(cfg, 9u +
	    (unsigned)who), false))
		return -1;
	inst_stop(&tpl);
	if ((in = calloc(n, sizeof(*in))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		inst_init(&in[i]);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		snprintf(dir, sizeof(dir), "%s/d%u-%s-%u", cfg->base, pass,
		    who_names[who], i);
		if (mkdir(dir, 0700) != 0 || copy_state(tdir, dir) != 0 ||
		    inst_spawn(&in[i], cfg->bin[who], dir,
		    cfg->main_opt[who], FLAGS_STARTED, port_of(cfg, 16 + i),
		    true) != 0)
			goto out;
	}
	end = now_ns() + (120000 + 100ull * n) * 1000000u;
	while (ready < n && now_ns() < end) {
		for (i = 0, ready = 0; i < n; i++) {
			if ((t = inst_try_data(&in[i])) < 0) {
				warnx_("density instance in '%s' died",
				    in[i].dir);
				goto out;
			}
			ready += (unsigned)t;
		}
		if (ready < n)
			usleep(1000);
	}
	if (ready < n)
		goto out;
	d->ready_s = (double)(now_ns() - t0) / 1e9;
	for (i = 0; i < n; i++)
		if (proc_mem(in[i].pid, &ms) == 0)
			d->pss_early_kb += (double)ms.pss_kb / n;
	tc_getrandom(cmd, sizeof(cmd), 32);
	t1 = now_ns();
	for (i = 0; i < n; i++)
		if (cl_send(&in[i].data, cmd, 12, -1) != CL_OK)
			goto out;
	for (i = 0; i < n; i++) {
		if (cl_tpm_recv(&in[i].data, rsp, sizeof(rsp), &k, -1) !=
		    CL_OK || tpm2_parse_rc(rsp, k) != 0)
			goto out;
	}
	d->answer_ms = (double)(now_ns() - t1) / 1e6;
	d->total_s = (double)(now_ns() - t0) / 1e9;
	/* Idle footprint: every instance has initialised and answered. */
	for (i = 0; i < n; i++) {
		if (proc_mem(in[i].pid, &ms) != 0)
			goto out;
		d->pss_kb += (double)ms.pss_kb / n;
		d->pss_anon_kb += (double)ms.pss_anon_kb / n;
		d->rss_kb += (double)ms.rss_kb / n;
	}
	d->n = n;
	d->have = true;
	rc = 0;
	fprintf(stderr, "swtpm_bench: density %s pass %u: PSS %.0f KiB "
	    "(%.0f at connect), RSS %.0f KiB each; all answered in %.1f ms\n",
	    who_names[who], pass + 1, d->pss_kb, d->pss_early_kb, d->rss_kb,
	    d->answer_ms);
out:
	for (i = 0; i < n; i++)
		inst_signal(&in[i]);
	for (i = 0; i < n; i++)
		inst_reap(&in[i], 10000);
	free(in);
	if (rc != 0)
		fprintf(stderr, "swtpm_bench: density run of %s failed\n",
		    cfg->bin[who]);
	return rc;
}

/* Median of each density figure over the passes. */
static void
dens_median(struct dens *out, const struct dens *p, unsigned n)
{
	double		v[MAX_ROUNDS];
	unsigned	i;

#define MED(fld) do {							\
	for (i = 0; i < n; i++)						\
		v[i] = p[i].fld;					\
	out->fld = median_d(v, n);					\
} while (0)
	MED(ready_s);
	MED(answer_ms);
	MED(total_s);
	MED(pss_kb);
	MED(rss_kb);
	MED(pss_anon_kb);
	MED(pss_early_kb);
#undef MED
	out->n = p[0].n;
	out->passes = n;
	out->have = true;
}

static void
describe(struct results *res, const struct config *cfg)
{
	struct utsname	u;
	char		line[256], model[128] = "?";
	long		mem_kb = 0;
	time_t		t = time(NULL);
	FILE		*f;
	int		i;

	strftime(res->date, sizeof(res->date), "%Y-%m-%dT%H:%M:%SZ",
	    gmtime(&t));
	if ((f = fopen("/proc/cpuinfo", "re")) != NULL) {
		while (fgets(line, sizeof(line), f))
			if (strncmp(line, "model name", 10) == 0 &&
			    strchr(line, ':')) {
				snprintf(model, sizeof(model), "%s",
				    strchr(line, ':') + 2);
				model[strcspn(model, "\n")] = '\0';
				break;
			}
		fclose(f);
	}
	if ((f = fopen("/proc/meminfo", "re")) != NULL) {
		if (fscanf(f, "MemTotal: %ld", &mem_kb) != 1)
			mem_kb = 0;
		fclose(f);
	}
	uname(&u);
	snprintf(res->machine, sizeof(res->machine), "%s, %ld CPUs, "
	    "%.1f GiB, Linux %s %s", model, sysconf(_SC_NPROCESSORS_ONLN),
	    (double)mem_kb / 1048576.0, u.release, u.machine);
	for (i = 0; i < 2; i++) {
		snprintf(res->versions[i], sizeof(res->versions[i]), "-");
		if (!cfg->bin[i])
			continue;
		snprintf(line, sizeof(line), "'%s' --version 2>/dev/null",
		    cfg->bin[i]);
		if ((f = popen(line, "r")) == NULL)
			continue;
		if (fgets(res->versions[i], sizeof(res->versions[i]), f))
			res->versions[i][strcspn(res->versions[i], "\n")] =
			    '\0';
		pclose(f);
	}
}

static void
usage(void)
{
	fprintf(stderr,
"usage: swtpm_bench --ours PATH [--ref PATH] --null PATH --floor PATH\n"
"         [--quick] [--rounds N] [--small N] [--nv N] [--heavy N]\n"
"         [--start N] [--density N] [--density-passes N]\n"
"         [--cpu N|-1] [--json FILE|-] [--tcp BASEPORT]\n"
"         [--dir DIR] [--keep] [--ours-main-opt S] [--ours-nofsync-opt S]\n"
"         [--ours-durable-opt S|--no-ours-durable] [--ref-durable-opt S]\n"
"         [--setup-ours PATH] [--setup-ref PATH] [--setup-tool PATH]\n"
"         [--setup N]\n");
	exit(2);
}

static unsigned
num(const char *s, unsigned min)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > 1000000)
		usage();
	return (unsigned)v;
}

static void
parse(int argc, char **argv, struct config *cfg)
{
	static const struct option opts[] = {
		{ "ours", required_argument, NULL, 'A' },
		{ "ref", required_argument, NULL, 'B' },
		{ "null", required_argument, NULL, 'N' },
		{ "floor", required_argument, NULL, 'F' },
		{ "quick", no_argument, NULL, 'q' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "small", required_argument, NULL, 's' },
		{ "nv", required_argument, NULL, 'n' },
		{ "heavy", required_argument, NULL, 'H' },
		{ "start", required_argument, NULL, 'S' },
		{ "density", required_argument, NULL, 'D' },
		{ "density-passes", required_argument, NULL, 'P' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "json", required_argument, NULL, 'j' },
		{ "dir", required_argument, NULL, 'd' },
		{ "keep", no_argument, NULL, 'k' },
		{ "ours-nofsync-opt", required_argument, NULL, 1 },
		{ "ours-main-opt", required_argument, NULL, 5 },
		{ "tcp", required_argument, NULL, 't' },
		{ "ours-durable-opt", required_argument, NULL, 2 },
		{ "no-ours-durable", no_argument, NULL, 3 },
		{ "ref-durable-opt", required_argument, NULL, 4 },
		{ "setup-ours", required_argument, NULL, 6 },
		{ "setup-ref", required_argument, NULL, 7 },
		{ "setup-tool", required_argument, NULL, 8 },
		{ "setup", required_argument, NULL, 9 },
		{ NULL, 0, NULL, 0 },
	};
	unsigned	set = 0;
	int		c;

	cfg->main_opt[0] = cfg->main_opt[1] = "";
	cfg->nofsync_opt[0] = ",fsync=false";
	cfg->nofsync_opt[1] = "";
	cfg->durable_opt[0] = "";
	cfg->rounds = 5;
	cfg->small = 3000;
	cfg->nv = 300;
	cfg->heavy = 100;
	cfg->start = 20;
	cfg->density = 200;
	cfg->dpasses = 3;
	cfg->setup = 10;
	cfg->cpu = last_cpu();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'A': cfg->bin[0] = optarg; break;
		case 'B': cfg->bin[1] = optarg; break;
		case 'N': cfg->null_bin = optarg; break;
		case 'F': cfg->floor_bin = optarg; break;
		case 'q': cfg->quick = true; break;
		case 'r': cfg->rounds = num(optarg, 1); set |= 1; break;
		case 's': cfg->small = num(optarg, 1); set |= 2; break;
		case 'n': cfg->nv = num(optarg, 1); set |= 4; break;
		case 'H': cfg->heavy = num(optarg, 1); set |= 8; break;
		case 'S': cfg->start = num(optarg, 1); set |= 16; break;
		case 'D': cfg->density = num(optarg, 0); set |= 32; break;
		case 'P': cfg->dpasses = num(optarg, 1); set |= 64; break;
		case 'c': cfg->cpu = strcmp(optarg, "-1") == 0 ? -1 :
		    (int)num(optarg, 0); break;
		case 'j': cfg->json = optarg; break;
		case 'd': cfg->base = optarg; break;
		case 'k': cfg->keep = true; break;
		case 1: cfg->nofsync_opt[0] = optarg; break;
		case 2: cfg->durable_opt[0] = optarg; break;
		case 3: cfg->durable_opt[0] = NULL; break;
		case 4: cfg->durable_opt[1] = optarg; break;
		case 5: cfg->main_opt[0] = optarg; break;
		case 6: cfg->setup_bin[0] = optarg; break;
		case 7: cfg->setup_bin[1] = optarg; break;
		case 8: cfg->setup_tool = optarg; break;
		case 9: cfg->setup = num(optarg, 0); set |= 128; break;
		case 't': cfg->tcp = (int)num(optarg, 1024); break;
		default: usage();
		}
	}
	if (optind != argc || !cfg->bin[0] || !cfg->null_bin ||
	    !cfg->floor_bin)
		usage();
	if (cfg->quick) {
		cfg->rounds = set & 1 ? cfg->rounds : 2;
		cfg->small = set & 2 ? cfg->small : 200;
		cfg->nv = set & 4 ? cfg->nv : 30;
		cfg->heavy = set & 8 ? cfg->heavy : 10;
		cfg->start = set & 16 ? cfg->start : 3;
		cfg->density = set & 32 ? cfg->density : 10;
		cfg->dpasses = set & 64 ? cfg->dpasses : 1;
		cfg->setup = set & 128 ? cfg->setup : 2;
	}
	/* the workload needs both tools of a side and a certificate tool */
	if (!cfg->setup_tool || !cfg->setup_bin[0])
		cfg->setup = 0;
	if (cfg->tcp && cfg->tcp + 2 * (16 + (long)cfg->density) > 65535) {
		fprintf(stderr, "swtpm_bench: --tcp port range too high\n");
		exit(2);
	}
	if (cfg->rounds > MAX_ROUNDS || cfg->dpasses > MAX_ROUNDS)
		usage();
}

int
main(int argc, char **argv)
{
	static struct results	 res;
	struct config		 cfg;
	static struct side	 sd[3];
	static struct dens	 dpass[2][MAX_ROUNDS];
	struct samples		 s;
	char			 base[PATH_MAX];
	const char		*tmp = getenv("TMPDIR");
	size_t			 cap;
	unsigned		 r, nsd = 0;
	int			 who, rc = 0;

	memset(&cfg, 0, sizeof(cfg));
	parse(argc, argv, &cfg);
	if (cfg.cpu >= 0 && pin_cpu(cfg.cpu) != 0) {
		perror("swtpm_bench: sched_setaffinity");
		return 1;
	}
	snprintf(base, sizeof(base), "%s/swtpm-bench.XXXXXX",
	    cfg.base ? cfg.base : tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(base) == NULL) {
		perror("swtpm_bench: mkdtemp");
		return 1;
	}
	cfg.base = base;
	cap = (size_t)cfg.small + cfg.nv + cfg.heavy + cfg.start + cfg.setup;
	if (samples_init(&s, cap) != 0)
		return 1;
	for (who = WHO_A; who <= WHO_B; who++) {
		if (!cfg.bin[who])
			continue;
		sd[nsd].who = who;
		sd[nsd].bin = cfg.bin[who];
		if (samples_init(&sd[nsd++].s, cap) != 0)
			return 1;
	}
	for (who = 0; who < 3; who++)
		inst_init(&sd[who].in);
	/* The null server rides along as the last side. */
	sd[nsd].who = WHO_NULL;
	sd[nsd].bin = cfg.null_bin;
	if (samples_init(&sd[nsd].s, cap) != 0)
		return 1;
	describe(&res, &cfg);
	res.rounds = cfg.rounds;
	fprintf(stderr, "swtpm_bench: %u rounds in %s, pinned to CPU %d\n",
	    cfg.rounds, base, cfg.cpu);
	if (cfg.setup && setup_prepare(&cfg) != 0) {
		warnx_("setup: cannot make the local CA with '%s'",
		    cfg.setup_tool);
		rc = -1;
	}
	for (r = 0; r < cfg.rounds && rc == 0; r++) {
		rc = round_servers(&cfg, &res, sd, nsd, r);
		if (rc == 0)
			rc = round_floor(&cfg, &res, r);
		if (rc == 0 && cfg.setup)
			rc = round_setup(&cfg, &res, r);
		fprintf(stderr, "swtpm_bench: round %u %s\n", r + 1,
		    rc ? "failed" : "done");
	}
	for (r = 0; r < cfg.dpasses && rc == 0 && cfg.density; r++)
		for (who = WHO_A; who <= WHO_B && rc == 0; who++) {
			/* Alternate the order: A, B, then B, A, ... */
			int	x = (who + (int)r) % 2;

			if (cfg.bin[x])
				rc = run_density(&cfg, &dpass[x][r], x, r);
		}
	for (who = WHO_A; who <= WHO_B && rc == 0 && cfg.density; who++)
		if (cfg.bin[who])
			dens_median(&res.dens[who], dpass[who], cfg.dpasses);
	if (rc == 0) {
		report_table(stdout, &cfg, &res);
		if (cfg.json && report_json(cfg.json, &cfg, &res) != 0) {
			fprintf(stderr, "swtpm_bench: cannot write '%s'\n",
			    cfg.json);
			rc = -1;
		}
	}
	if (!cfg.keep)
		rm_rf(base);
	else
		fprintf(stderr, "swtpm_bench: kept %s\n", base);
	samples_release(&s);
	for (r = 0; r <= nsd; r++) {
		samples_release(&sd[r].s);
		free(sd[r].perm.p);
		free(sd[r].vol.p);
	}
	return rc ? 1 : 0;
}
