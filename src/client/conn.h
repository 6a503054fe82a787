/*
 * Client side of an swtpm: connections (unix, TCP, an inherited fd, a
 * socketpair to a child), TPM command round trips framed by the
 * response's size field, control-channel exchanges framed by the
 * src/ctrl codec; spawn.h starts `swtpm socket` on socketpairs. A
 * library: it never prints, never exits and installs no signal
 * handlers. Every call returns an enum cl_err and words the failure in
 * the connection's msg (STYLE §5); sys_errno keeps the errno behind it
 * for callers that must print the reference's text.
 *
 * Deadlines: timeout_ms < 0 waits without limit (plain blocking reads,
 * no poll: the benchmark's hot path); otherwise the whole call must
 * finish within timeout_ms, checked with poll on CLOCK_MONOTONIC.
 * EINTR is retried within the deadline. Writes to sockets never raise
 * SIGPIPE. Every descriptor the library opens is close-on-exec.
 */
#ifndef CLIENT_CONN_H
#define CLIENT_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CL_MSG_MAX	256

enum cl_err {
	CL_OK = 0,
	CL_EARG,	/* bad argument: path too long, fd not open */
	CL_ESYS,	/* socket, fcntl, poll, fork, ... failed */
	CL_ERESOLVE,	/* host name lookup failed: gai_err */
	CL_ECONNECT,	/* connect failed at once */
	CL_ENOCONN,	/* a pending connect failed or hung up */
	CL_ETIMEDOUT,	/* the deadline passed */
	CL_EIO,		/* read or write failed */
	CL_EEOF,	/* the peer closed before the response was whole */
	CL_EPROTO,	/* the response breaks its framing */
	CL_ETOOBIG,	/* the response does not fit the buffer */
	CL_ECHILD,	/* the spawned process ended before it was ready */
	CL_ENOMEM,
};

enum cl_kind {
	CL_KIND_NONE,
	CL_KIND_UNIX,
	CL_KIND_TCP,
	CL_KIND_FD,	/* adopted with cl_from_fd */
	CL_KIND_PAIR,	/* our end of cl_socketpair */
};

/*
 * One connection. The caller owns the structure; the fields are read
 * freely, written only by the library.
 */
struct cl_conn {
	int		 fd;		/* -1 when closed */
	enum cl_kind	 kind;
	bool		 sock;		/* fd is a socket */
	int		 sys_errno;	/* errno of the last error; ETIMEDOUT,
					   EPROTO, EMSGSIZE, ECONNRESET for
					   the library's own */
	int		 gai_err;	/* getaddrinfo code for CL_ERESOLVE */
	char		 msg[CL_MSG_MAX]; /* the last error, for a log */
};

/* A closed connection (fd -1, no error). */
void		 cl_init(struct cl_conn *c);
/* Closes the fd if open; keeps the last error. Safe twice. */
void		 cl_close(struct cl_conn *c);
/* A short name of an error code ("timed out", ...). */
const char	*cl_strerror(enum cl_err e);

/*
 * Connects to a unix stream socket: non-blocking connect, poll for
 * completion within timeout_ms, then blocking mode (timeout_ms < 0: a
 * plain blocking connect). CL_EARG if the path does not fit sun_path;
 * CL_ECONNECT when connect() fails at once (ENOENT, ECONNREFUSED, ...);
 * CL_ENOCONN when a pending connect fails or hangs up; CL_ETIMEDOUT.
 */
enum cl_err	 cl_connect_unix(struct cl_conn *c, const char *path,
		    int timeout_ms);
/*
 * Connects to host:port over TCP (every address getaddrinfo gives, in
 * order; TCP_NODELAY set). The name lookup itself is not bounded.
 * CL_ERESOLVE (gai_err), CL_ECONNECT with the errno of the last
 * address, CL_ETIMEDOUT.
 */
enum cl_err	 cl_connect_tcp(struct cl_conn *c, const char *host,
		    unsigned port, int timeout_ms);
