/*
 * Control-channel request encoders and response decoders for clients
 * (swtpm_ioctl). Pure byte work over struct rd/wr: no I/O, no logging.
 */
#include "config.h"

#include "client.h"
#include "ctrl.h"

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

uint64_t
ctrl_client_rsp_len(uint32_t code, const uint8_t *p, size_t have)
{
	const struct ctrl_cmd_info *c = ctrl_cmd_info(code);
	uint64_t fixed = 4;
	uint32_t res;

	if (have < 4)
		return 4;
	res = be32_get(p);
	/*
	 * COMPAT: control-channel.md §3: a failed length or state check
	 * answers the 4-byte result alone; GET_TPMESTABLISHED and
	 * GET_STATEBLOB keep their layout for a later error. Those checks
	 * give BAD_PARAMETER or BAD_ORDINAL: alone (nothing came with
	 * it), such a result is the whole response.
	 */
	if (res != PTM_RES_SUCCESS) {
		if (code != CMD_GET_TPMESTABLISHED &&
		    code != CMD_GET_STATEBLOB)
			return 4;
		if (have == 4 && (res == PTM_RES_BAD_PARAMETER ||
		    res == PTM_RES_BAD_ORDINAL))
			return 4;
	}
	/* on a socket the success layout is the ioctl's, data unbounded */
	if (c != NULL && c->rsp_fixed > fixed)
		fixed = c->rsp_fixed;
	if (c == NULL || c->len_word == 0 || res != PTM_RES_SUCCESS)
		return fixed;
	if (have < fixed)
		return fixed;
	return fixed + be32_get(p + 4 * (c->len_word - 1));
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
