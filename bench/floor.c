/*
 * In-process floor of the benchmark: the same TPM 2 commands sent to
 * libtpms directly (no IPC), NVRAM kept in memory. Optionally each
 * NVRAM store also writes, fsyncs and renames a file of the same size
 * and fsyncs its directory (the floor for full durability).
 * Prints one line per workload: "floor NAME N P50_US P99_US MEAN_US OPS".
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libtpms/tpm_error.h>
#include <libtpms/tpm_library.h>
#include <libtpms/tpm_nvfilename.h>

#include "io.h"
#include "stats.h"
#include "tpm2.h"
#include "tpmcmd.h"

/*
 * Global state forced by the libtpms callbacks: the in-memory NVRAM and
 * the optional durable-write directory.
 */
struct blob {
	const char	*name;
	unsigned char	*p;
	uint32_t	 len;
	bool		 set;
};
static struct blob nvram[] = {
	{ TPM_PERMANENT_ALL_NAME, NULL, 0, false },
	{ TPM_VOLATILESTATE_NAME, NULL, 0, false },
	{ TPM_SAVESTATE_NAME, NULL, 0, false },
};
static int durable_dirfd = -1;
static unsigned long durable_writes;

static struct blob *
blob_find(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(nvram) / sizeof(nvram[0]); i++)
		if (strcmp(nvram[i].name, name) == 0)
			return &nvram[i];
	return NULL;
}

static TPM_RESULT
cb_nvram_init(void)
{
	return TPM_SUCCESS;
}

static TPM_RESULT
cb_load(unsigned char **data, uint32_t *length, uint32_t tpm_number,
    const char *name)
{
	struct blob	*b = blob_find(name);

	(void)tpm_number;
	if (b == NULL || !b->set)
		return TPM_RETRY;
	if ((*data = malloc(b->len ? b->len : 1)) == NULL)
		return TPM_FAIL;
	memcpy(*data, b->p, b->len);
	*length = b->len;
	return TPM_SUCCESS;
}

/* Same pattern as a durable state write: temp, fsync, rename, dir fsync. */
static int
durable_write(const char *name, const unsigned char *data, uint32_t len)
{
	char	tmp[64], dst[64];
	int	fd;

	snprintf(tmp, sizeof(tmp), "tpm2-00.%s.tmp", name);
	snprintf(dst, sizeof(dst), "tpm2-00.%s", name);
	fd = openat(durable_dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0)
		return -1;
	if (write_full(fd, data, len) != (ssize_t)len || fsync(fd) != 0) {
		close(fd);
		return -1;
	}
	if (close(fd) != 0 || renameat(durable_dirfd, tmp, durable_dirfd,
	    dst) != 0 || fsync(durable_dirfd) != 0)
		return -1;
	durable_writes++;
	return 0;
}

static TPM_RESULT
cb_store(const unsigned char *data, uint32_t length, uint32_t tpm_number,
    const char *name)
{
	struct blob	*b = blob_find(name);
	unsigned char	*p;

	(void)tpm_number;
	if (b == NULL)
		return TPM_FAIL;
	if ((p = malloc(length ? length : 1)) == NULL)
		return TPM_FAIL;
	memcpy(p, data, length);
	free(b->p);
	b->p = p;
	b->len = length;
	b->set = true;
	if (durable_dirfd >= 0 && durable_write(name, data, length) != 0)
		return TPM_FAIL;
	return TPM_SUCCESS;
}

static TPM_RESULT
cb_delete(uint32_t tpm_number, const char *name, TPM_BOOL must_exist)
{
	struct blob	*b = blob_find(name);

	(void)tpm_number;
	if (b == NULL || !b->set)
		return must_exist ? TPM_FAIL : TPM_SUCCESS;
	free(b->p);
	b->p = NULL;
	b->len = 0;
	b->set = false;
	return TPM_SUCCESS;
}

static TPM_RESULT
cb_io_init(void)
{
	return TPM_SUCCESS;
}

static TPM_RESULT
cb_locality(TPM_MODIFIER_INDICATOR *loc, uint32_t tpm_number)
{
	(void)tpm_number;
	*loc = 0;
	return TPM_SUCCESS;
}

static TPM_RESULT
cb_pp(TPM_BOOL *pp, uint32_t tpm_number)
{
	(void)tpm_number;
	*pp = 0;
	return TPM_SUCCESS;
}

