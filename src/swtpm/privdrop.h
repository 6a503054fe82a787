/*
 * --chroot and --runas: see privdrop.c.
 */
#ifndef SWTPM_PRIVDROP_H
#define SWTPM_PRIVDROP_H

/* chroot(path), chdir("/"), and a working source of randomness there. */
int	 sw_chroot(const char *path);
/* Becomes the user (name or number) for good. */
int	 sw_runas(const char *user);

#endif
