/*
 * AES-CBC encrypt-then-MAC over TLV records (state-storage.md §6.0, §8)
 * with OpenSSL 3 EVP. Padding is done here, to a multiple of the KEY
 * length (COMPAT: §6.0, upstream pads to 32 for AES-256, which OpenSSL's
 * own padding would reject). Knows no files and no header flags.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "internal.h"
#include "io.h"

/*
 * Test seam only: a fixed IV for st_crypto_set_test_iv(). The one
 * mutable global of the module; never set by the daemon.
 */
static uint8_t	test_iv[32];
static size_t	test_iv_len;
static bool	test_iv_set;

void
st_crypto_set_test_iv(const uint8_t *iv, size_t len)
{
	if (iv == NULL) {
		test_iv_set = false;
		return;
	}
	if (len > sizeof(test_iv))
		len = sizeof(test_iv);
	memcpy(test_iv, iv, len);
	test_iv_len = len;
	test_iv_set = true;
}

static const EVP_CIPHER *
cipher_for(size_t keylen)
{
	if (keylen == 16)
		return EVP_aes_128_cbc();
	if (keylen == 32)
		return EVP_aes_256_cbc();
	return NULL;
}

/* CBC over n bytes (a multiple of 16), cipher padding disabled. */
static bool
aes_cbc(const struct st_key *key, const uint8_t iv[16], int enc,
    const uint8_t *in, size_t n, uint8_t *out)
{
	const EVP_CIPHER *c = cipher_for(key->len);
	EVP_CIPHER_CTX *ctx = NULL;
	int l1 = 0, l2 = 0;
	bool ok = false;

	if (c == NULL || n > INT_MAX || n % 16 != 0)
		return false;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return false;
	if (EVP_CipherInit_ex(ctx, c, NULL, key->data, iv, enc) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
	    EVP_CipherUpdate(ctx, out, &l1, in, (int)n) != 1 ||
	    EVP_CipherFinal_ex(ctx, out + l1, &l2) != 1)
		goto out;
	ok = (size_t)l1 + (size_t)l2 == n;
out:
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

/* HMAC-SHA256(key, a || b). */
static bool
hmac256(const struct st_key *key, const uint8_t *a, size_t an,
    const uint8_t *b, size_t bn, uint8_t out[ST_HMAC_LEN])
{
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	char digest[] = "SHA256";
	size_t outl = 0;
	bool ok = false;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (ctx = EVP_MAC_CTX_new(mac)) == NULL)
		goto out;
	if (EVP_MAC_init(ctx, key->data, key->len, params) != 1 ||
	    EVP_MAC_update(ctx, a, an) != 1 ||
	    (bn > 0 && EVP_MAC_update(ctx, b, bn) != 1) ||
	    EVP_MAC_final(ctx, out, &outl, ST_HMAC_LEN) != 1)
		goto out;
	ok = outl == ST_HMAC_LEN;
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ok;
}

static size_t
padded_len(size_t n, size_t keylen)
{
	return (n / keylen + 1) * keylen;
}

/* Copies p and appends 1..keylen bytes of value pad. */
static uint8_t *
pad_copy(const uint8_t *p, size_t n, size_t keylen, size_t *outlen)
{
	size_t clen = padded_len(n, keylen);
	uint8_t *b = malloc(clen);

	if (b == NULL)
		return NULL;
	if (n > 0)
		memcpy(b, p, n);
	memset(b + n, (int)(clen - n), clen - n);
	*outlen = clen;
	return b;
}

/* Checks and strips the padding of buf[0..n); returns the plain length. */
static bool
unpad(const uint8_t *buf, size_t n, size_t keylen, size_t *plainlen)
{
	uint8_t pad, bad = 0;
	size_t i;

	if (n == 0)
		return false;
	pad = buf[n - 1];
	if (pad < 1 || pad > keylen || pad > n)
		return false;
	for (i = n - pad; i < n; i++)
		bad |= buf[i] ^ pad;
	if (bad != 0)
		return false;
	*plainlen = n - pad;
	return true;
}

size_t
st_enc_size(size_t n, const struct st_key *key)
{
	return ST_TLV_HDR_LEN + padded_len(n, key->len) +
	    ST_TLV_HDR_LEN + ST_HMAC_LEN + ST_TLV_HDR_LEN + key->len;
}

enum st_err
st_encrypt_tlv(const struct st_key *key, const uint8_t *p, size_t n,
    uint16_t tag_enc, uint16_t tag_iv, struct wr *w)
{
	uint8_t iv[32], mac[ST_HMAC_LEN];
	uint8_t *padded = NULL, *c;
	size_t clen = 0, kl = key->len;
	enum st_err rc = ST_FAIL;

	if (cipher_for(kl) == NULL)
		return ST_KEYSIZE;
	if (n > ST_BLOB_MAX)
		return ST_INVAL;
	/* IV record length = key length; only the first 16 bytes are CBC's. */
	if (RAND_bytes(iv, (int)kl) != 1)
		return ST_FAIL;
	if (test_iv_set)
		memcpy(iv, test_iv, test_iv_len < kl ? test_iv_len : kl);
	if ((padded = pad_copy(p, n, kl, &clen)) == NULL)
		return ST_NOMEM;
	wr_be16(w, tag_enc);
	wr_be32(w, (uint32_t)clen);
	if ((c = wr_reserve(w, clen)) == NULL) {
		rc = ST_INVAL;
		goto out;
	}
	if (!aes_cbc(key, iv, 1, padded, clen, c) ||
	    !hmac256(key, c, clen, iv, kl, mac))
		goto out;
	st_tlv_put(w, TAG_HMAC, mac, sizeof(mac));
	st_tlv_put(w, tag_iv, iv, kl);
	rc = wr_ok(w) ? ST_OK : ST_INVAL;
out:
	secure_free(padded, clen);
	return rc;
}

