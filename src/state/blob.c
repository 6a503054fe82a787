/*
 * The 10-byte blob header (§4) and the two wrappings built on it: the
 * stored-file form (§6.1) and the state-blob form of GET/SET_STATEBLOB
 * (§6.2, §6.3). Knows nothing of files, sockets or libtpms.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "io.h"

#define BLOB_VERSION		2
#define BLOB_MIN_VERSION	1

enum st_err
st_hdr_parse(const uint8_t *blob, size_t len, struct st_hdr *h, char *msg,
    size_t msglen)
{
	struct rd r;

	if (len < ST_HDR_LEN) {
		st_setmsg(msg, msglen, "not enough bytes for header: %zu", len);
		return ST_SHORT;
	}
	rd_init(&r, blob, len);
	h->version = rd_u8(&r);
	h->min_version = rd_u8(&r);
	h->hdrsize = rd_be16(&r);
	h->flags = rd_be16(&r);
	h->totlen = rd_be32(&r);
	if (h->totlen != len) {
		st_setmsg(msg, msglen, "broken header: bh->totlen %u != %zu",
		    h->totlen, len);
		return ST_SHORT;
	}
	if (h->min_version > BLOB_VERSION) {
		st_setmsg(msg, msglen, "Minimum required version for the blob "
		    "is %u, we only support version %u", h->min_version,
		    BLOB_VERSION);
		return ST_BADVERSION;
	}
	if (h->hdrsize != ST_HDR_LEN) {
		st_setmsg(msg, msglen, "bad header size: %u != %u",
		    h->hdrsize, ST_HDR_LEN);
		return ST_BADHDRSIZE;
	}
	return ST_OK;
}

static void
put_hdr(struct wr *w, uint16_t flags, size_t totlen)
{
	wr_u8(w, BLOB_VERSION);
	wr_u8(w, BLOB_MIN_VERSION);
	wr_be16(w, ST_HDR_LEN);
	wr_be16(w, flags);
	wr_be32(w, (uint32_t)totlen);
}

static bool
has_key(const struct st_key *k)
{
	return k != NULL && k->len > 0;
}

static uint8_t *
dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *b = malloc(n > 0 ? n : 1);

	if (b != NULL && n > 0)
		memcpy(b, p, n);
	return b;
}

/* Decrypts one layer: key size check (§6.0 step 1), then by version. */
static enum st_err
decrypt_layer(const struct st_key *key, const struct st_hdr *h,
    uint16_t flag256, const uint8_t *p, size_t n, uint16_t tag_enc,
    uint16_t tag_iv, uint8_t **plain, size_t *plainlen, char *msg,
    size_t msglen)
{
	size_t need = (h->flags & flag256) ? 32 : 16;

	if (key->len != need) {
		st_setmsg(msg, msglen, "Wrong decryption key. Need %zu bit "
		    "key.", need * 8);
		return ST_KEYSIZE;
	}
	switch (h->version) {
	case 1:
		return st_decrypt_v1(key, p, n, plain, plainlen, msg, msglen);
	case 2:
		return st_decrypt_tlv(key, p, n, tag_enc, tag_iv, plain,
		    plainlen, msg, msglen);
	}
	st_setmsg(msg, msglen, "unsupported blob version %u", h->version);
	return ST_FAIL;
}

/* Takes the unencrypted record of one layer (version 1: the payload). */
static enum st_err
plain_layer(const struct st_hdr *h, const uint8_t *p, size_t n,
    uint16_t tag, uint8_t **plain, size_t *plainlen, char *msg,
    size_t msglen)
{
	const uint8_t *v = p;
	size_t vlen = n;

	switch (h->version) {
	case 1:
		break;
	case 2:
		if (!st_tlv_find(p, n, tag, &v, &vlen)) {
			st_setmsg(msg, msglen, "Could not find plain data in "
			    "byte stream.");
			return ST_NODATA;
		}
		break;
	default:
		/*
		 * COMPAT: differs from 0.7.1, which treats other versions
		 * as "no data", so that a state blob with version 0 or 3
		 * clears the state (§6.3 table); we refuse instead of
		 * losing the state.
		 */
		st_setmsg(msg, msglen, "unsupported blob version %u",
		    h->version);
		return ST_FAIL;
	}
	if ((*plain = dup_bytes(v, vlen)) == NULL)
		return ST_NOMEM;
	*plainlen = vlen;
	return ST_OK;
}

