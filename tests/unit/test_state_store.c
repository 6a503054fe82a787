/*
 * Unit tests for the src/state backends: dir:// and file:// round trips,
 * file names and modes, locks between processes, the reference's linear
 * layout, refusal of damaged linear files, and injected I/O faults.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "io.h"
#include "state.h"
#include "t.h"

static char	tdir[] = "/tmp/test_state_storeXXXXXX";
static char	msg[512];
static char	uri[512];
static struct st_fsops real_fs;

/* ------------------------------------------------------- fault injection */

enum { OP_NONE, OP_WRITE, OP_PWRITE, OP_FSYNC, OP_CLOSE, OP_RENAME,
    OP_FTRUNCATE, OP_OPEN };
static const char *const op_names[] = { "none", "write", "pwrite", "fsync",
    "close", "rename", "ftruncate", "open" };
static int	fail_op, fail_at, op_count, fail_errno = EIO;

static bool
hit(int op)
{
	if (op != fail_op)
		return false;
	if (++op_count != fail_at)
		return false;
	errno = fail_errno;
	return true;
}

static ssize_t
f_write(int fd, const void *p, size_t n)
{
	return hit(OP_WRITE) ? -1 : real_fs.write(fd, p, n);
}

static ssize_t
f_pwrite(int fd, const void *p, size_t n, off_t o)
{
	return hit(OP_PWRITE) ? -1 : real_fs.pwrite(fd, p, n, o);
}

static int
f_fsync(int fd)
{
	return hit(OP_FSYNC) ? -1 : real_fs.fsync(fd);
}

static int
f_close(int fd)
{
	if (hit(OP_CLOSE)) {
		real_fs.close(fd);
		errno = EIO;
		return -1;
	}
	return real_fs.close(fd);
}

static int
f_renameat(int da, const char *a, int db, const char *b)
{
	return hit(OP_RENAME) ? -1 : real_fs.renameat(da, a, db, b);
}

/* The name swap is the rename of the directory backend. */
static int
f_exchange(int dfd, const char *a, const char *b)
{
	return hit(OP_RENAME) ? -1 : real_fs.exchange(dfd, a, b);
}

static int
f_ftruncate(int fd, off_t l)
{
	return hit(OP_FTRUNCATE) ? -1 : real_fs.ftruncate(fd, l);
}

static int
f_open(const char *p, int fl, mode_t m)
{
	return hit(OP_OPEN) ? -1 : real_fs.open(p, fl, m);
}

static int
f_openat(int dfd, const char *p, int fl, mode_t m)
{
	return hit(OP_OPEN) ? -1 : real_fs.openat(dfd, p, fl, m);
}

static void
inject(int op, int at, int err)
{
	fail_op = op;
	fail_at = at;
	fail_errno = err;
	op_count = 0;
}

/* ------------------------------------------------------------ helpers */

static const struct st_store_cfg cfg_tpm2 = {
	.tpm2 = true, .mode = 0640, .lock = true, .fsync = true,
};

/* The last 16 results stay valid. */
static const char *
path_in(const char *name)
{
	static char p[16][512];
	static int i;

	i = (i + 1) % 16;
	snprintf(p[i], sizeof(p[i]), "%s/%s", tdir, name);
	return p[i];
}

static struct st_store *
open_store(const char *u, const struct st_store_cfg *cfg)
{
	struct st_store *st = NULL;
	enum st_err rc;

	rc = st_store_open(&st, u, cfg, msg, sizeof(msg), NULL, 0);
	if (rc != ST_OK)
		fprintf(stderr, "open %s: %s\n", u, msg);
	return st;
}

static bool
load_is(struct st_store *st, const char *name, const uint8_t *want,
    size_t wlen)
{
	uint8_t *b = NULL;
	size_t len = 0;
	bool ok;

	if (st_store_load(st, name, &b, &len, msg, sizeof(msg)) != ST_OK)
		return false;
	ok = len == wlen && (wlen == 0 || memcmp(b, want, wlen) == 0);
	free(b);
	return ok;
}

static bool
absent(struct st_store *st, const char *name)
{
	uint8_t *b = NULL;
	size_t len = 0;
	enum st_err rc;

	rc = st_store_load(st, name, &b, &len, msg, sizeof(msg));
	free(b);
	return rc == ST_NOENT;
}

static size_t
file_len(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (size_t)sb.st_size : (size_t)-1;
}

static bool
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static void
fill(uint8_t *b, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(seed + i * 13);
}

static void
clean_dir(void)
{
	static const char *const names[] = { "tpm2-00.permall",
	    "tpm2-00.volatilestate", "tpm2-00.savestate", "tpm-00.permall",
	    "TMP2-00.permall", "TMP-00.permall", ".lock", "linear", "bad",
	    "tpm2-00.permall.bak", "tpm2-00.permall.tmp",
	    "TMP2-00.volatilestate", "other", "junk", "newlock",
	    "linear.new" };
	char p[512];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", tdir, names[i]);
		unlink(p);
	}
}

/* ------------------------------------------------------------ dir */

static void
test_dir_roundtrip(void)
{
	struct st_store *st;
	struct st_store_cfg cfg12 = cfg_tpm2;
	uint8_t a[300], b[5000];
	size_t len;

	clean_dir();
	fill(a, sizeof(a), 1);
	fill(b, sizeof(b), 2);
	snprintf(uri, sizeof(uri), "dir://%s", tdir);
	T_ASSERT((st = open_store(uri, &cfg_tpm2)) != NULL);
	T_EQ_U(st_store_size(st, "permall", &len, msg, sizeof(msg)), ST_NOENT);
	T_CHECK(absent(st, "permall"));
	T_EQ_U(st_store_save(st, "permall", a, sizeof(a), msg, sizeof(msg)),
	    ST_OK);
	T_EQ_U(file_len(path_in("tpm2-00.permall")), sizeof(a));
	T_CHECK(load_is(st, "permall", a, sizeof(a)));
	T_EQ_U(st_store_save(st, "permall", b, sizeof(b), msg, sizeof(msg)),
	    ST_OK);
	T_CHECK(load_is(st, "permall", b, sizeof(b)));
	T_EQ_U(st_store_size(st, "permall", &len, msg, sizeof(msg)), ST_OK);
	T_EQ_U(len, sizeof(b));
	T_EQ_U(st_store_save(st, "volatilestate", a, 10, msg, sizeof(msg)),
	    ST_OK);
	T_CHECK(exists(path_in("tpm2-00.volatilestate")));
	T_EQ_U(st_store_delete(st, "volatilestate", true, msg, sizeof(msg)),
	    ST_OK);
	T_EQ_U(st_store_delete(st, "volatilestate", true, msg, sizeof(msg)),
	    ST_NOENT);
	T_EQ_U(st_store_delete(st, "volatilestate", false, msg, sizeof(msg)),
	    ST_OK);
	T_EQ_U(st_store_save(st, "bogus", a, 1, msg, sizeof(msg)), ST_INVAL);
	T_CHECK(!exists(path_in("TMP2-00.permall")));
	st_store_free(st);

	/* TPM 1.2 names */
	cfg12.tpm2 = false;
	T_ASSERT((st = open_store(uri, &cfg12)) != NULL);
	T_EQ_U(st_store_save(st, "permall", a, 7, msg, sizeof(msg)), ST_OK);
	T_EQ_U(file_len(path_in("tpm-00.permall")), 7);
	st_store_free(st);

	T_CHECK(st_store_open(&st, "dir:///nonexistent/dir", &cfg_tpm2, msg,
	    sizeof(msg), NULL, 0) != ST_OK);
	T_EQ_U(st_store_open(&st, "http://x", &cfg_tpm2, msg, sizeof(msg),
	    NULL, 0), ST_INVAL);
	T_EQ_STR(msg, "Unsupported backend.");
}

