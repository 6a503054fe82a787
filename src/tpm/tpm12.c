/*
 * TPM 1.2 command builders and response parsers (tpm12.h).
 */
#include "config.h"

#include <string.h>

#include "tpm12.h"

/* COMPAT: provisioning.md §1.11: the reference's antiReplay nonce */
static const uint8_t ek_anti_replay[TPM12_NONCE_LEN] = {
	0x38, 0xf0, 0x30, 0x81, 0x07, 0x2b, 0x0c, 0xa9, 0x10, 0x98,
	0x08, 0xc0, 0x4b, 0x05, 0x11, 0xc9, 0x50, 0x23, 0x52, 0xc4,
};

static void
zeros(struct wr *w, size_t n)
{
	uint8_t *p = wr_reserve(w, n);

	if (p != NULL)
		memset(p, 0, n);
}

static size_t
begin(struct wr *w, uint32_t ord)
{
	return tpm_cmd_begin(w, TPM_TAG_RQU_COMMAND, ord);
}

bool
tpm12_build_startup(struct wr *w, uint16_t type)
{
	size_t at = begin(w, TPM_ORD_STARTUP);

	wr_be16(w, type);
	return tpm_cmd_end(w, at);
}

bool
tpm12_build_physical_presence(struct wr *w, uint16_t pp)
{
	size_t at = begin(w, TSC_ORD_PHYSICAL_PRESENCE);

	wr_be16(w, pp);
	return tpm_cmd_end(w, at);
}

bool
tpm12_build_physical_enable(struct wr *w)
{
	return tpm_cmd_end(w, begin(w, TPM_ORD_PHYSICAL_ENABLE));
}

bool
tpm12_build_set_deactivated(struct wr *w, bool state)
{
	size_t at = begin(w, TPM_ORD_PHYSICAL_SET_DEACTIVATED);

	wr_u8(w, state ? 1 : 0);
	return tpm_cmd_end(w, at);
}

bool
tpm12_build_continue_self_test(struct wr *w)
{
	return tpm_cmd_end(w, begin(w, TPM_ORD_CONTINUE_SELFTEST));
}

bool
tpm12_build_get_capability(struct wr *w, uint32_t cap, uint32_t subcap)
{
	size_t at = begin(w, TPM_ORD_GET_CAPABILITY);

	wr_be32(w, cap);
	wr_be32(w, 4);			/* subCapSize */
	wr_be32(w, subcap);
	return tpm_cmd_end(w, at);
}

/* TPM_KEY_PARMS of an RSA-2048 key with two primes, exponent 65537. */
static void
put_rsa2048_parms(struct wr *w, uint16_t sig_scheme)
{
	wr_be32(w, TPM_ALG_RSA);
	wr_be16(w, TPM_ES_RSAESOAEP_SHA1_MGF1);
	wr_be16(w, sig_scheme);
	wr_be32(w, 12);			/* parmSize: TPM_RSA_KEY_PARMS */
	wr_be32(w, 2048);		/* keyLength */
	wr_be32(w, 2);			/* numPrimes */
	wr_be32(w, 0);			/* exponentSize: the default */
}

bool
tpm12_build_create_ek_pair(struct wr *w)
{
	size_t at = begin(w, TPM_ORD_CREATE_EK_PAIR);

	wr_bytes(w, ek_anti_replay, sizeof(ek_anti_replay));
	/* COMPAT: provisioning.md §1.11: sigScheme 0002 as captured */
	put_rsa2048_parms(w, TPM_SS_RSASSAPKCS1V15_SHA1);
	return tpm_cmd_end(w, at);
}

bool
tpm12_build_oiap(struct wr *w)
{
	return tpm_cmd_end(w, begin(w, TPM_ORD_OIAP));
}

/* TPM_PCR_INFO_SHORT: no PCR selected, released at every locality. */
static void
put_pcr_info_short(struct wr *w)
{
	wr_be16(w, 3);			/* sizeOfSelect */
	zeros(w, 3);
	wr_u8(w, TPM_LOC_ALL);
	zeros(w, TPM12_NONCE_LEN);	/* digestAtRelease */
}

bool
tpm12_build_nv_define_space(struct wr *w, uint32_t index, uint32_t attrs,
    uint32_t size)
{
	size_t at = begin(w, TPM_ORD_NV_DEFINE_SPACE);

	wr_be16(w, TPM_TAG_NV_DATA_PUBLIC);
	wr_be32(w, index);
	put_pcr_info_short(w);		/* pcrInfoRead */
	put_pcr_info_short(w);		/* pcrInfoWrite */
	wr_be16(w, TPM_TAG_NV_ATTRIBUTES);
	wr_be32(w, attrs);
	wr_u8(w, 0);			/* bReadSTClear */
	wr_u8(w, 0);			/* bWriteSTClear */
	wr_u8(w, 0);			/* bWriteDefine */
	wr_be32(w, size);
	zeros(w, TPM12_NONCE_LEN);	/* encAuth */
	return tpm_cmd_end(w, at);
}

bool
tpm12_build_nv_write_value(struct wr *w, uint32_t index, uint32_t offset,
    const void *data, size_t n)
{
	size_t at = begin(w, TPM_ORD_NV_WRITE_VALUE);

	if (n > UINT32_MAX)
		w->overflow = true;
	wr_be32(w, index);
	wr_be32(w, offset);
	wr_be32(w, (uint32_t)n);
	if (n > 0)
		wr_bytes(w, data, n);
	return tpm_cmd_end(w, at);
}

