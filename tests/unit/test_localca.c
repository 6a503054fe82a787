/*
 * Unit tests of src/swtpm_localca: atomic replacement and directories
 * (files.c), the serial counter's arithmetic and file (serial.c, HEAD's
 * rule: +1, a random start, here 19 digits below 2^63, restart past 20
 * octets), the CA's
 * write order under every single failing file system call (cafiles.c:
 * a signing key never stands beside a foreign certificate, nothing
 * temporary stays), and the swtpm_cert command helpers (certcmd.c:
 * vmid, EC parameters, PATH search, a child's output and a secret pipe).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/bn.h>

#include "cafiles.h"
#include "certcmd.h"
#include "files.h"
#include "serial.h"
#include "t.h"
#include "x509.h"

static char tdir[] = "/tmp/test_localca.XXXXXX";

/* ------------------------------------------------------------ helpers */

static char *
path_in(const char *name)
{
	static char buf[8][512];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tdir, name);
	return buf[i];
}

static void
put(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		abort();
	if (n > 0 && fwrite(p, 1, n, f) != n)
		abort();
	fclose(f);
}

/* Whole file in a static buffer (NUL-terminated); NULL if missing. */
static char *
get(const char *path, size_t *len)
{
	static char buf[16384];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

static bool
same(const char *path, const struct xc_pem *p)
{
	size_t n;
	char *b = get(path, &n);

	return b != NULL && n == p->len && memcmp(b, p->p, n) == 0;
}

static bool
exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

/* Number of temporary files (".*.swtpm-localca-tmp") in tdir. */
static int
temps(void)
{
	DIR *d = opendir(tdir);
	struct dirent *e;
	size_t l;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		l = strlen(e->d_name);
		if (l > 18 && strcmp(e->d_name + l - 18,
		    ".swtpm-localca-tmp") == 0)
			n++;
	}
	closedir(d);
	return n;
}