/* --tpmstate dir=...,backup: the replaced permall is kept as .bak. */
static void
test_dir_backup(void)
{
	struct st_store_cfg cfg = cfg_tpm2;
	struct st_store *st;
	uint8_t a[100], b[200], c[300], *p = NULL;
	size_t len = 0;
	int fd;

	clean_dir();
	fill(a, sizeof(a), 3);
	fill(b, sizeof(b), 4);
	fill(c, sizeof(c), 5);
	cfg.backup = true;
	snprintf(uri, sizeof(uri), "dir://%s", tdir);
	T_ASSERT((st = open_store(uri, &cfg)) != NULL);
	/* nothing to back up, nothing to swap */
	T_EQ_U(st_store_backup_prepare(st, msg, sizeof(msg)), ST_OK);
	T_EQ_U(st_store_backup_swap(st, msg, sizeof(msg)), ST_NOENT);
	T_EQ_U(st_store_save(st, "permall", a, sizeof(a), msg, sizeof(msg)),
	    ST_OK);
	T_CHECK(!exists(path_in("tpm2-00.permall.bak")));
	T_EQ_U(st_store_save(st, "permall", b, sizeof(b), msg, sizeof(msg)),
	    ST_OK);
	T_CHECK(load_is(st, "permall", b, sizeof(b)));
	T_EQ_U(file_len(path_in("tpm2-00.permall.bak")), sizeof(a));
	T_EQ_U(st_store_save(st, "permall", c, sizeof(c), msg, sizeof(msg)),
	    ST_OK);
	T_EQ_U(file_len(path_in("tpm2-00.permall.bak")), sizeof(b));
	T_CHECK(!exists(path_in("TMP2-00.permall")));
	/* other blobs have no backup */
	T_EQ_U(st_store_save(st, "volatilestate", a, 10, msg, sizeof(msg)),
	    ST_OK);
	T_EQ_U(st_store_save(st, "volatilestate", a, 20, msg, sizeof(msg)),
	    ST_OK);
	T_CHECK(!exists(path_in("tpm2-00.volatilestate.bak")));
	/* swap twice: back where we were */
	T_EQ_U(st_store_backup_swap(st, msg, sizeof(msg)), ST_OK);
	T_CHECK(load_is(st, "permall", b, sizeof(b)));
	T_EQ_U(file_len(path_in("tpm2-00.permall.bak")), sizeof(c));
	T_EQ_U(st_store_backup_swap(st, msg, sizeof(msg)), ST_OK);
	T_CHECK(load_is(st, "permall", c, sizeof(c)));
	/* prepare leaves an existing permall alone */
	T_EQ_U(st_store_backup_prepare(st, msg, sizeof(msg)), ST_OK);
	T_CHECK(load_is(st, "permall", c, sizeof(c)));
	T_EQ_U(file_len(path_in("tpm2-00.permall.bak")), sizeof(b));
	/* permall lost: the backup takes its place */
	T_ASSERT(unlink(path_in("tpm2-00.permall")) == 0);
	T_EQ_U(st_store_backup_prepare(st, msg, sizeof(msg)), ST_OK);
	T_CHECK(load_is(st, "permall", b, sizeof(b)));
	T_CHECK(!exists(path_in("tpm2-00.permall.bak")));
	/* an interrupted swap by renames: permall.tmp was permall */
	T_ASSERT(rename(path_in("tpm2-00.permall"),
	    path_in("tpm2-00.permall.tmp")) == 0);
	fd = open(path_in("tpm2-00.permall.bak"), O_WRONLY | O_CREAT, 0600);
	T_ASSERT(fd >= 0 && write(fd, a, sizeof(a)) == (ssize_t)sizeof(a));
	close(fd);
	T_EQ_U(st_store_backup_prepare(st, msg, sizeof(msg)), ST_OK);
	T_CHECK(load_is(st, "permall", b, sizeof(b)));
	T_EQ_U(file_len(path_in("tpm2-00.permall.bak")), sizeof(a));
	T_EQ_U(st_store_load(st, "permall", &p, &len, msg, sizeof(msg)),
	    ST_OK);
	free(p);
	st_store_free(st);

	/* without the option: no backup file */
	clean_dir();
	T_ASSERT((st = open_store(uri, &cfg_tpm2)) != NULL);
	T_EQ_U(st_store_save(st, "permall", a, sizeof(a), msg, sizeof(msg)),
	    ST_OK);
	T_EQ_U(st_store_save(st, "permall", b, sizeof(b), msg, sizeof(msg)),
	    ST_OK);
	T_CHECK(!exists(path_in("tpm2-00.permall.bak")));
	st_store_free(st);

	/* the linear backend has none */
	clean_dir();
	snprintf(uri, sizeof(uri), "file://%s", path_in("linear"));
	T_ASSERT((st = open_store(uri, &cfg_tpm2)) != NULL);
	T_EQ_U(st_store_backup_swap(st, msg, sizeof(msg)), ST_INVAL);
	T_EQ_U(st_store_backup_prepare(st, msg, sizeof(msg)), ST_INVAL);
	st_store_free(st);
	clean_dir();
}

static void
test_dir_modes(void)
{
	struct st_store_cfg cfg = cfg_tpm2;
	struct st_store *st;
	struct stat sb;
	mode_t old = umask(022);
	uint8_t a[16] = { 1 };

	clean_dir();
	snprintf(uri, sizeof(uri), "dir://%s", tdir);
	T_ASSERT((st = open_store(uri, &cfg)) != NULL);
	T_EQ_U(st_store_save(st, "permall", a, sizeof(a), msg, sizeof(msg)),
	    ST_OK);
	T_CHECK(stat(path_in("tpm2-00.permall"), &sb) == 0);
	T_EQ_U(sb.st_mode & 07777, 0600);
	/* owner write bit missing: fixed to 0600 on read (§2.3) */
	chmod(path_in("tpm2-00.permall"), 0400);
	T_CHECK(load_is(st, "permall", a, sizeof(a)));
	T_CHECK(stat(path_in("tpm2-00.permall"), &sb) == 0);
	T_EQ_U(sb.st_mode & 07777, 0600);
	st_store_free(st);

	/* explicit mode: exact, regardless of umask; enforced on read */
	cfg.mode = 0666;
	cfg.mode_set = true;
	T_ASSERT((st = open_store(uri, &cfg)) != NULL);
	T_EQ_U(st_store_save(st, "permall", a, sizeof(a), msg, sizeof(msg)),
	    ST_OK);
	T_CHECK(stat(path_in("tpm2-00.permall"), &sb) == 0);
	T_EQ_U(sb.st_mode & 07777, 0666);
	chmod(path_in("tpm2-00.permall"), 0600);
	T_CHECK(load_is(st, "permall", a, sizeof(a)));
	T_CHECK(stat(path_in("tpm2-00.permall"), &sb) == 0);
	T_EQ_U(sb.st_mode & 07777, 0666);
	st_store_free(st);
	umask(old);
}

static void
test_dir_stale_temp(void)
{
	struct st_store_cfg cfg = cfg_tpm2;
	struct st_store *st;
	uint8_t a[16] = { 2 };
	int fd;

	clean_dir();
	snprintf(uri, sizeof(uri), "dir://%s", tdir);
	/* without locking: removed at open */
	cfg.lock = false;
	fd = open(path_in("TMP2-00.permall"), O_CREAT | O_WRONLY, 0600);
	close(fd);
	T_ASSERT((st = open_store(uri, &cfg)) != NULL);
	T_CHECK(!exists(path_in("TMP2-00.permall")));
	st_store_free(st);
	/* with locking: removed once the lock is held */
	fd = open(path_in("TMP2-00.permall"), O_CREAT | O_WRONLY, 0600);
	close(fd);
	T_ASSERT((st = open_store(uri, &cfg_tpm2)) != NULL);
	T_CHECK(exists(path_in("TMP2-00.permall")));
	T_EQ_U(st_store_lock(st, 0, msg, sizeof(msg)), ST_OK);
	T_CHECK(!exists(path_in("TMP2-00.permall")));
	T_CHECK(exists(path_in(".lock")));
	/* a stale temp (or symlink) appearing later does not block a save */
	T_CHECK(symlink("/nonexistent", path_in("TMP2-00.permall")) == 0);
	T_EQ_U(st_store_save(st, "permall", a, sizeof(a), msg, sizeof(msg)),
	    ST_OK);
	T_CHECK(load_is(st, "permall", a, sizeof(a)));
	T_CHECK(!exists(path_in("TMP2-00.permall")));
	st_store_free(st);
}

/*
 * Child: opens the store and tries to lock with 'retries'; exit status
 * 0 = locked, 1 = ST_LOCKED, 2 = other error.
 */
static int
child_lock(const char *u, const struct st_store_cfg *cfg, unsigned retries)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		struct st_store *st = open_store(u, cfg);
		enum st_err rc;

		if (st == NULL)
			_exit(2);
		rc = st_store_lock(st, retries, msg, sizeof(msg));
		_exit(rc == ST_OK ? 0 : rc == ST_LOCKED ? 1 : 2);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void
lock_between_processes(const char *u, const struct st_store_cfg *cfg)
{
	struct st_store *st;

	T_ASSERT((st = open_store(u, cfg)) != NULL);
	T_CHECK(!st_store_is_locked(st));
	T_EQ_U(child_lock(u, cfg, 0), 0);
	T_EQ_U(st_store_lock(st, 0, msg, sizeof(msg)), ST_OK);
	T_EQ_U(st_store_lock(st, 0, msg, sizeof(msg)), ST_OK);
	T_CHECK(st_store_is_locked(st));
	T_EQ_U(child_lock(u, cfg, 0), 1);
	T_EQ_U(child_lock(u, cfg, 3), 1);
	st_store_unlock(st);
	T_CHECK(!st_store_is_locked(st));
	T_EQ_U(child_lock(u, cfg, 0), 0);
	st_store_free(st);
}

/* Open file description locks: exclusive within one process too. */
static void
test_lock_in_process(const char *u)
{
	struct st_store *a, *b;

	T_ASSERT((a = open_store(u, &cfg_tpm2)) != NULL);
	T_ASSERT((b = open_store(u, &cfg_tpm2)) != NULL);
	T_EQ_U(st_store_lock(a, 0, msg, sizeof(msg)), ST_OK);
	T_EQ_U(st_store_lock(b, 2, msg, sizeof(msg)), ST_LOCKED);
	/* b's failed attempt closed its fd: a must still hold the lock */
	st_store_free(b);
	T_EQ_U(child_lock(u, &cfg_tpm2, 0), 1);
	st_store_free(a);
	T_EQ_U(child_lock(u, &cfg_tpm2, 0), 0);
}

