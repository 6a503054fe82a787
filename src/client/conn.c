/*
 * Connections of the client library (conn.h): connecting over unix and
 * TCP with a deadline, adopting an fd, socketpairs, and the raw reads
 * and writes under a deadline that the framed exchanges (xfer.c) use.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "internal.h"

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void
cl_deadline_start(struct cl_deadline *d, int timeout_ms)
{
	d->on = timeout_ms >= 0;
	d->ms = timeout_ms;
	d->end_ns = d->on ? now_ns() + (int64_t)timeout_ms * 1000000 : 0;
}

int
cl_deadline_left(const struct cl_deadline *d)
{
	int64_t left;

	if (!d->on)
		return -1;
	left = d->end_ns - now_ns();
	if (left <= 0)
		return 0;
	left = (left + 999999) / 1000000;
	return left > INT32_MAX ? INT32_MAX : (int)left;
}

enum cl_err
cl_fail(struct cl_conn *c, enum cl_err e, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	c->sys_errno = err;
	return e;
}

enum cl_err
cl_eof(struct cl_conn *c, size_t have)
{
	if (have == 0)
		return cl_fail(c, CL_EEOF, ECONNRESET, "connection closed by "
		    "the peer");
	return cl_fail(c, CL_EEOF, ECONNRESET, "connection closed by the "
	    "peer after %zu bytes of the response", have);
}

void
cl_init(struct cl_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->kind = CL_KIND_NONE;
}

void
cl_close(struct cl_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

const char *
cl_strerror(enum cl_err e)
{
	switch (e) {
	case CL_OK:		return "success";
	case CL_EARG:		return "bad argument";
	case CL_ESYS:		return "system call failed";
	case CL_ERESOLVE:	return "name lookup failed";
	case CL_ECONNECT:	return "connect failed";
	case CL_ENOCONN:	return "connection not established";
	case CL_ETIMEDOUT:	return "timed out";
	case CL_EIO:		return "I/O error";
	case CL_EEOF:		return "connection closed by peer";
	case CL_EPROTO:		return "malformed response";
	case CL_ETOOBIG:	return "response too large";
	case CL_ECHILD:		return "child process ended";
	case CL_ENOMEM:		return "out of memory";
	}
	return "unknown error";
}

/*
 * Waits until fd is ready for events or the deadline passes. Any
 * revents (POLLHUP, POLLERR too) count as ready: the read or write
 * that follows reports what happened.
 */
static enum cl_err
wait_fd(struct cl_conn *c, short events, struct cl_deadline *d,
    short *revents)
{
	struct pollfd pfd;
	int n;

	for (;;) {
		pfd.fd = c->fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, cl_deadline_left(d));
		if (n > 0) {
			if (revents != NULL)
				*revents = pfd.revents;
			return CL_OK;
		}
		if (n == 0)
			return cl_fail(c, CL_ETIMEDOUT, ETIMEDOUT,
			    "timed out after %d ms", d->ms);
		if (errno != EINTR)
			return cl_fail(c, CL_ESYS, errno, "poll failed: %s",
			    strerror(errno));
	}
}

/*
 * EAGAIN from a blocking fd is its SO_RCVTIMEO/SO_SNDTIMEO expiring;
 * from a non-blocking one it means: wait.
 */
static enum cl_err
again(struct cl_conn *c, short events, struct cl_deadline *d)
{
	int fl = fcntl(c->fd, F_GETFL);

	if (fl >= 0 && (fl & O_NONBLOCK) == 0)
		return cl_fail(c, CL_ETIMEDOUT, ETIMEDOUT,
		    "timed out (socket timeout)");
	return wait_fd(c, events, d, NULL);
}

enum cl_err
cl_send_dl(struct cl_conn *c, const void *p, size_t n, struct cl_deadline *d)
{
	const uint8_t *b = p;
	enum cl_err e;
	ssize_t w;

	while (n > 0) {
		if (d->on && (e = wait_fd(c, POLLOUT, d, NULL)) != CL_OK)
			return e;
		w = c->sock ? send(c->fd, b, n, MSG_NOSIGNAL) :
		    write(c->fd, b, n);
		if (w > 0) {
			b += w;
			n -= (size_t)w;
		} else if (w < 0 && errno == EINTR) {
			continue;
		} else if (w < 0 && (errno == EAGAIN ||
		    errno == EWOULDBLOCK)) {
			if ((e = again(c, POLLOUT, d)) != CL_OK)
				return e;
		} else {
			if (w == 0)
				errno = EIO;
			return cl_fail(c, CL_EIO, errno, "cannot send: %s",
			    strerror(errno));
		}
	}
	return CL_OK;
}

