/*
 * --chroot and --runas (cli.md §5 steps 3-4, §8): the two privilege
 * changes of start-up, before anything is opened. Errors are logged;
 * the functions return 0 or -1.
 *
 * --runas takes a user name (its uid, primary gid and groups) or a
 * number N (uid N and, COMPAT: as the reference, gid N). A number
 * that does not fit uid_t is refused (as 0.7.1 does; our earlier code
 * wrapped 4294967296 to root), a number also gets its supplementary
 * groups set (the reference keeps root's), and after the switch the
 * process checks that it can no longer become root.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "log.h"
#include "privdrop.h"

int
sw_chroot(const char *path)
{
	unsigned char probe[16];

	if (chroot(path) < 0) {
		log_msg("Error: chroot(%s) failed: %s\n", path,
		    strerror(errno));
		return -1;
	}
	if (chdir("/") < 0) {
		log_msg("Error: chdir(/) failed: %s\n", strerror(errno));
		return -1;
	}
	/*
	 * Draw from the source libtpms will use (the kernel, through
	 * OpenSSL's RAND_bytes): it must work without the host's /dev.
	 */
	if (RAND_bytes(probe, sizeof(probe)) != 1) {
		log_msg("Error: no good entropy source in chroot "
		    "environment\n");
		return -1;
	}
	return 0;
}

int
sw_runas_parse(const char *user, struct sw_runas *out)
{
	unsigned long long n;
	struct passwd *pw;
	char *end;

	memset(out, 0, sizeof(*out));
	if (user[0] >= '0' && user[0] <= '9') {
		errno = 0;
		n = strtoull(user, &end, 10);
		if (*end == '\0') {
			/* (uid_t)-1 means "unchanged" to setuid and friends */
			if (errno != 0 || n >= (uid_t)-1 ||
			    n >= (gid_t)-1 || (uid_t)n != n) {
				/* COMPAT: the reference's wording */
				log_msg("Error: uid %s outside valid "
				    "range.\n", user);
				return -1;
			}
			out->uid = (uid_t)n;
			out->gid = (gid_t)n;
			pw = getpwuid(out->uid);
			if (pw != NULL)
				snprintf(out->name, sizeof(out->name), "%s",
				    pw->pw_name);
			return 0;
		}
	}
	pw = getpwnam(user);
	if (pw == NULL) {
		log_msg("Error: User '%s' does not exist.\n", user);
		return -1;
	}
	out->uid = pw->pw_uid;
	out->gid = pw->pw_gid;
	out->by_name = true;
	snprintf(out->name, sizeof(out->name), "%s", pw->pw_name);
	return 0;
}

/* After the switch: every id is the target's, and root is out of reach. */
static int
verify(const struct sw_runas *r)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 ||
	    ru != r->uid || eu != r->uid || su != r->uid ||
	    rg != r->gid || eg != r->gid || sg != r->gid) {
		log_msg("Error: --runas: the process did not become uid %ld "
		    "gid %ld.\n", (long)r->uid, (long)r->gid);
		return -1;
	}
	if (r->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		log_msg("Error: --runas: the process can still become "
		    "root.\n");
		return -1;
	}
	return 0;
}

int
sw_runas_apply(const struct sw_runas *r)
{
	if (geteuid() != 0) {
		/* cannot change groups: setgid/setuid decide (as before) */
	} else if (r->name[0] != '\0') {
		/* the user's groups; for a number, with the number as gid */
		if (initgroups(r->name, r->gid) < 0) {
			log_msg("Error: initgroups(%s, %d) failed.\n", r->name,
			    (int)r->gid);
			return -1;
		}
	} else if (setgroups(1, &r->gid) < 0) {
		log_msg("Error: setgroups(%ld) failed: %s\n", (long)r->gid,
		    strerror(errno));
		return -1;
	}
	if (setgid(r->gid) < 0) {
		log_msg("Error: setgid(%ld) failed.\n", (long)r->gid);
		return -1;
	}
	if (setuid(r->uid) < 0) {
		log_msg("Error: setuid(%ld) failed.\n", (long)r->uid);
		return -1;
	}
	return verify(r);
}

int
sw_runas(const char *user)
{
	struct sw_runas r;

	if (sw_runas_parse(user, &r) < 0)
		return -1;
	return sw_runas_apply(&r);
}