static void
test_locking(void)
{
	struct st_store_cfg cfg = cfg_tpm2;
	struct st_store *st;

	clean_dir();
	snprintf(uri, sizeof(uri), "dir://%s", tdir);
	lock_between_processes(uri, &cfg);
	/* error text of the reference */
	T_ASSERT((st = open_store(uri, &cfg)) != NULL);
	T_EQ_U(st_store_lock(st, 0, msg, sizeof(msg)), ST_OK);
	if (fork() == 0) {
		struct st_store *s2 = open_store(uri, &cfg);

		st_store_lock(s2, 0, msg, sizeof(msg));
		_exit(strcmp(msg, "SWTPM_NVRAM_Lock_Dir: Could not lock "
		    "access to lockfile: Resource temporarily unavailable")
		    != 0);
	} else {
		int status = -1;

		wait(&status);
		T_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	st_store_free(st);
	/* lock disabled: always succeeds, even while another holds it */
	cfg.lock = false;
	T_ASSERT((st = open_store(uri, &cfg_tpm2)) != NULL);
	T_EQ_U(st_store_lock(st, 0, msg, sizeof(msg)), ST_OK);
	T_EQ_U(child_lock(uri, &cfg, 0), 0);
	st_store_free(st);

	test_lock_in_process(uri);

	snprintf(uri, sizeof(uri), "file://%s/linear", tdir);
	lock_between_processes(uri, &cfg_tpm2);
	test_lock_in_process(uri);
}

/* Every write/fsync/close/rename failure leaves the old blob, no temp. */
static void
test_dir_faults(void)
{
	static const int ops[] = { OP_OPEN, OP_WRITE, OP_FSYNC, OP_CLOSE,
	    OP_RENAME };
	struct st_store *st;
	uint8_t a[100], b[200];
	size_t i;

	clean_dir();
	fill(a, sizeof(a), 3);
	fill(b, sizeof(b), 4);
	snprintf(uri, sizeof(uri), "dir://%s", tdir);
	T_ASSERT((st = open_store(uri, &cfg_tpm2)) != NULL);
	T_EQ_U(st_store_save(st, "permall", a, sizeof(a), msg, sizeof(msg)),
	    ST_OK);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		inject(ops[i], 1, EIO);
		T_EQ_U(st_store_save(st, "permall", b, sizeof(b), msg,
		    sizeof(msg)), ST_IO);
		inject(OP_NONE, 0, 0);
		if (!load_is(st, "permall", a, sizeof(a)))
			fprintf(stderr, "old blob lost after %s fault\n",
			    op_names[ops[i]]);
		T_CHECK(load_is(st, "permall", a, sizeof(a)));
		T_CHECK(!exists(path_in("TMP2-00.permall")));
	}
	/* ENOSPC in the middle of the data */
	inject(OP_WRITE, 1, ENOSPC);
	T_EQ_U(st_store_save(st, "permall", b, sizeof(b), msg, sizeof(msg)),
	    ST_IO);
	T_CHECK(strstr(msg, "No space left on device") != NULL);
	inject(OP_NONE, 0, 0);
	T_CHECK(load_is(st, "permall", a, sizeof(a)));
	T_CHECK(!exists(path_in("TMP2-00.permall")));
	/* the directory fsync after the rename: new data is in place */
	inject(OP_FSYNC, 2, EIO);
	T_EQ_U(st_store_save(st, "permall", b, sizeof(b), msg, sizeof(msg)),
	    ST_IO);
	inject(OP_NONE, 0, 0);
	T_CHECK(load_is(st, "permall", b, sizeof(b)));
	st_store_free(st);
}

/* ------------------------------------------------------------ linear */

static void
read_slot(const char *path, int idx, uint32_t *off, uint32_t *dlen,
    uint32_t *slen)
{
	uint8_t h[192];
	struct rd r;
	int fd = open(path, O_RDONLY);

	memset(h, 0, sizeof(h));
	if (fd >= 0) {
		if (read_full(fd, h, sizeof(h)) != sizeof(h))
			memset(h, 0, sizeof(h));
		close(fd);
	}
	rd_init(&r, h + 12 + 12 * idx, 12);
	*off = rd_le32(&r);
	*dlen = rd_le32(&r);
	*slen = rd_le32(&r);
}

#define SLOT_IS(path, idx, o, d, s) do { \
	uint32_t o_, d_, s_; \
	read_slot((path), (idx), &o_, &d_, &s_); \
	T_EQ_U(o_, (o)); \
	T_EQ_U(d_, (d)); \
	T_EQ_U(s_, (s)); \
} while (0)

static void
test_linear_layout(void)
{
	static char lp[256];
	struct st_store *st;
	static uint8_t p1[1315], v1[8986], p2[3000], buf[192];
	char notice[256];
	size_t len;
	int fd;

	snprintf(lp, sizeof(lp), "%s", path_in("linear"));
	clean_dir();
	fill(p1, sizeof(p1), 5);
	fill(v1, sizeof(v1), 6);
	fill(p2, sizeof(p2), 7);
	snprintf(uri, sizeof(uri), "file://%s", lp);
	T_ASSERT(st_store_open(&st, uri, &cfg_tpm2, msg, sizeof(msg), notice,
	    sizeof(notice)) == ST_OK);
	T_CHECK(strstr(notice, "Formatting '") == notice);
	T_CHECK(strstr(notice, "' as new linear NVRAM store") != NULL);
	T_EQ_U(file_len(lp), 192);
	fd = open(lp, O_RDONLY);
	T_CHECK(read_full(fd, buf, 12) == 12);
	close(fd);
	T_EQ_MEM(buf, "nilmptws\x01\x00\xc0\x00", 12);
	T_CHECK(absent(st, "permall"));

	/* the spec's example (§3.1): 18624-byte file */
	T_EQ_U(st_store_save(st, "permall", p1, sizeof(p1), msg, sizeof(msg)),
	    ST_OK);
	T_EQ_U(st_store_save(st, "volatilestate", v1, sizeof(v1), msg,
	    sizeof(msg)), ST_OK);
	SLOT_IS(lp, 0, 192, 1315, 2048);
	SLOT_IS(lp, 1, 2240, 8986, 16384);
	T_EQ_U(file_len(lp), 18624);
	T_CHECK(load_is(st, "permall", p1, sizeof(p1)));
	T_CHECK(load_is(st, "volatilestate", v1, sizeof(v1)));
	T_EQ_U(st_store_size(st, "volatilestate", &len, msg, sizeof(msg)),
	    ST_OK);
	T_EQ_U(len, 8986);

	/* in place: shorter blob keeps its section */
	T_EQ_U(st_store_save(st, "permall", p2, 1000, msg, sizeof(msg)),
	    ST_OK);
	SLOT_IS(lp, 0, 192, 1000, 2048);
	SLOT_IS(lp, 1, 2240, 8986, 16384);
	T_EQ_U(file_len(lp), 18624);
	T_CHECK(load_is(st, "permall", p2, 1000));

	/* growth: compaction, then allocation at the end */
	T_EQ_U(st_store_save(st, "permall", p2, sizeof(p2), msg, sizeof(msg)),
	    ST_OK);
	SLOT_IS(lp, 0, 16576, 3000, 4096);
	SLOT_IS(lp, 1, 192, 8986, 16384);
	T_EQ_U(file_len(lp), 20672);
	T_CHECK(load_is(st, "permall", p2, sizeof(p2)));
	T_CHECK(load_is(st, "volatilestate", v1, sizeof(v1)));

	/* delete: later sections move forward, file shrinks */
	T_EQ_U(st_store_delete(st, "volatilestate", true, msg, sizeof(msg)),
	    ST_OK);
	SLOT_IS(lp, 0, 192, 3000, 4096);
	SLOT_IS(lp, 1, 0, 0, 0);
	T_EQ_U(file_len(lp), 4288);
	T_CHECK(load_is(st, "permall", p2, sizeof(p2)));
	T_EQ_U(st_store_delete(st, "volatilestate", true, msg, sizeof(msg)),
	    ST_NOENT);
	T_EQ_U(st_store_delete(st, "permall", true, msg, sizeof(msg)), ST_OK);
	T_EQ_U(file_len(lp), 192);
	T_EQ_U(st_store_save(st, "savestate", p1, 10, msg, sizeof(msg)),
	    ST_OK);
	SLOT_IS(lp, 2, 192, 10, 16);
	st_store_free(st);

	/* reopen: no formatting again, data still there */
	notice[0] = 'x';
	T_ASSERT(st_store_open(&st, uri, &cfg_tpm2, msg, sizeof(msg), notice,
	    sizeof(notice)) == ST_OK);
	T_EQ_STR(notice, "");
	T_CHECK(load_is(st, "savestate", p1, 10));
	st_store_free(st);
}

static void
write_file(const char *path, const uint8_t *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd >= 0) {
		if (n > 0 && write_full(fd, p, n) < 0)
			perror("write");
		close(fd);
	}
}

static bool
file_is(const char *path, const uint8_t *p, size_t n)
{
	uint8_t *b = NULL;
	size_t len = 0;
	bool ok = false;
	int fd = open(path, O_RDONLY);

	if (fd >= 0 && read_all(fd, 1 << 20, &b, &len) == 0)
		ok = len == n && (n == 0 || memcmp(b, p, n) == 0);
	if (fd >= 0)
		close(fd);
	free(b);
	return ok;
}

