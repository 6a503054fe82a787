/*
 * The TCG extension values of EK and platform certificates
 * (provisioning.md §3.2), built with the DER writer: subject alternative
 * names with the TPM or platform attributes (and the TPM 1.2 platform
 * form that holds two Names), subject directory attributes with the
 * TPM specification, key usage, extended key usage, basic constraints
 * and the authority key identifier.
 */
#include "config.h"

#include <string.h>

#include "internal.h"

/* OID contents (without tag and length) under 2.23.133 (67 81 05) */
static const uint8_t oid_tpm_manufacturer[] = { 0x67, 0x81, 0x05, 0x02, 0x01 };
static const uint8_t oid_tpm_model[] = { 0x67, 0x81, 0x05, 0x02, 0x02 };
static const uint8_t oid_tpm_version[] = { 0x67, 0x81, 0x05, 0x02, 0x03 };
/* TPM 1.2 platform attributes */
static const uint8_t oid_pf12_manufacturer[] = { 0x67, 0x81, 0x05, 0x02, 0x04 };
static const uint8_t oid_pf12_model[] = { 0x67, 0x81, 0x05, 0x02, 0x05 };
static const uint8_t oid_pf12_version[] = { 0x67, 0x81, 0x05, 0x02, 0x06 };
/* TPM 2 platform attributes */
static const uint8_t oid_pf2_manufacturer[] = {
	0x67, 0x81, 0x05, 0x05, 0x01, 0x01 };
static const uint8_t oid_pf2_model[] = { 0x67, 0x81, 0x05, 0x05, 0x01, 0x04 };
static const uint8_t oid_pf2_version[] = { 0x67, 0x81, 0x05, 0x05, 0x01, 0x05 };
static const uint8_t oid_tpm_specification[] = {
	0x67, 0x81, 0x05, 0x02, 0x10 };
static const uint8_t oid_kp_ek[] = { 0x67, 0x81, 0x05, 0x08, 0x01 };
static const uint8_t oid_kp_platform[] = { 0x67, 0x81, 0x05, 0x08, 0x02 };

struct triple {
	const uint8_t	*oid[3];
	size_t		 oidlen[3];
};

static const struct triple tpm_oids = {
	{ oid_tpm_manufacturer, oid_tpm_model, oid_tpm_version },
	{ sizeof(oid_tpm_manufacturer), sizeof(oid_tpm_model),
	    sizeof(oid_tpm_version) },
};
static const struct triple pf12_oids = {
	{ oid_pf12_manufacturer, oid_pf12_model, oid_pf12_version },
	{ sizeof(oid_pf12_manufacturer), sizeof(oid_pf12_model),
	    sizeof(oid_pf12_version) },
};
static const struct triple pf2_oids = {
	{ oid_pf2_manufacturer, oid_pf2_model, oid_pf2_version },
	{ sizeof(oid_pf2_manufacturer), sizeof(oid_pf2_model),
	    sizeof(oid_pf2_version) },
};

static void
utf8(struct der *d, const char *s)
{
	der_tlv(d, DER_UTF8, s, strlen(s));
}

/* Name ::= SEQUENCE OF SET { SEQUENCE { OID, UTF8String } }, one per RDN */
static void
name3(struct der *d, const struct triple *t, const char *v0, const char *v1,
    const char *v2)
{
	const char *v[3] = { v0, v1, v2 };
	size_t name = d->len, i;

	for (i = 0; i < 3; i++) {
		size_t set = d->len, seq;

		seq = d->len;
		der_tlv(d, DER_OID, t->oid[i], t->oidlen[i]);
		utf8(d, v[i]);
		der_wrap(d, DER_SEQ, seq);
		der_wrap(d, DER_SET, set);
	}
	der_wrap(d, DER_SEQ, name);
}

