/*
 * TPM 2 structures with a shape of their own (tpm2.h): TPMT_PUBLIC of
 * RSA and ECC keys, the key templates and slots of provisioning.md
 * §1.8-§1.9, TPML_PCR_SELECTION and the PCR_Allocate selection rule,
 * the names of hash algorithms.
 */
#include "config.h"

#include <string.h>

#include "tpm2.h"

/* --- TPMT_PUBLIC ---------------------------------------------------- */

static void
put_2b_or_zeros(struct wr *w, const uint8_t *p, uint16_t n)
{
	uint8_t *z;

	wr_be16(w, n);
	if (p != NULL) {
		wr_bytes(w, p, n);
	} else if (n > 0 && (z = wr_reserve(w, n)) != NULL) {
		memset(z, 0, n);
	}
}

/* TPMT_SYM_DEF_OBJECT, TPMT_*_SCHEME (and for ECC TPMT_KDF_SCHEME) */
static void
put_params(struct wr *w, const struct tpm2_public *t)
{
	wr_be16(w, t->sym_alg);
	if (t->sym_alg != TPM2_ALG_NULL) {
		wr_be16(w, t->sym_bits);
		wr_be16(w, t->sym_mode);
	}
	wr_be16(w, t->scheme);
	if (t->scheme != TPM2_ALG_NULL && t->scheme != TPM2_ALG_RSAES) {
		wr_be16(w, t->scheme_hash);
		if (t->scheme == TPM2_ALG_ECDAA)
			wr_be16(w, t->scheme_count);
	}
	if (t->type == TPM2_ALG_RSA) {
		wr_be16(w, t->rsa_bits);
		wr_be32(w, t->rsa_exponent);
		return;
	}
	wr_be16(w, t->curve);
	wr_be16(w, t->kdf);
	if (t->kdf != TPM2_ALG_NULL)
		wr_be16(w, t->kdf_hash);
}

void
tpm2_put_public(struct wr *w, const struct tpm2_public *t)
{
	if (t->type != TPM2_ALG_RSA && t->type != TPM2_ALG_ECC) {
		w->overflow = true;
		return;
	}
	wr_be16(w, t->type);
	wr_be16(w, t->name_alg);
	wr_be32(w, t->attrs);
	put_2b_or_zeros(w, t->policy, t->policy_len);
	put_params(w, t);
	put_2b_or_zeros(w, t->unique_x, t->unique_x_len);
	if (t->type == TPM2_ALG_ECC)
		put_2b_or_zeros(w, t->unique_y, t->unique_y_len);
}

void
tpm2_put_public2b(struct wr *w, const struct tpm2_public *t)
{
	size_t at = w->len;

	wr_be16(w, 0);
	tpm2_put_public(w, t);
	if (wr_ok(w) && w->len - at - 2 <= UINT16_MAX)
		be16_put(w->p + at, (uint16_t)(w->len - at - 2));
	else
		w->overflow = true;
}

static const uint8_t *
get_2b16(struct rd *r, uint16_t *n)
{
	const uint8_t *p;

	*n = rd_be16(r);
	p = rd_view(r, *n);
	if (p == NULL)
		*n = 0;
	return p;
}

/* The scheme details TPMU_ASYM_SCHEME carries for an algorithm. */
static bool
get_scheme(struct rd *r, struct tpm2_public *o)
{
	o->scheme = rd_be16(r);
	switch (o->scheme) {
	case TPM2_ALG_NULL:
	case TPM2_ALG_RSAES:
		return true;
	case TPM2_ALG_ECDAA:
		o->scheme_hash = rd_be16(r);
		o->scheme_count = rd_be16(r);
		return true;
	case TPM2_ALG_RSASSA: case TPM2_ALG_RSAPSS: case TPM2_ALG_OAEP:
	case TPM2_ALG_ECDSA: case TPM2_ALG_ECDH: case TPM2_ALG_SM2:
	case TPM2_ALG_ECSCHNORR: case TPM2_ALG_ECMQV:
		o->scheme_hash = rd_be16(r);
		return true;
	default:
		return false;
	}
}

