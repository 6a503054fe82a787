/*
 * Connection set-up and the one-write/one-read exchange of swtpm_ioctl
 * (cli.md §9) on the client library. Error messages are the reference
 * client's, verbatim; the library's codes choose among them.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "conn.h"
#include "transport.h"

/*
 * COMPAT: cli.md §9: non-blocking connect plus a 20 s poll; a connect
 * that fails at once gives "Connect failed: <strerror>".
 */
int
tr_connect_unix(struct cl_conn *c, const char *path)
{
	switch (cl_connect_unix(c, path, TR_TIMEOUT_MS)) {
	case CL_OK:
		return 0;
	case CL_EARG:
		fprintf(stderr, "Socket path is too long.\n");
		break;
	case CL_ECONNECT:
		fprintf(stderr, "Connect failed: %s\n",
		    strerror(c->sys_errno));
		break;
	case CL_ESYS:
		/* the library words these as 0.7.1: "<call> failed: ..." */
		fprintf(stderr, "%s\n", c->msg);
		break;
	default:
		fprintf(stderr, "Could not connect using %s socket.\n",
		    "UnixIO");
		break;
	}
	return -1;
}

int
tr_connect_tcp(struct cl_conn *c, const char *host, unsigned int port)
{
	enum cl_err e;

	e = cl_connect_tcp(c, host, port, -1);
	if (e == CL_OK)
		return 0;
	if (e == CL_ERESOLVE)
		fprintf(stderr, "getaddrinfo failed on host '%s': %s\n", host,
		    gai_strerror(c->gai_err));
	else
		fprintf(stderr, "Could not connect to host '%s' on port '%u' "
		    "using TCP socket: %s\n", host, port,
		    strerror(c->sys_errno));
	return -1;
}

int
tr_is_cuse(const struct cl_conn *c)
{
	struct stat st;

	return c->kind == CL_KIND_FD && fstat(c->fd, &st) == 0 &&
	    S_ISCHR(st.st_mode);
}

ssize_t
tr_read(struct cl_conn *c, void *buf, size_t cap)
{
	size_t got;

	switch (cl_recv_once(c, buf, cap, &got, TR_TIMEOUT_MS)) {
	case CL_OK:
		return (ssize_t)got;
	case CL_EEOF:
		return 0;
	default:
		errno = c->sys_errno;
		return -1;
	}
}

int
tr_write(struct cl_conn *c, const void *p, size_t n)
{
	if (cl_send(c, p, n, -1) != CL_OK) {
		errno = c->sys_errno;
		return -1;
	}
	return 0;
}

ssize_t
tr_xfer(struct cl_conn *c, const void *req, size_t reqlen, void *rsp,
    size_t rspcap)
{
	if (tr_is_cuse(c))
		return cuse_xfer(c->fd, req, reqlen, rsp, rspcap);
	/* COMPAT: cli.md §9: code and body leave in one write */
	if (tr_write(c, req, reqlen) < 0)
		return -1;
	if (rspcap == 0)
		return 0;
	return tr_read(c, rsp, rspcap);
}