static void
clean_dir(void)
{
	DIR *d = opendir(tdir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlink(path_in(e->d_name));
	closedir(d);
}

/* ------------------------------------------------------------ faults */

/* Fail the fail_at-th call through lc_fs (0: never) with fail_errno. */
static int calls, fail_at, fail_errno = EIO, renames;
static const char *failed_kind;

static bool
hit(const char *kind)
{
	if (++calls != fail_at)
		return false;
	failed_kind = kind;
	errno = fail_errno;
	return true;
}

static int
f_open(const char *p, int fl, mode_t m)
{
	return hit("open") ? -1 : open(p, fl, m);
}

static ssize_t
f_write(int fd, const void *p, size_t n)
{
	/* a short write first, as a full disk does */
	if (hit("write"))
		return -1;
	return write(fd, p, n > 7 ? n / 2 : n);
}

static int
f_fsync(int fd)
{
	return hit("fsync") ? -1 : fsync(fd);
}

static int
f_close(int fd)
{
	int r = close(fd);

	return hit("close") ? -1 : r;
}

static int
f_rename(const char *a, const char *b)
{
	if (hit("rename"))
		return -1;
	if (rename(a, b) < 0)
		return -1;
	renames++;
	return 0;
}

static int
f_unlink(const char *p)
{
	return hit("unlink") ? -1 : unlink(p);
}

static int
f_fchmod(int fd, mode_t m)
{
	return hit("fchmod") ? -1 : fchmod(fd, m);
}

static int
f_mkdir(const char *p, mode_t m)
{
	return hit("mkdir") ? -1 : mkdir(p, m);
}

static const struct lc_fsops faulty = {
	f_open, f_write, f_fsync, f_close, f_rename, f_unlink, f_fchmod,
	f_mkdir
};
static struct lc_fsops real_fs;

static void
faults(int at)
{
	calls = renames = 0;
	fail_at = at;
	failed_kind = NULL;
	lc_fs = faulty;
}

static void
no_faults(void)
{
	lc_fs = real_fs;
}

/* ------------------------------------------------------------ files */

static void
test_replace(void)
{
	char msg[256];
	const char *p = path_in("r.txt"), *tmp = path_in(".r.txt.swtpm-localca-tmp");
	struct stat sb;
	mode_t um = umask(022);

	clean_dir();
	T_CHECK(lc_replace(p, "one", 3, 0666, msg, sizeof(msg)) == 0);
	T_EQ_STR(get(p, NULL), "one");
	T_CHECK(stat(p, &sb) == 0 && (sb.st_mode & 0777) == 0644);
	/* a stale temporary file of a killed run is replaced */
	put(tmp, "stale", 5);
	T_CHECK(lc_replace(p, "two", 3, 0666, msg, sizeof(msg)) == 0);
	T_EQ_STR(get(p, NULL), "two");
	T_CHECK(!exists(tmp));
	/* a symlink there is removed, not followed */
	T_CHECK(symlink(path_in("target"), tmp) == 0);
	T_CHECK(lc_replace(p, "three", 5, 0666, msg, sizeof(msg)) == 0);
	T_CHECK(!exists(path_in("target")));
	T_EQ_STR(get(p, NULL), "three");
	T_CHECK(temps() == 0);
	/* keys: exact mode whatever the umask */
	umask(077);
	{
		struct lc_staged s;

		T_CHECK(lc_stage(&s, p, "k", 1, 0640, true, msg,
		    sizeof(msg)) == 0);
		T_CHECK(lc_commit(&s, msg, sizeof(msg)) == 0);
		lc_staged_release(&s);
	}
	T_CHECK(stat(p, &sb) == 0 && (sb.st_mode & 0777) == 0640);
	umask(um);
	/* a missing directory */
	T_CHECK(lc_replace(path_in("nodir/x"), "x", 1, 0666, msg,
	    sizeof(msg)) < 0);
	T_CHECK(strstr(msg, "nodir") != NULL);
}

static void
test_replace_faults(void)
{
	const char *p = path_in("f.txt");
	char msg[256], *c;
	int at;

	clean_dir();
	put(p, "old", 3);
	for (at = 1; at < 40; at++) {
		faults(at);
		if (lc_replace(p, "new contents", 12, 0666, msg,
		    sizeof(msg)) == 0) {
			no_faults();
			/* only closing the synced directory may fail */
			if (failed_kind == NULL)
				break;
			T_EQ_STR(failed_kind, "close");
			continue;
		}
		no_faults();
		T_ASSERT(failed_kind != NULL);
		c = get(p, NULL);
		/* after the rename only syncing the directory can fail */
		if (renames > 0) {
			T_EQ_STR(c, "new contents");
			put(p, "old", 3);
		} else {
			T_EQ_STR(c, "old");
		}
		T_CHECK(temps() == 0);
	}
	T_CHECK(at > 5 && at < 40);
	T_EQ_STR(get(p, NULL), "new contents");
}

static void
test_mkdirs(void)
{
	struct stat sb;

	clean_dir();
	T_CHECK(lc_mkdirs(path_in("a/b/c"), 0770) == 0);
	T_CHECK(stat(path_in("a/b/c"), &sb) == 0 && S_ISDIR(sb.st_mode));
	T_CHECK(lc_mkdirs(path_in("a/b/c/"), 0770) == 0);	/* exists */
	T_CHECK(lc_mkdirs(path_in("a//b"), 0770) == 0);
	put(path_in("file"), "x", 1);
	errno = 0;
	T_CHECK(lc_mkdirs(path_in("file/sub"), 0770) < 0 &&
	    errno == ENOTDIR);
	T_CHECK(lc_mkdirs("", 0770) < 0);
	T_CHECK(lc_mkdirs("/", 0770) == 0);
	rmdir(path_in("a/b/c"));
	rmdir(path_in("a/b"));
	rmdir(path_in("a"));
}

static void
test_lock(void)
{
	char msg[256];
	int fd = -1, st = 0;
	pid_t pid;
	struct stat sb;

	clean_dir();
	T_ASSERT(lc_lock(path_in(".lock"), &fd, msg, sizeof(msg)) == 0);
	T_CHECK(fstat(fd, &sb) == 0 && (sb.st_mode & 0111) == 0);
	pid = fork();
	if (pid == 0) {
		int f = open(path_in(".lock"), O_RDWR);

		_exit(f >= 0 && flock(f, LOCK_EX | LOCK_NB) < 0 &&
		    errno == EWOULDBLOCK ? 0 : 1);
	}
	T_CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0);
	lc_unlock(fd);
	pid = fork();
	if (pid == 0) {
		int f = open(path_in(".lock"), O_RDWR);

		_exit(f >= 0 && flock(f, LOCK_EX | LOCK_NB) == 0 ? 0 : 1);
	}
	T_CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0);
	/* never through a symlink */
	T_CHECK(symlink(path_in("elsewhere"), path_in(".lock2")) == 0);
	T_CHECK(lc_lock(path_in(".lock2"), &fd, msg, sizeof(msg)) < 0);
	T_CHECK(strncmp(msg, "Could not open lockfile ", 24) == 0);
	T_CHECK(!exists(path_in("elsewhere")));
}

