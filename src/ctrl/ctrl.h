/*
 * Control channel (CMD_* protocol), server side: one command table that
 * drives framing, length/state validation, dispatch and capability bits.
 * Must not know sockets, file paths or libtpms: handlers act through
 * struct ctrl_ops, which src/swtpm fills in. The transport feeds request
 * bytes in and writes the response out.
 */
#ifndef CTRL_CTRL_H
#define CTRL_CTRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "swtpm/tpm_ioctl.h"

/* Receive buffer of one request: code + largest fixed body (ptm_hdata). */
#define CTRL_RECV_BUF		(4 + PTM_MAX_REQ_BODY)
/* COMPAT: control-channel.md §1.1: the fixed part must arrive in 500 ms. */
#define CTRL_RECV_TIMEOUT_MS	500
/* SET_STATEBLOB blobs larger than this are refused (HEAD behaviour). */
#define CTRL_MAX_STATEBLOB	(512u * 1024u)
/* Largest chunk handed to the hash callback. */
#define CTRL_HASH_CHUNK		4096

/*
 * Callbacks into the emulator. Every function returns a wire result code
 * (PTM_RES_* or a libtpms result). 'arg' is ctrl_ops.arg.
 */
struct ctrl_ops {
	void		*arg;
	bool		 (*running)(void *arg);
	uint32_t	 (*init)(void *arg, uint32_t flags);
	/* Stops the TPM (auto-shutdown first); never fails. */
	void		 (*stop)(void *arg);
	uint32_t	 (*get_established)(void *arg, uint8_t *bit);
	uint32_t	 (*set_locality)(void *arg, uint8_t loc);
	uint32_t	 (*reset_established)(void *arg, uint8_t loc);
	uint32_t	 (*hash_start)(void *arg);
	uint32_t	 (*hash_data)(void *arg, const uint8_t *p, size_t n);
	uint32_t	 (*hash_end)(void *arg);
	uint32_t	 (*cancel)(void *arg);
	uint32_t	 (*store_volatile)(void *arg);
	/*
	 * Returns the whole wrapped state blob in *blob (malloc'ed, caller
	 * frees) and PTM_STATE_FLAG_ENCRYPTED in *st_flags if still
	 * encrypted with the file key.
	 */
	uint32_t	 (*get_blob)(void *arg, uint32_t flags, uint32_t type,
			    uint8_t **blob, size_t *len, uint32_t *st_flags);
	/* Called after the response of GET_STATEBLOB was sent. */
	void		 (*get_blob_sent)(void *arg, uint32_t type);
	/* Lock check before a SET_STATEBLOB is received; 0 = go on. */
	uint32_t	 (*set_blob_lock)(void *arg);
	uint32_t	 (*set_blob)(void *arg, uint32_t flags, uint32_t type,
			    const uint8_t *blob, size_t len);
	uint32_t	 (*get_config)(void *arg);
	/* Takes ownership of fd (-1 if none arrived). */
	uint32_t	 (*set_datafd)(void *arg, int fd);
	uint32_t	 (*set_buffersize)(void *arg, uint32_t want,
			    uint32_t *inuse, uint32_t *min, uint32_t *max);
	/* Returns a malloc'ed string the caller frees, or NULL. */
	char		*(*get_info)(void *arg, uint64_t flags);
	uint32_t	 (*lock_storage)(void *arg, uint32_t retries);
};

enum ctrl_status {
	CTRL_REPLY,	/* a response is ready: ctrl_response() */
	CTRL_MORE,	/* send ctrl_stream() more payload bytes */
	CTRL_CLOSE,	/* close the connection without a response */
};

/* Per-connection state of one control client. */
struct ctrl_ctx {
	const struct ctrl_ops *ops;
	bool		 tpm2;
	bool		 shutdown;	/* exit after this response */
	/* response */
	uint8_t		 small[32];
	uint8_t		*heap;
	size_t		 resp_len;
	uint32_t	 sent_code;	/* code of the pending response */
	uint32_t	 sent_type;	/* GET_STATEBLOB type */
	/* streaming of HASH_DATA / SET_STATEBLOB payload */
	uint32_t	 s_code;
	size_t		 s_left;
	uint32_t	 s_res;
	uint32_t	 s_flags, s_type;
	uint8_t		*s_acc;
	size_t		 s_len;
};

void		 ctrl_ctx_init(struct ctrl_ctx *, const struct ctrl_ops *,
		    bool tpm2);
/* Frees buffers of a pending stream or response. */
void		 ctrl_ctx_reset(struct ctrl_ctx *);

/*
 * COMPAT: control-channel.md §1.1. Minimum number of bytes (code
 * included) the transport must collect before a request with these
 * first n bytes can be dispatched, capped at CTRL_RECV_BUF.
 */
size_t		 ctrl_frame_min(const uint8_t *buf, size_t n);

/*
 * Dispatches one request: all n bytes received (4 <= n <= CTRL_RECV_BUF).
 * *fd is a descriptor that arrived with it (-1 if none); the command
 * takes it (sets *fd = -1) only if it is SET_DATAFD, else the transport
 * closes it.
 */
enum ctrl_status ctrl_request(struct ctrl_ctx *, const uint8_t *req,
		    size_t n, int *fd);
/* Bytes of payload still expected in streaming state. */
size_t		 ctrl_stream_left(const struct ctrl_ctx *);
/* Feeds n payload bytes (n == 0: the peer closed). */
enum ctrl_status ctrl_stream(struct ctrl_ctx *, const uint8_t *p, size_t n);
/*
 * SET_STATEBLOB only: where the transport may receive the rest of the
 * blob in place (*room bytes; pass that pointer to ctrl_stream), else
 * NULL.
 */
uint8_t		*ctrl_stream_buf(struct ctrl_ctx *, size_t *room);
/* The peer sent more than the blob's length: answers BAD_PARAMETER. */
enum ctrl_status ctrl_stream_excess(struct ctrl_ctx *);
/* The response to send in one write, valid until ctrl_response_done. */
const uint8_t	*ctrl_response(const struct ctrl_ctx *, size_t *len);
/* After the response was written (ok = fully written). */
void		 ctrl_response_done(struct ctrl_ctx *, bool ok);

/* Capability bits derived from the command table. */
uint32_t	 ctrl_caps(bool tpm2);
/* "INIT", "GET_CAPABILITY", ...; NULL for an unknown code. */
const char	*ctrl_cmd_name(uint32_t code);

#endif
