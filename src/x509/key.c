/*
 * Public keys from raw TPM parameters (RSA modulus and exponent, EC
 * coordinates) or a PEM file, and the issuer certificate. Keys are
 * built through EVP_PKEY_fromdata, which checks that an EC point lies
 * on its curve.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "internal.h"

static const struct curve {
	const char	*name;		/* our option value */
	const char	*group;		/* OpenSSL's group name */
	size_t		 size;		/* field size in bytes */
} curves[] = {
	{ "secp256r1", "prime256v1", 32 },
	{ "secp384r1", "secp384r1", 48 },
	{ "secp521r1", "secp521r1", 66 },
};

static const struct curve *
find_curve(const char *name)
{
	size_t i;

	if (name == NULL)
		name = "secp256r1";
	/* COMPAT: provisioning.md §3.1, the names are case-sensitive */
	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if (strcmp(curves[i].name, name) == 0)
			return &curves[i];
	return NULL;
}

bool
xc_curve_known(const char *curve)
{
	return find_curve(curve) != NULL;
}

/* Builds a public key of 'type' from params; frees nothing of them. */
static enum xc_err
from_params(const char *type, OSSL_PARAM_BLD *bld, EVP_PKEY **out)
{
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	enum xc_err rc = XC_KEY;

	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	if (params == NULL || ctx == NULL) {
		rc = XC_NOMEM;
		goto out;
	}
	if (EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		goto out;
	rc = XC_OK;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return rc;
}

enum xc_err
xc_pubkey_rsa(const uint8_t *n, size_t nlen, uint32_t e, EVP_PKEY **out,
    char *msg, size_t msglen)
{
	OSSL_PARAM_BLD *bld = NULL;
	BIGNUM *bn = NULL, *be = NULL;
	enum xc_err rc = XC_NOMEM;

	*out = NULL;
	while (nlen > 0 && n[0] == 0) {
		n++;
		nlen--;
	}
	if (nlen == 0 || e == 0) {
		xc_setmsg(msg, msglen, "%s must not be 0",
		    nlen == 0 ? "RSA modulus" : "RSA exponent");
		return XC_INVAL;
	}
	if (nlen > XC_RSA_MAX_BITS / 8) {
		xc_setmsg(msg, msglen, "RSA modulus longer than %d bits",
		    XC_RSA_MAX_BITS);
		return XC_INVAL;
	}
	bn = BN_bin2bn(n, (int)nlen, NULL);
	be = BN_new();
	bld = OSSL_PARAM_BLD_new();
	if (bn == NULL || be == NULL || bld == NULL || !BN_set_word(be, e))
		goto out;
	if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be))
		goto out;
	rc = from_params("RSA", bld, out);
	if (rc == XC_KEY)
		xc_setmsg(msg, msglen, "cannot build RSA key from modulus "
		    "and exponent");
out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	return rc;
}

/* Left-pads coordinate c into dst[size] after dropping leading zeros. */
static bool
put_coord(uint8_t *dst, size_t size, const uint8_t *c, size_t clen)
{
	while (clen > 0 && c[0] == 0) {
		c++;
		clen--;
	}
	if (clen > size)
		return false;
	memset(dst, 0, size - clen);
	if (clen > 0)
		memcpy(dst + size - clen, c, clen);
	return true;
}

enum xc_err
xc_pubkey_ec(const char *curve, const uint8_t *x, size_t xlen,
    const uint8_t *y, size_t ylen, EVP_PKEY **out, char *msg, size_t msglen)
{
	const struct curve *cv = find_curve(curve);
	uint8_t pt[1 + 2 * 66];
	OSSL_PARAM_BLD *bld = NULL;
	enum xc_err rc = XC_NOMEM;

	*out = NULL;
	if (cv == NULL) {
		xc_setmsg(msg, msglen, "unsupported ECC curve id '%s'", curve);
		return XC_INVAL;
	}
	pt[0] = 0x04;	/* uncompressed */
	if (!put_coord(pt + 1, cv->size, x, xlen) ||
	    !put_coord(pt + 1 + cv->size, cv->size, y, ylen)) {
		xc_setmsg(msg, msglen, "ECC coordinate longer than %zu bytes "
		    "for %s", cv->size, cv->name);
		return XC_INVAL;
	}
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL)
		goto out;
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    cv->group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt,
	    1 + 2 * cv->size))
		goto out;
	rc = from_params("EC", bld, out);
	if (rc == XC_KEY)
		xc_setmsg(msg, msglen, "the ECC point (x, y) is not on curve "
		    "%s", cv->name);
out:
	OSSL_PARAM_BLD_free(bld);
	return rc;
}

/* Opens path for reading as a BIO; fills msg on failure. */
static BIO *
open_file(const char *path, const char *what, char *msg, size_t msglen)
{
	BIO *b;

	errno = 0;
	b = BIO_new_file(path, "r");
	if (b == NULL)
		xc_setmsg(msg, msglen, "cannot open %s '%s': %s", what, path,
		    errno ? strerror(errno) : "unknown error");
	return b;
}

/* Never prompt: a PEM that needs a password we do not have fails. */
static int
no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

enum xc_err
xc_pubkey_pem(const char *path, EVP_PKEY **out, char *msg, size_t msglen)
{
	BIO *b;

	*out = NULL;
	b = open_file(path, "public key file", msg, msglen);
	if (b == NULL)
		return XC_IO;
	*out = PEM_read_bio_PUBKEY(b, NULL, no_password, NULL);
	BIO_free(b);
	if (*out == NULL) {
		xc_setmsg(msg, msglen, "no PEM public key in '%s'", path);
		return XC_KEY;
	}
	return XC_OK;
}

enum xc_err
xc_issuer_load(const char *path, X509 **out, char *msg, size_t msglen)
{
	BIO *b;

	*out = NULL;
	b = open_file(path, "issuer certificate", msg, msglen);
	if (b == NULL)
		return XC_IO;
	*out = PEM_read_bio_X509(b, NULL, no_password, NULL);
	BIO_free(b);
	if (*out == NULL) {
		xc_setmsg(msg, msglen, "no PEM certificate in '%s'", path);
		return XC_INVAL;
	}
	return XC_OK;
}