static unsigned char	*rbuf;
static uint32_t		 rlen, rcap;

/* Run one command; returns the TPM response code or TPM_RSP_MALFORMED. */
static uint32_t
tpm(const uint8_t *cmd, size_t len)
{
	unsigned char	work[TC_MAX_CMD];

	if (len > sizeof(work))
		return TPM_RSP_MALFORMED;
	memcpy(work, cmd, len);
	if (TPMLIB_Process(&rbuf, &rlen, &rcap, work, (uint32_t)len) !=
	    TPM_SUCCESS)
		return TPM_RSP_MALFORMED;
	return tpm2_parse_rc(rbuf, rlen);
}

static int
tpm_start(bool startup)
{
	uint8_t	cmd[64];
	size_t	n;

	if (TPMLIB_ChooseTPMVersion(TPMLIB_TPM_VERSION_2) != TPM_SUCCESS ||
	    TPMLIB_MainInit() != TPM_SUCCESS)
		return -1;
	if (!startup)
		return 0;
	n = tc_startup(cmd, sizeof(cmd), 0);
	return tpm(cmd, n) == 0 ? 0 : -1;
}

enum wl {
	WL_GETRANDOM, WL_PCR, WL_HASH, WL_NV, WL_NV_DURABLE, WL_PRIMARY,
	WL_MIGRATION, WL_STARTUP, WL_COUNT
};
static const char *const wl_names[WL_COUNT] = {
	"getrandom", "pcr_extend", "hash_1k", "nv_write", "nv_write_durable",
	"create_primary", "migration", "startup",
};

static void
die(const char *what)
{
	fprintf(stderr, "bench_floor: %s failed\n", what);
	exit(1);
}

static uint64_t
one_migration(void)
{
	unsigned char	*perm = NULL, *vol = NULL;
	uint32_t	 plen = 0, vlen = 0;
	uint64_t	 t0, t1;

	t0 = now_ns();
	if (TPMLIB_GetState(TPMLIB_STATE_PERMANENT, &perm, &plen) != 0 ||
	    TPMLIB_GetState(TPMLIB_STATE_VOLATILE, &vol, &vlen) != 0)
		die("TPMLIB_GetState");
	TPMLIB_Terminate();
	if (TPMLIB_ChooseTPMVersion(TPMLIB_TPM_VERSION_2) != 0 ||
	    TPMLIB_SetState(TPMLIB_STATE_PERMANENT, perm, plen) != 0 ||
	    TPMLIB_SetState(TPMLIB_STATE_VOLATILE, vol, vlen) != 0 ||
	    TPMLIB_MainInit() != 0)
		die("migration restore");
	t1 = now_ns();
	free(perm);
	free(vol);
	return t1 - t0;
}

static uint64_t
one_startup(void)
{
	uint64_t	t0;

	TPMLIB_Terminate();
	cb_delete(0, TPM_VOLATILESTATE_NAME, 0);
	t0 = now_ns();
	if (tpm_start(true) != 0)
		die("start-up");
	return now_ns() - t0;
}

/* One timed operation of workload w; iteration number i. */
static uint64_t
one(enum wl w, unsigned i)
{
	uint8_t		cmd[TC_MAX_CMD], fl[32];
	size_t		n = 0;
	uint64_t	t0, dt;
	uint32_t	rc;

	switch (w) {
	case WL_GETRANDOM:
		n = tc_getrandom(cmd, sizeof(cmd), 32);
		break;
	case WL_PCR:
		n = tc_pcr_extend(cmd, sizeof(cmd), 16, (uint8_t)i);
		break;
	case WL_HASH:
		n = tc_hash(cmd, sizeof(cmd), TC_HASH_LEN);
		break;
	case WL_NV:
	case WL_NV_DURABLE:
		n = tc_nv_write(cmd, sizeof(cmd), TC_NV_INDEX, (uint8_t)i,
		    TC_NV_SIZE);
		break;
	case WL_PRIMARY:
		n = tc_create_primary_ecc(cmd, sizeof(cmd));
		break;
	case WL_MIGRATION:
		return one_migration();
	case WL_STARTUP:
		return one_startup();
	case WL_COUNT:
		break;
	}
	t0 = now_ns();
	rc = tpm(cmd, n);
	dt = now_ns() - t0;
	if (rc != 0) {
		fprintf(stderr, "bench_floor: %s: rc 0x%x\n", wl_names[w], rc);
		exit(1);
	}
	if (w == WL_PRIMARY) {
		n = tc_flush(fl, sizeof(fl), tc_out_handle(rbuf, rlen));
		if (tpm(fl, n) != 0)
			die("FlushContext");
	}
	return dt;
}

