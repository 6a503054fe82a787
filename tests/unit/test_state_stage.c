/*
 * Unit tests for whole-state replacement (st_stage_*) and the backup
 * reader (st_store_load_backup): replace, create and abort for dir://
 * and file://, files carried over, refusals, temporaries swept, and an
 * injected failure at every write, fsync, close, rename and exchange,
 * after which the state is the whole old or the whole new one.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "state.h"
#include "t.h"

static char	tdir[] = "/tmp/test_state_stageXXXXXX";
static char	msg[512];
static struct st_fsops real_fs;
static const struct st_store_cfg cfg = { .tpm2 = true, .mode = 0600 };

/* ------------------------------------------------- fault injection */

/* Fail the fail_at-th call of any writing operation (0: none). */
static int	fail_at, op_count;

static bool
hit(void)
{
	if (fail_at == 0 || ++op_count != fail_at)
		return false;
	errno = EIO;
	return true;
}

static ssize_t
f_write(int fd, const void *p, size_t n)
{
	return hit() ? -1 : real_fs.write(fd, p, n);
}

static ssize_t
f_pwrite(int fd, const void *p, size_t n, off_t o)
{
	return hit() ? -1 : real_fs.pwrite(fd, p, n, o);
}

static int
f_fsync(int fd)
{
	return hit() ? -1 : real_fs.fsync(fd);
}

static int
f_renameat(int da, const char *a, int db, const char *b)
{
	return hit() ? -1 : real_fs.renameat(da, a, db, b);
}

static int
f_exchange(int dfd, const char *a, const char *b)
{
	return hit() ? -1 : real_fs.exchange(dfd, a, b);
}

static int
f_ftruncate(int fd, off_t l)
{
	return hit() ? -1 : real_fs.ftruncate(fd, l);
}

static void
faults(int at)
{
	fail_at = at;
	op_count = 0;
}

/* ------------------------------------------------------ helpers */

static void
path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tdir, name);
}

static void
put_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd >= 0) {
		(void)write_full(fd, text, strlen(text));
		close(fd);
	}
}

static bool
file_is(const char *path, const char *text)
{
	uint8_t *b = NULL;
	size_t n = 0;
	bool ok;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || read_all(fd, 1 << 20, &b, &n) < 0) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	close(fd);
	ok = n == strlen(text) && memcmp(b, text, n) == 0;
	free(b);
	return ok;
}

/* The blob 'name' of the state at uri ("" if absent, "?" on error). */
static void
blob_of(const char *uri, const char *name, char *out, size_t outlen)
{
	struct st_store_cfg rcfg = cfg;
	struct st_store *st = NULL;
	uint8_t *b = NULL;
	size_t n = 0;
	enum st_err e;

	rcfg.readonly = true;
	snprintf(out, outlen, "?");
	if (st_store_open(&st, uri, &rcfg, msg, sizeof(msg), NULL, 0) != ST_OK)
		return;
	e = st_store_load(st, name, &b, &n, msg, sizeof(msg));
	if (e == ST_NOENT)
		snprintf(out, outlen, "%s", "");
	else if (e == ST_OK)
		snprintf(out, outlen, "%.*s", (int)n, (const char *)b);
	free(b);
	st_store_free(st);
}

/* Writes a state of two blobs through a store. */
static void
make_state(const char *uri, const char *perm, const char *vol)
{
	struct st_store *st = NULL;

	if (st_store_open(&st, uri, &cfg, msg, sizeof(msg), NULL, 0) != ST_OK)
		return;
	if (perm != NULL)
		(void)st_store_save(st, ST_PERMALL, (const uint8_t *)perm,
		    strlen(perm), msg, sizeof(msg));
	if (vol != NULL)
		(void)st_store_save(st, ST_VOLATILE, (const uint8_t *)vol,
		    strlen(vol), msg, sizeof(msg));
	st_store_free(st);
}

