/*
 * Builds and signs an EK or platform certificate (provisioning.md §3.2)
 * and encodes it as DER, DER behind the TPM 1.2 NV header, or PEM.
 * The extensions are added in the reference 0.7.1's order so that the
 * DER matches it byte for byte for the same inputs.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "internal.h"

/* 9999-12-31T23:59:59Z, where GnuTLS caps every later time */
#define TIME_MAX_9999	253402300799LL
#define NO_EXPIRY	"99991231235959Z"

static enum xc_err
check_req(const struct xc_req *r, char *msg, size_t msglen)
{
	if (r->tpm_manufacturer == NULL || r->tpm_model == NULL ||
	    r->tpm_version == NULL) {
		xc_setmsg(msg, msglen, "TPM manufacturer, model and version "
		    "are required");
		return XC_INVAL;
	}
	if (r->type == XC_PLATFORM && (r->platform_manufacturer == NULL ||
	    r->platform_model == NULL || r->platform_version == NULL)) {
		xc_setmsg(msg, msglen, "platform manufacturer, model and "
		    "version are required");
		return XC_INVAL;
	}
	if (r->type == XC_EK && r->spec_family == NULL) {
		xc_setmsg(msg, msglen, "TPM specification family is required");
		return XC_INVAL;
	}
	if (r->serial == NULL || r->serial_len == 0 ||
	    r->serial_len > XC_SERIAL_MAX) {
		xc_setmsg(msg, msglen, "bad serial number");
		return XC_INVAL;
	}
	if (r->days < XC_DAYS_NONE) {
		xc_setmsg(msg, msglen, "days must be -1 or more");
		return XC_INVAL;
	}
	return XC_OK;
}

/* Appends an extension with a prebuilt DER value (takes 'v'). */
static enum xc_err
add_ext(X509 *crt, int nid, bool critical, uint8_t *v, size_t len)
{
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext = NULL;
	enum xc_err rc = XC_NOMEM;

	if (os == NULL || !ASN1_OCTET_STRING_set(os, v, (int)len))
		goto out;
	ext = X509_EXTENSION_create_by_NID(NULL, nid, critical, os);
	if (ext == NULL || !X509_add_ext(crt, ext, -1))
		goto out;
	rc = XC_OK;
out:
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(os);
	free(v);
	return rc;
}

enum ext_id { E_SAN, E_BC, E_SDA, E_AKI, E_KU, E_EKU };

/* COMPAT: provisioning.md §3.2, the extension order of 0.7.1 */
static const enum ext_id ek_order[] = {
	E_EKU, E_SAN, E_BC, E_SDA, E_AKI, E_KU };
static const enum ext_id platform_order[] = {
	E_SAN, E_BC, E_AKI, E_KU, E_EKU };

static enum xc_err
add_one(X509 *crt, enum ext_id id, const struct xc_req *r, bool ecc,
    const ASN1_OCTET_STRING *skid)
{
	static const uint8_t bc_false[] = { 0x30, 0x00 };
	uint8_t *v = NULL;
	size_t len = 0;
	enum xc_err rc = XC_OK;
	int nid = NID_undef;
	bool crit = false;

	switch (id) {
	case E_SAN:
		rc = xc_ext_san(r, &v, &len);
		nid = NID_subject_alt_name;
		crit = true;
		break;
	case E_BC:
		v = malloc(sizeof(bc_false));
		if (v == NULL)
			return XC_NOMEM;
		memcpy(v, bc_false, sizeof(bc_false));
		len = sizeof(bc_false);
		nid = NID_basic_constraints;
		crit = true;
		break;
	case E_SDA:
		rc = xc_ext_sda(r->spec_family, r->spec_level,
		    r->spec_revision, &v, &len);
		nid = NID_subject_directory_attributes;
		break;
	case E_AKI:
		rc = xc_ext_aki(ASN1_STRING_get0_data(skid),
		    (size_t)ASN1_STRING_length(skid), &v, &len);
		nid = NID_authority_key_identifier;
		break;
	case E_KU:
		rc = xc_ext_ku(r, ecc, &v, &len);
		nid = NID_key_usage;
		crit = true;
		break;
	case E_EKU:
		rc = xc_ext_eku(r->type == XC_PLATFORM, &v, &len);
		nid = NID_ext_key_usage;
		break;
	}
	if (rc != XC_OK)
		return rc;
	return add_ext(crt, nid, crit, v, len);
}