/* Adopts an open descriptor (takes ownership). CL_EARG if not open. */
enum cl_err	 cl_from_fd(struct cl_conn *c, int fd);
/*
 * A connected AF_UNIX stream pair: mine becomes our end (CL_KIND_PAIR),
 * *theirs the other, numbered >= 3 and close-on-exec like every fd of
 * the library; cl_spawn clears the flag in the child only, so no other
 * child inherits it. The caller closes *theirs once it was handed on.
 */
enum cl_err	 cl_socketpair(struct cl_conn *mine, int *theirs);

/* --- raw transfers ---------------------------------------------------- */

/* Writes all n bytes. CL_EIO (sys_errno), CL_ETIMEDOUT. */
enum cl_err	 cl_send(struct cl_conn *c, const void *p, size_t n,
		    int timeout_ms);
/*
 * Waits for data and reads once, up to cap bytes: *got is what came.
 * CL_EEOF (0 bytes), CL_EIO, CL_ETIMEDOUT.
 */
enum cl_err	 cl_recv_once(struct cl_conn *c, void *p, size_t cap,
		    size_t *got, int timeout_ms);
/* Reads exactly n bytes. On error *got says how many came. */
enum cl_err	 cl_recv_exact(struct cl_conn *c, void *p, size_t n,
		    size_t *got, int timeout_ms);

/* --- TPM commands (data channel) ------------------------------------- */

/*
 * Reads one response into rsp: until its size field (bytes 2..5) is
 * satisfied. A size below 10 or bytes beyond it in the same read are
 * CL_EPROTO, a size above cap CL_ETOOBIG. On any error *rlen is the
 * number of bytes that did arrive (rsp holds them).
 */
enum cl_err	 cl_tpm_recv(struct cl_conn *c, void *rsp, size_t cap,
		    size_t *rlen, int timeout_ms);
/* One round trip: cl_send of cmd, then cl_tpm_recv, one deadline. */
enum cl_err	 cl_tpm(struct cl_conn *c, const void *cmd, size_t len,
		    void *rsp, size_t cap, size_t *rlen, int timeout_ms);

/* --- control channel ------------------------------------------------- */

/*
 * One control exchange: req (code and body, built with src/ctrl's
 * ctrl_client_enc_*) in one write, then the response read as long as
 * ctrl_client_rsp_len says, up to cap bytes (CL_ETOOBIG beyond; on an
 * error *rlen is what arrived). Decode it with ctrl_client_dec_*.
 */
enum cl_err	 cl_ctrl(struct cl_conn *c, const void *req, size_t reqlen,
		    void *rsp, size_t cap, size_t *rlen, int timeout_ms);
/*
 * GET_STATEBLOB (offset 0) into a growing buffer: *blob, *blobcap may
 * hold a buffer of an earlier call (realloc'ed as needed; the caller
 * frees it). *res is the result, *len the blob size (0 unless *res is
 * 0), *st_flags its state flags. Blobs above max are CL_ETOOBIG.
 */
enum cl_err	 cl_get_stateblob(struct cl_conn *c, uint32_t flags,
		    uint32_t type, uint8_t **blob, size_t *blobcap,
		    size_t *len, size_t max, uint32_t *res,
		    uint32_t *st_flags, int timeout_ms);
/*
 * SET_STATEBLOB: the header and the blob in one sendmsg (as far as the
 * socket takes them at once; the rest follows), then *res, the result.
 */
enum cl_err	 cl_set_stateblob(struct cl_conn *c, uint32_t flags,
		    uint32_t type, const void *blob, size_t len,
		    uint32_t *res, int timeout_ms);
/* A command answered by its result (at most 16 bytes): *res. */
enum cl_err	 cl_ctrl_simple(struct cl_conn *c, const void *req,
		    size_t reqlen, uint32_t *res, int timeout_ms);

#endif