/* Number of ".stage-" entries in tdir. */
static int
leftovers(void)
{
	struct dirent *de;
	DIR *d = opendir(tdir);
	int n = 0;

	while (d != NULL && (de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".stage-") != NULL)
			n++;
	if (d != NULL)
		closedir(d);
	return n;
}

/* Builds a new state "new-p"/"new-v" over uri; returns the error. */
static enum st_err
replace(const char *uri, bool commit)
{
	struct st_stage *sg = NULL;
	enum st_err e;

	e = st_stage_open(&sg, uri, &cfg, false, msg, sizeof(msg));
	if (e == ST_OK)
		e = st_store_save(st_stage_store(sg), ST_PERMALL,
		    (const uint8_t *)"new-p", 5, msg, sizeof(msg));
	if (e == ST_OK)
		e = st_store_save(st_stage_store(sg), ST_VOLATILE,
		    (const uint8_t *)"new-v", 5, msg, sizeof(msg));
	if (e == ST_OK && commit)
		e = st_stage_commit(sg, NULL, 0, msg, sizeof(msg));
	st_stage_free(sg);
	return e;
}

static void
rm_rf(const char *path)
{
	char cmd[1100];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove '%s'\n", path);
}

/* ------------------------------------------------------- tests */

static void
test_dir_replace(void)
{
	char d[600], uri[700], p[800], b[64];
	struct stat sb;

	path_of(d, sizeof(d), "d1");
	mkdir(d, 0750);
	snprintf(uri, sizeof(uri), "dir://%s", d);
	make_state(uri, "old-p", "old-v");
	snprintf(p, sizeof(p), "%s/tpm2-00.permall", d);
	T_CHECK(chmod(p, 0640) == 0);
	snprintf(p, sizeof(p), "%s/tpm-00.permall", d);
	put_file(p, "tpm12 state");
	T_EQ_U(replace(uri, true), ST_OK);
	blob_of(uri, ST_PERMALL, b, sizeof(b));
	T_EQ_STR(b, "new-p");
	blob_of(uri, ST_VOLATILE, b, sizeof(b));
	T_EQ_STR(b, "new-v");
	/* the other TPM version's file is carried over */
	T_CHECK(file_is(p, "tpm12 state"));
	/* the new blobs have the old permanent state's mode */
	snprintf(p, sizeof(p), "%s/tpm2-00.volatilestate", d);
	T_CHECK(stat(p, &sb) == 0 && (sb.st_mode & 0777) == 0640);
	T_EQ_U(leftovers(), 0);
	rm_rf(d);
}

static void
test_dir_abort(void)
{
	char d[600], uri[700], b[64];

	path_of(d, sizeof(d), "d2");
	mkdir(d, 0750);
	snprintf(uri, sizeof(uri), "dir://%s", d);
	make_state(uri, "old-p", NULL);
	T_EQ_U(replace(uri, false), ST_OK);
	blob_of(uri, ST_PERMALL, b, sizeof(b));
	T_EQ_STR(b, "old-p");
	blob_of(uri, ST_VOLATILE, b, sizeof(b));
	T_EQ_STR(b, "");
	T_EQ_U(leftovers(), 0);
	rm_rf(d);
}

static void
test_dir_new(void)
{
	char d[600], uri[700], b[64];

	path_of(d, sizeof(d), "d3");
	snprintf(uri, sizeof(uri), "dir://%s/", d);
	T_EQ_U(replace(uri, true), ST_OK);
	blob_of(uri, ST_PERMALL, b, sizeof(b));
	T_EQ_STR(b, "new-p");
	T_EQ_U(leftovers(), 0);
	rm_rf(d);
	/* a missing parent is an error, and nothing is made */
	snprintf(uri, sizeof(uri), "dir://%s/nodir/d", tdir);
	T_CHECK(replace(uri, true) != ST_OK);
	T_EQ_U(leftovers(), 0);
}

