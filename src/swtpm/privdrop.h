/*
 * --chroot and --runas: see privdrop.c.
 */
#ifndef SWTPM_PRIVDROP_H
#define SWTPM_PRIVDROP_H

#include <stdbool.h>
#include <sys/types.h>

#include "runas.h"

/* chroot(path), chdir("/"), and a working source of randomness there. */
int	 sw_chroot(const char *path);

/* Resolves a name or a number in range; -1 (logged) otherwise. */
int	 sw_runas_parse(const char *user, struct runas *);
/* Sets groups, gid, uid, then verifies that root is out of reach. */
int	 sw_runas_apply(const struct runas *);
/* Both of the above. */
int	 sw_runas(const char *user);

#endif
