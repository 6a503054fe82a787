/*
 * Unit tests for src/swtpm/privdrop.c: --runas values (names, numbers,
 * out of range), and, when run as root, the switch itself in a child
 * process (all ids, supplementary groups, no way back to root) and
 * --chroot (working directory and randomness inside).
 */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "log.h"
#include "privdrop.h"
#include "t.h"

static void
test_parse(void)
{
	struct runas r;
	struct passwd *pw;

	T_EQ_U(sw_runas_parse("0", &r), 0);
	T_EQ_U(r.uid, 0);
	T_EQ_U(r.gid, 0);
	T_EQ_STR(r.name, "root");
	T_CHECK(!r.by_name);
	T_EQ_U(sw_runas_parse("root", &r), 0);
	T_EQ_U(r.uid, 0);
	T_CHECK(r.by_name);
	T_EQ_U(sw_runas_parse("4294967294", &r), 0);
	T_EQ_U(r.uid, 4294967294u);
	T_EQ_U(r.gid, 4294967294u);
	/* would wrap to 0 (root) or mean "unchanged" */
	T_EQ_U(sw_runas_parse("4294967296", &r), (unsigned long long)-1);
	T_EQ_U(sw_runas_parse("4294967295", &r), (unsigned long long)-1);
	T_EQ_U(sw_runas_parse("18446744073709551616", &r),
	    (unsigned long long)-1);
	T_EQ_U(sw_runas_parse("99999999999999999999", &r),
	    (unsigned long long)-1);
	/* not numbers: names, which do not exist */
	T_EQ_U(sw_runas_parse("-1", &r), (unsigned long long)-1);
	T_EQ_U(sw_runas_parse("12abc", &r), (unsigned long long)-1);
	T_EQ_U(sw_runas_parse("", &r), (unsigned long long)-1);
	T_EQ_U(sw_runas_parse("no-such-user-xyz", &r), (unsigned long long)-1);
	pw = getpwnam("nobody");
	if (pw != NULL) {
		T_EQ_U(sw_runas_parse("nobody", &r), 0);
		T_EQ_U(r.uid, pw->pw_uid);
		T_EQ_U(r.gid, pw->pw_gid);
	}
}

/* In a child: switch, then report what the process is (exit 0 = good). */
static int
child_switch(const char *user, uid_t want_uid, gid_t want_gid)
{
	gid_t groups[64];
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	int n, i;

	if (sw_runas(user) < 0)
		return 10;
	if (getresuid(&ru, &eu, &su) < 0 || ru != want_uid ||
	    eu != want_uid || su != want_uid)
		return 11;
	if (getresgid(&rg, &eg, &sg) < 0 || rg != want_gid ||
	    eg != want_gid || sg != want_gid)
		return 12;
	n = getgroups(64, groups);
	if (n < 0)
		return 13;
	for (i = 0; i < n; i++)
		if (groups[i] == 0)
			return 14;	/* root's group kept */
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0)
		return 15;
	return 0;
}

static int
in_child(int (*fn)(const char *, uid_t, gid_t), const char *user, uid_t u,
    gid_t g)
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(user, u, g));
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void
test_switch(void)
{
	struct passwd *pw;

	if (geteuid() != 0) {
		printf("# not root: switch tests skipped\n");
		return;
	}
	/* a number without a passwd entry: uid = gid = N, groups { N } */
	T_EQ_U(in_child(child_switch, "54321", 54321, 54321), 0);
	pw = getpwnam("nobody");
	if (pw != NULL) {
		T_EQ_U(in_child(child_switch, "nobody", pw->pw_uid,
		    pw->pw_gid), 0);
		/* nobody's number: gid is the number too (COMPAT) */
		{
			char num[32];

			snprintf(num, sizeof(num), "%u", (unsigned)pw->pw_uid);
			T_EQ_U(in_child(child_switch, num, pw->pw_uid,
			    (gid_t)pw->pw_uid), 0);
		}
	}
	/* out of range: refused, nothing changed */
	T_EQ_U(in_child(child_switch, "4294967296", 0, 0), 10);
}

static int
child_chroot(const char *dir, uid_t u, gid_t g)
{
	char cwd[64];
	unsigned char b[8];
	struct stat sb;

	(void)u;
	(void)g;
	if (sw_chroot(dir) < 0)
		return 20;
	if (getcwd(cwd, sizeof(cwd)) == NULL || strcmp(cwd, "/") != 0)
		return 21;
	if (stat("/marker", &sb) < 0)
		return 22;
	if (RAND_bytes(b, sizeof(b)) != 1)
		return 23;
	return 0;
}

static void
test_chroot(void)
{
	char dir[] = "/tmp/test_privdropXXXXXX", marker[64];
	FILE *f;

	if (geteuid() != 0) {
		printf("# not root: chroot test skipped\n");
		return;
	}
	T_ASSERT(mkdtemp(dir) != NULL);
	snprintf(marker, sizeof(marker), "%s/marker", dir);
	T_ASSERT((f = fopen(marker, "w")) != NULL);
	fclose(f);
	/* an empty tree: no /dev, no /etc; randomness must still work */
	T_EQ_U(in_child(child_chroot, dir, 0, 0), 0);
	T_EQ_U(in_child(child_chroot, "/nonexistent/dir", 0, 0), 20);
	unlink(marker);
	rmdir(dir);
}

int
main(void)
{
	log_setup(2, 1, "test_privdrop: ");
	T_RUN(test_parse);
	T_RUN(test_switch);
	T_RUN(test_chroot);
	T_END();
}