static void
test_dir_refuses(void)
{
	char d[600], uri[700], p[800], b[64];

	path_of(d, sizeof(d), "d4");
	mkdir(d, 0750);
	snprintf(uri, sizeof(uri), "dir://%s", d);
	make_state(uri, "old-p", NULL);
	snprintf(p, sizeof(p), "%s/link", d);
	T_CHECK(symlink("/etc/passwd", p) == 0);
	T_EQ_U(replace(uri, true), ST_INVAL);
	blob_of(uri, ST_PERMALL, b, sizeof(b));
	T_EQ_STR(b, "old-p");
	T_EQ_U(leftovers(), 0);
	rm_rf(d);
	/* a file where a directory is expected */
	put_file(d, "x");
	T_EQ_U(replace(uri, true), ST_INVAL);
	T_CHECK(file_is(d, "x"));
	unlink(d);
}

static void
test_file_replace(void)
{
	char f[600], uri[700], b[64];
	struct stat sb;

	path_of(f, sizeof(f), "lin");
	snprintf(uri, sizeof(uri), "file://%s", f);
	make_state(uri, "old-p", "old-v");
	T_CHECK(chmod(f, 0640) == 0);
	T_EQ_U(replace(uri, true), ST_OK);
	blob_of(uri, ST_PERMALL, b, sizeof(b));
	T_EQ_STR(b, "new-p");
	blob_of(uri, ST_VOLATILE, b, sizeof(b));
	T_EQ_STR(b, "new-v");
	/* the new linear file keeps the old one's mode */
	T_CHECK(stat(f, &sb) == 0 && (sb.st_mode & 0777) == 0640);
	T_EQ_U(leftovers(), 0);
	T_EQ_U(replace(uri, false), ST_OK);
	T_EQ_U(leftovers(), 0);
	unlink(f);
}

static void
test_backup(void)
{
	char d[600], uri[700], f[600];
	struct st_store_cfg rcfg = cfg;
	struct st_stage *sg = NULL;
	struct st_store *st = NULL;
	uint8_t *b = NULL;
	size_t n = 0;

	path_of(d, sizeof(d), "d5");
	mkdir(d, 0750);
	snprintf(uri, sizeof(uri), "dir://%s", d);
	T_ASSERT(st_stage_open(&sg, uri, &cfg, false, msg, sizeof(msg)) ==
	    ST_OK);
	T_EQ_U(st_stage_save_backup(sg, true, (const uint8_t *)"bak", 3, msg,
	    sizeof(msg)), ST_OK);
	T_EQ_U(st_store_save(st_stage_store(sg), ST_PERMALL,
	    (const uint8_t *)"cur", 3, msg, sizeof(msg)), ST_OK);
	T_EQ_U(st_stage_commit(sg, NULL, 0, msg, sizeof(msg)), ST_OK);
	st_stage_free(sg);
	rcfg.readonly = true;
	T_ASSERT(st_store_open(&st, uri, &rcfg, msg, sizeof(msg), NULL, 0) ==
	    ST_OK);
	T_EQ_U(st_store_load_backup(st, &b, &n, msg, sizeof(msg)), ST_OK);
	T_CHECK(n == 3 && memcmp(b, "bak", 3) == 0);
	free(b);
	st_store_free(st);
	rm_rf(d);
	/* no backup; and a linear file keeps none */
	mkdir(d, 0750);
	T_ASSERT(st_store_open(&st, uri, &rcfg, msg, sizeof(msg), NULL, 0) ==
	    ST_OK);
	T_EQ_U(st_store_load_backup(st, &b, &n, msg, sizeof(msg)), ST_NOENT);
	st_store_free(st);
	rm_rf(d);
	path_of(f, sizeof(f), "lin5");
	snprintf(uri, sizeof(uri), "file://%s", f);
	make_state(uri, "p", NULL);
	T_ASSERT(st_store_open(&st, uri, &rcfg, msg, sizeof(msg), NULL, 0) ==
	    ST_OK);
	T_EQ_U(st_store_load_backup(st, &b, &n, msg, sizeof(msg)), ST_NOENT);
	st_store_free(st);
	/* and a stage of a linear file takes none */
	T_ASSERT(st_stage_open(&sg, uri, &cfg, false, msg, sizeof(msg)) ==
	    ST_OK);
	T_EQ_U(st_stage_save_backup(sg, true, (const uint8_t *)"b", 1, msg,
	    sizeof(msg)), ST_INVAL);
	st_stage_free(sg);
	unlink(f);
}