void
tpm12_put_srk_params(struct wr *w)
{
	wr_be16(w, TPM_TAG_KEY12);
	wr_be16(w, 0);			/* fill */
	wr_be16(w, TPM_KEY_STORAGE);
	wr_be32(w, 0);			/* keyFlags */
	wr_u8(w, TPM_AUTH_ALWAYS);
	put_rsa2048_parms(w, TPM_SS_NONE);
	wr_be32(w, 0);			/* PCRInfoSize */
	wr_be32(w, 0);			/* pubKey: no key yet */
	wr_be32(w, 0);			/* encDataSize */
}

bool
tpm12_build_take_ownership(struct wr *w, const uint8_t *enc_owner,
    const uint8_t *enc_srk, size_t enclen, uint32_t auth_handle,
    const uint8_t nonce_odd[TPM12_NONCE_LEN], size_t *params_end)
{
	size_t at = tpm_cmd_begin(w, TPM_TAG_RQU_AUTH1_COMMAND,
	    TPM_ORD_TAKE_OWNERSHIP);

	if (enclen > UINT32_MAX)
		w->overflow = true;
	wr_be16(w, TPM_PID_OWNER);
	wr_be32(w, (uint32_t)enclen);
	wr_bytes(w, enc_owner, enclen);
	wr_be32(w, (uint32_t)enclen);
	wr_bytes(w, enc_srk, enclen);
	tpm12_put_srk_params(w);
	*params_end = w->len - at;
	wr_be32(w, auth_handle);
	wr_bytes(w, nonce_odd, TPM12_NONCE_LEN);
	wr_u8(w, 0);			/* continueAuthSession */
	zeros(w, TPM12_NONCE_LEN);	/* ownerAuth: tpm12_owner_hmac */
	return tpm_cmd_end(w, at);
}

/* --- responses ------------------------------------------------------ */

static uint32_t
rsp_begin(const void *p, size_t len, struct rd *body)
{
	struct tpm_rsp rsp;

	if (!tpm_rsp_split(p, len, &rsp) ||
	    (rsp.tag != TPM_TAG_RSP_COMMAND &&
	    rsp.tag != TPM_TAG_RSP_AUTH1_COMMAND))
		return TPM_RSP_MALFORMED;
	*body = rsp.body;
	return rsp.rc;
}

uint32_t
tpm12_parse_rc(const void *rsp, size_t len)
{
	struct rd r;

	return rsp_begin(rsp, len, &r);
}

uint32_t
tpm12_parse_create_ek_pair(const void *rsp, size_t len,
    struct tpm12_pubkey *out)
{
	struct tpm12_pubkey k;
	struct rd r, parms;
	const uint8_t *p;
	uint32_t rc, n;

	if ((rc = rsp_begin(rsp, len, &r)) != 0)
		return rc;
	/* TPM_PUBKEY: TPM_KEY_PARMS, then TPM_STORE_PUBKEY */
	if (rd_be32(&r) != TPM_ALG_RSA)
		return TPM_RSP_MALFORMED;
	(void)rd_be16(&r);		/* encScheme */
	(void)rd_be16(&r);		/* sigScheme */
	n = rd_be32(&r);
	p = rd_view(&r, n);
	rd_init(&parms, p, r.bad ? 0 : n);
	(void)rd_be32(&parms);		/* keyLength */
	(void)rd_be32(&parms);		/* numPrimes */
	n = rd_be32(&parms);
	k.exponent = rd_view(&parms, n);
	k.exponent_len = parms.bad ? 0 : n;
	n = rd_be32(&r);
	k.modulus = rd_view(&r, n);
	k.modulus_len = r.bad ? 0 : n;
	(void)rd_view(&r, TPM12_NONCE_LEN);	/* checksum */
	if (!rd_done(&parms) || !rd_done(&r))
		return TPM_RSP_MALFORMED;
	*out = k;
	return 0;
}

uint32_t
tpm12_parse_oiap(const void *rsp, size_t len, uint32_t *handle,
    const uint8_t **nonce_even)
{
	const uint8_t *nonce;
	struct rd r;
	uint32_t rc, h;

	if ((rc = rsp_begin(rsp, len, &r)) != 0)
		return rc;
	h = rd_be32(&r);
	nonce = rd_view(&r, TPM12_NONCE_LEN);
	if (!rd_done(&r))
		return TPM_RSP_MALFORMED;
	*handle = h;
	*nonce_even = nonce;
	return 0;
}

uint32_t
tpm12_parse_get_capability(const void *rsp, size_t len,
    const uint8_t **data, size_t *n)
{
	const uint8_t *p;
	struct rd r;
	uint32_t rc, size;

	if ((rc = rsp_begin(rsp, len, &r)) != 0)
		return rc;
	size = rd_be32(&r);
	p = rd_view(&r, size);
	if (!rd_done(&r))
		return TPM_RSP_MALFORMED;
	*data = p;
	*n = size;
	return 0;
}

bool
tpm12_get_perm_flags(const uint8_t *data, size_t n,
    struct tpm12_perm_flags *out)
{
	struct tpm12_perm_flags f;
	struct rd r;

	rd_init(&r, data, n);
	(void)rd_be16(&r);		/* TPM_TAG_PERMANENT_FLAGS */
	f.disable = rd_u8(&r) != 0;
	f.ownership = rd_u8(&r) != 0;
	f.deactivated = rd_u8(&r) != 0;
	if (r.bad)
		return false;
	*out = f;
	return true;
}
