/*
 * swtpm_ioctl's side of the control connection: connect to a unix or
 * TCP socket or open a CUSE device, and run one request/response
 * exchange the way the reference client does (one write, one read).
 */
#ifndef SWTPM_IOCTL_TRANSPORT_H
#define SWTPM_IOCTL_TRANSPORT_H

#include <stddef.h>
#include <sys/types.h>

/* Milliseconds to wait for a response or a unix connect. */
#define TR_TIMEOUT_MS	20000

/*
 * Connect helpers print the reference's error message to stderr and
 * return -1 on failure, else the connected (blocking) descriptor.
 */
int	tr_connect_unix(const char *path);
int	tr_connect_tcp(const char *host, unsigned int port);

/*
 * One exchange. req holds the 4-byte code and the big-endian body. It
 * is sent with one write; then, if rspcap > 0, the response is awaited
 * (poll, TR_TIMEOUT_MS) and taken with one read of up to rspcap bytes.
 * On a CUSE character device the request is mapped onto the matching
 * host-endian ioctl and the result converted back to the socket layout.
 * Returns the bytes read (0 if rspcap == 0), or -1 with errno set
 * (ETIMEDOUT when nothing arrived in time).
 */
ssize_t	tr_xfer(int fd, const void *req, size_t reqlen, void *rsp,
	    size_t rspcap);

/* Wait for and read up to cap bytes once; as the read part of tr_xfer. */
ssize_t	tr_read(int fd, void *buf, size_t cap);

/* True if fd is a character device (a CUSE TPM). */
int	tr_is_cuse(int fd);

/* CUSE mapping used by tr_xfer (cuse.c); same contract as tr_xfer. */
ssize_t	cuse_xfer(int fd, const void *req, size_t reqlen, void *rsp,
	    size_t rspcap);

#endif
