/*
 * The "[<host>]:[<port>]" target syntax of swtpm_ioctl and swtpm_bios.
 * Prints nothing; callers word the errors.
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

#endif
