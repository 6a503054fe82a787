/*
 * --chroot and --runas: see privdrop.c.
 */
#ifndef SWTPM_PRIVDROP_H
#define SWTPM_PRIVDROP_H

#include <stdbool.h>
#include <sys/types.h>

/* chroot(path), chdir("/"), and a working source of randomness there. */
int	 sw_chroot(const char *path);

/* The identity --runas asks for. */
struct sw_runas {
	uid_t	 uid;
	gid_t	 gid;
	bool	 by_name;	/* a user name, not a number */
	char	 name[256];	/* the user's name, "" if it has none */
};

/* Resolves a name or a number in range; -1 (logged) otherwise. */
int	 sw_runas_parse(const char *user, struct sw_runas *);
/* Sets groups, gid, uid, then verifies that root is out of reach. */
int	 sw_runas_apply(const struct sw_runas *);
/* Both of the above. */
int	 sw_runas(const char *user);

#endif
