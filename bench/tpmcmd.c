/*
 * TPM 2 command builders for the benchmark workloads. Every command is
 * built with the bounded writer; the size field is patched at the end.
 */
#include "config.h"

#include <string.h>

#include "bytes.h"
#include "tpmcmd.h"

#define ST_NO_SESSIONS		0x8001
#define ST_SESSIONS		0x8002
#define CC_NV_DEFINE		0x0000012au
#define CC_CREATE_PRIMARY	0x00000131u
#define CC_NV_WRITE		0x00000137u
#define CC_STARTUP		0x00000144u
#define CC_FLUSH		0x00000165u
#define CC_GETRANDOM		0x0000017bu
#define CC_HASH			0x0000017du
#define CC_PCR_EXTEND		0x00000182u
#define RH_OWNER		0x40000001u
#define RS_PW			0x40000009u
#define ALG_SHA256		0x000b
#define ALG_AES			0x0006
#define ALG_CFB			0x0043
#define ALG_NULL		0x0010
#define ALG_ECC			0x0023
#define ECC_NIST_P256		0x0003
/* ownerwrite|authwrite|ownerread|authread|no_da; not orderly */
#define NV_ATTRS		0x02060006u
/* fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|decrypt */
#define PRIMARY_ATTRS		0x00030072u

static void
hdr(struct wr *w, uint16_t tag, uint32_t cc)
{
	wr_be16(w, tag);
	wr_be32(w, 0);		/* patched by finish() */
	wr_be32(w, cc);
}

static size_t
finish(struct wr *w)
{
	if (!wr_ok(w) || w->len < 10)
		return 0;
	be32_put(w->p + 2, (uint32_t)w->len);
	return w->len;
}

/* Empty password session: handle, nonce, attributes, hmac. */
static void
pw_auth(struct wr *w)
{
	wr_be32(w, 9);
	wr_be32(w, RS_PW);
	wr_be16(w, 0);
	wr_u8(w, 0);
	wr_be16(w, 0);
}

static void
fill_bytes(struct wr *w, uint8_t v, size_t n)
{
	uint8_t	*p;

	if ((p = wr_reserve(w, n)) != NULL)
		memset(p, v, n);
}

size_t
tc_startup(uint8_t *buf, size_t cap, uint16_t type)
{
	struct wr	w;

	wr_init(&w, buf, cap);
	hdr(&w, ST_NO_SESSIONS, CC_STARTUP);
	wr_be16(&w, type);
	return finish(&w);
}

size_t
tc_getrandom(uint8_t *buf, size_t cap, uint16_t n)
{
	struct wr	w;

	wr_init(&w, buf, cap);
	hdr(&w, ST_NO_SESSIONS, CC_GETRANDOM);
	wr_be16(&w, n);
	return finish(&w);
}

size_t
tc_pcr_extend(uint8_t *buf, size_t cap, uint32_t pcr, uint8_t fill)
{
	struct wr	w;

	wr_init(&w, buf, cap);
	hdr(&w, ST_SESSIONS, CC_PCR_EXTEND);
	wr_be32(&w, pcr);
	pw_auth(&w);
	wr_be32(&w, 1);			/* TPML_DIGEST_VALUES count */
	wr_be16(&w, ALG_SHA256);
	fill_bytes(&w, fill, 32);
	return finish(&w);
}

size_t
tc_hash(uint8_t *buf, size_t cap, size_t datalen)
{
	struct wr	w;

	wr_init(&w, buf, cap);
	if (datalen > UINT16_MAX)
		return 0;
	hdr(&w, ST_NO_SESSIONS, CC_HASH);
	wr_be16(&w, (uint16_t)datalen);
	fill_bytes(&w, 0x5a, datalen);
	wr_be16(&w, ALG_SHA256);
	wr_be32(&w, RH_OWNER);
	return finish(&w);
}

size_t
tc_nv_define(uint8_t *buf, size_t cap, uint32_t index, uint16_t size)
{
	struct wr	w;

	wr_init(&w, buf, cap);
	hdr(&w, ST_SESSIONS, CC_NV_DEFINE);
	wr_be32(&w, RH_OWNER);
	pw_auth(&w);
	wr_be16(&w, 0);			/* TPM2B_AUTH */
	wr_be16(&w, 14);		/* TPM2B_NV_PUBLIC size */
	wr_be32(&w, index);
	wr_be16(&w, ALG_SHA256);
	wr_be32(&w, NV_ATTRS);
	wr_be16(&w, 0);			/* authPolicy */
	wr_be16(&w, size);
	return finish(&w);
}

size_t
tc_nv_write(uint8_t *buf, size_t cap, uint32_t index, uint8_t fill,
    uint16_t size)
{
	struct wr	w;

	wr_init(&w, buf, cap);
	hdr(&w, ST_SESSIONS, CC_NV_WRITE);
	wr_be32(&w, RH_OWNER);
	wr_be32(&w, index);
	pw_auth(&w);
	wr_be16(&w, size);
	fill_bytes(&w, fill, size);
	wr_be16(&w, 0);			/* offset */
	return finish(&w);
}

size_t
tc_create_primary_ecc(uint8_t *buf, size_t cap)
{
	struct wr	w;

	wr_init(&w, buf, cap);
	hdr(&w, ST_SESSIONS, CC_CREATE_PRIMARY);
	wr_be32(&w, RH_OWNER);
	pw_auth(&w);
	wr_be16(&w, 4);			/* TPM2B_SENSITIVE_CREATE */
	wr_be16(&w, 0);			/* userAuth */
	wr_be16(&w, 0);			/* data */
	wr_be16(&w, 26);		/* TPM2B_PUBLIC size */
	wr_be16(&w, ALG_ECC);
	wr_be16(&w, ALG_SHA256);
	wr_be32(&w, PRIMARY_ATTRS);
	wr_be16(&w, 0);			/* authPolicy */
	wr_be16(&w, ALG_AES);
	wr_be16(&w, 128);
	wr_be16(&w, ALG_CFB);
	wr_be16(&w, ALG_NULL);		/* scheme */
	wr_be16(&w, ECC_NIST_P256);
	wr_be16(&w, ALG_NULL);		/* kdf */
	wr_be16(&w, 0);			/* unique.x */
	wr_be16(&w, 0);			/* unique.y */
	wr_be16(&w, 0);			/* outsideInfo */
	wr_be32(&w, 0);			/* creationPCR count */
	return finish(&w);
}

size_t
tc_flush(uint8_t *buf, size_t cap, uint32_t handle)
{
	struct wr	w;

	wr_init(&w, buf, cap);
	hdr(&w, ST_NO_SESSIONS, CC_FLUSH);
	wr_be32(&w, handle);
	return finish(&w);
}

uint32_t
tc_rc(const uint8_t *rsp, size_t len)
{
	struct rd	r;
	uint32_t	size, rc;

	rd_init(&r, rsp, len);
	(void)rd_be16(&r);
	size = rd_be32(&r);
	rc = rd_be32(&r);
	if (r.bad || size != len)
		return TC_RC_BAD;
	return rc;
}

uint32_t
tc_out_handle(const uint8_t *rsp, size_t len)
{
	struct rd	r;
	uint32_t	h;

	rd_init(&r, rsp, len);
	rd_skip(&r, 10);
	h = rd_be32(&r);
	return r.bad ? 0 : h;
}

uint32_t
tc_ordinal(const uint8_t *cmd, size_t len)
{
	struct rd	r;
	uint32_t	cc;

	rd_init(&r, cmd, len);
	rd_skip(&r, 6);
	cc = rd_be32(&r);
	return r.bad ? 0 : cc;
}
