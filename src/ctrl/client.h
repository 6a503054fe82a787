/*
 * Client side of the control-channel codec: builds CMD_* requests and
 * decodes their responses (big-endian socket layout, control-channel.md
 * §3 and §5). Used by swtpm_ioctl and the tests; knows no sockets.
 */
#ifndef CTRL_CLIENT_H
#define CTRL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"

/*
 * Encoders append the 4-byte command code and the request body to w.
 * Overflow is reported through w's sticky flag (wr_ok).
 */
void	ctrl_client_enc(struct wr *w, uint32_t code);
void	ctrl_client_enc_init(struct wr *w, uint32_t init_flags);
/* SET_LOCALITY and RESET_TPMESTABLISHED: a 1-byte body. */
void	ctrl_client_enc_loc(struct wr *w, uint32_t code, uint8_t loc);
/* HASH_DATA: length and exactly n data bytes (no padding to 4096). */
void	ctrl_client_enc_hash_data(struct wr *w, const void *data, uint32_t n);
void	ctrl_client_enc_get_stateblob(struct wr *w, uint32_t state_flags,
	    uint32_t type, uint32_t offset);
/* SET_STATEBLOB header only; the blob bytes follow separately. */
void	ctrl_client_enc_set_stateblob(struct wr *w, uint32_t state_flags,
	    uint32_t type, uint32_t length);
void	ctrl_client_enc_set_buffersize(struct wr *w, uint32_t size);
void	ctrl_client_enc_get_info(struct wr *w, uint64_t flags,
	    uint32_t offset);
void	ctrl_client_enc_lock_storage(struct wr *w, uint32_t retries);

/*
 * Framing of a socket response to a request with this code: the size of
 * the whole response as far as its first have bytes tell (4 while fewer
 * than 4 are there; GET_STATEBLOB and GET_INFO grow once their length
 * field arrived). Read until have reaches the value, asking again after
 * each read. See control-channel.md §3 for the layouts.
 */
uint64_t ctrl_client_rsp_len(uint32_t code, const uint8_t *p, size_t have);

/*
 * Decoders read a response of len bytes. All return false if the
 * response is too short for what it claims (the caller reports a clean
 * error); trailing bytes are ignored, since the server may not send any
 * and a stream read may return fewer. Where a non-zero result means the
 * server sent only the 4-byte result, nothing else is required then.
 */

/* Any command: the 4-byte result. */
bool	ctrl_client_dec_result(const void *p, size_t len, uint32_t *result);

/* GET_CAPABILITY: 8 bytes; *raw is them as one BE64 (0.7.1 layout). */
struct ctrl_client_cap {
	uint32_t	result;
	uint32_t	caps;
	uint64_t	raw;
};
bool	ctrl_client_dec_cap(const void *p, size_t len,
	    struct ctrl_client_cap *out);

/* GET_TPMESTABLISHED: result, then (if 0) u8 bit and 3 pad bytes. */
bool	ctrl_client_dec_est(const void *p, size_t len, uint32_t *result,
	    uint8_t *bit);

/* GET_CONFIG: result, then (if 0) flags. */
bool	ctrl_client_dec_config(const void *p, size_t len, uint32_t *result,
	    uint32_t *flags);

/* SET_BUFFERSIZE: result, then (if 0) size in use, minimum, maximum. */
struct ctrl_client_bufsize {
	uint32_t	result;
	uint32_t	buffersize;
	uint32_t	minsize;
	uint32_t	maxsize;
};
bool	ctrl_client_dec_bufsize(const void *p, size_t len,
	    struct ctrl_client_bufsize *out);

/*
 * GET_STATEBLOB: always a 16-byte header (also on error). data/datalen
 * borrow the bytes of p after the header (at most len - 16; the rest of
 * the blob may still be in transit).
 */
struct ctrl_client_stateblob {
	uint32_t	 result;
	uint32_t	 state_flags;
	uint32_t	 totlength;
	uint32_t	 length;
	const uint8_t	*data;
	size_t		 datalen;
};
bool	ctrl_client_dec_stateblob(const void *p, size_t len,
	    struct ctrl_client_stateblob *out);

/*
 * GET_INFO: result, then (if 0) totlength, length and the chunk. data
 * borrows min(length, bytes present) bytes of p.
 */
struct ctrl_client_info {
	uint32_t	 result;
	uint32_t	 totlength;
	uint32_t	 length;
	const uint8_t	*data;
	size_t		 datalen;
};
bool	ctrl_client_dec_info(const void *p, size_t len,
	    struct ctrl_client_info *out);

#endif