enum xc_err
xc_ext_san(const struct xc_req *r, uint8_t **out, size_t *outlen)
{
	struct der d;
	size_t gn;

	der_init(&d);
	/* GeneralNames { [4] EXPLICIT directoryName } */
	if (r->type == XC_EK) {
		name3(&d, &tpm_oids, r->tpm_manufacturer, r->tpm_model,
		    r->tpm_version);
	} else if (r->tpm2) {
		name3(&d, &pf2_oids, r->platform_manufacturer,
		    r->platform_model, r->platform_version);
	} else {
		/*
		 * COMPAT: provisioning.md §3.2, TPM 1.2 platform: [4] holds
		 * a SEQUENCE of two Names, which is no valid GeneralName.
		 */
		gn = d.len;
		name3(&d, &tpm_oids, r->tpm_manufacturer, r->tpm_model,
		    r->tpm_version);
		name3(&d, &pf12_oids, r->platform_manufacturer,
		    r->platform_model, r->platform_version);
		der_wrap(&d, DER_SEQ, gn);
	}
	der_wrap(&d, 0xa4, 0);
	der_wrap(&d, DER_SEQ, 0);
	return der_take(&d, out, outlen);
}

enum xc_err
xc_ext_sda(const char *family, uint32_t level, uint32_t revision,
    uint8_t **out, size_t *outlen)
{
	struct der d;
	size_t attr, set;

	/* SEQUENCE { Attribute { OID, SET { TPMSpecification } } } */
	der_init(&d);
	attr = d.len;
	der_tlv(&d, DER_OID, oid_tpm_specification,
	    sizeof(oid_tpm_specification));
	set = d.len;
	utf8(&d, family);
	der_uint(&d, level);
	der_uint(&d, revision);
	der_wrap(&d, DER_SEQ, set);
	der_wrap(&d, DER_SET, set);
	der_wrap(&d, DER_SEQ, attr);
	der_wrap(&d, DER_SEQ, 0);
	return der_take(&d, out, outlen);
}

#define KU_DIGITAL_SIGNATURE	0x80
#define KU_KEY_ENCIPHERMENT	0x20
#define KU_KEY_AGREEMENT	0x08

enum xc_err
xc_ext_ku(const struct xc_req *r, bool ecc, uint8_t **out, size_t *outlen)
{
	uint8_t bits = 0, v[2];
	struct der d;
	int unused = 0;

	if (!r->tpm2) {
		bits = KU_KEY_ENCIPHERMENT;
	} else {
		if (r->allow_signing)
			bits |= KU_DIGITAL_SIGNATURE;
		if (!r->allow_signing || r->decryption)
			bits |= ecc ? KU_KEY_AGREEMENT : KU_KEY_ENCIPHERMENT;
	}
	while (!(bits & (1u << unused)))
		unused++;
	v[0] = (uint8_t)unused;
	v[1] = bits;
	der_init(&d);
	der_tlv(&d, DER_BITSTRING, v, sizeof(v));
	return der_take(&d, out, outlen);
}

/* extKeyUsage: SEQUENCE { tcg-kp-EKCertificate | PlatformCertificate } */
enum xc_err
xc_ext_eku(bool platform, uint8_t **out, size_t *outlen)
{
	struct der d;

	der_init(&d);
	if (platform)
		der_tlv(&d, DER_OID, oid_kp_platform, sizeof(oid_kp_platform));
	else
		der_tlv(&d, DER_OID, oid_kp_ek, sizeof(oid_kp_ek));
	der_wrap(&d, DER_SEQ, 0);
	return der_take(&d, out, outlen);
}

/* authorityKeyIdentifier: SEQUENCE { [0] keyIdentifier } */
enum xc_err
xc_ext_aki(const uint8_t *keyid, size_t len, uint8_t **out, size_t *outlen)
{
	struct der d;

	der_init(&d);
	der_tlv(&d, 0x80, keyid, len);
	der_wrap(&d, DER_SEQ, 0);
	return der_take(&d, out, outlen);
}
