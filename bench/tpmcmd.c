/*
 * The benchmark's workload commands (tpmcmd.h) on the TPM wire module.
 */
#include "config.h"

#include <string.h>

#include "bytes.h"
#include "tpm2.h"
#include "tpmcmd.h"

/* ownerwrite|authwrite|ownerread|authread|no_da; not orderly */
#define NV_ATTRS	(TPMA_NV_OWNERWRITE | TPMA_NV_AUTHWRITE | \
	TPMA_NV_OWNERREAD | TPMA_NV_AUTHREAD | TPMA_NV_NO_DA)
/* a storage key: restricted decrypt, userWithAuth */
#define PRIMARY_ATTRS	(TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | \
	TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH | \
	TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT)

static size_t
done(const struct wr *w, bool ok)
{
	return ok ? w->len : 0;
}

size_t
tc_startup(uint8_t *buf, size_t cap, uint16_t type)
{
	struct wr	w;

	wr_init(&w, buf, cap);
	return done(&w, tpm2_build_startup(&w, type));
}

size_t
tc_getrandom(uint8_t *buf, size_t cap, uint16_t n)
{
	struct wr	w;

	wr_init(&w, buf, cap);
	return done(&w, tpm2_build_get_random(&w, n));
}

size_t
tc_pcr_extend(uint8_t *buf, size_t cap, uint32_t pcr, uint8_t fill)
{
	uint8_t		digest[32];
	struct wr	w;

	memset(digest, fill, sizeof(digest));
	wr_init(&w, buf, cap);
	return done(&w, tpm2_build_pcr_extend(&w, pcr, TPM2_ALG_SHA256,
	    digest, sizeof(digest)));
}

size_t
tc_hash(uint8_t *buf, size_t cap, size_t datalen)
{
	static uint8_t	data[TC_MAX_CMD];
	struct wr	w;

	if (datalen > sizeof(data))
		return 0;
	memset(data, 0x5a, datalen);
	wr_init(&w, buf, cap);
	return done(&w, tpm2_build_hash(&w, data, datalen, TPM2_ALG_SHA256,
	    TPM2_RH_OWNER));
}

size_t
tc_nv_define(uint8_t *buf, size_t cap, uint32_t index, uint16_t size)
{
	struct tpm2_nv_public nv = { index, TPM2_ALG_SHA256, NV_ATTRS, NULL,
	    0, size };
	struct wr	w;

	wr_init(&w, buf, cap);
	return done(&w, tpm2_build_nv_define_space(&w, TPM2_RH_OWNER, &nv));
}

size_t
tc_nv_write(uint8_t *buf, size_t cap, uint32_t index, uint8_t fill,
    uint16_t size)
{
	uint8_t		data[TPM2_NV_WRITE_MAX];
	struct wr	w;

	if (size > sizeof(data))
		return 0;
	memset(data, fill, size);
	wr_init(&w, buf, cap);
	return done(&w, tpm2_build_nv_write(&w, TPM2_RH_OWNER, index, data,
	    size, 0));
}

/* An ECC P-256 storage key, as cheap a primary key as there is. */
size_t
tc_create_primary_ecc(uint8_t *buf, size_t cap)
{
	struct tpm2_public t;
	struct wr	w;

	memset(&t, 0, sizeof(t));
	t.type = TPM2_ALG_ECC;
	t.name_alg = TPM2_ALG_SHA256;
	t.attrs = PRIMARY_ATTRS;
	t.sym_alg = TPM2_ALG_AES;
	t.sym_bits = 128;
	t.sym_mode = TPM2_ALG_CFB;
	t.scheme = TPM2_ALG_NULL;
	t.curve = TPM2_ECC_NIST_P256;
	t.kdf = TPM2_ALG_NULL;
	wr_init(&w, buf, cap);
	return done(&w, tpm2_build_create_primary(&w, TPM2_RH_OWNER, &t));
}

size_t
tc_flush(uint8_t *buf, size_t cap, uint32_t handle)
{
	struct wr	w;

	wr_init(&w, buf, cap);
	return done(&w, tpm2_build_flush_context(&w, handle));
}

uint32_t
tc_out_handle(const uint8_t *rsp, size_t len)
{
	struct tpm2_object o;

	return tpm2_parse_create_primary(rsp, len, &o) == 0 ? o.handle : 0;
}
