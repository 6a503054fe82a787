/*
 * Client-side TCP helpers shared by swtpm_ioctl and swtpm_bios: the
 * "[<host>]:[<port>]" target syntax and a connect over getaddrinfo.
 * They print nothing; callers word the errors.
 */
#ifndef UTIL_NET_H
#define UTIL_NET_H

#include <stddef.h>

/*
 * Parses "[<host>]:[<port>]": "host" alone keeps defport, ":port" means
 * 127.0.0.1. *host is malloc'ed (caller frees). Returns 0, or -1 with
 * the reference's message in msg ("Invalid port '...'", ...).
 */
int	 net_parse_target(const char *arg, unsigned defport, char **host,
	    unsigned *port, char *msg, size_t msglen);
/*
 * Connects a TCP stream socket (close-on-exec). Returns the fd, or -1:
 * with *gai_err set if the name lookup failed (gai_strerror), else 0
 * and errno from the last connect attempt.
 */
int	 net_tcp_connect(const char *host, unsigned port, int *gai_err);

#endif
