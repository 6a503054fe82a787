/*
 * TPM certificates on OpenSSL 3 (provisioning.md §3): public keys from
 * raw TPM parameters, the CA's signing key (PEM file or pkcs11: URI),
 * the TCG extensions, the subject, and a signed X.509 v3 certificate as
 * DER (optionally behind the TPM 1.2 NV header) or PEM.
 * Never prints, logs, exits or reads the environment: every function
 * returns an enum xc_err and may fill a caller's message buffer (msg,
 * msglen; msg may be NULL) with one lowercase line. The caller decides
 * how OpenSSL is initialised (the tools load the system configuration).
 */
#ifndef X509_X509_H
#define X509_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

enum xc_err {
	XC_OK = 0,
	XC_INVAL,	/* malformed input (hex, number, subject, option) */
	XC_NOMEM,	/* allocation failed */
	XC_IO,		/* a file could not be read */
	XC_KEY,		/* key unusable: bad point, wrong password, mismatch */
	XC_NOTSUP,	/* feature not built in (pkcs11) */
	XC_CRYPTO,	/* OpenSSL failed building or signing */
};

const char	*xc_strerror(enum xc_err);

/* ------------------------------------------------------------ numbers */

/* Largest modulus we take (bits) and the longest hex string for one. */
#define XC_RSA_MAX_BITS		16384
#define XC_HEX_MAX		(2 * (XC_RSA_MAX_BITS / 8) + 64)
/* RFC 5280: a serial has at most 20 content octets, so < 2^159. */
#define XC_SERIAL_MAX		20

/*
 * Hex string (no prefix, no spaces, even length, at most XC_HEX_MAX
 * digits) to bytes in a malloc'ed buffer the caller frees. An empty
 * string is an error.
 */
enum xc_err	 xc_hex_decode(const char *hex, uint8_t **out, size_t *outlen,
		    char *msg, size_t msglen);

/*
 * A decimal serial number (digits only) to the big-endian magnitude
 * without leading zeros in out[XC_SERIAL_MAX]. Must be >= 1 and encode
 * in at most 20 DER content octets.
 */
enum xc_err	 xc_serial_parse(const char *dec, uint8_t *out, size_t *outlen,
		    char *msg, size_t msglen);

/* ------------------------------------------------------------ keys */

/*
 * RSA public key from a big-endian modulus (leading zero bytes allowed,
 * at most XC_RSA_MAX_BITS significant bits) and exponent (> 0). The
 * caller frees *out with EVP_PKEY_free.
 */
enum xc_err	 xc_pubkey_rsa(const uint8_t *n, size_t nlen, uint32_t e,
		    EVP_PKEY **out, char *msg, size_t msglen);

/*
 * EC public key from affine coordinates. 'curve' is secp256r1, secp384r1
 * or secp521r1 (NULL = secp256r1). Coordinates may be shorter than the
 * field (left-padded) or carry leading zero bytes; the point must lie on
 * the curve.
 */
enum xc_err	 xc_pubkey_ec(const char *curve, const uint8_t *x, size_t xlen,
		    const uint8_t *y, size_t ylen, EVP_PKEY **out, char *msg,
		    size_t msglen);
bool		 xc_curve_known(const char *curve);

/* Public key from a PEM file ("PUBLIC KEY" or "RSA PUBLIC KEY"). */
enum xc_err	 xc_pubkey_pem(const char *path, EVP_PKEY **out, char *msg,
		    size_t msglen);

/* The CA certificate (first PEM certificate in the file). */
enum xc_err	 xc_issuer_load(const char *path, X509 **out, char *msg,
		    size_t msglen);

/* The CA's private key, with whatever keeps it usable (an engine). */
struct xc_signer;

/*
 * Opens the signing key 'spec': a PEM file (encrypted with 'pass', which
 * may be NULL for a plain key; never prompts), or a "pkcs11:" URI
 * (RFC 7512) when built with pkcs11 support, logged in with 'pin'
 * (NULL = none unless the URI has pin-value). The pkcs11 module is the
 * one the OpenSSL pkcs11 engine picks (p11-kit's proxy by default, so
 * every module p11-kit knows). Free with xc_signer_free.
 */
enum xc_err	 xc_signer_open(const char *spec, const char *pass,
		    const char *pin, struct xc_signer **out, char *msg,
		    size_t msglen);
void		 xc_signer_free(struct xc_signer *);
/* Borrowed; valid until xc_signer_free. */
EVP_PKEY	*xc_signer_key(struct xc_signer *);
/* True if pkcs11: URIs are supported by this build. */
bool		 xc_have_pkcs11(void);

/* ------------------------------------------------------------ subject */

/*
 * Parses an RFC 4514 style subject ("CN=x,O=y") the way the reference
 * 0.7.1 (GnuTLS) did: the DER order is the reverse of the string, one
 * attribute per RDN, DirectoryString values as PrintableString when
 * every character allows it, else UTF8String. NULL or "" give an empty
 * Name. Caller frees *out with X509_NAME_free.
 */