static void
test_sweep(void)
{
	char d[600], uri[700], p[800];

	path_of(d, sizeof(d), "d6");
	mkdir(d, 0750);
	snprintf(uri, sizeof(uri), "dir://%s", d);
	snprintf(p, sizeof(p), "%s/.d6.stage-abcdef", tdir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/.d6.stage-abcdef/tpm2-00.permall", tdir);
	put_file(p, "litter");
	snprintf(p, sizeof(p), "%s/.d6.stage-toolongname", tdir);
	put_file(p, "not ours");
	T_EQ_U(st_stage_sweep(uri, msg, sizeof(msg)), ST_OK);
	T_EQ_U(leftovers(), 1);
	T_CHECK(file_is(p, "not ours"));
	unlink(p);
	rm_rf(d);
}

/*
 * Fails each writing call of a replacement in turn: the state is then
 * the whole old or the whole new one, and only a failure after the
 * commit point may leave litter (which a sweep removes).
 */
static void
fault_loop(const char *uri, const char *other, const char *what)
{
	char p[64], v[64];
	bool is_new, is_old;
	enum st_err e;
	int at;

	for (at = 1; at < 200; at++) {
		make_state(uri, "old-p", "old-v");
		if (other != NULL)
			put_file(other, "tpm12 state");
		faults(at);
		e = replace(uri, true);
		fail_at = 0;
		if (getenv("T_DEBUG"))
			fprintf(stderr, "at %d: count %d rc %d\n", at,
			    op_count, e);
		blob_of(uri, ST_PERMALL, p, sizeof(p));
		blob_of(uri, ST_VOLATILE, v, sizeof(v));
		is_new = strcmp(p, "new-p") == 0 && strcmp(v, "new-v") == 0;
		is_old = strcmp(p, "old-p") == 0 && strcmp(v, "old-v") == 0;
		if (!(is_new || is_old) || (e != ST_OK && !is_old)) {
			fprintf(stderr, "%s: failure at call %d: rc %d, "
			    "state '%s' '%s'\n", what, at, e, p, v);
			t_cur_failed = 1;
		}
		(void)st_stage_sweep(uri, msg, sizeof(msg));
		T_EQ_U(leftovers(), 0);
		/* a file carried over is whole on either side */
		T_CHECK(other == NULL || file_is(other, "tpm12 state"));
		if (op_count < at)
			break;	/* no call left to fail: all covered */
	}
	T_CHECK(at > 3 && at < 200);
}

static void
test_faults(void)
{
	char d[600], uri[700], other[700];

	path_of(d, sizeof(d), "d7");
	mkdir(d, 0750);
	snprintf(uri, sizeof(uri), "dir://%s", d);
	snprintf(other, sizeof(other), "%s/tpm-00.permall", d);
	fault_loop(uri, other, "dir");
	rm_rf(d);
	path_of(d, sizeof(d), "lin7");
	snprintf(uri, sizeof(uri), "file://%s", d);
	fault_loop(uri, NULL, "file");
	unlink(d);
}

int
main(void)
{
	if (mkdtemp(tdir) == NULL) {
		perror("mkdtemp");
		return 99;
	}
	real_fs = st_fs;
	st_fs.write = f_write;
	st_fs.pwrite = f_pwrite;
	st_fs.fsync = f_fsync;
	st_fs.renameat = f_renameat;
	st_fs.exchange = f_exchange;
	st_fs.ftruncate = f_ftruncate;
	T_RUN(test_dir_replace);
	T_RUN(test_dir_abort);
	T_RUN(test_dir_new);
	T_RUN(test_dir_refuses);
	T_RUN(test_file_replace);
	T_RUN(test_backup);
	T_RUN(test_sweep);
	T_RUN(test_faults);
	rm_rf(tdir);
	T_END();
}