static void
refuse(const uint8_t *p, size_t n, const char *what)
{
	char bp[256];
	struct st_store *st = NULL;
	char u[512];
	enum st_err rc;

	snprintf(bp, sizeof(bp), "%s", path_in("bad"));
	write_file(bp, p, n);
	snprintf(u, sizeof(u), "file://%s", bp);
	rc = st_store_open(&st, u, &cfg_tpm2, msg, sizeof(msg), NULL, 0);
	if (rc != ST_CORRUPT)
		fprintf(stderr, "%s: rc %d\n", what, rc);
	T_EQ_U(rc, ST_CORRUPT);
	T_CHECK(st == NULL);
	T_CHECK(file_is(bp, p, n));
	st_store_free(st);
}

static void
test_linear_refuse(void)
{
	static uint8_t b[4096];
	static char lp[256];
	struct st_store *st;
	uint8_t v[100];
	size_t n, len;

	snprintf(lp, sizeof(lp), "%s", path_in("linear"));
	clean_dir();
	/* damaged or foreign content of various sizes */
	fill(b, sizeof(b), 9);
	refuse(b, 1, "1 byte");
	refuse(b, 7, "7 bytes");
	refuse(b, 100, "100 bytes");
	refuse(b, 4096, "foreign file");
	/* a real store cut short */
	fill(v, sizeof(v), 1);
	snprintf(uri, sizeof(uri), "file://%s", lp);
	T_ASSERT((st = open_store(uri, &cfg_tpm2)) != NULL);
	T_EQ_U(st_store_save(st, "permall", v, sizeof(v), msg, sizeof(msg)),
	    ST_OK);
	st_store_free(st);
	T_ASSERT(file_is(lp, NULL, 0) == false);
	{
		int fd = open(lp, O_RDONLY);

		T_CHECK(read_full(fd, b, 192 + 128) == 192 + 128);
		close(fd);
	}
	for (n = 1; n < 192; n += 13)
		refuse(b, n, "truncated header");
	/* version 2, bad hdrsize, overlapping or out-of-range slots */
	b[8] = 2;
	refuse(b, 320, "version 2");
	b[8] = 1;
	b[10] = 0xc1;
	refuse(b, 320, "hdrsize");
	b[10] = 0xc0;
	memcpy(b + 24, b + 12, 12);	/* slot 1 = slot 0 */
	refuse(b, 320, "overlap");
	memset(b + 24, 0, 12);
	b[12] = 100;			/* offset inside the header */
	refuse(b, 320, "offset");
	b[12] = 192;
	/* data running past the end: open ok, load fails */
	write_file(path_in("bad"), b, 250);
	snprintf(uri, sizeof(uri), "file://%s", path_in("bad"));
	T_ASSERT((st = open_store(uri, &cfg_tpm2)) != NULL);
	{
		uint8_t *x = NULL;

		T_EQ_U(st_store_load(st, "permall", &x, &len, msg,
		    sizeof(msg)), ST_CORRUPT);
		free(x);
	}
	st_store_free(st);
	/* all zeros is formatted (e.g. a new block device or image) */
	memset(b, 0, 1000);
	write_file(path_in("bad"), b, 1000);
	T_ASSERT((st = open_store(uri, &cfg_tpm2)) != NULL);
	T_EQ_U(st_store_save(st, "permall", v, sizeof(v), msg, sizeof(msg)),
	    ST_OK);
	T_CHECK(load_is(st, "permall", v, sizeof(v)));
	st_store_free(st);
}

/*
 * Fails the Nth pwrite/fsync/ftruncate of every kind of linear update;
 * afterwards the store must open and hold the old or the new blob, and
 * the other blob unchanged.
 */
static void
test_linear_faults(void)
{
	static const int ops[] = { OP_PWRITE, OP_FSYNC, OP_FTRUNCATE };
	static uint8_t p1[1315], v1[8986], p2[3000], p3[500];
	static char lp[256];
	const uint8_t *newp[] = { p2, p3, NULL };
	const size_t newlen[] = { sizeof(p2), sizeof(p3), 0 };
	struct st_store *st;
	size_t i, k;
	int n;

	snprintf(lp, sizeof(lp), "%s", path_in("linear"));
	fill(p1, sizeof(p1), 11);
	fill(v1, sizeof(v1), 12);
	fill(p2, sizeof(p2), 13);
	fill(p3, sizeof(p3), 14);
	snprintf(uri, sizeof(uri), "file://%s", lp);
	for (k = 0; k < 3; k++) {		/* grow, in place, delete */
		for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
			for (n = 1; n <= 8; n++) {
				enum st_err rc;
				bool is_old, is_new;

				clean_dir();
				st = open_store(uri, &cfg_tpm2);
				T_ASSERT(st != NULL);
				T_ASSERT(st_store_save(st, "permall", p1,
				    sizeof(p1), msg, sizeof(msg)) == ST_OK);
				T_ASSERT(st_store_save(st, "volatilestate", v1,
				    sizeof(v1), msg, sizeof(msg)) == ST_OK);
				inject(ops[i], n, EIO);
				if (newp[k] != NULL)
					rc = st_store_save(st, "permall",
					    newp[k], newlen[k], msg,
					    sizeof(msg));
				else
					rc = st_store_delete(st, "permall",
					    true, msg, sizeof(msg));
				inject(OP_NONE, 0, 0);
				st_store_free(st);
				st = open_store(uri, &cfg_tpm2);
				T_ASSERT(st != NULL);
				is_old = load_is(st, "permall", p1,
				    sizeof(p1));
				if (newp[k] != NULL)
					is_new = load_is(st, "permall",
					    newp[k], newlen[k]);
				else
					is_new = absent(st, "permall");
				if (getenv("T_VERBOSE") != NULL ||
				    !(is_old || is_new))
					fprintf(stderr, "case %zu %s #%d: "
					    "rc %d old %d new %d\n", k,
					    op_names[ops[i]], n, rc, is_old,
					    is_new);
				T_CHECK(is_old || is_new);
				T_CHECK(rc == ST_OK ? is_new : 1);
				T_CHECK(load_is(st, "volatilestate", v1,
				    sizeof(v1)));
				/* and the store keeps working */
				T_CHECK(st_store_save(st, "permall", v1, 4000,
				    msg, sizeof(msg)) == ST_OK);
				T_CHECK(load_is(st, "permall", v1, 4000));
				T_CHECK(load_is(st, "volatilestate", v1,
				    sizeof(v1)));
				st_store_free(st);
			}
		}
	}
}

/* ------------------------------------------------- st_store_unchanged */

/* Rewrites path in place (same inode) with n bytes of seed. */
static void
overwrite(const char *path, size_t n, unsigned seed)
{
	uint8_t b[5000];
	int fd = open(path, O_WRONLY | O_TRUNC);

	fill(b, n, seed);
	if (fd >= 0) {
		T_CHECK(write(fd, b, n) == (ssize_t)n);
		close(fd);
	}
}

/* Sets the mtime of path to that of ref (what cp -p, touch -r do). */
static void
same_mtime(const char *path, const char *ref)
{
	struct stat sb;
	struct timespec ts[2];

	T_ASSERT(stat(ref, &sb) == 0);
	ts[0] = sb.st_atim;
	ts[1] = sb.st_mtim;
	T_CHECK(utimensat(AT_FDCWD, path, ts, 0) == 0);
}

