/*
 * --chroot and --runas (cli.md §5 steps 3-4, §8): the two privilege
 * changes of start-up, before anything is opened. Errors are logged;
 * both return 0 or -1.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "log.h"
#include "privdrop.h"

int
sw_chroot(const char *path)
{
	if (chroot(path) < 0) {
		log_msg("Error: chroot(%s) failed: %s\n", path,
		    strerror(errno));
		return -1;
	}
	if (chdir("/") < 0) {
		log_msg("Error: chdir(/) failed: %s\n", strerror(errno));
		return -1;
	}
	if (RAND_status() != 1) {
		log_msg("Error: no good entropy source in chroot "
		    "environment\n");
		return -1;
	}
	return 0;
}

int
sw_runas(const char *user)
{
	struct passwd *pw;
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(user, &end, 10);
	if (*user != '\0' && *end == '\0' && errno == 0) {
		if (setgid((gid_t)n) < 0) {
			log_msg("Error: setgid(%ld) failed.\n", (long)n);
			return -1;
		}
		if (setuid((uid_t)n) < 0) {
			log_msg("Error: setuid(%ld) failed.\n", (long)n);
			return -1;
		}
		return 0;
	}
	pw = getpwnam(user);
	if (pw == NULL) {
		log_msg("Error: User '%s' does not exist.\n", user);
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) < 0) {
		log_msg("Error: initgroups(%s, %d) failed.\n", pw->pw_name,
		    (int)pw->pw_gid);
		return -1;
	}
	if (setgid(pw->pw_gid) < 0) {
		log_msg("Error: setgid(%ld) failed.\n", (long)pw->pw_gid);
		return -1;
	}
	if (setuid(pw->pw_uid) < 0) {
		log_msg("Error: setuid(%ld) failed.\n", (long)pw->pw_uid);
		return -1;
	}
	return 0;
}

