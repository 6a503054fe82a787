/*
 * TCP target parsing and connecting for the command-line clients.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"

int
net_parse_target(const char *arg, unsigned defport, char **host,
    unsigned *port, char *msg, size_t msglen)
{
	const char *colon = strrchr(arg, ':'), *portstr;
	unsigned p = defport;

	*host = NULL;
	if (colon == NULL) {
		*host = strdup(arg);
	} else {
		portstr = colon + 1;
		if (colon != arg || portstr[0] != '\0') {
			if (sscanf(portstr, "%u", &p) != 1) {
				snprintf(msg, msglen, "Invalid port '%s'",
				    portstr);
				return -1;
			}
			/* COMPAT: cli.md §9: the message skips arg[0]. */
			if ((int)p > 65535) {
				snprintf(msg, msglen, "Port '%s' outside valid "
				    "range.", arg + 1);
				return -1;
			}
		}
		*host = colon == arg ? strdup("127.0.0.1") :
		    strndup(arg, (size_t)(colon - arg));
	}
	if (*host == NULL) {
		snprintf(msg, msglen, "Out of memory.");
		return -1;
	}
	*port = p & 0xffff;
	return 0;
}

int
net_tcp_connect(const char *host, unsigned port, int *gai_err)
{
	struct addrinfo hints, *res = NULL, *ai;
	char service[16];
	int fd = -1, saved = ECONNREFUSED;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(service, sizeof(service), "%u", port);
	*gai_err = getaddrinfo(host, service, &hints, &res);
	if (*gai_err != 0)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		errno = saved;
	return fd;
}