static void
test_dir_unchanged(void)
{
	char p[512];
	struct st_store *st, *other;
	uint8_t a[300], b[300];
	struct stat sb;

	clean_dir();
	snprintf(p, sizeof(p), "%s", path_in("tpm2-00.permall"));
	fill(a, sizeof(a), 1);
	fill(b, sizeof(b), 9);
	snprintf(uri, sizeof(uri), "dir://%s", tdir);
	T_ASSERT((st = open_store(uri, &cfg_tpm2)) != NULL);
	T_ASSERT(st_store_lock(st, 0, msg, sizeof(msg)) == ST_OK);
	T_CHECK(!st_store_unchanged(st, "permall"));	/* never seen */
	T_CHECK(!st_store_unchanged(st, "bogus"));
	T_EQ_U(st_store_save(st, "permall", a, sizeof(a), msg, sizeof(msg)),
	    ST_OK);
	T_CHECK(st_store_unchanged(st, "permall"));
	T_CHECK(!st_store_unchanged(st, "volatilestate"));

	/* removed */
	T_ASSERT(unlink(p) == 0);
	T_CHECK(!st_store_unchanged(st, "permall"));

	/* a load records the file as read */
	T_EQ_U(st_store_save(st, "permall", a, sizeof(a), msg, sizeof(msg)),
	    ST_OK);
	overwrite(p, sizeof(b), 9);
	T_CHECK(!st_store_unchanged(st, "permall"));
	T_CHECK(load_is(st, "permall", b, sizeof(b)));
	T_CHECK(st_store_unchanged(st, "permall"));

	/* truncated */
	T_ASSERT(truncate(p, 100) == 0);
	T_CHECK(!st_store_unchanged(st, "permall"));

	/*
	 * Same size rewritten in place within the clock tick of our write
	 * (here: its mtime set back to ours): the stat matches, but the
	 * stamp is racy, so the bytes decide.
	 */
	T_EQ_U(st_store_save(st, "permall", a, sizeof(a), msg, sizeof(msg)),
	    ST_OK);
	T_ASSERT(stat(p, &sb) == 0);
	overwrite(p, sizeof(b), 9);
	{
		struct timespec ts[2] = { sb.st_atim, sb.st_mtim };

		T_CHECK(utimensat(AT_FDCWD, p, ts, 0) == 0);
	}
	T_CHECK(!st_store_unchanged(st, "permall"));
	/* the same bytes again, same mtime: proven by the bytes */
	overwrite(p, sizeof(a), 1);
	{
		struct timespec ts[2] = { sb.st_atim, sb.st_mtim };

		T_CHECK(utimensat(AT_FDCWD, p, ts, 0) == 0);
	}
	T_CHECK(st_store_unchanged(st, "permall"));

	/* replaced by another file with our size and mtime */
	T_EQ_U(st_store_save(st, "permall", a, sizeof(a), msg, sizeof(msg)),
	    ST_OK);
	{
		const char *n = path_in("new");
		int fd = open(n, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		T_ASSERT(fd >= 0);
		T_CHECK(write(fd, b, sizeof(b)) == (ssize_t)sizeof(b));
		close(fd);
		same_mtime(n, p);
		T_ASSERT(rename(n, p) == 0);
	}
	T_CHECK(!st_store_unchanged(st, "permall"));

	/* replaced by a symlink to a file we wrote */
	T_EQ_U(st_store_save(st, "volatilestate", a, sizeof(a), msg,
	    sizeof(msg)), ST_OK);
	T_EQ_U(st_store_save(st, "permall", a, sizeof(a), msg, sizeof(msg)),
	    ST_OK);
	T_ASSERT(unlink(p) == 0);
	T_ASSERT(symlink("tpm2-00.volatilestate", p) == 0);
	T_CHECK(!st_store_unchanged(st, "permall"));
	T_CHECK(st_store_unchanged(st, "volatilestate"));
	T_ASSERT(unlink(p) == 0);

	/* deleted through the store */
	T_EQ_U(st_store_delete(st, "volatilestate", false, msg, sizeof(msg)),
	    ST_OK);
	T_CHECK(!st_store_unchanged(st, "volatilestate"));

	/* another store's write is a change for this one */
	T_EQ_U(st_store_save(st, "permall", a, sizeof(a), msg, sizeof(msg)),
	    ST_OK);
	st_store_unlock(st);
	T_ASSERT((other = open_store(uri, &cfg_tpm2)) != NULL);
	T_ASSERT(st_store_lock(other, 0, msg, sizeof(msg)) == ST_OK);
	T_EQ_U(st_store_save(other, "permall", a, sizeof(a), msg,
	    sizeof(msg)), ST_OK);
	T_CHECK(st_store_unchanged(other, "permall"));
	T_CHECK(!st_store_unchanged(st, "permall"));
	st_store_free(other);

	/* a failed save proves nothing */
	T_ASSERT(st_store_lock(st, 0, msg, sizeof(msg)) == ST_OK);
	T_EQ_U(st_store_save(st, "permall", a, sizeof(a), msg, sizeof(msg)),
	    ST_OK);
	inject(OP_RENAME, 1, EIO);
	T_CHECK(st_store_save(st, "permall", b, sizeof(b), msg,
	    sizeof(msg)) != ST_OK);
	inject(OP_NONE, 0, 0);
	T_CHECK(!st_store_unchanged(st, "permall"));
	st_store_free(st);
}

/* Sets the mtime of path an hour back: no longer within a clock tick. */
static void
age(const char *path)
{
	struct timespec ts[2];

	T_ASSERT(clock_gettime(CLOCK_REALTIME, &ts[1]) == 0);
	ts[1].tv_sec -= 3600;
	ts[0] = ts[1];
	T_CHECK(utimensat(AT_FDCWD, path, ts, 0) == 0);
}

static void
test_linear_unchanged(void)
{
	char p[400];
	struct st_store *st;
	uint8_t a[300], v[40];
	char copy[1600];

	clean_dir();
	snprintf(p, sizeof(p), "%s", path_in("linear"));
	unlink(path_in("copy"));
	fill(a, sizeof(a), 1);
	fill(v, sizeof(v), 3);
	snprintf(uri, sizeof(uri), "file://%s", p);
	T_ASSERT((st = open_store(uri, &cfg_tpm2)) != NULL);
	T_ASSERT(st_store_lock(st, 0, msg, sizeof(msg)) == ST_OK);
	T_CHECK(!st_store_unchanged(st, "permall"));
	T_EQ_U(st_store_save(st, "permall", a, sizeof(a), msg, sizeof(msg)),
	    ST_OK);
	/* right after our write the stamp is racy: no proof (no hash) */
	T_CHECK(!st_store_unchanged(st, "permall"));
	/* loaded from a file whose mtime is old: proven by the stat */
	age(p);
	T_CHECK(load_is(st, "permall", a, sizeof(a)));
	T_CHECK(st_store_unchanged(st, "permall"));
	/* our own write of another blob: the whole file's stamp is racy */
	T_EQ_U(st_store_save(st, "volatilestate", v, sizeof(v), msg,
	    sizeof(msg)), ST_OK);
	T_CHECK(!st_store_unchanged(st, "permall"));
	T_CHECK(!st_store_unchanged(st, "volatilestate"));
	age(p);
	T_CHECK(load_is(st, "permall", a, sizeof(a)));
	T_CHECK(load_is(st, "volatilestate", v, sizeof(v)));
	T_CHECK(st_store_unchanged(st, "permall"));
	T_CHECK(st_store_unchanged(st, "volatilestate"));
	/* a foreign write in place: nothing is known any more */
	snprintf(copy, sizeof(copy), "cp %s %s && cp %s %s", p,
	    path_in("copy"), path_in("copy"), p);
	T_ASSERT(system(copy) == 0);
	T_CHECK(!st_store_unchanged(st, "permall"));
	/* a load makes it known again */
	age(p);
	T_CHECK(load_is(st, "permall", a, sizeof(a)));
	T_CHECK(st_store_unchanged(st, "permall"));
	/* the path names another file */
	T_ASSERT(rename(path_in("copy"), p) == 0);
	T_CHECK(!st_store_unchanged(st, "permall"));
	st_store_free(st);
	unlink(path_in("copy"));
}

/* --------------------------------------- symlinks, FIFOs, links, owners */

static mode_t
mode_of(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? sb.st_mode & 07777 : (mode_t)-1;
}

static bool
has(const char *hay, const char *needle)
{
	if (strstr(hay, needle) != NULL)
		return true;
	fprintf(stderr, "'%s' not in '%s'\n", needle, hay);
	return false;
}

/*
 * A symlink, FIFO or hard link at a state file name is refused by load
 * and save with a message naming the file, and the file it points to
 * keeps its mode and contents.
 */
static void
test_dir_links(void)
{
	const char *p = path_in("tpm2-00.permall"), *o = path_in("other");
	struct st_store *st;
	uint8_t a[64], secret[32], *b = NULL;
	size_t len = 0;

	clean_dir();
	unlink(o);
	fill(a, sizeof(a), 1);
	fill(secret, sizeof(secret), 7);
	write_file(o, secret, sizeof(secret));
	T_ASSERT(chmod(o, 0444) == 0);
	snprintf(uri, sizeof(uri), "dir://%s", tdir);
	T_ASSERT((st = open_store(uri, &cfg_tpm2)) != NULL);
	T_ASSERT(st_store_lock(st, 0, msg, sizeof(msg)) == ST_OK);

	/* symlink: not followed, not chmod'ed, not replaced */
	T_ASSERT(symlink(o, p) == 0);
	T_EQ_U(st_store_load(st, "permall", &b, &len, msg, sizeof(msg)),
	    ST_IO);
	T_CHECK(has(msg, p) && has(msg, "symbolic link"));
	T_CHECK(b == NULL);
	T_EQ_U(mode_of(o), 0444);
	T_EQ_U(st_store_save(st, "permall", a, sizeof(a), msg, sizeof(msg)),
	    ST_IO);
	T_CHECK(has(msg, p) && has(msg, "symbolic link"));
	T_CHECK(!exists(path_in("TMP2-00.permall")));
	T_CHECK(file_is(o, secret, sizeof(secret)));
	T_CHECK(!st_store_unchanged(st, "permall"));
	/* deleting removes the link only */
	T_EQ_U(st_store_delete(st, "permall", true, msg, sizeof(msg)), ST_OK);
	T_CHECK(file_is(o, secret, sizeof(secret)));

	/* hard link to another TPM's file */
	T_ASSERT(link(o, p) == 0);
	T_EQ_U(st_store_load(st, "permall", &b, &len, msg, sizeof(msg)),
	    ST_IO);
	T_CHECK(has(msg, p) && has(msg, "2 hard links"));
	T_EQ_U(mode_of(o), 0444);
	T_EQ_U(st_store_save(st, "permall", a, sizeof(a), msg, sizeof(msg)),
	    ST_IO);
	T_CHECK(has(msg, "hard links"));
	T_CHECK(file_is(o, secret, sizeof(secret)));
	T_ASSERT(unlink(p) == 0);

	/* FIFO: refused at once, not waited on */
	T_ASSERT(mkfifo(p, 0600) == 0);
	alarm(10);
	T_EQ_U(st_store_load(st, "permall", &b, &len, msg, sizeof(msg)),
	    ST_IO);
	alarm(0);
	T_CHECK(has(msg, p) && has(msg, "FIFO"));
	T_EQ_U(st_store_save(st, "permall", a, sizeof(a), msg, sizeof(msg)),
	    ST_IO);
	T_ASSERT(unlink(p) == 0);

	/* a directory in the way of a save */
	T_ASSERT(mkdir(p, 0700) == 0);
	T_EQ_U(st_store_save(st, "permall", a, sizeof(a), msg, sizeof(msg)),
	    ST_IO);
	T_CHECK(has(msg, "not a regular file"));
	T_CHECK(!exists(path_in("TMP2-00.permall")));
	T_ASSERT(rmdir(p) == 0);

	/* and a plain file works as before */
	T_EQ_U(st_store_save(st, "permall", a, sizeof(a), msg, sizeof(msg)),
	    ST_OK);
	T_CHECK(load_is(st, "permall", a, sizeof(a)));
	st_store_free(st);
	free(b);
	unlink(o);
}

/* The §2.3 mode fix-up never touches a file owned by someone else. */
static void
test_dir_foreign_owner(void)
{
	const char *p = path_in("tpm2-00.permall");
	struct st_store_cfg cfg = cfg_tpm2;
	struct st_store *st;
	uint8_t a[64];

	if (geteuid() != 0) {
		fprintf(stderr, "# test_dir_foreign_owner: not root, "
		    "skipped\n");
		return;
	}
	clean_dir();
	fill(a, sizeof(a), 2);
	write_file(p, a, sizeof(a));
	T_ASSERT(chown(p, 65534, 65534) == 0 && chmod(p, 0444) == 0);
	snprintf(uri, sizeof(uri), "dir://%s", tdir);
	T_ASSERT((st = open_store(uri, &cfg)) != NULL);
	T_CHECK(load_is(st, "permall", a, sizeof(a)));
	T_EQ_U(mode_of(p), 0444);
	st_store_free(st);
	cfg.mode = 0600;
	cfg.mode_set = true;
	T_ASSERT((st = open_store(uri, &cfg)) != NULL);
	T_CHECK(load_is(st, "permall", a, sizeof(a)));
	T_EQ_U(mode_of(p), 0444);
	st_store_free(st);
	/* our own file is still fixed */
	T_ASSERT(chown(p, 0, 0) == 0);
	T_ASSERT((st = open_store(uri, &cfg)) != NULL);
	T_CHECK(load_is(st, "permall", a, sizeof(a)));
	T_EQ_U(mode_of(p), 0600);
	st_store_free(st);
	/* linear file: mode= is not forced on a foreign file */
	snprintf(uri, sizeof(uri), "file://%s", path_in("linear"));
	T_ASSERT((st = open_store(uri, &cfg)) != NULL);
	st_store_free(st);
	T_ASSERT(chown(path_in("linear"), 65534, 65534) == 0 &&
	    chmod(path_in("linear"), 0644) == 0);
	T_ASSERT((st = open_store(uri, &cfg)) != NULL);
	T_EQ_U(mode_of(path_in("linear")), 0644);
	st_store_free(st);
}

/* .lock: never truncated, never a FIFO or symlink, never waited on. */
static void
test_dir_lockfile(void)
{
	const char *l = path_in(".lock"), *o = path_in("other");
	struct st_store *st;
	uint8_t junk[10];

	clean_dir();
	unlink(o);
	fill(junk, sizeof(junk), 3);
	snprintf(uri, sizeof(uri), "dir://%s", tdir);
	T_ASSERT((st = open_store(uri, &cfg_tpm2)) != NULL);

	T_ASSERT(mkfifo(l, 0600) == 0);
	alarm(10);
	T_EQ_U(st_store_lock(st, 0, msg, sizeof(msg)), ST_IO);
	alarm(0);
	T_CHECK(has(msg, l) && has(msg, "FIFO"));
	T_CHECK(!st_store_is_locked(st));
	T_ASSERT(unlink(l) == 0);

	write_file(o, junk, sizeof(junk));
	T_ASSERT(symlink(o, l) == 0);
	T_EQ_U(st_store_lock(st, 0, msg, sizeof(msg)), ST_IO);
	T_CHECK(has(msg, l) && has(msg, "symbolic link"));
	T_CHECK(file_is(o, junk, sizeof(junk)));
	T_ASSERT(unlink(l) == 0);

	/* an existing .lock with bytes in it is used as is */
	write_file(l, junk, sizeof(junk));
	T_EQ_U(st_store_lock(st, 0, msg, sizeof(msg)), ST_OK);
	T_CHECK(file_is(l, junk, sizeof(junk)));
	T_EQ_U(child_lock(uri, &cfg_tpm2, 0), 1);
	st_store_free(st);
	unlink(o);
}

/* Warning for a directory where anyone may swap our files. */
static void
test_dir_warning(void)
{
	static const struct { mode_t mode; bool warn; } cases[] = {
		{ 0700, false }, { 0775, false }, { 0777, true },
		{ 01777, false }, { 0703, true },
	};
	char notice[512];
	struct st_store *st;
	size_t i;

	snprintf(uri, sizeof(uri), "dir://%s", tdir);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		T_ASSERT(chmod(tdir, cases[i].mode) == 0);
		notice[0] = 'x';
		notice[1] = '\0';
		T_ASSERT(st_store_open(&st, uri, &cfg_tpm2, msg, sizeof(msg),
		    notice, sizeof(notice)) == ST_OK);
		if (cases[i].warn) {
			T_CHECK(has(notice, "warning: state directory '"));
			T_CHECK(has(notice, tdir));
			T_CHECK(has(notice, "' is writable by others and not "
			    "sticky"));
		} else {
			T_EQ_STR(notice, "");
		}
		st_store_free(st);
	}
	T_ASSERT(chmod(tdir, 0700) == 0);
}