enum cl_err
cl_read_dl(struct cl_conn *c, void *p, size_t cap, size_t *got,
    struct cl_deadline *d)
{
	enum cl_err e;
	ssize_t r;

	*got = 0;
	for (;;) {
		if (d->on && (e = wait_fd(c, POLLIN, d, NULL)) != CL_OK)
			return e;
		r = read(c->fd, p, cap);
		if (r >= 0) {
			*got = (size_t)r;
			return CL_OK;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if ((e = again(c, POLLIN, d)) != CL_OK)
				return e;
			continue;
		}
		return cl_fail(c, CL_EIO, errno, "cannot receive: %s",
		    strerror(errno));
	}
}

enum cl_err
cl_send(struct cl_conn *c, const void *p, size_t n, int timeout_ms)
{
	struct cl_deadline d;

	cl_deadline_start(&d, timeout_ms);
	return cl_send_dl(c, p, n, &d);
}

enum cl_err
cl_recv_once(struct cl_conn *c, void *p, size_t cap, size_t *got,
    int timeout_ms)
{
	struct cl_deadline d;
	enum cl_err e;

	cl_deadline_start(&d, timeout_ms);
	if ((e = cl_read_dl(c, p, cap, got, &d)) != CL_OK)
		return e;
	if (*got == 0 && cap > 0)
		return cl_eof(c, 0);
	return CL_OK;
}

enum cl_err
cl_recv_exact(struct cl_conn *c, void *p, size_t n, size_t *got,
    int timeout_ms)
{
	struct cl_deadline d;
	uint8_t *b = p;
	enum cl_err e;
	size_t k;

	cl_deadline_start(&d, timeout_ms);
	*got = 0;
	while (*got < n) {
		if ((e = cl_read_dl(c, b + *got, n - *got, &k, &d)) != CL_OK)
			return e;
		if (k == 0)
			return cl_eof(c, *got);
		*got += k;
	}
	return CL_OK;
}

/* --- connecting ------------------------------------------------------ */

static enum cl_err
set_blocking(struct cl_conn *c)
{
	int fl = fcntl(c->fd, F_GETFL);

	if (fl < 0)
		return cl_fail(c, CL_ESYS, errno, "fcntl(F_GETFL) failed: %s",
		    strerror(errno));
	if (fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return cl_fail(c, CL_ESYS, errno, "fcntl(F_SETFL) failed: %s",
		    strerror(errno));
	return CL_OK;
}

/*
 * After a non-blocking connect said "in progress": wait for it, then
 * ask the socket how it went. what names the peer in messages.
 */
static enum cl_err
finish_connect(struct cl_conn *c, struct cl_deadline *d, const char *what)
{
	socklen_t sl = sizeof(int);
	short revents = 0;
	enum cl_err e;
	int soerr = 0;

	if ((e = wait_fd(c, POLLOUT, d, &revents)) != CL_OK) {
		if (e == CL_ETIMEDOUT)
			cl_fail(c, e, ETIMEDOUT, "cannot connect to %s: timed "
			    "out after %d ms", what, d->ms);
		return e;
	}
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		return cl_fail(c, CL_ESYS, errno, "getsockopt(SO_ERROR) "
		    "failed: %s", strerror(errno));
	if (soerr == 0 && (revents & ~POLLOUT) != 0)
		soerr = ECONNRESET;
	if (soerr != 0)
		return cl_fail(c, CL_ENOCONN, soerr, "cannot connect to %s: "
		    "%s", what, strerror(soerr));
	return CL_OK;
}

enum cl_err
cl_connect_unix(struct cl_conn *c, const char *path, int timeout_ms)
{
	struct sockaddr_un sun;
	struct cl_deadline d;
	char what[CL_MSG_MAX / 2];
	enum cl_err e;

	cl_init(c);
	if (strlen(path) + 1 > sizeof(sun.sun_path))
		return cl_fail(c, CL_EARG, ENAMETOOLONG, "socket path '%s' is "
		    "too long", path);
	snprintf(what, sizeof(what), "'%s'", path);
	cl_deadline_start(&d, timeout_ms);
	/* without a deadline, a plain blocking connect */
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    (d.on ? SOCK_NONBLOCK : 0), 0);
	if (c->fd < 0)
		return cl_fail(c, CL_ESYS, errno, "socket failed: %s",
		    strerror(errno));
	c->kind = CL_KIND_UNIX;
	c->sock = true;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (!d.on || (errno != EAGAIN && errno != EINPROGRESS)) {
			e = cl_fail(c, CL_ECONNECT, errno, "cannot connect to "
			    "%s: %s", what, strerror(errno));
			goto fail;
		}
		if ((e = finish_connect(c, &d, what)) != CL_OK)
			goto fail;
	}
	if (d.on && (e = set_blocking(c)) != CL_OK)
		goto fail;
	return CL_OK;