/*
 * Builds one layer: encrypted with key, else one plain record, after
 * 'room' bytes left free at the start of the buffer (for a header).
 */
static enum st_err
build_layer(const uint8_t *p, size_t n, const struct st_key *key,
    uint16_t tag_plain, uint16_t tag_enc, uint16_t tag_iv, size_t room,
    uint8_t **out, size_t *outlen)
{
	size_t size = room + (has_key(key) ? st_enc_size(n, key) :
	    ST_TLV_HDR_LEN + n);
	uint8_t *buf;
	struct wr w;
	enum st_err rc = ST_OK;

	if ((buf = malloc(size)) == NULL)
		return ST_NOMEM;
	wr_init(&w, buf, size);
	(void)wr_reserve(&w, room);
	if (has_key(key))
		rc = st_encrypt_tlv(key, p, n, tag_enc, tag_iv, &w);
	else
		st_tlv_put(&w, tag_plain, p, n);
	if (rc == ST_OK && (!wr_ok(&w) || w.len != size))
		rc = ST_FAIL;
	if (rc != ST_OK) {
		secure_free(buf, size);
		return rc;
	}
	*out = buf;
	*outlen = size;
	return ST_OK;
}

/* Writes the header into the first ST_HDR_LEN bytes of a built blob. */
static void
fill_hdr(uint8_t *buf, size_t size, uint16_t flags)
{
	struct wr w;

	wr_init(&w, buf, ST_HDR_LEN);
	put_hdr(&w, flags, size);
}

enum st_err
st_file_wrap(const uint8_t *plain, size_t len, const struct st_key *key,
    uint8_t **out, size_t *outlen)
{
	uint16_t flags = 0;
	enum st_err rc;

	if (len > ST_BLOB_MAX)
		return ST_INVAL;
	if (has_key(key)) {
		if (key->len != 16 && key->len != 32)
			return ST_KEYSIZE;
		flags = ST_BLOB_FLAG_ENCRYPTED |
		    (key->len == 32 ? ST_BLOB_FLAG_ENCRYPTED_256BIT_KEY : 0);
	}
	rc = build_layer(plain, len, key, TAG_DATA, TAG_ENCRYPTED_DATA,
	    TAG_IVEC_ENCRYPTED_DATA, ST_HDR_LEN, out, outlen);
	if (rc == ST_OK)
		fill_hdr(*out, *outlen, flags);
	return rc;
}

enum st_err
st_file_unwrap(const uint8_t *blob, size_t len, const struct st_key *key,
    uint8_t **plain, size_t *plainlen, char *msg, size_t msglen)
{
	struct st_hdr h;
	enum st_err rc;

	*plain = NULL;
	*plainlen = 0;
	if ((rc = st_hdr_parse(blob, len, &h, msg, msglen)) != ST_OK)
		return rc;
	/* Only the 256-bit flag is consulted: a key means decrypt (§6.1). */
	if (has_key(key))
		return decrypt_layer(key, &h, ST_BLOB_FLAG_ENCRYPTED_256BIT_KEY,
		    blob + ST_HDR_LEN, len - ST_HDR_LEN, TAG_ENCRYPTED_DATA,
		    TAG_IVEC_ENCRYPTED_DATA, plain, plainlen, msg, msglen);
	return plain_layer(&h, blob + ST_HDR_LEN, len - ST_HDR_LEN, TAG_DATA,
	    plain, plainlen, msg, msglen);
}

