/*
 * The automatic local CA of swtpm_localca (provisioning.md §2.3), built
 * in memory: two RSA keys, a self-signed root and an intermediate signed
 * by it, handed back as PEM text. Writing the files (and in which order)
 * is the caller's business; nothing here touches the file system.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "internal.h"

/* Smallest and largest key sizes we generate (tests use the smallest). */
#define CA_MIN_BITS	2048u
#define CA_MAX_BITS	8192u

static void
crypto_msg(char *msg, size_t msglen, const char *what)
{
	char why[256];
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		snprintf(why, sizeof(why), "no detail");
	else
		ERR_error_string_n(e, why, sizeof(why));
	xc_setmsg(msg, msglen, "cannot %s: %s", what, why);
}

/* Copies a memory BIO's contents into p (malloc'ed). */
static enum xc_err
take_bio(BIO *b, struct xc_pem *p)
{
	char *data;
	long n = BIO_get_mem_data(b, &data);

	if (n <= 0)
		return XC_CRYPTO;
	p->p = malloc((size_t)n);
	if (p->p == NULL)
		return XC_NOMEM;
	memcpy(p->p, data, (size_t)n);
	p->len = (size_t)n;
	return XC_OK;
}

/*
 * PKCS#8 PEM of key, encrypted (PBES2, AES-256-CBC) when pass is neither
 * NULL nor empty. The memory BIO's buffer is wiped before it is freed.
 */
static enum xc_err
key_pem(EVP_PKEY *key, const char *pass, struct xc_pem *out)
{
	BIO *b = BIO_new(BIO_s_secmem());
	enum xc_err rc = XC_CRYPTO;
	int ok;

	if (b == NULL)
		return XC_NOMEM;
	if (pass != NULL && pass[0] != '\0')
		ok = PEM_write_bio_PKCS8PrivateKey(b, key, EVP_aes_256_cbc(),
		    (char *)pass, (int)strlen(pass), NULL, NULL);
	else
		ok = PEM_write_bio_PKCS8PrivateKey(b, key, NULL, NULL, 0,
		    NULL, NULL);
	if (ok)
		rc = take_bio(b, out);
	BIO_free(b);
	return rc;
}

static enum xc_err
cert_pem(X509 *crt, struct xc_pem *out)
{
	BIO *b = BIO_new(BIO_s_mem());
	enum xc_err rc = XC_CRYPTO;

	if (b == NULL)
		return XC_NOMEM;
	if (PEM_write_bio_X509(b, crt))
		rc = take_bio(b, out);
	BIO_free(b);
	return rc;
}

/* A random positive serial of exactly XC_SERIAL_MAX content octets. */
static enum xc_err
random_serial(X509 *crt)
{
	uint8_t s[XC_SERIAL_MAX];

	if (RAND_bytes(s, sizeof(s)) != 1)
		return XC_CRYPTO;
	/* top bit clear (positive), next bit set (no shorter encoding) */
	s[0] = (uint8_t)((s[0] & 0x7f) | 0x40);
	return xc_set_serial(crt, s, sizeof(s));
}

