/*
 * Control-channel request encoders and response decoders for clients
 * (swtpm_ioctl). Pure byte work over struct rd/wr: no I/O, no logging.
 */
#include "config.h"

#include "client.h"

#include "swtpm/tpm_ioctl.h"

void
ctrl_client_enc(struct wr *w, uint32_t code)
{
	wr_be32(w, code);
}

void
ctrl_client_enc_init(struct wr *w, uint32_t init_flags)
{
	wr_be32(w, CMD_INIT);
	wr_be32(w, init_flags);
}

void
ctrl_client_enc_loc(struct wr *w, uint32_t code, uint8_t loc)
{
	wr_be32(w, code);
	wr_u8(w, loc);
}

void
ctrl_client_enc_hash_data(struct wr *w, const void *data, uint32_t n)
{
	wr_be32(w, CMD_HASH_DATA);
	wr_be32(w, n);
	wr_bytes(w, data, n);
}

void
ctrl_client_enc_get_stateblob(struct wr *w, uint32_t state_flags,
    uint32_t type, uint32_t offset)
{
	wr_be32(w, CMD_GET_STATEBLOB);
	wr_be32(w, state_flags);
	wr_be32(w, type);
	wr_be32(w, offset);
}

void
ctrl_client_enc_set_stateblob(struct wr *w, uint32_t state_flags,
    uint32_t type, uint32_t length)
{
	wr_be32(w, CMD_SET_STATEBLOB);
	wr_be32(w, state_flags);
	wr_be32(w, type);
	wr_be32(w, length);
}

void
ctrl_client_enc_set_buffersize(struct wr *w, uint32_t size)
{
	wr_be32(w, CMD_SET_BUFFERSIZE);
	wr_be32(w, size);
}

void
ctrl_client_enc_get_info(struct wr *w, uint64_t flags, uint32_t offset)
{
	wr_be32(w, CMD_GET_INFO);
	wr_be64(w, flags);
	wr_be32(w, offset);
	wr_be32(w, 0);		/* pad: must be present */
}

void
ctrl_client_enc_lock_storage(struct wr *w, uint32_t retries)
{
	wr_be32(w, CMD_LOCK_STORAGE);
	wr_be32(w, retries);
}

bool
ctrl_client_dec_result(const void *p, size_t len, uint32_t *result)
{
	struct rd r;

	rd_init(&r, p, len);
	*result = rd_be32(&r);
	return !r.bad;
}

bool
ctrl_client_dec_cap(const void *p, size_t len, struct ctrl_client_cap *out)
{
	struct rd r;

	rd_init(&r, p, len);
	out->result = rd_be32(&r);
	out->caps = rd_be32(&r);
	out->raw = (uint64_t)out->result << 32 | out->caps;
	return !r.bad;
}

bool
ctrl_client_dec_est(const void *p, size_t len, uint32_t *result,
    uint8_t *bit)
{
	struct rd r;

	rd_init(&r, p, len);
	*result = rd_be32(&r);
	*bit = 0;
	if (r.bad)
		return false;
	if (*result != 0)
		return true;
	*bit = rd_u8(&r);
	rd_skip(&r, 3);
	return !r.bad;
}

bool
ctrl_client_dec_config(const void *p, size_t len, uint32_t *result,
    uint32_t *flags)
{
	struct rd r;

	rd_init(&r, p, len);
	*result = rd_be32(&r);
	*flags = 0;
	if (r.bad)
		return false;
	if (*result != 0)
		return true;
	*flags = rd_be32(&r);
	return !r.bad;
}

bool
ctrl_client_dec_bufsize(const void *p, size_t len,
    struct ctrl_client_bufsize *out)
{
	struct rd r;

	rd_init(&r, p, len);
	out->result = rd_be32(&r);
	out->buffersize = out->minsize = out->maxsize = 0;
	if (r.bad)
		return false;
	if (out->result != 0)
		return true;
	out->buffersize = rd_be32(&r);
	out->minsize = rd_be32(&r);
	out->maxsize = rd_be32(&r);
	return !r.bad;
}

bool
ctrl_client_dec_stateblob(const void *p, size_t len,
    struct ctrl_client_stateblob *out)
{
	struct rd r;

	rd_init(&r, p, len);
	out->result = rd_be32(&r);
	out->state_flags = rd_be32(&r);
	out->totlength = rd_be32(&r);
	out->length = rd_be32(&r);
	out->datalen = rd_left(&r);
	out->data = out->datalen > 0 ? rd_view(&r, out->datalen) : NULL;
	return !r.bad;
}

bool
ctrl_client_dec_info(const void *p, size_t len, struct ctrl_client_info *out)
{
	struct rd r;
	size_t n;

	rd_init(&r, p, len);
	out->result = rd_be32(&r);
	out->totlength = out->length = 0;
	out->data = NULL;
	out->datalen = 0;
	if (r.bad)
		return false;
	if (out->result != 0)
		return true;
	out->totlength = rd_be32(&r);
	out->length = rd_be32(&r);
	if (r.bad)
		return false;
	n = rd_left(&r);
	if (n > out->length)
		n = out->length;
	out->datalen = n;
	out->data = n > 0 ? rd_view(&r, n) : NULL;
	return !r.bad;
}
