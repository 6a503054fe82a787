/*
 * st_blob_inspect: what a stored file or a state blob says about itself
 * (header, flags, records), for tools that look at a state without a
 * key and without changing it. Decrypts nothing.
 */
#include "config.h"

#include <string.h>

#include "internal.h"

const char *
st_tlv_tag_name(uint16_t tag)
{
	switch (tag) {
	case TAG_DATA:				return "DATA";
	case TAG_ENCRYPTED_DATA:		return "ENCRYPTED_DATA";
	case TAG_HMAC:				return "HMAC";
	case TAG_MIGRATION_DATA:		return "MIGRATION_DATA";
	case TAG_ENCRYPTED_MIGRATION_DATA:	return "ENCRYPTED_MIGRATION_DATA";
	case TAG_IVEC_ENCRYPTED_DATA:		return "IVEC_ENCRYPTED_DATA";
	case TAG_IVEC_ENCRYPTED_MIGRATION_DATA:
		return "IVEC_ENCRYPTED_MIGRATION_DATA";
	}
	return NULL;
}

/*
 * Walks the records of p[0..n) (at base in the blob) into rec. Returns
 * ST_CORRUPT if there are too many; *trailing if bytes remain after the
 * last whole record.
 */
static enum st_err
walk(const uint8_t *p, size_t n, size_t base, struct st_tlv_record *rec,
    size_t *nrec, bool *trailing, char *msg, size_t msglen)
{
	struct rd r;

	*nrec = 0;
	*trailing = false;
	rd_init(&r, p, n);
	while (rd_left(&r) > 0) {
		uint16_t tag = rd_be16(&r);
		uint32_t len = rd_be32(&r);
		size_t off = r.off;

		if (r.bad || rd_view(&r, len) == NULL) {
			*trailing = true;
			return ST_OK;
		}
		if (*nrec == ST_INSPECT_MAX_RECORDS) {
			st_setmsg(msg, msglen, "more than %d records",
			    ST_INSPECT_MAX_RECORDS);
			return ST_CORRUPT;
		}
		rec[*nrec].tag = tag;
		rec[*nrec].offset = base + off;
		rec[*nrec].length = len;
		(*nrec)++;
	}
	return ST_OK;
}

enum st_err
st_blob_inspect(const uint8_t *blob, size_t len, struct st_blob_info *bi,
    char *msg, size_t msglen)
{
	struct st_hdr h;
	bool trailing;
	size_t i;
	enum st_err rc;

	memset(bi, 0, sizeof(*bi));
	if ((rc = st_hdr_parse(blob, len, &h, msg, msglen)) != ST_OK)
		return rc;
	bi->version = h.version;
	bi->min_version = h.min_version;
	bi->hdrsize = h.hdrsize;
	bi->flags = h.flags;
	bi->totlen = h.totlen;
	bi->migration = (h.flags & ST_BLOB_FLAG_MIGRATION_DATA) != 0;
	if (h.flags & ST_BLOB_FLAG_ENCRYPTED)
		bi->keylen = (h.flags & ST_BLOB_FLAG_ENCRYPTED_256BIT_KEY) ?
		    32 : 16;
	if (h.flags & ST_BLOB_FLAG_MIGRATION_ENCRYPTED)
		bi->migkeylen = (h.flags & ST_BLOB_FLAG_MIGRATION_256BIT_KEY) ?
		    32 : 16;
	if (h.version != 2)
		return ST_OK;	/* version 1: a raw payload, no records */
	rc = walk(blob + ST_HDR_LEN, len - ST_HDR_LEN, ST_HDR_LEN, bi->rec,
	    &bi->nrec, &bi->trailing, msg, msglen);
	if (rc != ST_OK || bi->migkeylen != 0)
		return rc;
	for (i = 0; i < bi->nrec; i++) {
		if (bi->rec[i].tag != TAG_MIGRATION_DATA)
			continue;
		return walk(blob + bi->rec[i].offset, bi->rec[i].length,
		    bi->rec[i].offset, bi->inner, &bi->ninner, &trailing,
		    msg, msglen);
	}
	return ST_OK;
}