/* ------------------------------------------------------------ serial */

static char *
next_of(const char *text, bool have)
{
	static char buf[128];
	char *s = lc_serial_next(text, text ? strlen(text) : 0, have);

	snprintf(buf, sizeof(buf), "%s", s ? s : "(null)");
	free(s);
	return buf;
}

/* A random start (or one plus it): 19 digits, below 2^63 - 2^32 + 1. */
static bool
is_random_start(const char *s)
{
	size_t i, n = strlen(s);

	if (n != 19 || s[0] == '0')
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return strcmp(s, "9223372032559808512") <= 0;
}

static void
test_serial_next(void)
{
	/* 2^159 - 1: the largest serial in 20 DER octets */
	static const char max[] =
	    "730750818665451459101842416358141509827966271487";
	static const char below[] =
	    "730750818665451459101842416358141509827966271486";
	char nines[60];
	char *a, *b;
	int i, distinct = 0;

	T_EQ_STR(next_of("1", true), "2");		/* 0.7.1's first */
	T_EQ_STR(next_of("41\n", true), "42");
	T_EQ_STR(next_of(" \t7 \n", true), "8");
	T_EQ_STR(next_of("0", true), "1");
	T_EQ_STR(next_of("007", true), "8");
	T_EQ_STR(next_of("18446744073709551615", true),
	    "18446744073709551616");			/* past 64 bits */
	T_EQ_STR(next_of("99999999999999999999", true),
	    "100000000000000000000");
	T_EQ_STR(next_of(below, true), max);
	/* the next would need 21 octets: a random start */
	T_CHECK(is_random_start(next_of(max, true)));
	memset(nines, '9', 49);
	nines[49] = '\0';
	T_CHECK(is_random_start(next_of(nines, true)));
	nines[49] = '9';
	nines[50] = '\0';
	T_CHECK(is_random_start(next_of(nines, true)));	/* > 49 digits */
	/* unparsable or empty: random */
	T_CHECK(is_random_start(next_of("", true)));
	T_CHECK(is_random_start(next_of("abc", true)));
	T_CHECK(is_random_start(next_of("12a", true)));
	T_CHECK(is_random_start(next_of("-5", true)));
	T_CHECK(is_random_start(next_of("1 2", true)));
	T_CHECK(is_random_start(next_of("+5", true)));
	/* no file: random (plus one) */
	T_CHECK(is_random_start(next_of(NULL, false)));
	/* and really random, over the whole range */
	for (i = 0; i < 20; i++) {
		a = lc_serial_next(NULL, 0, false);
		b = lc_serial_next(NULL, 0, false);
		T_ASSERT(a != NULL && b != NULL);
		if (strcmp(a, b) != 0)
			distinct++;
		free(a);
		free(b);
	}
	T_CHECK(distinct >= 19);
	{
		int lo = 0, hi = 0;

		for (i = 0; i < 200; i++) {
			a = lc_serial_next(NULL, 0, false);
			T_ASSERT(a != NULL);
			T_CHECK(is_random_start(a));
			lo += a[0] == '1';
			hi += a[0] >= '8';
			free(a);
		}
		T_CHECK(lo > 0 && hi > 0);	/* 1e18.. and ..9.2e18 */
	}
}