/*
 * .lock removed or replaced while we hold the lock: another store may
 * lock the new file; then every write of ours fails with ST_LOCKED and
 * leaves the files alone. Once it is free, we lock it and write again.
 */
static void
test_dir_lock_replaced(void)
{
	struct st_store_cfg cfg = cfg_tpm2;
	const char *l = path_in(".lock"), *p = path_in("tpm2-00.permall");
	struct st_store *a, *b;
	uint8_t va[64], vb[64];

	clean_dir();
	fill(va, sizeof(va), 1);
	fill(vb, sizeof(vb), 2);
	cfg.backup = true;
	snprintf(uri, sizeof(uri), "dir://%s", tdir);
	T_ASSERT((a = open_store(uri, &cfg)) != NULL);
	T_ASSERT((b = open_store(uri, &cfg)) != NULL);
	T_ASSERT(st_store_lock(a, 0, msg, sizeof(msg)) == ST_OK);
	T_EQ_U(st_store_save(a, "permall", va, sizeof(va), msg, sizeof(msg)),
	    ST_OK);
	T_EQ_U(st_store_save(a, "volatilestate", va, sizeof(va), msg,
	    sizeof(msg)), ST_OK);

	/* removed: b locks a new .lock and writes */
	T_ASSERT(unlink(l) == 0);
	T_EQ_U(st_store_lock(b, 0, msg, sizeof(msg)), ST_OK);
	T_EQ_U(st_store_save(b, "permall", vb, sizeof(vb), msg, sizeof(msg)),
	    ST_OK);
	T_EQ_U(st_store_save(a, "permall", va, sizeof(va), msg, sizeof(msg)),
	    ST_LOCKED);
	T_CHECK(has(msg, l) && has(msg, "locked by another process"));
	T_CHECK(has(msg, p));
	T_EQ_U(st_store_delete(a, "volatilestate", true, msg, sizeof(msg)),
	    ST_LOCKED);
	T_EQ_U(st_store_backup_swap(a, msg, sizeof(msg)), ST_LOCKED);
	T_CHECK(file_is(p, vb, sizeof(vb)));
	T_CHECK(exists(path_in("tpm2-00.volatilestate")));
	T_CHECK(!exists(path_in("TMP2-00.permall")));
	/* reading is still allowed */
	T_CHECK(load_is(a, "permall", vb, sizeof(vb)));

	/* b is gone: a takes the new .lock and may write again */
	st_store_free(b);
	T_EQ_U(st_store_save(a, "permall", va, sizeof(va), msg, sizeof(msg)),
	    ST_OK);
	T_CHECK(file_is(p, va, sizeof(va)));
	T_EQ_U(child_lock(uri, &cfg, 0), 1);

	/* replaced by another file (rename over), nobody holds it */
	write_file(path_in("newlock"), NULL, 0);
	T_ASSERT(rename(path_in("newlock"), l) == 0);
	T_EQ_U(child_lock(uri, &cfg, 0), 0);	/* not ours yet */
	T_EQ_U(st_store_delete(a, "volatilestate", true, msg, sizeof(msg)),
	    ST_OK);
	T_EQ_U(child_lock(uri, &cfg, 0), 1);	/* ours again */

	/* removed, nobody else: the write creates and locks it */
	T_ASSERT(unlink(l) == 0);
	T_EQ_U(st_store_save(a, "permall", vb, sizeof(vb), msg, sizeof(msg)),
	    ST_OK);
	T_CHECK(exists(l));
	T_EQ_U(child_lock(uri, &cfg, 0), 1);

	/* replaced by a FIFO: refused, not waited on */
	T_ASSERT(unlink(l) == 0 && mkfifo(l, 0600) == 0);
	alarm(10);
	T_EQ_U(st_store_save(a, "permall", va, sizeof(va), msg, sizeof(msg)),
	    ST_IO);
	alarm(0);
	T_CHECK(has(msg, "FIFO"));
	T_CHECK(file_is(p, vb, sizeof(vb)));
	T_ASSERT(unlink(l) == 0);
	st_store_free(a);

	/* without the lock (lock=false, or not taken) nothing is checked */
	cfg.lock = false;
	T_ASSERT((a = open_store(uri, &cfg)) != NULL);
	T_ASSERT(st_store_lock(a, 0, msg, sizeof(msg)) == ST_OK);
	T_EQ_U(st_store_save(a, "permall", va, sizeof(va), msg, sizeof(msg)),
	    ST_OK);
	T_CHECK(!exists(l));
	st_store_free(a);
}