static enum xc_err
add_conf_ext(X509 *crt, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext;
	int ok;

	ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	if (ext == NULL)
		return XC_CRYPTO;
	ok = X509_add_ext(crt, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? XC_OK : XC_NOMEM;
}

/*
 * One CA certificate for 'key' named CN=cn, signed by issuer_key under
 * 'issuer' (NULL: self-signed, no authority key identifier).
 */
static enum xc_err
ca_cert(const struct xc_ca_req *r, const char *cn, EVP_PKEY *key,
    X509 *issuer, EVP_PKEY *issuer_key, X509 **out)
{
	X509V3_CTX ctx;
	X509_NAME *name = NULL;
	X509 *crt = X509_new();
	enum xc_err rc = XC_NOMEM;

	*out = NULL;
	if (crt == NULL || (name = X509_NAME_new()) == NULL)
		goto out;
	/* COMPAT: §2.3, certtool writes the CN as a PrintableString */
	if (!X509_NAME_add_entry_by_NID(name, NID_commonName,
	    V_ASN1_PRINTABLESTRING, (const unsigned char *)cn, -1, -1, 0))
		goto out;
	if (!X509_set_version(crt, X509_VERSION_3) ||
	    !X509_set_subject_name(crt, name) ||
	    !X509_set_issuer_name(crt, issuer != NULL ?
	    X509_get_subject_name(issuer) : name) ||
	    !X509_set_pubkey(crt, key))
		goto out;
	if ((rc = random_serial(crt)) != XC_OK ||
	    (rc = xc_set_validity(crt, r->now, r->days)) != XC_OK)
		goto out;
	X509V3_set_ctx(&ctx, issuer != NULL ? issuer : crt, crt, NULL, NULL,
	    0);
	/* certtool's order: basic constraints, key usage, SKI, AKI */
	if ((rc = add_conf_ext(crt, &ctx, NID_basic_constraints,
	    "critical,CA:TRUE")) != XC_OK ||
	    (rc = add_conf_ext(crt, &ctx, NID_key_usage,
	    "critical,keyCertSign")) != XC_OK ||
	    (rc = add_conf_ext(crt, &ctx, NID_subject_key_identifier,
	    "hash")) != XC_OK)
		goto out;
	if (issuer != NULL && (rc = add_conf_ext(crt, &ctx,
	    NID_authority_key_identifier, "keyid:always")) != XC_OK)
		goto out;
	rc = XC_CRYPTO;
	if (X509_sign(crt, issuer_key, EVP_sha256()) <= 0)
		goto out;
	*out = crt;
	crt = NULL;
	rc = XC_OK;
out:
	X509_NAME_free(name);
	X509_free(crt);
	return rc;
}

void
xc_ca_release(struct xc_ca *ca)
{
	struct xc_pem *keys[] = { &ca->root_key, &ca->ca_key };
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i]->p != NULL)
			OPENSSL_cleanse(keys[i]->p, keys[i]->len);
	free(ca->root_key.p);
	free(ca->root_cert.p);
	free(ca->ca_key.p);
	free(ca->ca_cert.p);
	memset(ca, 0, sizeof(*ca));
}

enum xc_err
xc_ca_create(const struct xc_ca_req *r, struct xc_ca *out, char *msg,
    size_t msglen)
{
	EVP_PKEY *root_key = NULL, *ca_key = NULL;
	X509 *root = NULL, *ca = NULL;
	enum xc_err rc;

	memset(out, 0, sizeof(*out));
	if (r->bits < CA_MIN_BITS || r->bits > CA_MAX_BITS ||
	    r->root_cn == NULL || r->ca_cn == NULL || r->days < XC_DAYS_NONE) {
		xc_setmsg(msg, msglen, "bad CA parameters");
		return XC_INVAL;
	}
	ERR_clear_error();
	root_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)r->bits);
	ca_key = root_key != NULL ?
	    EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)r->bits) : NULL;
	if (ca_key == NULL) {
		crypto_msg(msg, msglen, "generate an RSA key");
		rc = XC_CRYPTO;
		goto out;
	}
	rc = ca_cert(r, r->root_cn, root_key, NULL, root_key, &root);
	if (rc == XC_OK)
		rc = ca_cert(r, r->ca_cn, ca_key, root, root_key, &ca);
	if (rc != XC_OK) {
		crypto_msg(msg, msglen, "build the CA certificates");
		goto out;
	}
	if ((rc = key_pem(root_key, r->root_pass, &out->root_key)) != XC_OK ||
	    (rc = cert_pem(root, &out->root_cert)) != XC_OK ||
	    (rc = key_pem(ca_key, r->ca_pass, &out->ca_key)) != XC_OK ||
	    (rc = cert_pem(ca, &out->ca_cert)) != XC_OK) {
		crypto_msg(msg, msglen, "encode the CA keys and certificates");
		xc_ca_release(out);
	}
out:
	X509_free(root);
	X509_free(ca);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(ca_key);
	return rc;
}