bool
tpm2_get_public(struct rd *r, struct tpm2_public *out)
{
	struct tpm2_public o;

	memset(&o, 0, sizeof(o));
	o.type = rd_be16(r);
	o.name_alg = rd_be16(r);
	o.attrs = rd_be32(r);
	o.policy = get_2b16(r, &o.policy_len);
	if (o.type != TPM2_ALG_RSA && o.type != TPM2_ALG_ECC)
		goto bad;
	o.sym_alg = rd_be16(r);
	if (o.sym_alg != TPM2_ALG_NULL) {
		o.sym_bits = rd_be16(r);
		o.sym_mode = rd_be16(r);
	}
	if (!get_scheme(r, &o))
		goto bad;
	if (o.type == TPM2_ALG_RSA) {
		o.rsa_bits = rd_be16(r);
		o.rsa_exponent = rd_be32(r);
		o.unique_x = get_2b16(r, &o.unique_x_len);
	} else {
		o.curve = rd_be16(r);
		o.kdf = rd_be16(r);
		if (o.kdf != TPM2_ALG_NULL)
			o.kdf_hash = rd_be16(r);
		o.unique_x = get_2b16(r, &o.unique_x_len);
		o.unique_y = get_2b16(r, &o.unique_y_len);
	}
	if (r->bad)
		return false;
	*out = o;
	return true;
bad:
	r->bad = true;
	return false;
}

/* --- templates (provisioning.md §1.8) -------------------------------- */

/* TCG EK Credential Profile: PolicyA (SHA-256), PolicyB (SHA-384/512) */
static const uint8_t policy_a[32] = {
	0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc,
	0x8d, 0x46, 0xa5, 0xd7, 0x24, 0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52,
	0x0b, 0x64, 0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa,
};
static const uint8_t policy_b384[48] = {
	0xb2, 0x6e, 0x7d, 0x28, 0xd1, 0x1a, 0x50, 0xbc, 0x53, 0xd8, 0x82,
	0xbc, 0xf5, 0xfd, 0x3a, 0x1a, 0x07, 0x41, 0x48, 0xbb, 0x35, 0xd3,
	0xb4, 0xe4, 0xcb, 0x1c, 0x0a, 0xd9, 0xbd, 0xe4, 0x19, 0xca, 0xcb,
	0x47, 0xba, 0x09, 0x69, 0x96, 0x46, 0x15, 0x0f, 0x9f, 0xc0, 0x00,
	0xf3, 0xf8, 0x0e, 0x12,
};
static const uint8_t policy_b512[64] = {
	0xb8, 0x22, 0x1c, 0xa6, 0x9e, 0x85, 0x50, 0xa4, 0x91, 0x4d, 0xe3,
	0xfa, 0xa6, 0xa1, 0x8c, 0x07, 0x2c, 0xc0, 0x12, 0x08, 0x07, 0x3a,
	0x92, 0x8d, 0x5d, 0x66, 0xd5, 0x9e, 0xf7, 0x9e, 0x49, 0xa4, 0x29,
	0xc4, 0x1a, 0x6b, 0x26, 0x95, 0x71, 0xd5, 0x7e, 0xdb, 0x25, 0xfb,
	0xdb, 0x18, 0x38, 0x42, 0x56, 0x08, 0xb4, 0x13, 0xcd, 0x61, 0x6a,
	0x5f, 0x6d, 0xb5, 0xb6, 0x07, 0x1a, 0xf9, 0x9b, 0xea,
};

#define EK_ATTRS	(TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | \
	TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_ADMINWITHPOLICY | \
	TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT)
/* the high-range (H) templates: userWithAuth too */
#define EK_H_ATTRS	(EK_ATTRS | TPMA_OBJECT_USERWITHAUTH)
#define SRK_ATTRS	(TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | \
	TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH | \
	TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT)

/* One row of the table: what differs between the templates. */
struct tmpl_row {
	enum tpm2_key	 key;
	uint16_t	 type, name_alg;
	uint32_t	 attrs;
	const uint8_t	*policy;
	uint16_t	 policy_len;
	uint16_t	 sym_bits;	/* AES-CFB key bits */
	uint16_t	 bits_or_curve;	/* RSA key bits, ECC curve */
	uint16_t	 unique_len;	/* zero bytes (ECC: per coordinate) */
	struct tpm2_key_slot slot;
};

