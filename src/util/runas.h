/*
 * --runas: resolving a user name or number and switching the process to
 * that user (supplementary groups, gid, uid), then proving that root is
 * out of reach. Shared by swtpm and swtpm_setup, which word the errors
 * in their own (the reference's) messages: these functions never print
 * and return which step failed, with errno kept from it.
 */
#ifndef UTIL_RUNAS_H
#define UTIL_RUNAS_H

#include <stdbool.h>
#include <sys/types.h>

/* The identity --runas asks for. */
struct runas {
	uid_t	 uid;
	gid_t	 gid;
	bool	 by_name;	/* a user name, not a number */
	char	 name[256];	/* the user's name, "" if it has none */
};

enum runas_err {
	RUNAS_OK = 0,
	RUNAS_E_RANGE,		/* a number that does not fit uid_t/gid_t */
	RUNAS_E_NOUSER,		/* no such user name */
	RUNAS_E_INITGROUPS,	/* initgroups failed (errno) */
	RUNAS_E_SETGROUPS,	/* setgroups failed (errno) */
	RUNAS_E_SETGID,		/* errno */
	RUNAS_E_SETUID,		/* errno */
	RUNAS_E_IDS,		/* the ids after the switch are wrong */
	RUNAS_E_ROOT,		/* the process can still become root */
};

/*
 * A user name gives its uid, primary gid and name; a number N in range
 * gives uid = gid = N (and the name of uid N if it has one). A string
 * of digits with anything after it is a name.
 */
enum runas_err	 runas_parse(const char *user, struct runas *out);
/*
 * As root: the user's groups (initgroups with r->gid when it has a
 * name, else just r->gid); then setgid, setuid; then checks that every
 * real, effective and saved id is the target's and that uid 0 cannot
 * be regained. Not root: only setgid and setuid decide.
 */
enum runas_err	 runas_apply(const struct runas *r);

#endif