enum st_err
st_sblob_wrap(const uint8_t *plain, size_t len, const struct st_key *filekey,
    const struct st_key *migkey, uint8_t **out, size_t *outlen,
    bool *encrypted)
{
	uint8_t *inner = NULL, *outer = NULL;
	size_t ilen = 0, olen = 0;
	uint16_t flags = ST_BLOB_FLAG_MIGRATION_DATA;
	enum st_err rc;

	*encrypted = false;
	if (len > ST_BLOB_MAX)
		return ST_INVAL;
	if ((has_key(filekey) && filekey->len != 16 && filekey->len != 32) ||
	    (has_key(migkey) && migkey->len != 16 && migkey->len != 32))
		return ST_KEYSIZE;
	rc = build_layer(plain, len, filekey, TAG_DATA, TAG_ENCRYPTED_DATA,
	    TAG_IVEC_ENCRYPTED_DATA, 0, &inner, &ilen);
	if (rc != ST_OK)
		goto out;
	if (has_key(filekey)) {
		flags |= ST_BLOB_FLAG_ENCRYPTED;
		if (filekey->len == 32)
			flags |= ST_BLOB_FLAG_ENCRYPTED_256BIT_KEY;
	}
	rc = build_layer(inner, ilen, migkey, TAG_MIGRATION_DATA,
	    TAG_ENCRYPTED_MIGRATION_DATA, TAG_IVEC_ENCRYPTED_MIGRATION_DATA,
	    ST_HDR_LEN, &outer, &olen);
	if (rc != ST_OK)
		goto out;
	if (has_key(migkey)) {
		flags |= ST_BLOB_FLAG_MIGRATION_ENCRYPTED;
		if (migkey->len == 32)
			flags |= ST_BLOB_FLAG_MIGRATION_256BIT_KEY;
	}
	fill_hdr(outer, olen, flags);
	*out = outer;
	*outlen = olen;
	*encrypted = has_key(filekey);
out:
	secure_free(inner, ilen);
	return rc;
}

enum st_err
st_sblob_unwrap(const uint8_t *blob, size_t len, bool flag_encrypted,
    const struct st_key *filekey, const struct st_key *migkey,
    const char *name, uint8_t **plain, size_t *plainlen, char *msg,
    size_t msglen)
{
	uint8_t *mid = NULL;
	size_t midlen = 0;
	struct st_hdr h;
	enum st_err rc;

	*plain = NULL;
	*plainlen = 0;
	if (len == 0)
		return ST_OK;
	if ((rc = st_hdr_parse(blob, len, &h, msg, msglen)) != ST_OK)
		return rc;
	if (len == ST_HDR_LEN)
		return ST_OK;	/* header only: clear the state */

	if (h.flags & ST_BLOB_FLAG_MIGRATION_ENCRYPTED) {
		if (!has_key(migkey)) {
			st_setmsg(msg, msglen, "Missing migration key to "
			    "decrypt %s", name);
			return ST_NOKEY;
		}
		rc = decrypt_layer(migkey, &h,
		    ST_BLOB_FLAG_MIGRATION_256BIT_KEY, blob + ST_HDR_LEN,
		    len - ST_HDR_LEN,
		    TAG_ENCRYPTED_MIGRATION_DATA,
		    TAG_IVEC_ENCRYPTED_MIGRATION_DATA, &mid, &midlen, msg,
		    msglen);
	} else {
		rc = plain_layer(&h, blob + ST_HDR_LEN, len - ST_HDR_LEN,
		    TAG_MIGRATION_DATA, &mid, &midlen, msg, msglen);
	}
	if (rc != ST_OK)
		return rc;

	if (flag_encrypted || (h.flags & ST_BLOB_FLAG_ENCRYPTED)) {
		if (!has_key(filekey)) {
			st_setmsg(msg, msglen, "Missing state key to decrypt "
			    "%s", name);
			rc = ST_NOKEY;
		} else {
			rc = decrypt_layer(filekey, &h,
			    ST_BLOB_FLAG_ENCRYPTED_256BIT_KEY, mid, midlen,
			    TAG_ENCRYPTED_DATA, TAG_IVEC_ENCRYPTED_DATA, plain,
			    plainlen, msg, msglen);
		}
	} else {
		rc = plain_layer(&h, mid, midlen, TAG_DATA, plain, plainlen,
		    msg, msglen);
	}
	secure_free(mid, midlen);
	return rc;
}
