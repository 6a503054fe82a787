/*
 * The TPM message header shared by both versions: building it with a
 * size patched at the end, splitting and framing responses.
 */
#include "config.h"

#include "tpmwire.h"

size_t
tpm_cmd_begin(struct wr *w, uint16_t tag, uint32_t code)
{
	size_t start = w->len;

	wr_be16(w, tag);
	wr_be32(w, 0);
	wr_be32(w, code);
	return start;
}

bool
tpm_cmd_end(struct wr *w, size_t start)
{
	if (!wr_ok(w) || w->len < start + TPM_HDR_LEN ||
	    w->len - start > UINT32_MAX)
		return false;
	be32_put(w->p + start + TPM_HDR_SIZE_OFF, (uint32_t)(w->len - start));
	return true;
}

bool
tpm_rsp_split(const void *p, size_t len, struct tpm_rsp *out)
{
	struct rd r;

	rd_init(&r, p, len);
	out->tag = rd_be16(&r);
	out->size = rd_be32(&r);
	out->rc = rd_be32(&r);
	if (r.bad || out->size != len)
		return false;
	rd_init(&out->body, r.p + r.off, rd_left(&r));
	return true;
}

uint32_t
tpm_rsp_size(const void *p, size_t len)
{
	if (len < TPM_HDR_SIZE_OFF + 4)
		return 0;
	return be32_get((const uint8_t *)p + TPM_HDR_SIZE_OFF);
}

uint32_t
tpm_rsp_rc(const void *p, size_t len)
{
	struct tpm_rsp rsp;

	if (!tpm_rsp_split(p, len, &rsp))
		return TPM_RSP_MALFORMED;
	return rsp.rc;
}
