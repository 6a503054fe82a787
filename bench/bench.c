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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "client.h"
#include "proc.h"
#include "swtpm/tpm_ioctl.h"
#include "tpmcmd.h"

#define FLAGS_STARTED	"not-need-init,startup-clear"
#define RSP_MAX		8192

const char *const wl_names[WL_COUNT] = {
	"getrandom", "pcr_extend", "hash_1k", "nv_write", "nv_write_durable",
	"create_primary", "migration", "startup",
};
const char *const who_names[WHO_COUNT] = { "ours", "ref", "null", "floor" };

static uint8_t	rsp[RSP_MAX];

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

/* One TPM command; returns its response code or TC_RC_BAD. */
static uint32_t
tpm_do(int fd, const uint8_t *cmd, size_t n)
{
	ssize_t	r = tpm_xfer(fd, cmd, n, rsp, sizeof(rsp));

	return r < 0 ? TC_RC_BAD : tc_rc(rsp, (size_t)r);
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

/* A timed loop of one TPM command workload. Returns ops done or -1. */
static long
loop_tpm(struct inst *in, enum wl w, unsigned iters, struct samples *s)
{
	uint8_t		cmd[TC_MAX_CMD], fl[16];
	unsigned	i, warm = iters / 10 + 1;
	uint64_t	t0, dt;
	size_t		n;
	uint32_t	rc;

	samples_reset(s);
	for (i = 0; i < warm + iters; i++) {
		n = build(w, i, cmd, sizeof(cmd));
		t0 = now_ns();
		rc = tpm_do(in->dfd, cmd, n);
		dt = now_ns() - t0;
		if (rc != 0) {
			fprintf(stderr, "swtpm_bench: %s: response code "
			    "0x%x\n", wl_names[w], rc);
			return -1;
		}
		if (w == WL_PRIMARY) {
			n = tc_flush(fl, sizeof(fl), tc_out_handle(rsp,
			    sizeof(rsp)));
			if (tpm_do(in->dfd, fl, n) != 0)
				return -1;
		}
		if (i >= warm)
			samples_add(s, dt);
	}
	return (long)(warm + iters) * (w == WL_PRIMARY ? 2 : 1);
}

static int
migrate_once(struct inst *in, struct blobbuf *perm, struct blobbuf *vol)
{
	uint8_t		flags[4] = { 0, 0, 0, PTM_INIT_FLAG_DELETE_VOLATILE };
	uint32_t	r1 = 1, r2 = 1, r3 = 1, r4 = 1, r5 = 1, r6 = 1;

	if (ctrl_get_blob(in->cfd, PTM_BLOB_TYPE_PERMANENT, perm, &r1) ||
	    ctrl_get_blob(in->cfd, PTM_BLOB_TYPE_VOLATILE, vol, &r2) ||
	    ctrl_simple(in->cfd, CMD_STOP, NULL, 0, &r3) ||
	    ctrl_set_blob(in->cfd, PTM_BLOB_TYPE_PERMANENT, perm, &r4) ||
	    ctrl_set_blob(in->cfd, PTM_BLOB_TYPE_VOLATILE, vol, &r5) ||
	    ctrl_simple(in->cfd, CMD_INIT, flags, sizeof(flags), &r6))
		return -1;
	if (r1 | r2 | r3 | r4 | r5 | r6 || perm->len == 0 || vol->len == 0) {
		fprintf(stderr, "swtpm_bench: migration results %x %x %x %x "
		    "%x %x\n", r1, r2, r3, r4, r5, r6);
		return -1;
	}
	return 0;
}

static long
loop_migration(struct inst *in, unsigned iters, struct samples *s)
{
	struct blobbuf	perm = { NULL, 0, 0 }, vol = { NULL, 0, 0 };
	unsigned	i, warm = iters / 10 + 1;
	uint8_t		cmd[16];
	uint64_t	t0, dt;
	long		rc = -1;

	samples_reset(s);
	for (i = 0; i < warm + iters; i++) {
		t0 = now_ns();
		if (migrate_once(in, &perm, &vol) != 0)
			goto out;
		dt = now_ns() - t0;
		if (i >= warm)
			samples_add(s, dt);
	}
	/* The TPM must have resumed from the volatile state. */
	if (tpm_do(in->dfd, cmd, tc_getrandom(cmd, sizeof(cmd), 32)) != 0)
		goto out;
	rc = (long)(warm + iters) * 6;
out:
	blobbuf_release(&perm);
	blobbuf_release(&vol);
	return rc;
}

static void
put(struct results *res, enum wl w, int who, unsigned r, struct samples *s)
{
	struct cell	*c = &res->c[w][who][r];

	samples_summarize(s, &c->s);
	c->have = true;
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

static int
start_inst(struct inst *in, const char *bin, const char *dir,
    const char *opt, const char *flags, bool ctrl)
{
	if (inst_spawn(in, bin, dir, opt, flags, false) != 0 ||
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

/* An NV write workload in its own instance (durability mode opt). */
static int
round_nv(const struct config *cfg, struct results *res, int who,
    unsigned r, enum wl w, const char *opt, struct samples *s)
{
	struct memrow	*m = &res->mem[who][r];
	struct inst	 in;
	char		 dir[PATH_MAX];
	uint8_t		 cmd[64];
	uint32_t	 rc;
	long		 ops;
	int		 fd0;

	if (mkdirf(dir, sizeof(dir), cfg->base, r, who_names[who],
	    wl_names[w]) || start_inst(&in, cfg->bin[who], dir, opt,
	    FLAGS_STARTED, false))
		return -1;
	rc = tpm_do(in.dfd, cmd, tc_nv_define(cmd, sizeof(cmd), TC_NV_INDEX,
	    TC_NV_SIZE));
	fd0 = proc_fds(in.pid);
	if ((rc != 0 && rc != TC_RC_NV_DEFINED) ||
	    (ops = loop_tpm(&in, w, cfg->nv, s)) < 0) {
		inst_stop(&in);
		return -1;
	}
	m->fd_growth += proc_fds(in.pid) - fd0;
	m->ops += (unsigned long)ops;
	track_pss(&in, m);
	put(res, w, who, r, s);
	inst_stop(&in);
	return 0;
}

/* Exec of the server to the first answered TPM2_Startup. */
static int
round_startup(const struct config *cfg, struct results *res, int who,
    unsigned r, struct samples *s)
{
	struct inst	in;
	char		dir[PATH_MAX];
	uint8_t		cmd[16], gr[16];
	unsigned	i;
	uint64_t	t0, dt;
	uint32_t	rc;

	if (mkdirf(dir, sizeof(dir), cfg->base, r, who_names[who],
	    "startup") || start_inst(&in, cfg->bin[who], dir,
	    cfg->main_opt[who], FLAGS_STARTED, false))
		return -1;
	/* The first instance manufactured the state; later ones load it. */
	rc = tpm_do(in.dfd, gr, tc_getrandom(gr, sizeof(gr), 8));
	inst_stop(&in);
	if (rc != 0)
		return -1;
	samples_reset(s);
	for (i = 0; i < cfg->start + 1; i++) {
		t0 = now_ns();
		if (inst_spawn(&in, cfg->bin[who], dir, cfg->main_opt[who],
		    "not-need-init", false) != 0 ||
		    inst_connect(&in, false, 20, 20000) != 0) {
			inst_stop(&in);
			return -1;
		}
		rc = tpm_do(in.dfd, cmd, tc_startup(cmd, sizeof(cmd), 0));
		dt = now_ns() - t0;
		inst_stop(&in);
		if (rc != 0) {
			fprintf(stderr, "swtpm_bench: startup: 0x%x\n", rc);
			return -1;
		}
		if (i > 0)
			samples_add(s, dt);
	}
	put(res, WL_STARTUP, who, r, s);
	return 0;
}

static const enum wl main_wls[] = {
	WL_GETRANDOM, WL_PCR, WL_HASH, WL_PRIMARY, WL_MIGRATION,
};

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

/* Everything for server A or B in round r. */
static int
round_server(const struct config *cfg, struct results *res, int who,
    unsigned r, struct samples *s)
{
	struct memrow	*m = &res->mem[who][r];
	struct memstat	 ms;
	struct inst	 in;
	char		 dir[PATH_MAX];
	uint8_t		 cmd[16];
	size_t		 i;
	long		 ops;

	memset(m, 0, sizeof(*m));
	if (mkdirf(dir, sizeof(dir), cfg->base, r, who_names[who], "main") ||
	    start_inst(&in, cfg->bin[who], dir, cfg->main_opt[who],
	    FLAGS_STARTED, true))
		return -1;
	if (tpm_do(in.dfd, cmd, tc_getrandom(cmd, sizeof(cmd), 32)) != 0 ||
	    proc_mem(in.pid, &ms) != 0)
		goto fail;
	m->rss_idle = ms.rss_kb;
	m->pss_idle = m->pss_peak = ms.pss_kb;
	m->fd_before = proc_fds(in.pid);
	for (i = 0; i < sizeof(main_wls) / sizeof(main_wls[0]); i++) {
		enum wl	w = main_wls[i];

		ops = w == WL_MIGRATION ? loop_migration(&in, cfg->heavy, s) :
		    loop_tpm(&in, w, iters_of(cfg, w), s);
		if (ops < 0) {
			fprintf(stderr, "swtpm_bench: %s failed on %s\n",
			    wl_names[w], cfg->bin[who]);
			goto fail;
		}
		m->ops += (unsigned long)ops;
		put(res, w, who, r, s);
		track_pss(&in, m);
	}
	m->fd_after = proc_fds(in.pid);
	m->fd_growth += m->fd_after - m->fd_before;
	if (proc_mem(in.pid, &ms) == 0)
		m->rss_peak = ms.hwm_kb;
	m->have = true;
	inst_stop(&in);
	if (round_nv(cfg, res, who, r, WL_NV, cfg->nofsync_opt[who], s))
		return -1;
	if (cfg->durable_opt[who] && round_nv(cfg, res, who, r,
	    WL_NV_DURABLE, cfg->durable_opt[who], s))
		return -1;
	return round_startup(cfg, res, who, r, s);
fail:
	inst_stop(&in);
	return -1;
}

/* The null server: IPC cost of the small commands. */
static int
round_null(const struct config *cfg, struct results *res, unsigned r,
    struct samples *s)
{
	static const enum wl wls[] = { WL_GETRANDOM, WL_PCR, WL_HASH, WL_NV };
	struct inst	in;
	char		dir[PATH_MAX];
	size_t		i;

	if (mkdirf(dir, sizeof(dir), cfg->base, r, "null", "main") ||
	    start_inst(&in, cfg->null_bin, dir, "", FLAGS_STARTED, false))
		return -1;
	for (i = 0; i < sizeof(wls) / sizeof(wls[0]); i++) {
		if (loop_tpm(&in, wls[i], iters_of(cfg, wls[i]), s) < 0) {
			inst_stop(&in);
			return -1;
		}
		put(res, wls[i], WHO_NULL, r, s);
	}
	inst_stop(&in);
	return 0;
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
run_density(const struct config *cfg, struct results *res, int who)
{
	struct dens	*d = &res->dens[who];
	struct inst	*in = NULL, tpl;
	struct memstat	 ms;
	char		 dir[PATH_MAX], tdir[PATH_MAX];
	uint8_t		 cmd[16];
	unsigned	 n = cfg->density, i, ready = 0;
	uint64_t	 t0, end;
	ssize_t		 k;
	int		 rc = -1, t;

	memset(d, 0, sizeof(*d));
	if (raise_nofile((long)n + 64) < (long)n + 16) {
		warnx_("cannot raise the open file limit");
		return -1;
	}
	if (mkdirf(tdir, sizeof(tdir), cfg->base, 0, who_names[who],
	    "density-template") || start_inst(&tpl, cfg->bin[who], tdir,
	    cfg->main_opt[who], FLAGS_STARTED, false))
		return -1;
	inst_stop(&tpl);
	if ((in = calloc(n, sizeof(*in))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		inst_init(&in[i]);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		snprintf(dir, sizeof(dir), "%s/d-%s-%u", cfg->base,
		    who_names[who], i);
		if (mkdir(dir, 0700) != 0 || copy_state(tdir, dir) != 0 ||
		    inst_spawn(&in[i], cfg->bin[who], dir,
		    cfg->main_opt[who], FLAGS_STARTED, true) != 0)
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
	for (i = 0; i < n; i++) {
		if (proc_mem(in[i].pid, &ms) != 0)
			goto out;
		d->pss_kb += (double)ms.pss_kb / n;
		d->rss_kb += (double)ms.rss_kb / n;
	}
	tc_getrandom(cmd, sizeof(cmd), 32);
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (tpm_send(in[i].dfd, cmd, 12) != 0)
			goto out;
	for (i = 0; i < n; i++) {
		k = tpm_recv(in[i].dfd, rsp, sizeof(rsp));
		if (k < 0 || tc_rc(rsp, (size_t)k) != 0)
			goto out;
	}
	d->answer_ms = (double)(now_ns() - t0) / 1e6;
	for (i = 0; i < n; i++)
		if (proc_mem(in[i].pid, &ms) == 0)
			d->pss_after_kb += (double)ms.pss_kb / n;
	d->n = n;
	d->have = true;
	rc = 0;
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
"         [--start N] [--density N] [--cpu N|-1] [--json FILE|-]\n"
"         [--dir DIR] [--keep] [--ours-nofsync-opt S]\n"
"         [--ours-durable-opt S|--no-ours-durable] [--ref-durable-opt S]\n");
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
		{ "cpu", required_argument, NULL, 'c' },
		{ "json", required_argument, NULL, 'j' },
		{ "dir", required_argument, NULL, 'd' },
		{ "keep", no_argument, NULL, 'k' },
		{ "ours-nofsync-opt", required_argument, NULL, 1 },
		{ "ours-durable-opt", required_argument, NULL, 2 },
		{ "no-ours-durable", no_argument, NULL, 3 },
		{ "ref-durable-opt", required_argument, NULL, 4 },
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
		case 'c': cfg->cpu = strcmp(optarg, "-1") == 0 ? -1 :
		    (int)num(optarg, 0); break;
		case 'j': cfg->json = optarg; break;
		case 'd': cfg->base = optarg; break;
		case 'k': cfg->keep = true; break;
		case 1: cfg->nofsync_opt[0] = optarg; break;
		case 2: cfg->durable_opt[0] = optarg; break;
		case 3: cfg->durable_opt[0] = NULL; break;
		case 4: cfg->durable_opt[1] = optarg; break;
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
	}
	if (cfg->rounds > MAX_ROUNDS)
		usage();
}

int
main(int argc, char **argv)
{
	static struct results	 res;
	struct config		 cfg;
	struct samples		 s;
	char			 base[PATH_MAX];
	const char		*tmp = getenv("TMPDIR");
	unsigned		 r;
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
	if (samples_init(&s, cfg.small > cfg.nv ? cfg.small + cfg.heavy +
	    cfg.start : cfg.nv + cfg.heavy + cfg.start) != 0)
		return 1;
	describe(&res, &cfg);
	res.rounds = cfg.rounds;
	fprintf(stderr, "swtpm_bench: %u rounds in %s, pinned to CPU %d\n",
	    cfg.rounds, base, cfg.cpu);
	for (r = 0; r < cfg.rounds && rc == 0; r++) {
		for (who = WHO_A; who <= WHO_B && rc == 0; who++)
			if (cfg.bin[who])
				rc = round_server(&cfg, &res, who, r, &s);
		if (rc == 0)
			rc = round_null(&cfg, &res, r, &s);
		if (rc == 0)
			rc = round_floor(&cfg, &res, r);
		fprintf(stderr, "swtpm_bench: round %u %s\n", r + 1,
		    rc ? "failed" : "done");
	}
	for (who = WHO_A; who <= WHO_B && rc == 0 && cfg.density; who++)
		if (cfg.bin[who])
			rc = run_density(&cfg, &res, who);
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
	return rc ? 1 : 0;
}
