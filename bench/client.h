/*
 * Benchmark client side of the two channels: one TPM command on the
 * data socket, and the control commands the migration cycle needs.
 * Blocking I/O on connected sockets; knows nothing of processes.
 */
#ifndef BENCH_CLIENT_H
#define BENCH_CLIENT_H

#include <stddef.h>
#include <stdint.h>

/* Growable byte buffer for state blobs. */
struct blobbuf {
	uint8_t	*p;
	size_t	 len, cap;
};

/*
 * Send cmd and read one complete response (framed by its size field)
 * into rsp. Returns the response length, or -1 on I/O or framing error.
 */
ssize_t	 tpm_xfer(int fd, const uint8_t *cmd, size_t len, uint8_t *rsp,
	    size_t cap);
/* Send cmd to many fds; then wait until all answered. 0 or -1. */
int	 tpm_send(int fd, const uint8_t *cmd, size_t len);
ssize_t	 tpm_recv(int fd, uint8_t *rsp, size_t cap);

/* A control command with a 4-byte response; *res gets the result. */
int	 ctrl_simple(int fd, uint32_t code, const uint8_t *body, size_t blen,
	    uint32_t *res);
/* CMD_GET_STATEBLOB (decrypted, offset 0) into b. 0 or -1. */
int	 ctrl_get_blob(int fd, uint32_t type, struct blobbuf *b,
	    uint32_t *res);
/* CMD_SET_STATEBLOB of b (header and blob in one write). 0 or -1. */
int	 ctrl_set_blob(int fd, uint32_t type, const struct blobbuf *b,
	    uint32_t *res);
void	 blobbuf_release(struct blobbuf *);

#endif
