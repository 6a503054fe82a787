/*
 * TLV records of the blob payload (state-storage.md §5): u16 tag, u32
 * length, value, all big-endian. Knows nothing of what the tags mean.
 */
#include "config.h"

#include "internal.h"

bool
st_tlv_find(const uint8_t *p, size_t len, uint16_t tag,
    const uint8_t **val, size_t *vlen)
{
	struct rd r;

	rd_init(&r, p, len);
	while (rd_left(&r) > 0) {
		uint16_t t = rd_be16(&r);
		uint32_t n = rd_be32(&r);
		const uint8_t *v = rd_view(&r, n);

		/* A record running past the end terminates the scan. */
		if (r.bad)
			return false;
		if (t == tag) {
			*val = v;
			*vlen = n;
			return true;
		}
	}
	return false;
}

void
st_tlv_put(struct wr *w, uint16_t tag, const uint8_t *v, size_t n)
{
	if (n > UINT32_MAX) {
		w->overflow = true;
		return;
	}
	wr_be16(w, tag);
	wr_be32(w, (uint32_t)n);
	wr_bytes(w, v, n);
}
