/*
 * TCP target parsing for the command-line clients (connecting is the
 * client library's, src/client).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