static void
test_serial_take(void)
{
	const char *p = path_in("certserial");
	char msg[256], *s = NULL, *t = NULL, want[64];
	BIGNUM *bn = NULL;

	clean_dir();
	/* missing: a random 20-digit start, written back */
	T_ASSERT(lc_serial_take(p, &s, msg, sizeof(msg)) == 0);
	T_CHECK(is_random_start(s));
	T_EQ_STR(get(p, NULL), s);
	/* then +1 each time */
	T_ASSERT(lc_serial_take(p, &t, msg, sizeof(msg)) == 0);
	T_ASSERT(BN_dec2bn(&bn, s) && BN_add_word(bn, 1));
	{
		char *d = BN_bn2dec(bn);

		snprintf(want, sizeof(want), "%s", d);
		OPENSSL_free(d);
	}
	T_EQ_STR(t, want);
	T_EQ_STR(get(p, NULL), t);
	BN_free(bn);
	free(s);
	free(t);
	/* the reference 0.7.1's counter file */
	put(p, "1", 1);
	T_ASSERT(lc_serial_take(p, &s, msg, sizeof(msg)) == 0);
	T_EQ_STR(s, "2");
	T_EQ_STR(get(p, NULL), "2");		/* no newline */
	free(s);
	/* a huge file is just unparsable */
	{
		char big[8192];

		memset(big, '1', sizeof(big));
		put(p, big, sizeof(big));
		T_ASSERT(lc_serial_take(p, &s, msg, sizeof(msg)) == 0);
		T_CHECK(is_random_start(s));
		free(s);
	}
	/* a directory there is an error, not a restart */
	unlink(p);
	T_CHECK(mkdir(p, 0700) == 0);
	s = NULL;
	T_CHECK(lc_serial_take(p, &s, msg, sizeof(msg)) < 0 && s == NULL);
	T_CHECK(strstr(msg, "serial number file") != NULL);
	rmdir(p);
	T_CHECK(temps() == 0);
}

static void
test_serial_faults(void)
{
	const char *p = path_in("certserial");
	char msg[256], *s, *c;
	int at, skipped = 0;

	clean_dir();
	put(p, "41", 2);
	for (at = 1; at < 40; at++) {
		s = NULL;
		faults(at);
		if (lc_serial_take(p, &s, msg, sizeof(msg)) == 0) {
			no_faults();
			if (failed_kind == NULL)
				break;
			T_EQ_STR(failed_kind, "close");	/* a directory's */
			free(s);
			put(p, "41", 2);
			continue;
		}
		no_faults();
		T_CHECK(s == NULL);
		c = get(p, NULL);
		T_ASSERT(c != NULL);
		/* directory not synced: 42 is skipped, never reused */
		if (renames > 0) {
			T_EQ_STR(c, "42");
			skipped++;
			put(p, "41", 2);
		} else {
			T_EQ_STR(c, "41");
		}
		T_CHECK(temps() == 0);
	}
	T_CHECK(skipped == 2);	/* opening, syncing the directory */
	T_EQ_STR(s, "42");
	T_EQ_STR(get(p, NULL), "42");
	free(s);
}

/* ------------------------------------------------------------ CA files */

static struct xc_ca ca_old, ca_new;
static char signkey_path[512], issuer_path[512];

