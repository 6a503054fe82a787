/*
 * swtpm_ioctl's side of the control connection, on the client library
 * (src/client): connect with the reference client's messages, and the
 * exchange the way 0.7.1 does it (one write, then one read), or the
 * matching ioctl on a CUSE device.
 */
#ifndef SWTPM_IOCTL_TRANSPORT_H
#define SWTPM_IOCTL_TRANSPORT_H

#include <stddef.h>
#include <sys/types.h>

#include "conn.h"

/* Milliseconds to wait for a response or a unix connect. */
#define TR_TIMEOUT_MS	20000

/*
 * Connect helpers print the reference's error message to stderr and
 * return -1 on failure, else 0 with c connected (blocking).
 */
int	tr_connect_unix(struct cl_conn *c, const char *path);
int	tr_connect_tcp(struct cl_conn *c, const char *host, unsigned int port);

/*
 * One exchange. req holds the 4-byte code and the big-endian body. It
 * is sent with one write; then, if rspcap > 0, the response is awaited
 * (TR_TIMEOUT_MS) and taken with one read of up to rspcap bytes.
 * COMPAT: cli.md §9: no framing, as in 0.7.1: a short read is the
 * caller's to judge. On a CUSE character device the request is mapped
 * onto the matching host-endian ioctl and the result converted back to
 * the socket layout. Returns the bytes read (0 if rspcap == 0 or the
 * peer closed), or -1 with errno set (ETIMEDOUT when nothing arrived in
 * time).
 */
ssize_t	tr_xfer(struct cl_conn *c, const void *req, size_t reqlen, void *rsp,
	    size_t rspcap);

/* Wait for and read up to cap bytes once; as the read part of tr_xfer. */
ssize_t	tr_read(struct cl_conn *c, void *buf, size_t cap);
/* Write all n bytes; 0, or -1 with errno set. */
int	tr_write(struct cl_conn *c, const void *p, size_t n);

/* True if the connection is a character device (a CUSE TPM). */
int	tr_is_cuse(const struct cl_conn *c);

/* CUSE mapping used by tr_xfer (cuse.c); same contract as tr_xfer. */
ssize_t	cuse_xfer(int fd, const void *req, size_t reqlen, void *rsp,
	    size_t rspcap);

#endif