#define EKH	TPM2_RH_ENDORSEMENT
#define OWN	TPM2_RH_OWNER
static const struct tmpl_row tmpl_rows[] = {
	{ TPM2_KEY_EK_RSA2048, TPM2_ALG_RSA, TPM2_ALG_SHA256, EK_ATTRS,
	    policy_a, sizeof(policy_a), 128, 2048, 256,
	    { TPM2_EK_RSA2048_HANDLE, TPM2_NV_EK_RSA2048_CERT,
	    TPM2_NV_EK_RSA2048_TEMPLATE, EKH } },
	{ TPM2_KEY_EK_RSA3072, TPM2_ALG_RSA, TPM2_ALG_SHA384, EK_H_ATTRS,
	    policy_b384, sizeof(policy_b384), 256, 3072, 0,
	    { TPM2_EK_RSA3072_HANDLE, TPM2_NV_EK_RSA3072_CERT,
	    TPM2_NV_EK_RSA3072_TEMPLATE, EKH } },
	{ TPM2_KEY_EK_RSA4096, TPM2_ALG_RSA, TPM2_ALG_SHA384, EK_H_ATTRS,
	    policy_b384, sizeof(policy_b384), 256, 4096, 0,
	    { TPM2_EK_RSA4096_HANDLE, TPM2_NV_EK_RSA4096_CERT,
	    TPM2_NV_EK_RSA4096_TEMPLATE, EKH } },
	{ TPM2_KEY_EK_ECC256, TPM2_ALG_ECC, TPM2_ALG_SHA256, EK_ATTRS,
	    policy_a, sizeof(policy_a), 128, TPM2_ECC_NIST_P256, 32,
	    { TPM2_EK_ECC256_HANDLE, TPM2_NV_EK_ECC256_CERT,
	    TPM2_NV_EK_ECC256_TEMPLATE, EKH } },
	{ TPM2_KEY_EK_ECC384, TPM2_ALG_ECC, TPM2_ALG_SHA384, EK_H_ATTRS,
	    policy_b384, sizeof(policy_b384), 256, TPM2_ECC_NIST_P384, 0,
	    { TPM2_EK_ECC384_HANDLE, TPM2_NV_EK_ECC384_CERT,
	    TPM2_NV_EK_ECC384_TEMPLATE, EKH } },
	{ TPM2_KEY_EK_ECC521, TPM2_ALG_ECC, TPM2_ALG_SHA512, EK_H_ATTRS,
	    policy_b512, sizeof(policy_b512), 256, TPM2_ECC_NIST_P521, 0,
	    { TPM2_EK_ECC521_HANDLE, TPM2_NV_EK_ECC521_CERT,
	    TPM2_NV_EK_ECC521_TEMPLATE, EKH } },
	{ TPM2_KEY_SRK_RSA2048, TPM2_ALG_RSA, TPM2_ALG_SHA256, SRK_ATTRS,
	    NULL, 0, 128, 2048, 256, { TPM2_SRK_HANDLE, 0, 0, OWN } },
	{ TPM2_KEY_SRK_RSA3072, TPM2_ALG_RSA, TPM2_ALG_SHA384, SRK_ATTRS,
	    NULL, 0, 256, 3072, 384, { TPM2_SRK_HANDLE, 0, 0, OWN } },
	{ TPM2_KEY_SRK_ECC384, TPM2_ALG_ECC, TPM2_ALG_SHA384, SRK_ATTRS,
	    NULL, 0, 256, TPM2_ECC_NIST_P384, 48,
	    { TPM2_SRK_HANDLE, 0, 0, OWN } },
};
#undef EKH
#undef OWN

static const struct tmpl_row *
tmpl_row(enum tpm2_key key)
{
	size_t i;

	for (i = 0; i < sizeof(tmpl_rows) / sizeof(tmpl_rows[0]); i++)
		if (tmpl_rows[i].key == key)
			return &tmpl_rows[i];
	return NULL;
}

bool
tpm2_template(enum tpm2_key key, unsigned flags, struct tpm2_public *t)
{
	const struct tmpl_row *row = tmpl_row(key);

	if (row == NULL || (flags & ~(TPM2_TMPL_SIGN | TPM2_TMPL_DECRYPT)) ||
	    (flags != 0 && row->slot.hierarchy != TPM2_RH_ENDORSEMENT))
		return false;
	memset(t, 0, sizeof(*t));
	t->type = row->type;
	t->name_alg = row->name_alg;
	t->attrs = row->attrs;
	t->policy = row->policy;
	t->policy_len = row->policy_len;
	t->sym_alg = TPM2_ALG_AES;
	t->sym_bits = row->sym_bits;
	t->sym_mode = TPM2_ALG_CFB;
	t->scheme = TPM2_ALG_NULL;
	t->unique_x_len = row->unique_len;
	if (row->type == TPM2_ALG_RSA) {
		t->rsa_bits = row->bits_or_curve;
	} else {
		t->curve = row->bits_or_curve;
		t->kdf = TPM2_ALG_NULL;
		t->unique_y_len = row->unique_len;
	}
	if (flags & TPM2_TMPL_SIGN) {
		t->attrs &= ~(TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT);
		t->attrs |= TPMA_OBJECT_SIGN_ENCRYPT;
		if (flags & TPM2_TMPL_DECRYPT)
			t->attrs |= TPMA_OBJECT_DECRYPT;
		t->sym_alg = TPM2_ALG_NULL;
		t->sym_bits = t->sym_mode = 0;
	}
	return true;
}