enum xc_err
xc_set_validity(X509 *crt, time_t now, long days)
{
	ASN1_TIME *nb = NULL, *na = NULL;
	enum xc_err rc = XC_NOMEM;
	long long end;

	nb = ASN1_TIME_set(NULL, now);	/* UTCTime up to 2049 */
	if (nb == NULL || !X509_set1_notBefore(crt, nb))
		goto out;
	end = (long long)now + (long long)days * 86400;
	if (days == XC_DAYS_NONE || end > TIME_MAX_9999) {
		na = ASN1_GENERALIZEDTIME_new();
		if (na == NULL || !ASN1_GENERALIZEDTIME_set_string(na,
		    NO_EXPIRY))
			goto out;
	} else {
		na = ASN1_TIME_set(NULL, (time_t)end);
		if (na == NULL)
			goto out;
	}
	if (!X509_set1_notAfter(crt, na))
		goto out;
	rc = XC_OK;
out:
	ASN1_TIME_free(nb);
	ASN1_TIME_free(na);
	return rc;
}

enum xc_err
xc_set_serial(X509 *crt, const uint8_t *s, size_t len)
{
	BIGNUM *bn = BN_bin2bn(s, (int)len, NULL);
	ASN1_INTEGER *ai = NULL;
	enum xc_err rc = XC_NOMEM;

	/* always a positive INTEGER (0.7.1 made values >= 2^63 negative) */
	if (bn == NULL || (ai = BN_to_ASN1_INTEGER(bn, NULL)) == NULL)
		goto out;
	if (X509_set_serialNumber(crt, ai))
		rc = XC_OK;
out:
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	return rc;
}

static enum xc_err
set_subject(X509 *crt, const struct xc_req *r, char *msg, size_t msglen)
{
	X509_NAME *name = NULL;
	enum xc_err rc;

	/* TPM 1.2 certificates have an empty subject */
	rc = xc_subject_parse(r->tpm2 ? r->subject : NULL, &name, msg,
	    msglen);
	if (rc != XC_OK)
		return rc;
	if (!X509_set_subject_name(crt, name))
		rc = XC_NOMEM;
	X509_NAME_free(name);
	return rc;
}

enum xc_err
xc_cert_build(const struct xc_req *r, EVP_PKEY *pubkey, X509 *issuer,
    struct xc_signer *signer, X509 **out, char *msg, size_t msglen)
{
	const ASN1_OCTET_STRING *skid;
	const enum ext_id *order;
	EVP_PKEY *key = xc_signer_key(signer);
	X509 *crt = NULL;
	size_t i, n;
	bool ecc;
	enum xc_err rc;