/* The directory renamed away and restored: PATH is what counts. */
static void
test_dir_replaced(void)
{
	char old[600], cmd[1400];
	struct st_store *a;
	uint8_t va[64], vb[64];

	clean_dir();
	fill(va, sizeof(va), 1);
	fill(vb, sizeof(vb), 2);
	snprintf(old, sizeof(old), "%s.old", tdir);
	snprintf(uri, sizeof(uri), "dir://%s", tdir);
	T_ASSERT((a = open_store(uri, &cfg_tpm2)) != NULL);
	T_ASSERT(st_store_lock(a, 0, msg, sizeof(msg)) == ST_OK);
	T_EQ_U(st_store_save(a, "permall", va, sizeof(va), msg, sizeof(msg)),
	    ST_OK);
	T_CHECK(st_store_unchanged(a, "permall"));
	/* mv D D.old; cp -a D.old D (a restore) */
	snprintf(cmd, sizeof(cmd), "mv %s %s && cp -a %s %s", tdir, old, old,
	    tdir);
	T_ASSERT(system(cmd) == 0);
	T_CHECK(!st_store_unchanged(a, "permall"));
	T_EQ_U(st_store_save(a, "permall", vb, sizeof(vb), msg, sizeof(msg)),
	    ST_OK);
	T_CHECK(file_is(path_in("tpm2-00.permall"), vb, sizeof(vb)));
	/* the lock moved along: the new .lock is ours */
	T_EQ_U(child_lock(uri, &cfg_tpm2, 0), 1);
	st_store_free(a);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", old);
	T_CHECK(system(cmd) == 0);
}

/* A linear file that is hard-linked, a symlink or a FIFO is refused. */
static void
test_linear_links(void)
{
	const char *lp = path_in("linear"), *o = path_in("other");
	struct st_store *st = NULL;
	uint8_t junk[300];

	clean_dir();
	unlink(o);
	fill(junk, sizeof(junk), 5);
	snprintf(uri, sizeof(uri), "file://%s", lp);
	T_ASSERT((st = open_store(uri, &cfg_tpm2)) != NULL);
	st_store_free(st);
	T_ASSERT(link(lp, o) == 0);
	T_EQ_U(st_store_open(&st, uri, &cfg_tpm2, msg, sizeof(msg), NULL, 0),
	    ST_INVAL);
	T_CHECK(has(msg, lp) && has(msg, "2 hard links"));
	T_ASSERT(unlink(lp) == 0);
	T_ASSERT(symlink(o, lp) == 0);
	T_EQ_U(st_store_open(&st, uri, &cfg_tpm2, msg, sizeof(msg), NULL, 0),
	    ST_INVAL);
	T_CHECK(has(msg, lp) && has(msg, "symbolic link"));
	T_ASSERT(unlink(lp) == 0);
	T_ASSERT(mkfifo(lp, 0600) == 0);
	alarm(10);
	T_EQ_U(st_store_open(&st, uri, &cfg_tpm2, msg, sizeof(msg), NULL, 0),
	    ST_INVAL);
	alarm(0);
	T_CHECK(has(msg, lp) && has(msg, "FIFO"));
	T_ASSERT(unlink(lp) == 0);
	unlink(o);
}

/* Copies path to path.new and renames it over path (a new inode). */
static void
replace_with_copy(const char *from, const char *path)
{
	char cmd[1400];

	snprintf(cmd, sizeof(cmd), "cp %s %s.new && mv %s.new %s", from, path,
	    path, path);
	T_CHECK(system(cmd) == 0);
}

/*
 * The linear file replaced or removed while the store is open: every
 * operation works on the file at the path, never on the old inode.
 */
static void
test_linear_replaced(void)
{
	const char *lp = path_in("linear"), *o = path_in("other");
	struct st_store *a, *b;
	uint8_t va[300], vb[300], vc[40], junk[300];

	clean_dir();
	unlink(o);
	fill(va, sizeof(va), 1);
	fill(vb, sizeof(vb), 2);
	fill(vc, sizeof(vc), 3);
	fill(junk, sizeof(junk), 4);
	/* another store holding vb */
	snprintf(uri, sizeof(uri), "file://%s", o);
	T_ASSERT((b = open_store(uri, &cfg_tpm2)) != NULL);
	T_ASSERT(st_store_save(b, "permall", vb, sizeof(vb), msg,
	    sizeof(msg)) == ST_OK);
	st_store_free(b);

	snprintf(uri, sizeof(uri), "file://%s", lp);
	T_ASSERT((a = open_store(uri, &cfg_tpm2)) != NULL);
	T_ASSERT(st_store_lock(a, 0, msg, sizeof(msg)) == ST_OK);
	T_EQ_U(st_store_save(a, "permall", va, sizeof(va), msg, sizeof(msg)),
	    ST_OK);

	/* restored from a "backup": reads and writes go to the new file */
	replace_with_copy(o, lp);
	T_CHECK(!st_store_unchanged(a, "permall"));
	T_CHECK(load_is(a, "permall", vb, sizeof(vb)));
	T_EQ_U(st_store_save(a, "volatilestate", vc, sizeof(vc), msg,
	    sizeof(msg)), ST_OK);
	T_ASSERT((b = open_store(uri, &cfg_tpm2)) != NULL);
	T_CHECK(load_is(b, "permall", vb, sizeof(vb)));
	T_CHECK(load_is(b, "volatilestate", vc, sizeof(vc)));
	st_store_free(b);
	/* and the lock came along */
	T_EQ_U(child_lock(uri, &cfg_tpm2, 0), 1);

	/* removed: created again, formatted, written */
	T_ASSERT(unlink(lp) == 0);
	T_EQ_U(st_store_save(a, "permall", va, sizeof(va), msg, sizeof(msg)),
	    ST_OK);
	T_ASSERT((b = open_store(uri, &cfg_tpm2)) != NULL);
	T_CHECK(load_is(b, "permall", va, sizeof(va)));
	T_CHECK(absent(b, "volatilestate"));
	st_store_free(b);

	/* replaced by something that is no store: refused, left alone */
	write_file(path_in("junk"), junk, sizeof(junk));
	T_ASSERT(rename(path_in("junk"), lp) == 0);
	T_EQ_U(st_store_save(a, "permall", vb, sizeof(vb), msg, sizeof(msg)),
	    ST_CORRUPT);
	T_CHECK(has(msg, lp));
	T_CHECK(file_is(lp, junk, sizeof(junk)));
	{
		uint8_t *x = NULL;
		size_t n = 0;

		T_EQ_U(st_store_load(a, "permall", &x, &n, msg, sizeof(msg)),
		    ST_CORRUPT);
		free(x);
	}

	/* replaced by a store another process has locked: no write */
	replace_with_copy(o, lp);
	snprintf(uri, sizeof(uri), "file://%s", lp);
	T_ASSERT((b = open_store(uri, &cfg_tpm2)) != NULL);
	T_ASSERT(st_store_lock(b, 0, msg, sizeof(msg)) == ST_OK);
	T_EQ_U(st_store_save(a, "permall", va, sizeof(va), msg, sizeof(msg)),
	    ST_LOCKED);
	T_CHECK(has(msg, lp) && has(msg, "locked by another process"));
	T_CHECK(load_is(b, "permall", vb, sizeof(vb)));
	st_store_free(b);
	T_EQ_U(st_store_save(a, "permall", va, sizeof(va), msg, sizeof(msg)),
	    ST_OK);
	T_EQ_U(child_lock(uri, &cfg_tpm2, 0), 1);
	st_store_free(a);
	T_ASSERT((b = open_store(uri, &cfg_tpm2)) != NULL);
	T_CHECK(load_is(b, "permall", va, sizeof(va)));
	st_store_free(b);
	unlink(o);
}

/* Attaches a zeroed 64 KiB image to a loop device; "" if that fails. */
static void
loop_attach(const char *img, char *dev, size_t devlen)
{
	char cmd[1200];
	FILE *f;

	dev[0] = '\0';
	snprintf(cmd, sizeof(cmd), "truncate -s 64K %s && losetup -f --show "
	    "%s 2>/dev/null", img, img);
	if ((f = popen(cmd, "r")) == NULL)
		return;
	if (fgets(dev, (int)devlen, f) == NULL)
		dev[0] = '\0';
	dev[strcspn(dev, "\n")] = '\0';
	pclose(f);
}