enum st_err
st_decrypt_tlv(const struct st_key *key, const uint8_t *p, size_t n,
    uint16_t tag_enc, uint16_t tag_iv, uint8_t **plain, size_t *plainlen,
    char *msg, size_t msglen)
{
	static const uint8_t zero_iv[16];
	const uint8_t *c, *h, *iv = NULL;
	size_t clen, hlen, ivlen = 0, kl = key->len;
	uint8_t mac[ST_HMAC_LEN], *buf;

	if (!st_tlv_find(p, n, TAG_HMAC, &h, &hlen) ||
	    !st_tlv_find(p, n, tag_enc, &c, &clen)) {
		st_setmsg(msg, msglen, "Could not find HMAC or encrypted data "
		    "(tag %u) in byte stream.", tag_enc);
		return ST_NODATA;
	}
	/* COMPAT: §8, oldest v2 files have no IV: zero IV, HMAC over C. */
	if (!st_tlv_find(p, n, tag_iv, &iv, &ivlen))
		iv = NULL;
	if (hlen < ST_HMAC_LEN) {
		st_setmsg(msg, msglen, "hmac record too short: %zu bytes",
		    hlen);
		return ST_FAIL;
	}
	if (!hmac256(key, c, clen, iv, ivlen, mac)) {
		st_setmsg(msg, msglen, "cannot compute hmac");
		return ST_FAIL;
	}
	if (CRYPTO_memcmp(mac, h, ST_HMAC_LEN) != 0) {
		st_setmsg(msg, msglen, "Verification of HMAC failed. "
		    "Data integrity is compromised");
		return ST_DECRYPT;
	}
	if (clen < kl || (iv != NULL && ivlen < 16)) {
		st_setmsg(msg, msglen, "encrypted data or iv too short");
		return ST_DECRYPT;
	}
	if (clen % 16 != 0 || clen > ST_BLOB_MAX + 32) {
		st_setmsg(msg, msglen, "bad length of encrypted data: %zu",
		    clen);
		return ST_FAIL;
	}
	if ((buf = malloc(clen)) == NULL)
		return ST_NOMEM;
	if (!aes_cbc(key, iv != NULL ? iv : zero_iv, 0, c, clen, buf)) {
		secure_free(buf, clen);
		st_setmsg(msg, msglen, "decryption failed");
		return ST_FAIL;
	}
	if (!unpad(buf, clen, kl, plainlen)) {
		secure_free(buf, clen);
		st_setmsg(msg, msglen, "bad padding in decrypted data");
		return ST_DECRYPT;
	}
	*plain = buf;
	return ST_OK;
}

enum st_err
st_decrypt_v1(const struct st_key *key, const uint8_t *p, size_t n,
    uint8_t **plain, size_t *plainlen, char *msg, size_t msglen)
{
	static const uint8_t zero_iv[16];
	uint8_t md[32], *buf;
	size_t len;

	if (n < key->len || n % 16 != 0 || n > ST_BLOB_MAX + 64) {
		st_setmsg(msg, msglen, "bad length of encrypted data: %zu", n);
		return n < key->len ? ST_DECRYPT : ST_FAIL;
	}
	if ((buf = malloc(n)) == NULL)
		return ST_NOMEM;
	if (!aes_cbc(key, zero_iv, 0, p, n, buf)) {
		secure_free(buf, n);
		st_setmsg(msg, msglen, "decryption failed");
		return ST_FAIL;
	}
	if (!unpad(buf, n, key->len, &len)) {
		secure_free(buf, n);
		st_setmsg(msg, msglen, "bad padding in decrypted data");
		return ST_DECRYPT;
	}
	if (len < sizeof(md) ||
	    EVP_Digest(buf + 32, len - 32, md, NULL, EVP_sha256(),
	    NULL) != 1 || CRYPTO_memcmp(md, buf, sizeof(md)) != 0) {
		secure_free(buf, n);
		st_setmsg(msg, msglen, "Verification of hash failed. "
		    "Data integrity is compromised");
		return ST_FAIL;
	}
	memmove(buf, buf + 32, len - 32);
	OPENSSL_cleanse(buf + len - 32, n - (len - 32));
	*plain = buf;
	*plainlen = len - 32;
	return ST_OK;
}

enum st_err
st_encrypt_v1(const struct st_key *key, const uint8_t *p, size_t n,
    uint8_t **out, size_t *outlen)
{
	static const uint8_t zero_iv[16];
	uint8_t *b, *padded = NULL;
	size_t clen = 0;

	if (cipher_for(key->len) == NULL)
		return ST_KEYSIZE;
	if (n > ST_BLOB_MAX)
		return ST_INVAL;
	if ((b = malloc(n + 32)) == NULL)
		return ST_NOMEM;
	if (EVP_Digest(p, n, b, NULL, EVP_sha256(), NULL) != 1) {
		free(b);
		return ST_FAIL;
	}
	if (n > 0)
		memcpy(b + 32, p, n);
	padded = pad_copy(b, n + 32, key->len, &clen);
	secure_free(b, n + 32);
	if (padded == NULL)
		return ST_NOMEM;
	if (!aes_cbc(key, zero_iv, 1, padded, clen, padded)) {
		secure_free(padded, clen);
		return ST_FAIL;
	}
	*out = padded;
	*outlen = clen;
	return ST_OK;
}
