/*
 * --runas for swtpm and swtpm_setup: see runas.h. A number that does
 * not fit uid_t is refused (never wrapped to root), a number also gets
 * its supplementary groups set (the reference keeps root's), and after
 * the switch the process checks that it can no longer become root.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runas.h"

enum runas_err
runas_parse(const char *user, struct runas *out)
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
			    n >= (gid_t)-1 || (uid_t)n != n)
				return RUNAS_E_RANGE;
			out->uid = (uid_t)n;
			out->gid = (gid_t)n;
			pw = getpwuid(out->uid);
			if (pw != NULL)
				snprintf(out->name, sizeof(out->name), "%s",
				    pw->pw_name);
			return RUNAS_OK;
		}
	}
	pw = getpwnam(user);
	if (pw == NULL)
		return RUNAS_E_NOUSER;
	out->uid = pw->pw_uid;
	out->gid = pw->pw_gid;
	out->by_name = true;
	snprintf(out->name, sizeof(out->name), "%s", pw->pw_name);
	return RUNAS_OK;
}

/* After the switch: every id is the target's, and root is out of reach. */
static enum runas_err
verify(const struct runas *r)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 ||
	    ru != r->uid || eu != r->uid || su != r->uid ||
	    rg != r->gid || eg != r->gid || sg != r->gid)
		return RUNAS_E_IDS;
	if (r->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		return RUNAS_E_ROOT;
	return RUNAS_OK;
}

enum runas_err
runas_apply(const struct runas *r)
{
	if (geteuid() != 0) {
		/* cannot change groups: setgid/setuid decide */
	} else if (r->name[0] != '\0') {
		/* the user's groups; for a number, with the number as gid */
		if (initgroups(r->name, r->gid) < 0)
			return RUNAS_E_INITGROUPS;
	} else if (setgroups(1, &r->gid) < 0) {
		return RUNAS_E_SETGROUPS;
	}
	if (setgid(r->gid) < 0)
		return RUNAS_E_SETGID;
	if (setuid(r->uid) < 0)
		return RUNAS_E_SETUID;
	return verify(r);
}