static void
loop_detach(const char *dev)
{
	char cmd[600];

	if (dev[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "losetup -d %s", dev);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot detach %s\n", dev);
}

/*
 * A block device node replaced by a node of another device: the path
 * names the device by st_rdev, and that is what a store follows.
 */
static void
test_linear_blkdev_replaced(void)
{
	char da[256] = "", db[256] = "", node[512], tmpn[512], u[600];
	struct st_store *a = NULL, *b = NULL;
	struct stat sa, sb;
	uint8_t va[300], vb[300];

/* T_ASSERT that still detaches the loop devices */
#define OR_OUT(c) do { \
	if (!(c)) { \
		fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, \
		    __LINE__, #c); \
		t_cur_failed = 1; \
		goto out; \
	} \
} while (0)
	if (geteuid() != 0 || system("command -v losetup >/dev/null") != 0) {
		fprintf(stderr, "# test_linear_blkdev_replaced: needs root "
		    "and losetup, skipped\n");
		return;
	}
	loop_attach(path_in("imga"), da, sizeof(da));
	loop_attach(path_in("imgb"), db, sizeof(db));
	if (da[0] == '\0' || db[0] == '\0' || stat(da, &sa) < 0 ||
	    stat(db, &sb) < 0) {
		fprintf(stderr, "# test_linear_blkdev_replaced: no loop "
		    "devices, skipped\n");
		goto out;
	}
	fill(va, sizeof(va), 1);
	fill(vb, sizeof(vb), 2);
	/* device b holds vb */
	snprintf(u, sizeof(u), "file://%s", db);
	OR_OUT((b = open_store(u, &cfg_tpm2)) != NULL);
	T_CHECK(st_store_save(b, "permall", vb, sizeof(vb), msg,
	    sizeof(msg)) == ST_OK);
	st_store_free(b);
	b = NULL;
	/* our own node for device a */
	snprintf(node, sizeof(node), "%s", path_in("blk"));
	snprintf(tmpn, sizeof(tmpn), "%s", path_in("blk.new"));
	unlink(node);
	OR_OUT(mknod(node, S_IFBLK | 0600, sa.st_rdev) == 0);
	snprintf(u, sizeof(u), "file://%s", node);
	OR_OUT((a = open_store(u, &cfg_tpm2)) != NULL);
	T_EQ_U(st_store_save(a, "permall", va, sizeof(va), msg, sizeof(msg)),
	    ST_OK);
	/* another node of the same device: still the same store */
	OR_OUT(mknod(tmpn, S_IFBLK | 0600, sa.st_rdev) == 0);
	OR_OUT(rename(tmpn, node) == 0);
	T_CHECK(load_is(a, "permall", va, sizeof(va)));
	/* a node of device b: followed */
	OR_OUT(mknod(tmpn, S_IFBLK | 0600, sb.st_rdev) == 0);
	OR_OUT(rename(tmpn, node) == 0);
	T_CHECK(load_is(a, "permall", vb, sizeof(vb)));
	T_EQ_U(st_store_save(a, "volatilestate", va, 10, msg, sizeof(msg)),
	    ST_OK);
	snprintf(u, sizeof(u), "file://%s", db);
	OR_OUT((b = open_store(u, &cfg_tpm2)) != NULL);
	T_CHECK(load_is(b, "volatilestate", va, 10));
out:
	st_store_free(a);
	st_store_free(b);
	unlink(path_in("blk"));
	loop_detach(da);
	loop_detach(db);
	unlink(path_in("imga"));
	unlink(path_in("imgb"));
#undef OR_OUT
}

/* cfg.readonly: an offline reader changes nothing on disk. */
static void
test_readonly(void)
{
	struct st_store_cfg ro = cfg_tpm2;
	struct st_store *st;
	uint8_t a[300];
	struct stat sb;
	char lin[400], cmd[1400];
	size_t len;
	int fd;

	clean_dir();
	fill(a, sizeof(a), 4);
	ro.readonly = true;
	snprintf(uri, sizeof(uri), "dir://%s", tdir);
	/* a state written normally */
	T_ASSERT((st = open_store(uri, &cfg_tpm2)) != NULL);
	T_ASSERT(st_store_lock(st, 0, msg, sizeof(msg)) == ST_OK);
	T_EQ_U(st_store_save(st, "permall", a, sizeof(a), msg, sizeof(msg)),
	    ST_OK);
	st_store_free(st);
	unlink(path_in(".lock"));
	T_ASSERT(chmod(path_in("tpm2-00.permall"), 0400) == 0);
	fd = open(path_in("TMP2-00.permall"), O_WRONLY | O_CREAT, 0600);
	T_ASSERT(fd >= 0);
	close(fd);
	/* read-only, without locking as well: nothing is removed */
	ro.lock = false;
	T_ASSERT((st = open_store(uri, &ro)) != NULL);
	T_CHECK(exists(path_in("TMP2-00.permall")));
	T_CHECK(load_is(st, "permall", a, sizeof(a)));
	T_ASSERT(stat(path_in("tpm2-00.permall"), &sb) == 0);
	T_EQ_U(sb.st_mode & 07777, 0400);		/* no mode fix-up */
	T_EQ_U(st_store_size(st, "permall", &len, msg, sizeof(msg)), ST_OK);
	T_EQ_U(len, sizeof(a));
	T_EQ_U(st_store_save(st, "permall", a, 1, msg, sizeof(msg)),
	    ST_INVAL);
	T_CHECK(strstr(msg, "read-only") != NULL);
	T_EQ_U(st_store_delete(st, "permall", false, msg, sizeof(msg)),
	    ST_INVAL);
	T_EQ_U(st_store_backup_swap(st, msg, sizeof(msg)), ST_INVAL);
	st_store_free(st);
	ro.lock = true;
	T_ASSERT((st = open_store(uri, &ro)) != NULL);
	T_EQ_U(st_store_lock(st, 0, msg, sizeof(msg)), ST_INVAL);
	T_CHECK(!exists(path_in(".lock")));	/* never created */
	T_CHECK(load_is(st, "permall", a, sizeof(a)));
	st_store_free(st);
	T_ASSERT(stat(path_in("tpm2-00.permall"), &sb) == 0);
	T_EQ_U(sb.st_mode & 07777, 0400);
	T_CHECK(exists(path_in("TMP2-00.permall")));

	/* linear: no create, no format, no write */
	snprintf(lin, sizeof(lin), "%s", path_in("linear"));
	snprintf(uri, sizeof(uri), "file://%s", lin);
	T_CHECK(st_store_open(&st, uri, &ro, msg, sizeof(msg), NULL, 0) !=
	    ST_OK);
	T_CHECK(!exists(lin));
	fd = open(lin, O_WRONLY | O_CREAT, 0600);	/* empty: no format */
	T_ASSERT(fd >= 0);
	close(fd);
	T_ASSERT((st = open_store(uri, &ro)) != NULL);
	T_CHECK(absent(st, "permall"));
	T_EQ_U(st_store_size(st, "permall", &len, msg, sizeof(msg)),
	    ST_NOENT);
	T_EQ_U(st_store_save(st, "permall", a, 1, msg, sizeof(msg)),
	    ST_INVAL);
	st_store_free(st);
	T_EQ_U(file_len(lin), 0);
	unlink(lin);
	T_ASSERT((st = open_store(uri, &cfg_tpm2)) != NULL);
	T_EQ_U(st_store_save(st, "volatilestate", a, 40, msg, sizeof(msg)),
	    ST_OK);
	st_store_free(st);
	snprintf(cmd, sizeof(cmd), "sha256sum %s > %s.sum", lin, lin);
	T_ASSERT(system(cmd) == 0);
	T_ASSERT((st = open_store(uri, &ro)) != NULL);
	T_CHECK(load_is(st, "volatilestate", a, 40));
	T_CHECK(absent(st, "permall"));
	st_store_free(st);
	snprintf(cmd, sizeof(cmd), "sha256sum -c --quiet %s.sum", lin);
	T_CHECK(system(cmd) == 0);			/* byte-identical */
	snprintf(cmd, sizeof(cmd), "%s.sum", lin);
	unlink(cmd);
	unlink(lin);
	chmod(path_in("tpm2-00.permall"), 0600);
}

int
main(void)
{
	real_fs = st_fs;
	st_fs.write = f_write;
	st_fs.pwrite = f_pwrite;
	st_fs.fsync = f_fsync;
	st_fs.close = f_close;
	st_fs.renameat = f_renameat;
	st_fs.exchange = f_exchange;
	st_fs.ftruncate = f_ftruncate;
	st_fs.open = f_open;
	st_fs.openat = f_openat;
	if (mkdtemp(tdir) == NULL)
		return 99;
	T_RUN(test_dir_roundtrip);
	T_RUN(test_readonly);
	T_RUN(test_dir_backup);
	T_RUN(test_dir_modes);
	T_RUN(test_dir_stale_temp);
	T_RUN(test_locking);
	T_RUN(test_dir_faults);
	T_RUN(test_linear_layout);
	T_RUN(test_linear_refuse);
	T_RUN(test_linear_faults);
	T_RUN(test_dir_unchanged);
	T_RUN(test_linear_unchanged);
	T_RUN(test_dir_links);
	T_RUN(test_dir_foreign_owner);
	T_RUN(test_dir_lockfile);
	T_RUN(test_dir_warning);
	T_RUN(test_dir_lock_replaced);
	T_RUN(test_dir_replaced);
	T_RUN(test_linear_links);
	T_RUN(test_linear_replaced);
	T_RUN(test_linear_blkdev_replaced);
	clean_dir();
	rmdir(tdir);
	T_END();
}