static void
run(enum wl w, unsigned iters, struct samples *s, const char *dir)
{
	struct summary	sum;
	unsigned	i, warm = iters / 10 + 1;

	if (w == WL_NV_DURABLE) {
		durable_dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (durable_dirfd < 0)
			die("open of the durable directory");
	}
	samples_reset(s);
	for (i = 0; i < warm + iters; i++) {
		uint64_t	dt = one(w, i);

		if (i >= warm)
			samples_add(s, dt);
	}
	if (durable_dirfd >= 0) {
		close(durable_dirfd);
		durable_dirfd = -1;
	}
	samples_summarize(s, &sum);
	printf("floor %s %zu %.3f %.3f %.3f %.1f\n", wl_names[w], sum.n,
	    sum.p50_us, sum.p99_us, sum.mean_us, sum.ops);
	fflush(stdout);
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_floor [--small N] [--nv N] "
	    "[--heavy N] [--start N] [--dir DIR] [--only NAME]\n");
	exit(2);
}

static unsigned
num(const char *s)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > 10000000)
		usage();
	return (unsigned)v;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "small", required_argument, NULL, 's' },
		{ "nv", required_argument, NULL, 'n' },
		{ "heavy", required_argument, NULL, 'H' },
		{ "start", required_argument, NULL, 'S' },
		{ "dir", required_argument, NULL, 'd' },
		{ "only", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct libtpms_callbacks cbs = {
		.sizeOfStruct = sizeof(cbs),
		.tpm_nvram_init = cb_nvram_init,
		.tpm_nvram_loaddata = cb_load,
		.tpm_nvram_storedata = cb_store,
		.tpm_nvram_deletename = cb_delete,
		.tpm_io_init = cb_io_init,
		.tpm_io_getlocality = cb_locality,
		.tpm_io_getphysicalpresence = cb_pp,
	};
	unsigned	 small = 2000, nv = 500, heavy = 100, start = 20;
	unsigned	 iters[WL_COUNT], cap;
	const char	*dir = NULL, *only = NULL;
	struct samples	 s;
	uint8_t		 cmd[256];
	uint32_t	 rc;
	int		 c, w;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': small = num(optarg); break;
		case 'n': nv = num(optarg); break;
		case 'H': heavy = num(optarg); break;
		case 'S': start = num(optarg); break;
		case 'd': dir = optarg; break;
		case 'o': only = optarg; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	iters[WL_GETRANDOM] = iters[WL_PCR] = iters[WL_HASH] = small;
	iters[WL_NV] = iters[WL_NV_DURABLE] = nv;
	iters[WL_PRIMARY] = iters[WL_MIGRATION] = heavy;
	iters[WL_STARTUP] = start;
	cap = small;
	for (w = 0; w < WL_COUNT; w++)
		if (iters[w] > cap)
			cap = iters[w];
	if (samples_init(&s, cap) != 0)
		die("malloc");
	if (TPMLIB_ChooseTPMVersion(TPMLIB_TPM_VERSION_2) != 0 ||
	    TPMLIB_RegisterCallbacks(&cbs) != 0 || tpm_start(true) != 0)
		die("libtpms start");
	rc = tpm(cmd, tc_nv_define(cmd, sizeof(cmd), TC_NV_INDEX,
	    TC_NV_SIZE));
	if (rc != 0 && rc != TPM2_RC_NV_DEFINED)
		die("NV_DefineSpace");
	for (w = 0; w < WL_COUNT; w++) {
		if (only && strcmp(only, wl_names[w]) != 0)
			continue;
		if (w == WL_NV_DURABLE && dir == NULL)
			continue;
		run((enum wl)w, iters[w], &s, dir);
	}
	TPMLIB_Terminate();
	free(rbuf);
	samples_release(&s);
	for (w = 0; w < (int)(sizeof(nvram) / sizeof(nvram[0])); w++)
		free(nvram[w].p);
	return 0;
}
