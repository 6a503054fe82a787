/*
 * Control channel (CMD_* protocol): one command table that drives
 * framing, length/state validation, dispatch, streaming, what follows a
 * response, capability bits, and the names and CUSE layouts clients use.
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
	/*
	 * Lock check before a SET_STATEBLOB is received; 0 = go on. Sets
	 * *fatal if the process must end after the reply (the storage
	 * lock is held by another process, control-channel.md §3.12).
	 */
	uint32_t	 (*set_blob_lock)(void *arg, bool *fatal);
	uint32_t	 (*set_blob)(void *arg, uint32_t flags, uint32_t type,
			    const uint8_t *blob, size_t len);
	uint32_t	 (*get_config)(void *arg);
	/* Takes ownership of fd (-1 if none arrived). */
	uint32_t	 (*set_datafd)(void *arg, int fd);
	uint32_t	 (*set_buffersize)(void *arg, uint32_t want,
			    uint32_t *inuse, uint32_t *min, uint32_t *max);
	/* Returns a malloc'ed string the caller frees, or NULL. */
	char		*(*get_info)(void *arg, uint64_t flags);
	/*
	 * LOCK_STORAGE (control-channel.md §3.17): one attempt now. Sets
	 * *again (and the result does not count) if the lock is held
	 * elsewhere and retries remain: lock_storage_retry then makes the
	 * next attempt after CTRL_RETRY_MS.
	 */
	uint32_t	 (*lock_storage)(void *arg, uint32_t retries,
			    bool *again);
	uint32_t	 (*lock_storage_retry)(void *arg, bool *again);
};

/* The interval of LOCK_STORAGE's retries. */
#define CTRL_RETRY_MS		10

enum ctrl_status {
	CTRL_REPLY,	/* a response is ready: ctrl_response() */
	CTRL_MORE,	/* send ctrl_stream() more payload bytes */
	CTRL_WAIT,	/* not ready: call ctrl_resume() after CTRL_RETRY_MS,
			   and read nothing from this client meanwhile */
	CTRL_CLOSE,	/* close the connection without a response */
};

/* What the transport must do once a response has been sent. */
enum ctrl_after {
	CTRL_AFTER_NONE,
	CTRL_AFTER_EXIT,	/* end the process (SHUTDOWN; SET_STATEBLOB
				   that could not take the storage lock) */
};

/* A response ready to be written in one go. */
struct ctrl_reply {
	const uint8_t	*p;
	size_t		 len;
	/*
	 * COMPAT: the reference logs some responses as two dumps: the
	 * first log_head bytes, then the rest (0: one dump).
	 */
	size_t		 log_head;
	enum ctrl_after	 after;
};

/* Where and how much payload a streaming command takes next. */
struct ctrl_want {
	/* receive in place here (max bytes), or NULL: any buffer */
	uint8_t		*buf;
	size_t		 max;
	/*
	 * More bytes from the peer right after the last one of the
	 * payload are an error (ctrl_stream_excess), not a next request.
	 */
	bool		 strict_end;
};

/* Per-connection state of one control client; opaque. */
struct ctrl_ctx;

/* NULL if out of memory. ops must outlive the context. */
struct ctrl_ctx	*ctrl_ctx_new(const struct ctrl_ops *, bool tpm2);
void		 ctrl_ctx_free(struct ctrl_ctx *);
/* Drops a pending stream or response (e.g. the connection closed). */
void		 ctrl_ctx_reset(struct ctrl_ctx *);

/*
 * COMPAT: control-channel.md §1.1. Minimum number of bytes (code
 * included) the transport must collect before a request with these
 * first n bytes can be dispatched, capped at CTRL_RECV_BUF.
 */
size_t		 ctrl_frame_min(const uint8_t *buf, size_t n);

/*
 * Dispatches one request: all n bytes received (4 <= n <= CTRL_RECV_BUF).
 * *fd is a descriptor that arrived with it (-1 if none); a command that
 * takes it (SET_DATAFD) sets *fd = -1, else the transport closes it.
 */
enum ctrl_status ctrl_request(struct ctrl_ctx *, const uint8_t *req,
		    size_t n, int *fd);
/* While streaming (CTRL_MORE): true and what to receive next. */
bool		 ctrl_stream_want(const struct ctrl_ctx *, struct ctrl_want *);
/* Feeds n payload bytes (n == 0: the peer closed). */
enum ctrl_status ctrl_stream(struct ctrl_ctx *, const uint8_t *p, size_t n);
/* After CTRL_WAIT: tries again. */
enum ctrl_status ctrl_resume(struct ctrl_ctx *);
/* The peer sent more than a strict_end payload: answers the error. */
enum ctrl_status ctrl_stream_excess(struct ctrl_ctx *);
/* The response (after CTRL_REPLY), valid until ctrl_response_done. */
void		 ctrl_response(const struct ctrl_ctx *, struct ctrl_reply *);
/* After the response was written (ok = fully written). */
void		 ctrl_response_done(struct ctrl_ctx *, bool ok);

/* Capability bits derived from the command table. */
uint32_t	 ctrl_caps(bool tpm2);

/*
 * What clients need of a command: its names and the layout of its CUSE
 * ioctl structure (control-channel.md §9), from the same table.
 */
struct ctrl_cmd_info {
	uint32_t	 code;
	const char	*name;		/* "INIT": logs */
	const char	*ioctl;		/* "PTM_INIT": the ioctl's name */
	bool		 ioctl_ro;	/* _IOR, else _IOWR */
	uint16_t	 ioctl_size;	/* bytes of the ioctl structure */
	uint8_t		 req_words;	/* leading request u32s (byte-swapped) */
	uint8_t		 rsp_words;	/* leading response u32s */
	uint8_t		 len_word;	/* 1-based u32 giving a data length */
	uint16_t	 rsp_fixed;	/* response bytes before the data */
};

/* NULL for an unknown code. */
const struct ctrl_cmd_info *ctrl_cmd_info(uint32_t code);
/* "INIT", "GET_CAPABILITY", ...; NULL for an unknown code. */
const char	*ctrl_cmd_name(uint32_t code);

#endif