fail:
	cl_close(c);
	return e;
}

/* One address of a TCP host; CL_OK with c->fd connected. */
static enum cl_err
tcp_try(struct cl_conn *c, const struct addrinfo *ai, struct cl_deadline *d,
    const char *what)
{
	int one = 1, type = ai->ai_socktype | SOCK_CLOEXEC;
	enum cl_err e;

	if (d->on)
		type |= SOCK_NONBLOCK;
	c->fd = socket(ai->ai_family, type, ai->ai_protocol);
	if (c->fd < 0)
		return cl_fail(c, CL_ECONNECT, errno, "cannot connect to %s: "
		    "%s", what, strerror(errno));
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return d->on ? set_blocking(c) : CL_OK;
	if (errno != EINPROGRESS || !d->on)
		return cl_fail(c, CL_ECONNECT, errno, "cannot connect to %s: "
		    "%s", what, strerror(errno));
	if ((e = finish_connect(c, d, what)) != CL_OK)
		return e == CL_ENOCONN ? CL_ECONNECT : e;
	return set_blocking(c);
}

enum cl_err
cl_connect_tcp(struct cl_conn *c, const char *host, unsigned port,
    int timeout_ms)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct cl_deadline d;
	char service[16], what[CL_MSG_MAX / 2];
	enum cl_err e = CL_ECONNECT;

	cl_init(c);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(service, sizeof(service), "%u", port);
	snprintf(what, sizeof(what), "'%s' port %u", host, port);
	c->gai_err = getaddrinfo(host, service, &hints, &res);
	if (c->gai_err != 0)
		return cl_fail(c, CL_ERESOLVE, 0, "cannot resolve '%s': %s",
		    host, gai_strerror(c->gai_err));
	cl_deadline_start(&d, timeout_ms);
	cl_fail(c, CL_ECONNECT, ECONNREFUSED, "cannot connect to %s: %s",
	    what, strerror(ECONNREFUSED));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((e = tcp_try(c, ai, &d, what)) == CL_OK ||
		    e == CL_ETIMEDOUT)
			break;
		cl_close(c);
	}
	freeaddrinfo(res);
	if (e != CL_OK) {
		cl_close(c);
		return e;
	}
	c->kind = CL_KIND_TCP;
	c->sock = true;
	return CL_OK;
}

enum cl_err
cl_from_fd(struct cl_conn *c, int fd)
{
	struct stat st;

	cl_init(c);
	if (fd < 0 || fstat(fd, &st) < 0)
		return cl_fail(c, CL_EARG, fd < 0 ? EBADF : errno,
		    "file descriptor %d is not open", fd);
	c->fd = fd;
	c->kind = CL_KIND_FD;
	c->sock = S_ISSOCK(st.st_mode);
	return CL_OK;
}

enum cl_err
cl_socketpair(struct cl_conn *mine, int *theirs)
{
	int sv[2], fd;

	cl_init(mine);
	*theirs = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return cl_fail(mine, CL_ESYS, errno, "socketpair failed: %s",
		    strerror(errno));
	/* the child's number must not be one of its stdio */
	if (sv[1] < 3) {
		fd = fcntl(sv[1], F_DUPFD_CLOEXEC, 3);
		if (fd < 0) {
			cl_fail(mine, CL_ESYS, errno, "fcntl(F_DUPFD) failed: "
			    "%s", strerror(errno));
			close(sv[0]);
			close(sv[1]);
			return CL_ESYS;
		}
		close(sv[1]);
		sv[1] = fd;
	}
	mine->fd = sv[0];
	mine->kind = CL_KIND_PAIR;
	mine->sock = true;
	*theirs = sv[1];
	return CL_OK;
}
