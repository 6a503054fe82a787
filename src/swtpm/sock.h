/*
 * Listening sockets of the daemon: unix sockets that never refuse a
 * connection once their path exists, and TCP sockets.
 */
#ifndef SWTPM_SOCK_H
#define SWTPM_SOCK_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Creates a listening AF_UNIX socket at path: bound under a random
 * temporary name in the same directory with the given mode, chown'ed
 * (never through a symlink), listening, then renamed to path, so a
 * client that sees the path can connect. A stale socket at path (nobody
 * listening) is replaced; anything else there (a file, directory,
 * symlink, or a socket in use) is refused and left alone. Returns the
 * fd, or -1 with a message in err.
 */
int	 sock_unix_listen(const char *path, mode_t mode, bool set_uid,
	    uid_t uid, bool set_gid, gid_t gid, char *err, size_t errlen);
/* Listening TCP socket on bindaddr (NULL = 127.0.0.1) and port. */
int	 sock_tcp_listen(const char *bindaddr, const char *ifname, int port,
	    char *err, size_t errlen);
/* True if fd is a socket. */
bool	 sock_is_socket(int fd);

#endif
