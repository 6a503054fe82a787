/*
 * Password arguments of swtpm_cert: "pw", "pass:pw", "file:F", "fd:N",
 * "env:VAR" (provisioning.md §3.1).
 */
#ifndef SWTPM_CERT_PWD_H
#define SWTPM_CERT_PWD_H

#include <stddef.h>

/* COMPAT: provisioning.md §3.1, files and fds give at most 255 bytes */
#define PWD_MAX	255

/*
 * Resolves 'spec' to a malloc'ed NUL-terminated password that the caller
 * wipes and frees (pwd_free). Bytes are taken as they are (a newline at
 * the end of a file is part of the password). Returns 0, or -1 with a
 * message in msg.
 */
int	 pwd_get(const char *spec, char **out, char *msg, size_t msglen);
void	 pwd_free(char *);

#endif