static int
make_ca(struct xc_ca *ca)
{
	struct xc_ca_req r = { 2048, "swtpm-localca-rootca", "swtpm-localca",
	    NULL, NULL, 1700000000, XC_DAYS_NONE };
	char msg[256];

	return xc_ca_create(&r, ca, msg, sizeof(msg)) == XC_OK ? 0 : -1;
}

static void
write_set(const struct xc_ca *ca, bool key, bool cert)
{
	put(path_in(LC_ROOTCA_KEY), ca->root_key.p, ca->root_key.len);
	put(path_in(LC_ROOTCA_CERT), ca->root_cert.p, ca->root_cert.len);
	if (key)
		put(path_in("signkey.pem"), ca->ca_key.p, ca->ca_key.len);
	if (cert)
		put(path_in("issuercert.pem"), ca->ca_cert.p, ca->ca_cert.len);
}

/*
 * The invariant of cafiles.h: a signing key on disk is either the new
 * one with the whole new set beside it, or an old one whose issuer
 * certificate is missing (the next run replaces it).
 */
static void
check_invariant(void)
{
	const char *k = path_in("signkey.pem"), *c = path_in("issuercert.pem");

	if (!exists(k))
		return;
	if (same(k, &ca_new.ca_key)) {
		T_CHECK(same(c, &ca_new.ca_cert));
		T_CHECK(same(path_in(LC_ROOTCA_CERT), &ca_new.root_cert));
		T_CHECK(same(path_in(LC_ROOTCA_KEY), &ca_new.root_key));
	} else {
		T_CHECK(!exists(c));
	}
}

/* setup: 0 empty dir, 1 old key without cert, 2 old cert without key */
static void
ca_faults(int setup)
{
	struct lc_ca_paths p;
	char msg[256];
	int at, rc;

	memset(&p, 0, sizeof(p));
	p.signkey = signkey_path;
	p.issuercert = issuer_path;
	for (at = 1; at < 80; at++) {
		clean_dir();
		if (setup > 0)
			write_set(&ca_old, setup == 1, setup == 2);
		T_CHECK(lc_ca_missing(&p));
		faults(at);
		rc = lc_ca_write(&p, &ca_new, msg, sizeof(msg));
		no_faults();
		if (getenv("T_VERBOSE"))
			fprintf(stderr, "setup %d at %d: %s %s\n", setup, at,
			    failed_kind ? failed_kind : "-", rc ? msg : "ok");
		check_invariant();
		if (rc == 0 && failed_kind == NULL)
			break;
		if (rc == 0) {
			T_EQ_STR(failed_kind, "close");	/* a directory's */
			continue;
		}
		/* the next run retries, unless only syncing failed at the end */
		if (!same(p.signkey, &ca_new.ca_key))
			T_CHECK(lc_ca_missing(&p));
		T_CHECK(temps() == 0);
	}
	T_CHECK(at > 10 && at < 80);
	T_CHECK(!lc_ca_missing(&p));
	T_CHECK(same(p.signkey, &ca_new.ca_key));
	T_CHECK(same(p.issuercert, &ca_new.ca_cert));
	T_CHECK(temps() == 0);
}

static void
test_ca_write(void)
{
	struct lc_ca_paths p;
	struct stat sb;
	char msg[256];
	mode_t um = umask(022);

	clean_dir();
	memset(&p, 0, sizeof(p));
	p.signkey = signkey_path;
	p.issuercert = issuer_path;
	T_CHECK(lc_ca_missing(&p));
	T_ASSERT(lc_ca_write(&p, &ca_new, msg, sizeof(msg)) == 0);
	T_CHECK(!lc_ca_missing(&p));
	T_CHECK(stat(p.signkey, &sb) == 0 && (sb.st_mode & 0777) == 0640);
	T_CHECK(stat(path_in(LC_ROOTCA_KEY), &sb) == 0 &&
	    (sb.st_mode & 0777) == 0640);
	T_CHECK(stat(p.issuercert, &sb) == 0 && (sb.st_mode & 0777) == 0644);
	T_CHECK(stat(path_in(LC_ROOTCA_CERT), &sb) == 0 &&
	    (sb.st_mode & 0777) == 0644);
	check_invariant();
	umask(um);
	/* either file missing means a new CA */
	unlink(p.issuercert);
	T_CHECK(lc_ca_missing(&p));
	write_set(&ca_new, true, true);
	unlink(p.signkey);
	T_CHECK(lc_ca_missing(&p));
}

