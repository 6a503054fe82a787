/*
 * --chroot and --runas (cli.md §5 steps 3-4, §8): the two privilege
 * changes of start-up, before anything is opened. Errors are logged;
 * the functions return 0 or -1.
 *
 * --runas takes a user name (its uid, primary gid and groups) or a
 * number N (uid N and, COMPAT: as the reference, gid N); the lookup
 * and the switch are src/util/runas.c's (shared with swtpm_setup),
 * the messages are the daemon's.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "log.h"
#include "privdrop.h"
#include "runas.h"

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
sw_runas_parse(const char *user, struct runas *out)
{
	switch (runas_parse(user, out)) {
	case RUNAS_OK:
		return 0;
	case RUNAS_E_RANGE:
		/* COMPAT: the reference's wording */
		log_msg("Error: uid %s outside valid range.\n", user);
		return -1;
	default:
		log_msg("Error: User '%s' does not exist.\n", user);
		return -1;
	}
}

int
sw_runas_apply(const struct runas *r)
{
	enum runas_err e = runas_apply(r);
	int err = errno;

	switch (e) {
	case RUNAS_OK:
		return 0;
	case RUNAS_E_INITGROUPS:
		log_msg("Error: initgroups(%s, %d) failed.\n", r->name,
		    (int)r->gid);
		break;
	case RUNAS_E_SETGROUPS:
		log_msg("Error: setgroups(%ld) failed: %s\n", (long)r->gid,
		    strerror(err));
		break;
	case RUNAS_E_SETGID:
		log_msg("Error: setgid(%ld) failed.\n", (long)r->gid);
		break;
	case RUNAS_E_SETUID:
		log_msg("Error: setuid(%ld) failed.\n", (long)r->uid);
		break;
	case RUNAS_E_IDS:
		log_msg("Error: --runas: the process did not become uid %ld "
		    "gid %ld.\n", (long)r->uid, (long)r->gid);
		break;
	default:
		log_msg("Error: --runas: the process can still become "
		    "root.\n");
		break;
	}
	return -1;
}

int
sw_runas(const char *user)
{
	struct runas r;

	if (sw_runas_parse(user, &r) < 0)
		return -1;
	return sw_runas_apply(&r);
}