bool
tpm2_key_slot(enum tpm2_key key, struct tpm2_key_slot *out)
{
	const struct tmpl_row *row = tmpl_row(key);

	if (row == NULL)
		return false;
	*out = row->slot;
	return true;
}

/* --- PCR selections -------------------------------------------------- */

bool
tpm2_get_pcr_sel(struct rd *r, struct tpm2_pcr_sel *out)
{
	struct tpm2_pcr_sel s;
	const uint8_t *p;
	uint32_t i, n;

	memset(&s, 0, sizeof(s));
	n = rd_be32(r);
	if (n > TPM2_MAX_BANKS) {
		r->bad = true;
		return false;
	}
	for (i = 0; i < n && !r->bad; i++) {
		s.bank[i].alg = rd_be16(r);
		s.bank[i].size = rd_u8(r);
		if (s.bank[i].size > TPM2_PCR_SELECT_MAX) {
			r->bad = true;
			break;
		}
		p = rd_view(r, s.bank[i].size);
		if (p != NULL && s.bank[i].size > 0)
			memcpy(s.bank[i].select, p, s.bank[i].size);
	}
	if (r->bad)
		return false;
	s.n = n;
	*out = s;
	return true;
}

void
tpm2_put_pcr_sel(struct wr *w, const struct tpm2_pcr_sel *s)
{
	unsigned i;

	if (s->n > TPM2_MAX_BANKS) {
		w->overflow = true;
		return;
	}
	wr_be32(w, s->n);
	for (i = 0; i < s->n; i++) {
		if (s->bank[i].size > TPM2_PCR_SELECT_MAX) {
			w->overflow = true;
			return;
		}
		wr_be16(w, s->bank[i].alg);
		wr_u8(w, s->bank[i].size);
		wr_bytes(w, s->bank[i].select, s->bank[i].size);
	}
}

static bool
has_bank(const struct tpm2_pcr_sel *s, uint16_t alg)
{
	unsigned i;

	for (i = 0; i < s->n; i++)
		if (s->bank[i].alg == alg)
			return true;
	return false;
}

static void
add_bank(struct tpm2_pcr_sel *s, uint16_t alg, uint8_t fill)
{
	struct tpm2_pcr_bank *b = &s->bank[s->n++];

	memset(b, 0, sizeof(*b));
	b->alg = alg;
	b->size = TPM2_PCR_SELECT_SIZE;
	memset(b->select, fill, TPM2_PCR_SELECT_SIZE);
}

unsigned
tpm2_pcr_allocation(const struct tpm2_pcr_sel *have, const uint16_t *want,
    size_t nwant, struct tpm2_pcr_sel *out)
{
	unsigned i, taken;

	memset(out, 0, sizeof(*out));
	if (have->n > TPM2_MAX_BANKS)
		return 0;
	for (i = 0; i < nwant; i++)
		if (has_bank(have, want[i]) && !has_bank(out, want[i]))
			add_bank(out, want[i], 0xff);
	taken = out->n;
	for (i = 0; i < have->n; i++)
		if (!has_bank(out, have->bank[i].alg))
			add_bank(out, have->bank[i].alg, 0x00);
	return taken;
}

/* --- algorithm names ------------------------------------------------- */

static const struct {
	uint16_t	 alg;
	const char	*name;
} alg_names[] = {
	{ TPM2_ALG_SHA1, "sha1" },
	{ TPM2_ALG_SHA256, "sha256" },
	{ TPM2_ALG_SHA384, "sha384" },
	{ TPM2_ALG_SHA512, "sha512" },
	{ TPM2_ALG_SM3_256, "sm3-256" },
	{ TPM2_ALG_SHA3_256, "sha3-256" },
	{ TPM2_ALG_SHA3_384, "sha3-384" },
	{ TPM2_ALG_SHA3_512, "sha3-512" },
};

const char *
tpm2_alg_name(uint16_t alg)
{
	size_t i;

	for (i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++)
		if (alg_names[i].alg == alg)
			return alg_names[i].name;
	return NULL;
}

bool
tpm2_alg_by_name(const char *name, uint16_t *alg)
{
	size_t i;

	for (i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++)
		if (strcmp(alg_names[i].name, name) == 0) {
			*alg = alg_names[i].alg;
			return true;
		}
	return false;
}