static void
test_ca_faults(void)
{
	ca_faults(0);
	ca_faults(1);
	ca_faults(2);
}

/* ------------------------------------------------------------ certcmd */

static void
test_vmid(void)
{
	char a[] = "myvm,1+2", b[] = "a\\+b+c", c[] = "+x,,", d[] = "";

	lc_vmid_escape(a);
	lc_vmid_escape(b);
	lc_vmid_escape(c);
	lc_vmid_escape(d);
	T_EQ_STR(a, "myvm_1_2");
	T_EQ_STR(b, "a\\+b_c");
	T_EQ_STR(c, "_x__");
	T_EQ_STR(d, "");
}

#define T_ECC(s, wx, wy, wid) do { \
	char *x_, *y_, *id_; \
	T_CHECK(lc_ecc_params(s, &x_, &y_, &id_)); \
	T_EQ_STR(x_, wx); \
	T_EQ_STR(y_, wy); \
	if ((wid) == NULL) \
		T_CHECK(id_ == NULL); \
	else \
		T_EQ_STR(id_, (const char *)(wid)); \
	free(x_); free(y_); free(id_); \
} while (0)

#define T_NOECC(s) do { \
	char *x_, *y_, *id_; \
	T_CHECK(!lc_ecc_params(s, &x_, &y_, &id_)); \
	T_CHECK(x_ == NULL && y_ == NULL && id_ == NULL); \
} while (0)

static void
test_ecc_params(void)
{
	T_ECC("x=01,y=02", "01", "02", NULL);
	T_ECC("x=0aB,y=Cd,id=secp384r1", "0aB", "Cd", "secp384r1");
	T_ECC("x=1,y=2,id=secp256r1,more", "1", "2", "secp256r1");
	T_ECC("junk x=zz x=0a,y=0b,id=c", "0a", "0b", "c");
	T_ECC("x=1,y=2,id=", "1", "2", NULL);	/* ([^,]+) needs one */
	T_ECC("x=1,y=2x", "1", "2", NULL);	/* unanchored */
	T_NOECC("c0ffee");
	T_NOECC("x=1,y=");
	T_NOECC("x=,y=2");
	T_NOECC("x=1;y=2");
	T_NOECC("");
}

static void
test_find_program(void)
{
	char path[1024], *p;

	clean_dir();
	mkdir(path_in("d1"), 0755);
	mkdir(path_in("d2"), 0755);
	mkdir(path_in("d3"), 0755);
	put(path_in("d1/prog"), "#!/bin/sh\n", 10);	/* not executable */
	mkdir(path_in("d2/prog"), 0755);		/* a directory */
	put(path_in("d3/prog"), "#!/bin/sh\n", 10);
	chmod(path_in("d3/prog"), 0755);
	snprintf(path, sizeof(path), "%s:%s:%s/", path_in("d1"), path_in("d2"),
	    path_in("d3"));
	p = lc_find_program(path, "prog");
	T_CHECK(p != NULL && strcmp(p, path_in("d3/prog")) == 0);
	free(p);
	T_CHECK(lc_find_program(path_in("d1"), "prog") == NULL);
	T_CHECK(lc_find_program(path, "none") == NULL);
	p = lc_find_program("", path_in("d3/prog"));	/* with a '/' */
	T_CHECK(p != NULL);
	free(p);
	p = lc_find_program(NULL, "sh");		/* default PATH */
	T_CHECK(p != NULL);
	free(p);
	rmdir(path_in("d2/prog"));
	rmdir(path_in("d1"));
	rmdir(path_in("d2"));
	rmdir(path_in("d3"));
}