	*out = NULL;
	rc = check_req(r, msg, msglen);
	if (rc != XC_OK)
		return rc;
	skid = X509_get0_subject_key_id(issuer);
	if (skid == NULL) {
		xc_setmsg(msg, msglen, "the issuer certificate has no subject "
		    "key identifier");
		return XC_INVAL;
	}
	ERR_set_mark();
	if (X509_check_private_key(issuer, key) != 1) {
		ERR_pop_to_mark();
		xc_setmsg(msg, msglen, "the signing key does not belong to the "
		    "issuer certificate");
		return XC_KEY;
	}
	ERR_pop_to_mark();
	ecc = EVP_PKEY_is_a(pubkey, "EC");
	crt = X509_new();
	if (crt == NULL)
		return XC_NOMEM;
	rc = XC_NOMEM;
	if (!X509_set_version(crt, X509_VERSION_3) ||
	    xc_set_serial(crt, r->serial, r->serial_len) != XC_OK ||
	    !X509_set_issuer_name(crt, X509_get_subject_name(issuer)) ||
	    xc_set_validity(crt, r->now, r->days) != XC_OK)
		goto fail;
	rc = set_subject(crt, r, msg, msglen);
	if (rc != XC_OK)
		goto fail;
	rc = XC_NOMEM;
	if (!X509_set_pubkey(crt, pubkey))
		goto fail;
	if (r->type == XC_EK) {
		order = ek_order;
		n = sizeof(ek_order) / sizeof(ek_order[0]);
	} else {
		order = platform_order;
		n = sizeof(platform_order) / sizeof(platform_order[0]);
	}
	for (i = 0; i < n; i++) {
		rc = add_one(crt, order[i], r, ecc, skid);
		if (rc != XC_OK)
			goto fail;
	}
	/* COMPAT: provisioning.md §3.2, SHA-256 for TPM 2, SHA-1 for 1.2 */
	if (X509_sign(crt, key, r->tpm2 ? EVP_sha256() : EVP_sha1()) <= 0) {
		char why[256];

		ERR_error_string_n(ERR_peek_last_error(), why, sizeof(why));
		xc_setmsg(msg, msglen, "cannot sign the certificate: %s", why);
		rc = XC_CRYPTO;
		goto fail;
	}
	*out = crt;
	return XC_OK;
fail:
	X509_free(crt);
	return rc;
}

/* TCG_PCCLIENT_STORED_CERT tag, type and TCG_FULL_CERT tag (TPM 1.2) */
#define TCG_TAG_PCCLIENT_STORED_CERT	0x1001
#define TCG_TAG_PCCLIENT_FULL_CERT	0x1002
#define TCG_FULL_CERT			0

enum xc_err
xc_tcg_header(size_t len, uint8_t hdr[XC_TCG_HDR_LEN])
{
	size_t sz;

	/* certSize counts the full-cert tag and the certificate */
	if (len > 0xffff - 2)
		return XC_INVAL;
	sz = len + 2;
	hdr[0] = TCG_TAG_PCCLIENT_STORED_CERT >> 8;
	hdr[1] = TCG_TAG_PCCLIENT_STORED_CERT & 0xff;
	hdr[2] = TCG_FULL_CERT;
	hdr[3] = (uint8_t)(sz >> 8);
	hdr[4] = (uint8_t)sz;
	hdr[5] = TCG_TAG_PCCLIENT_FULL_CERT >> 8;
	hdr[6] = TCG_TAG_PCCLIENT_FULL_CERT & 0xff;
	return XC_OK;
}

enum xc_err
xc_cert_der(X509 *crt, uint8_t **out, size_t *outlen)
{
	uint8_t *buf, *p;
	int len;

	*out = NULL;
	*outlen = 0;
	len = i2d_X509(crt, NULL);
	if (len <= 0)
		return XC_CRYPTO;
	buf = malloc((size_t)len);
	if (buf == NULL)
		return XC_NOMEM;
	p = buf;
	if (i2d_X509(crt, &p) != len) {
		free(buf);
		return XC_CRYPTO;
	}
	*out = buf;
	*outlen = (size_t)len;
	return XC_OK;
}

enum xc_err
xc_cert_pem(X509 *crt, uint8_t **out, size_t *outlen)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;
	enum xc_err rc = XC_NOMEM;

	*out = NULL;
	*outlen = 0;
	if (b == NULL || !PEM_write_bio_X509(b, crt))
		goto out;
	n = BIO_get_mem_data(b, &data);
	if (n <= 0)
		goto out;
	*out = malloc((size_t)n);
	if (*out == NULL)
		goto out;
	memcpy(*out, data, (size_t)n);
	*outlen = (size_t)n;
	rc = XC_OK;
out:
	BIO_free(b);
	return rc;
}
