/*
 * Connection set-up and the one-write/one-read exchange of swtpm_ioctl
 * (cli.md §9). Error messages are the reference client's, verbatim.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "io.h"
#include "net.h"
#include "transport.h"

static int
set_flags(int fd, int clear, int set)
{
	int old;

	old = fcntl(fd, F_GETFL, 0);
	if (old == -1) {
		fprintf(stderr, "fcntl(F_GETFL) failed: %s\n",
		    strerror(errno));
		return -1;
	}
	if (fcntl(fd, F_SETFL, (old & ~clear) | set) == -1) {
		fprintf(stderr, "fcntl(F_SETFL) failed: %s\n",
		    strerror(errno));
		return -1;
	}
	return old;
}

/*
 * COMPAT: cli.md §9: non-blocking connect plus a 20 s poll; a missing
 * path fails at once with "Connect failed: <strerror>".
 */
int
tr_connect_unix(const char *path)
{
	struct sockaddr_un sun;
	struct pollfd pfd;
	socklen_t sl;
	int fd, old, soerr;

	if (strlen(path) + 1 > sizeof(sun.sun_path)) {
		fprintf(stderr, "Socket path is too long.\n");
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	old = set_flags(fd, 0, O_NONBLOCK);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (errno != EAGAIN && errno != EINPROGRESS) {
			fprintf(stderr, "Connect failed: %s\n",
			    strerror(errno));
			goto fail;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, TR_TIMEOUT_MS) != 1 ||
		    (pfd.revents & ~POLLOUT) != 0)
			goto noconn;
		sl = sizeof(soerr);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0) {
			fprintf(stderr, "getsockopt(SO_ERROR) failed: %s\n",
			    strerror(errno));
			goto fail;
		}
		if (soerr != 0)
			goto noconn;
	}
	if (old >= 0 && set_flags(fd, ~0, old) < 0)
		goto fail;
	return fd;
noconn:
	fprintf(stderr, "Could not connect using %s socket.\n", "UnixIO");
fail:
	close(fd);
	return -1;
}

int
tr_connect_tcp(const char *host, unsigned int port)
{
	int fd, gai_err;

	fd = net_tcp_connect(host, port, &gai_err);
	if (fd >= 0)
		return fd;
	if (gai_err != 0)
		fprintf(stderr, "getaddrinfo failed on host '%s': %s\n", host,
		    gai_strerror(gai_err));
	else
		fprintf(stderr, "Could not connect to host '%s' on port '%u' "
		    "using TCP socket: %s\n", host, port, strerror(errno));
	return -1;
}

int
tr_is_cuse(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode);
}

ssize_t
tr_read(int fd, void *buf, size_t cap)
{
	struct pollfd pfd;
	int n;

	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	do {
		n = poll(&pfd, 1, TR_TIMEOUT_MS);
	} while (n < 0 && errno == EINTR);
	if (n == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (n < 0)
		return -1;
	return read(fd, buf, cap);
}

ssize_t
tr_xfer(int fd, const void *req, size_t reqlen, void *rsp, size_t rspcap)
{
	if (tr_is_cuse(fd))
		return cuse_xfer(fd, req, reqlen, rsp, rspcap);
	/* COMPAT: cli.md §9: code and body leave in one write */
	if (write_full(fd, req, reqlen) < 0)
		return -1;
	if (rspcap == 0)
		return 0;
	return tr_read(fd, rsp, rspcap);
}