static void
test_run(void)
{
	char msg[256], arg[64];
	char *av[] = { "/bin/sh", "-c",
	    "echo out; echo err >&2; exit 3", NULL };
	char *big[] = { "/bin/sh", "-c",
	    "head -c 200000 /dev/zero | tr '\\0' a; echo e >&2", NULL };
	char *rd[] = { "/bin/sh", "-c", arg, NULL };
	char *none[] = { "/nonexistent/prog", NULL };
	struct lc_child c;
	int fd;

	T_ASSERT(lc_run(av, NULL, 0, &c, msg, sizeof(msg)) == 0);
	T_CHECK(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 3);
	T_EQ_STR(c.out, "out\n");
	T_EQ_STR(c.err, "err\n");
	lc_child_release(&c);
	/* more than the cap: kept up to it, the child not blocked */
	T_ASSERT(lc_run(big, NULL, 0, &c, msg, sizeof(msg)) == 0);
	T_CHECK(c.status == 0 && strlen(c.out) == LC_CHILD_OUT_MAX);
	T_EQ_STR(c.err, "e\n");
	lc_child_release(&c);
	/* a secret through a pipe that only the child keeps */
	fd = lc_secret_pipe("pass word");
	T_ASSERT(fd >= 0);
	T_CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	snprintf(arg, sizeof(arg), "cat <&%d", fd);
	T_ASSERT(lc_run(rd, &fd, 1, &c, msg, sizeof(msg)) == 0);
	T_EQ_STR(c.out, "pass word");
	T_CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	lc_child_release(&c);
	close(fd);
	/* other fds do not leak into the child */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	snprintf(arg, sizeof(arg), "test -e /proc/self/fd/%d && echo leak",
	    fd);
	T_ASSERT(lc_run(rd, NULL, 0, &c, msg, sizeof(msg)) == 0);
	T_EQ_STR(c.out, "");
	lc_child_release(&c);
	close(fd);
	/* cannot start */
	T_CHECK(lc_run(none, NULL, 0, &c, msg, sizeof(msg)) < 0);
	T_CHECK(strstr(msg, "No such file") != NULL);
}

static void
test_argv(void)
{
	struct lc_argv a;
	char *v[] = { "x", "y" };

	lc_argv_init(&a);
	lc_argv_add(&a, "a", "b", (char *)NULL);
	lc_argv_addv(&a, v, 2);
	lc_argv_add(&a, (char *)NULL);
	T_CHECK(!a.bad && a.n == 4 && a.v[4] == NULL);
	T_EQ_STR(a.v[0], "a");
	T_EQ_STR(a.v[3], "y");
	lc_argv_release(&a);
	T_CHECK(a.v == NULL && a.n == 0);
}

int
main(void)
{
	if (mkdtemp(tdir) == NULL) {
		perror("mkdtemp");
		return 99;
	}
	real_fs = lc_fs;
	snprintf(signkey_path, sizeof(signkey_path), "%s/signkey.pem", tdir);
	snprintf(issuer_path, sizeof(issuer_path), "%s/issuercert.pem", tdir);
	if (make_ca(&ca_old) < 0 || make_ca(&ca_new) < 0) {
		fprintf(stderr, "cannot make test CAs\n");
		return 99;
	}
	T_RUN(test_replace);
	T_RUN(test_replace_faults);
	T_RUN(test_mkdirs);
	T_RUN(test_lock);
	T_RUN(test_serial_next);
	T_RUN(test_serial_take);
	T_RUN(test_serial_faults);
	T_RUN(test_ca_write);
	T_RUN(test_ca_faults);
	T_RUN(test_vmid);
	T_RUN(test_ecc_params);
	T_RUN(test_find_program);
	T_RUN(test_run);
	T_RUN(test_argv);
	clean_dir();
	rmdir(tdir);
	xc_ca_release(&ca_old);
	xc_ca_release(&ca_new);
	T_END();
}
