/*
 * Declarations shared by the files of src/x509 only: the message helper
 * and a small growable DER writer for the values OpenSSL 3.0 has no
 * encoder for. Not for use outside src/x509.
 */
#ifndef X509_INTERNAL_H
#define X509_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "x509.h"

/* Largest DER value we build (extensions are a few hundred bytes). */
#define XC_DER_MAX	(64u * 1024)

/* Formats one line into msg (may be NULL). */
void	 xc_setmsg(char *msg, size_t msglen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* num.c: value of one hex digit, or -1 */
int	 xc_hexval(char c);

/*
 * Growable DER buffer with a sticky failure flag (allocation failure or
 * more than XC_DER_MAX bytes). Nest by remembering len, writing the
 * content, then der_wrap() at that offset.
 */
struct der {
	uint8_t	*p;
	size_t	 len, cap;
	bool	 bad;
};

void	 der_init(struct der *);
void	 der_release(struct der *);
void	 der_raw(struct der *, const void *, size_t);
/* tag, DER length, value */
void	 der_tlv(struct der *, uint8_t tag, const void *, size_t);
/* Turns bytes [from, len) into the value of a new TLV with 'tag'. */
void	 der_wrap(struct der *, uint8_t tag, size_t from);
/* Minimal non-negative INTEGER. */
void	 der_uint(struct der *, uint32_t);
/* Hands the bytes to the caller (malloc'ed) and empties the buffer. */
enum xc_err der_take(struct der *, uint8_t **out, size_t *outlen);

/*
 * pkcs11.c: loads the private key named by a pkcs11: URI through the
 * OpenSSL pkcs11 engine. *engine is an opaque handle released with
 * xc_p11_release after the key is freed. XC_NOTSUP without the engine.
 */
enum xc_err xc_p11_load(const char *uri, const char *pin, void **engine,
	    EVP_PKEY **key, char *msg, size_t msglen);
void	 xc_p11_release(void *engine);

/* ext.c: the remaining extension values (malloc'ed, caller frees) */
enum xc_err xc_ext_eku(bool platform, uint8_t **out, size_t *outlen);
enum xc_err xc_ext_aki(const uint8_t *keyid, size_t len, uint8_t **out,
	    size_t *outlen);

/*
 * cert.c, shared with ca.c: notBefore = now (UTCTime), notAfter =
 * now + days or 99991231235959Z (XC_DAYS_NONE, or past 9999); the
 * serial as a positive INTEGER from its big-endian magnitude.
 */
enum xc_err xc_set_validity(X509 *crt, time_t now, long days);
enum xc_err xc_set_serial(X509 *crt, const uint8_t *s, size_t len);

#define DER_INTEGER	0x02
#define DER_BITSTRING	0x03
#define DER_OID		0x06
#define DER_UTF8	0x0c
#define DER_SEQ		0x30
#define DER_SET		0x31

#endif