enum xc_err	 xc_subject_parse(const char *s, X509_NAME **out, char *msg,
		    size_t msglen);

/* ------------------------------------------------------------ certificate */

enum xc_type { XC_EK, XC_PLATFORM };

/* No expiry: notAfter 99991231235959Z. */
#define XC_DAYS_NONE	(-1L)

struct xc_req {
	enum xc_type	 type;
	bool		 tpm2;		/* TPM 2 profile; else TPM 1.2 */
	bool		 allow_signing;	/* TPM 2 only */
	bool		 decryption;	/* TPM 2 only */
	const char	*subject;	/* TPM 2 only; NULL = empty */
	const char	*tpm_manufacturer, *tpm_model, *tpm_version;
	const char	*platform_manufacturer, *platform_model,
			*platform_version;	/* platform only */
	const char	*spec_family;		/* ek only */
	uint32_t	 spec_level, spec_revision;
	const uint8_t	*serial;	/* xc_serial_parse output */
	size_t		 serial_len;
	long		 days;		/* >= 0, or XC_DAYS_NONE */
	time_t		 now;		/* notBefore */
};

/*
 * Builds and signs the certificate for 'pubkey' (the EK) under 'issuer'
 * with the signer's key, which must match the issuer's public key. The
 * issuer must have a subject key identifier. Hash: SHA-256 for TPM 2,
 * SHA-1 for TPM 1.2. The caller frees *out with X509_free.
 */
enum xc_err	 xc_cert_build(const struct xc_req *, EVP_PKEY *pubkey,
		    X509 *issuer, struct xc_signer *, X509 **out, char *msg,
		    size_t msglen);

/*
 * Encodes the certificate as DER or PEM text. Returns a malloc'ed buffer
 * the caller frees.
 */
enum xc_err	 xc_cert_der(X509 *, uint8_t **out, size_t *outlen);
enum xc_err	 xc_cert_pem(X509 *, uint8_t **out, size_t *outlen);

/*
 * The 7-byte TCG_PCCLIENT_STORED_CERT header that goes before a
 * certificate of 'len' bytes in TPM 1.2 NV (--add-header). XC_INVAL if
 * len + 2 does not fit its 16-bit size field.
 */
#define XC_TCG_HDR_LEN	7
enum xc_err	 xc_tcg_header(size_t len, uint8_t hdr[XC_TCG_HDR_LEN]);

/* ------------------------------------------------------------ local CA */

/* PEM text in a malloc'ed buffer (not NUL-terminated). */
struct xc_pem {
	uint8_t	*p;
	size_t	 len;
};

struct xc_ca_req {
	unsigned	 bits;		/* RSA size of both keys, 2048..8192 */
	const char	*root_cn;	/* "swtpm-localca-rootca" */
	const char	*ca_cn;		/* "swtpm-localca" */
	const char	*root_pass;	/* NULL or "": key not encrypted */
	const char	*ca_pass;	/* likewise for the signing key */
	time_t		 now;		/* notBefore */
	long		 days;		/* >= 0, or XC_DAYS_NONE */
};

/* The four PEM files of a local CA; keys are wiped by xc_ca_release. */
struct xc_ca {
	struct xc_pem	 root_key, root_cert;
	struct xc_pem	 ca_key, ca_cert;	/* signingkey, issuercert */
};

/*
 * A new two-level CA (provisioning.md §2.3): an RSA root key and a
 * self-signed certificate CN=root_cn, and an RSA signing key with a
 * certificate CN=ca_cn signed by the root. Both certificates carry
 * critical basicConstraints CA:TRUE, critical keyUsage keyCertSign and a
 * subject key identifier (the intermediate also an authority key
 * identifier), are signed with SHA-256 and have a random positive
 * 20-octet serial. Keys are PKCS#8 PEM, encrypted with AES-256-CBC
 * (PBES2) under their password when one is given. Nothing is written
 * to disk. On success the caller releases *out with xc_ca_release; on
 * failure *out is empty.
 */
enum xc_err	 xc_ca_create(const struct xc_ca_req *, struct xc_ca *out,
		    char *msg, size_t msglen);
void		 xc_ca_release(struct xc_ca *);

/* ------------------------------------------------------------ extensions */

/*
 * The extension values (the DER inside the OCTET STRING), exposed for
 * tests and for tools that need them. Each returns a malloc'ed buffer.
 */
enum xc_err	 xc_ext_san(const struct xc_req *, uint8_t **out,
		    size_t *outlen);
enum xc_err	 xc_ext_sda(const char *family, uint32_t level,
		    uint32_t revision, uint8_t **out, size_t *outlen);
/* Key usage bits per §3.2; 'ecc' for an EC EK. */
enum xc_err	 xc_ext_ku(const struct xc_req *, bool ecc, uint8_t **out,
		    size_t *outlen);

#endif
