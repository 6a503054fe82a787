/*
 * Unit tests for src/state blob formats, crypto and keys: the test
 * vectors of state-storage.md §9 and §7.3, every truncation, flipped
 * bytes, wrong keys, old formats (§8) and key file parsing.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "internal.h"
#include "io.h"
#include "state.h"
#include "t.h"

#define VEC_A "0201000a00010000005c 0002 00000010 " \
	"72a7288f52cca16a11e7ff95d6a64595 0003 00000020 " \
	"089a85f87dce56d5cd69baa65826d46f80797df884862fa1a554603a0d634f01 " \
	"0006 00000010 404142434445464748494a4b4c4d4e4f"
#define VEC_B "0201000a00090000007c 0002 00000020 " \
	"2c0cc57b1e5a75e9cb1193031e1e23c6141fcac707ebb94b1d39f8050c4c1c79 " \
	"0003 00000020 " \
	"ed0f50630638d5ea45440cf28698282ea3dcfb1b47d415dfa3a6f515d661582c " \
	"0006 00000020 " \
	"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
#define VEC_C "0201000a000000000015 0001 00000005 737774706d"
#define VEC_D "0201000a00040000001b 0004 0000000b 0001 00000005 737774706d"
#define VEC_E "0201000a00060000005c 0005 00000010 " \
	"1b4aa24b761b62ccf75f3c754aaac09f 0003 00000020 " \
	"93e58b4be82ac95cb79d2e38ad57738bd7f668772b5ec8b4c46c2cb0b1f0beec " \
	"0007 00000010 505152535455565758595a5b5c5d5e5f"
#define VEC_F "0201000a000500000062 0004 00000052 0002 00000010 " \
	"72a7288f52cca16a11e7ff95d6a64595 0003 00000020 " \
	"089a85f87dce56d5cd69baa65826d46f80797df884862fa1a554603a0d634f01 " \
	"0006 00000010 404142434445464748494a4b4c4d4e4f"

static uint8_t	iv40[32], iv50[16];
static struct st_key k128, k256, kother;
static char	msg[256];

static void
setup(void)
{
	size_t i;

	for (i = 0; i < 32; i++) {
		k256.data[i] = (uint8_t)i;
		iv40[i] = (uint8_t)(0x40 + i);
		kother.data[i] = (uint8_t)(0xa0 + i);
	}
	k256.len = 32;
	memcpy(k128.data, k256.data, 16);
	k128.len = 16;
	kother.len = 16;
	for (i = 0; i < 16; i++)
		iv50[i] = (uint8_t)(0x50 + i);
}

static size_t
hex(const char *s, uint8_t *out, size_t cap)
{
	return t_hex(s, out, cap);
}

static void
check_file_vec(const char *vec, const struct st_key *key, const char *pt)
{
	uint8_t want[256], *out = NULL, *plain = NULL;
	size_t wlen = hex(vec, want, sizeof(want)), olen = 0, plen = 0;

	T_EQ_U(st_file_wrap((const uint8_t *)pt, strlen(pt), key, &out,
	    &olen), ST_OK);
	T_EQ_U(olen, wlen);
	if (out != NULL && olen == wlen)
		T_EQ_MEM(out, want, wlen);
	free(out);
	T_EQ_U(st_file_unwrap(want, wlen, key, &plain, &plen, msg,
	    sizeof(msg)), ST_OK);
	T_EQ_U(plen, strlen(pt));
	if (plain != NULL && plen == strlen(pt))
		T_EQ_MEM(plain, pt, plen);
	secure_free(plain, plen);
}

static void
test_vectors_file(void)
{
	st_crypto_set_test_iv(iv40, 16);
	check_file_vec(VEC_A, &k128, "swtpm");
	st_crypto_set_test_iv(iv40, 32);
	check_file_vec(VEC_B, &k256, "abc");
	check_file_vec(VEC_C, NULL, "swtpm");
	st_crypto_set_test_iv(NULL, 0);
}

static void
check_sblob_vec(const char *vec, const struct st_key *fk,
    const struct st_key *mk, bool want_enc)
{
	uint8_t want[256], *out = NULL, *plain = NULL;
	size_t wlen = hex(vec, want, sizeof(want)), olen = 0, plen = 0;
	bool enc = !want_enc;

	T_EQ_U(st_sblob_wrap((const uint8_t *)"swtpm", 5, fk, mk, &out, &olen,
	    &enc), ST_OK);
	T_EQ_U(enc, want_enc);
	T_EQ_U(olen, wlen);
	if (out != NULL && olen == wlen)
		T_EQ_MEM(out, want, wlen);
	free(out);
	T_EQ_U(st_sblob_unwrap(want, wlen, false, fk, mk, "permall", &plain,
	    &plen, msg, sizeof(msg)), ST_OK);
	T_EQ_U(plen, 5);
	if (plain != NULL && plen == 5)
		T_EQ_MEM(plain, "swtpm", 5);
	secure_free(plain, plen);
}

static void
test_vectors_sblob(void)
{
	check_sblob_vec(VEC_D, NULL, NULL, false);
	st_crypto_set_test_iv(iv50, 16);
	check_sblob_vec(VEC_E, NULL, &k128, false);
	st_crypto_set_test_iv(iv40, 16);
	check_sblob_vec(VEC_F, &k128, NULL, true);
	st_crypto_set_test_iv(NULL, 0);
}

/* Feeds every prefix, raw and with a fixed-up totlen, to the unwrappers. */
static void
truncations_of(const char *vec, const struct st_key *fk,
    const struct st_key *mk)
{
	uint8_t b[256], *plain;
	size_t len = hex(vec, b, sizeof(b)), n, plen;
	enum st_err rc;

	for (n = 0; n < len; n++) {
		uint8_t *c = malloc(n + 1);

		memcpy(c, b, n);
		plain = NULL;
		rc = st_file_unwrap(c, n, fk != NULL ? fk : mk, &plain, &plen,
		    msg, sizeof(msg));
		T_CHECK(rc != ST_OK);
		T_CHECK(plain == NULL);
		rc = st_sblob_unwrap(c, n, false, fk, mk, "permall", &plain,
		    &plen, msg, sizeof(msg));
		T_CHECK(n == 0 ? rc == ST_OK : rc != ST_OK);
		T_CHECK(plain == NULL);
		if (n >= ST_HDR_LEN) {
			be32_put(c + 6, (uint32_t)n);
			rc = st_sblob_unwrap(c, n, false, fk, mk, "permall",
			    &plain, &plen, msg, sizeof(msg));
			/* header only clears the state */
			T_CHECK(n == ST_HDR_LEN ? rc == ST_OK : rc != ST_OK);
			secure_free(plain, plen);
			plain = NULL;
			rc = st_file_unwrap(c, n, fk != NULL ? fk : mk, &plain,
			    &plen, msg, sizeof(msg));
			T_CHECK(rc != ST_OK);
			secure_free(plain, plen);
		}
		free(c);
	}
}

static void
test_truncations(void)
{
	truncations_of(VEC_A, &k128, NULL);
	truncations_of(VEC_B, &k256, NULL);
	truncations_of(VEC_C, NULL, NULL);
	truncations_of(VEC_D, NULL, NULL);
	truncations_of(VEC_E, NULL, &k128);
	truncations_of(VEC_F, &k128, NULL);
}

static void
test_oversized(void)
{
	uint8_t b[64], *plain = NULL;
	size_t len = hex(VEC_C, b, sizeof(b)), plen;
	uint32_t big[] = { 6, 0x7fffffff, 0xffffffff, 0x10000 };
	size_t i;

	for (i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		be32_put(b + 12, big[i]);
		T_EQ_U(st_file_unwrap(b, len, NULL, &plain, &plen, msg,
		    sizeof(msg)), ST_NODATA);
		T_EQ_STR(msg, "Could not find plain data in byte stream.");
	}
	len = hex(VEC_A, b, sizeof(b));
	be32_put(b + 12, 0xfffffff0);	/* TAG_ENCRYPTED_DATA length */
	T_EQ_U(st_file_unwrap(b, len, &k128, &plain, &plen, msg,
	    sizeof(msg)), ST_NODATA);
	T_EQ_STR(msg, "Could not find HMAC or encrypted data (tag 2) in "
	    "byte stream.");
}

static void
test_flipped(void)
{
	uint8_t b[256], *plain;
	size_t len = hex(VEC_A, b, sizeof(b)), i, plen;
	enum st_err rc;

	for (i = ST_HDR_LEN; i < len; i++) {
		bool in_value = (i >= 16 && i < 32) || (i >= 38 && i < 70) ||
		    (i >= 76);

		b[i] ^= 0x01;
		plain = NULL;
		rc = st_file_unwrap(b, len, &k128, &plain, &plen, msg,
		    sizeof(msg));
		T_CHECK(rc != ST_OK);
		T_CHECK(plain == NULL);
		if (in_value && rc != ST_DECRYPT)
			fprintf(stderr, "byte %zu: rc %d\n", i, rc);
		if (in_value)
			T_EQ_U(rc, ST_DECRYPT);
		b[i] ^= 0x01;
	}
	/* byte 30 of F, as verified against 0.7.1 (§9) */
	len = hex(VEC_F, b, sizeof(b));
	b[30] ^= 0x01;
	T_EQ_U(st_sblob_unwrap(b, len, false, &k128, NULL, "permall", &plain,
	    &plen, msg, sizeof(msg)), ST_DECRYPT);
	T_EQ_STR(msg, "Verification of HMAC failed. Data integrity is "
	    "compromised");
	len = hex(VEC_E, b, sizeof(b));
	b[20] ^= 0x01;
	T_EQ_U(st_sblob_unwrap(b, len, false, NULL, &k128, "permall", &plain,
	    &plen, msg, sizeof(msg)), ST_DECRYPT);
}

static void
test_wrong_keys(void)
{
	uint8_t b[256], *plain = NULL;
	size_t len = hex(VEC_A, b, sizeof(b)), plen;

	T_EQ_U(st_file_unwrap(b, len, &k256, &plain, &plen, msg, sizeof(msg)),
	    ST_KEYSIZE);
	T_EQ_STR(msg, "Wrong decryption key. Need 128 bit key.");
	T_EQ_U(st_file_unwrap(b, len, &kother, &plain, &plen, msg,
	    sizeof(msg)), ST_DECRYPT);
	T_EQ_STR(msg, "Verification of HMAC failed. Data integrity is "
	    "compromised");
	T_EQ_U(st_file_unwrap(b, len, NULL, &plain, &plen, msg, sizeof(msg)),
	    ST_NODATA);
	T_EQ_STR(msg, "Could not find plain data in byte stream.");
	len = hex(VEC_B, b, sizeof(b));
	T_EQ_U(st_file_unwrap(b, len, &k128, &plain, &plen, msg, sizeof(msg)),
	    ST_KEYSIZE);
	T_EQ_STR(msg, "Wrong decryption key. Need 256 bit key.");
	len = hex(VEC_C, b, sizeof(b));
	T_EQ_U(st_file_unwrap(b, len, &k128, &plain, &plen, msg, sizeof(msg)),
	    ST_NODATA);
	T_EQ_STR(msg, "Could not find HMAC or encrypted data (tag 2) in "
	    "byte stream.");
	T_CHECK(plain == NULL);
}

static void
test_header_errors(void)
{
	uint8_t b[64], *plain = NULL;
	size_t len, plen;

	len = hex("0201000b00040000000a", b, sizeof(b));
	T_EQ_U(st_sblob_unwrap(b, len, false, NULL, NULL, "permall", &plain,
	    &plen, msg, sizeof(msg)), ST_BADHDRSIZE);
	T_EQ_STR(msg, "bad header size: 11 != 10");
	len = hex("0203000a00040000000a", b, sizeof(b));
	T_EQ_U(st_sblob_unwrap(b, len, false, NULL, NULL, "permall", &plain,
	    &plen, msg, sizeof(msg)), ST_BADVERSION);
	T_EQ_STR(msg, "Minimum required version for the blob is 3, we only "
	    "support version 2");
	len = hex("0201000a00040000000b", b, sizeof(b));
	T_EQ_U(st_sblob_unwrap(b, len, false, NULL, NULL, "permall", &plain,
	    &plen, msg, sizeof(msg)), ST_SHORT);
	T_EQ_STR(msg, "broken header: bh->totlen 11 != 10");
	T_EQ_U(st_sblob_unwrap(b, 4, false, NULL, NULL, "permall", &plain,
	    &plen, msg, sizeof(msg)), ST_SHORT);
	T_EQ_STR(msg, "not enough bytes for header: 4");
	/* header only, also with migration flags: clears */
	len = hex("0201000a00060000000a", b, sizeof(b));
	T_EQ_U(st_sblob_unwrap(b, len, false, NULL, NULL, "permall", &plain,
	    &plen, msg, sizeof(msg)), ST_OK);
	T_CHECK(plain == NULL && plen == 0);
	T_EQ_U(st_sblob_unwrap(b, 0, false, NULL, NULL, "permall", &plain,
	    &plen, msg, sizeof(msg)), ST_OK);
	/* unknown payload version is refused, not taken as "no data" */
	len = hex("0301000a00040000001b 0004 0000000b 0001 00000005 "
	    "737774706d", b, sizeof(b));
	T_EQ_U(st_sblob_unwrap(b, len, false, NULL, NULL, "permall", &plain,
	    &plen, msg, sizeof(msg)), ST_FAIL);
}

static void
test_sblob_errors(void)
{
	uint8_t b[256], *plain = NULL;
	size_t len, plen;

	/* migration-encrypted, no migration key */
	len = hex(VEC_E, b, sizeof(b));
	T_EQ_U(st_sblob_unwrap(b, len, false, &k128, NULL, "permall", &plain,
	    &plen, msg, sizeof(msg)), ST_NOKEY);
	T_EQ_STR(msg, "Missing migration key to decrypt permall");
	/* file-key encrypted, no file key; also via state_flags */
	len = hex(VEC_F, b, sizeof(b));
	T_EQ_U(st_sblob_unwrap(b, len, false, NULL, &k128, "volatilestate",
	    &plain, &plen, msg, sizeof(msg)), ST_NOKEY);
	T_EQ_STR(msg, "Missing state key to decrypt volatilestate");
	len = hex(VEC_D, b, sizeof(b));
	T_EQ_U(st_sblob_unwrap(b, len, true, NULL, NULL, "permall", &plain,
	    &plen, msg, sizeof(msg)), ST_NOKEY);
	T_EQ_STR(msg, "Missing state key to decrypt permall");
	/* stored-file form, empty tag 4, tag 1 past its parent */
	len = hex(VEC_C, b, sizeof(b));
	T_EQ_U(st_sblob_unwrap(b, len, false, NULL, NULL, "permall", &plain,
	    &plen, msg, sizeof(msg)), ST_NODATA);
	T_EQ_STR(msg, "Could not find plain data in byte stream.");
	len = hex("0201000a000400000010 0004 00000000", b, sizeof(b));
	T_EQ_U(st_sblob_unwrap(b, len, false, NULL, NULL, "permall", &plain,
	    &plen, msg, sizeof(msg)), ST_NODATA);
	len = hex("0201000a00040000001b 0004 0000000b 0001 00000006 "
	    "737774706d", b, sizeof(b));
	T_EQ_U(st_sblob_unwrap(b, len, false, NULL, NULL, "permall", &plain,
	    &plen, msg, sizeof(msg)), ST_NODATA);
	/* wrong migration key size */
	len = hex(VEC_E, b, sizeof(b));
	T_EQ_U(st_sblob_unwrap(b, len, false, NULL, &k256, "permall", &plain,
	    &plen, msg, sizeof(msg)), ST_KEYSIZE);
	/* unencrypted blob accepted with keys configured ("upgrade") */
	len = hex(VEC_D, b, sizeof(b));
	T_EQ_U(st_sblob_unwrap(b, len, false, &k128, &k256, "permall", &plain,
	    &plen, msg, sizeof(msg)), ST_OK);
	T_EQ_U(plen, 5);
	secure_free(plain, plen);
}

/* Random-IV round trips over all key combinations and many lengths. */
static void
test_roundtrips(void)
{
	const struct st_key *keys[] = { NULL, &k128, &k256 };
	uint8_t data[200], *out, *plain;
	size_t i, j, n, olen, plen;
	bool enc;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	for (n = 0; n <= 70; n += 1) {
		for (i = 0; i < 3; i++) {
			T_EQ_U(st_file_wrap(data, n, keys[i], &out, &olen),
			    ST_OK);
			T_EQ_U(st_file_unwrap(out, olen, keys[i], &plain,
			    &plen, msg, sizeof(msg)), ST_OK);
			T_CHECK(plen == n && memcmp(plain, data, n) == 0);
			free(out);
			secure_free(plain, plen);
			for (j = 0; j < 3; j++) {
				T_EQ_U(st_sblob_wrap(data, n, keys[i], keys[j],
				    &out, &olen, &enc), ST_OK);
				T_EQ_U(enc, keys[i] != NULL);
				T_EQ_U(st_sblob_unwrap(out, olen, false,
				    keys[i], keys[j], "permall", &plain, &plen,
				    msg, sizeof(msg)), ST_OK);
				T_CHECK(plen == n &&
				    memcmp(plain, data, n) == 0);
				free(out);
				secure_free(plain, plen);
			}
		}
	}
}

/* Builds [2][3]([6]) by hand, for layouts our writer never emits. */
static size_t
mk_enc(const struct st_key *k, const uint8_t *iv, size_t ivlen,
    const char *pt, size_t padto, uint8_t *out)
{
	static const uint8_t zero[16];
	uint8_t padded[128], c[128], mac[32];
	size_t n = strlen(pt), clen = (n / padto + 1) * padto, off;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	unsigned int maclen = 32;
	int l1, l2;
	EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *mc = EVP_MAC_CTX_new(m);
	OSSL_PARAM p[2];
	size_t ml;

	memcpy(padded, pt, n);
	memset(padded + n, (int)(clen - n), clen - n);
	EVP_CipherInit_ex(ctx, k->len == 16 ? EVP_aes_128_cbc() :
	    EVP_aes_256_cbc(), NULL, k->data, ivlen ? iv : zero, 1);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	EVP_CipherUpdate(ctx, c, &l1, padded, (int)clen);
	EVP_CipherFinal_ex(ctx, c + l1, &l2);
	EVP_CIPHER_CTX_free(ctx);
	p[0] = OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0);
	p[1] = OSSL_PARAM_construct_end();
	EVP_MAC_init(mc, k->data, k->len, p);
	EVP_MAC_update(mc, c, clen);
	if (ivlen)
		EVP_MAC_update(mc, iv, ivlen);
	EVP_MAC_final(mc, mac, &ml, 32);
	EVP_MAC_CTX_free(mc);
	EVP_MAC_free(m);
	(void)maclen;
	off = ST_HDR_LEN;
	be16_put(out + off, 2);
	be32_put(out + off + 2, (uint32_t)clen);
	memcpy(out + off + 6, c, clen);
	off += 6 + clen;
	be16_put(out + off, 3);
	be32_put(out + off + 2, 32);
	memcpy(out + off + 6, mac, 32);
	off += 38;
	if (ivlen) {
		be16_put(out + off, 6);
		be32_put(out + off + 2, (uint32_t)ivlen);
		memcpy(out + off + 6, iv, ivlen);
		off += 6 + ivlen;
	}
	out[0] = 2;
	out[1] = 1;
	be16_put(out + 2, 10);
	be16_put(out + 4, k->len == 32 ? 0x9 : 0x1);
	be32_put(out + 6, (uint32_t)off);
	return off;
}

static void
test_old_layouts(void)
{
	uint8_t b[256], *plain = NULL, *enc = NULL;
	size_t len, plen, elen;

	/* v2 without IV record: zero IV, HMAC over the ciphertext only */
	len = mk_enc(&k128, NULL, 0, "swtpm", 16, b);
	T_EQ_U(st_file_unwrap(b, len, &k128, &plain, &plen, msg, sizeof(msg)),
	    ST_OK);
	T_CHECK(plen == 5 && memcmp(plain, "swtpm", 5) == 0);
	secure_free(plain, plen);
	/* AES-256 padded to 16 only; 32-byte IV with an AES-128 key */
	len = mk_enc(&k256, iv40, 32, "a 256 bit file padded to 16 bytes", 16,
	    b);
	T_EQ_U(st_file_unwrap(b, len, &k256, &plain, &plen, msg, sizeof(msg)),
	    ST_OK);
	T_CHECK(plen == 33 && memcmp(plain, "a 256 bit file padded", 21) == 0);
	secure_free(plain, plen);
	len = mk_enc(&k128, iv40, 32, "long iv", 16, b);
	T_EQ_U(st_file_unwrap(b, len, &k128, &plain, &plen, msg, sizeof(msg)),
	    ST_OK);
	T_CHECK(plen == 7 && memcmp(plain, "long iv", 7) == 0);
	secure_free(plain, plen);
	/* IV shorter than 16 bytes */
	len = mk_enc(&k128, iv40, 8, "short iv", 16, b);
	T_EQ_U(st_file_unwrap(b, len, &k128, &plain, &plen, msg, sizeof(msg)),
	    ST_DECRYPT);
	/* header version 1, plain and encrypted */
	len = hex("0101000a000000000013 737774706d 01020304", b, sizeof(b));
	T_EQ_U(st_file_unwrap(b, len, NULL, &plain, &plen, msg, sizeof(msg)),
	    ST_OK);
	T_CHECK(plen == 9 && memcmp(plain, "swtpm\1\2\3\4", 9) == 0);
	secure_free(plain, plen);
	T_EQ_U(st_encrypt_v1(&k128, (const uint8_t *)"old", 3, &enc, &elen),
	    ST_OK);
	b[0] = 1;
	b[1] = 1;
	be16_put(b + 2, 10);
	be16_put(b + 4, 1);
	be32_put(b + 6, (uint32_t)(10 + elen));
	memcpy(b + 10, enc, elen);
	T_EQ_U(st_file_unwrap(b, 10 + elen, &k128, &plain, &plen, msg,
	    sizeof(msg)), ST_OK);
	T_CHECK(plen == 3 && memcmp(plain, "old", 3) == 0);
	secure_free(plain, plen);
	b[12] ^= 1;
	T_CHECK(st_file_unwrap(b, 10 + elen, &k128, &plain, &plen, msg,
	    sizeof(msg)) != ST_OK);
	free(enc);
}

/* ---------------------------------------------------------------- keys */

static char	tdir[] = "/tmp/test_state_keyXXXXXX";

static const char *
put_file(const char *name, const void *p, size_t n)
{
	static char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0) {
		if (write_full(fd, p, n) < 0)
			perror("write");
		close(fd);
	}
	return path;
}

static enum st_err
load_key(enum st_key_src src, const char *content, size_t n,
    enum st_key_fmt fmt, size_t keylen, enum st_kdf kdf, struct st_key *k,
    char *warn)
{
	struct st_keyopt o;

	memset(&o, 0, sizeof(o));
	o.src = src;
	o.fd = -1;
	o.fmt = fmt;
	o.keylen = keylen;
	o.kdf = kdf;
	o.path = put_file("key", content, n);
	return st_key_load(&o, k, msg, sizeof(msg), warn, 128);
}

static void
test_key_hex(void)
{
	struct st_key k;
	const char *h32 = "000102030405060708090a0b0c0d0e0f";
	const char *h64 = "000102030405060708090A0B0C0D0E0F"
	    "101112131415161718191a1b1c1d1e1f";
	char buf[128], warn[128];

	T_EQ_U(load_key(ST_KEY_FILE, h32, 32, ST_KEY_HEX, 16, 0, &k, warn),
	    ST_OK);
	T_CHECK(k.len == 16 && memcmp(k.data, k128.data, 16) == 0);
	snprintf(buf, sizeof(buf), "0x%s\n", h32);
	T_EQ_U(load_key(ST_KEY_FILE, buf, strlen(buf), ST_KEY_HEX, 16, 0, &k,
	    warn), ST_OK);
	T_CHECK(k.len == 16 && memcmp(k.data, k128.data, 16) == 0);
	snprintf(buf, sizeof(buf), "%s\n", h64);
	T_EQ_U(load_key(ST_KEY_FILE, buf, strlen(buf), ST_KEY_HEX, 32, 0, &k,
	    warn), ST_OK);
	T_CHECK(k.len == 32 && memcmp(k.data, k256.data, 32) == 0);
	snprintf(buf, sizeof(buf), "%s garbage after space", h32);
	T_EQ_U(load_key(ST_KEY_FILE, buf, strlen(buf), ST_KEY_HEX, 16, 0, &k,
	    warn), ST_OK);
	T_EQ_U(load_key(ST_KEY_FILE, h32, 32, ST_KEY_HEX, 32, 0, &k, warn),
	    ST_KEYSIZE);
	T_EQ_STR(msg, "The provided key is too short. Got 16 bytes, need 32.");
	T_EQ_U(k.len, 0);
	T_CHECK(load_key(ST_KEY_FILE, h64, 64, ST_KEY_HEX, 16, 0, &k,
	    warn) != ST_OK);
	T_EQ_STR(msg, "Could not parse key hex string into 16 byte buffer.");
	T_CHECK(load_key(ST_KEY_FILE, "0011", 4, ST_KEY_HEX, 16, 0, &k,
	    warn) != ST_OK);
	T_EQ_STR(msg, "Unsupported key length with 4 digits.");
	snprintf(buf, sizeof(buf), "%sxy", h32);
	T_CHECK(load_key(ST_KEY_FILE, buf, strlen(buf), ST_KEY_HEX, 16, 0, &k,
	    warn) != ST_OK);
	T_EQ_STR(msg, "Could not parse key hex string into 16 byte buffer.");
}

static void
test_key_binary(void)
{
	struct st_key k;
	char warn[128];

	T_EQ_U(load_key(ST_KEY_FILE, (const char *)k256.data, 32,
	    ST_KEY_BINARY, 32, 0, &k, warn), ST_OK);
	T_CHECK(k.len == 32 && memcmp(k.data, k256.data, 32) == 0);
	/* 16 bytes with aes-256-cbc: used as AES-128 (§7.2) */
	T_EQ_U(load_key(ST_KEY_FILE, (const char *)k256.data, 16,
	    ST_KEY_BINARY, 32, 0, &k, warn), ST_OK);
	T_EQ_U(k.len, 16);
	T_EQ_U(load_key(ST_KEY_FILE, (const char *)k256.data, 17,
	    ST_KEY_BINARY, 16, 0, &k, warn), ST_KEYSIZE);
	T_EQ_STR(msg, "Key is larger than buffer");
	T_EQ_U(load_key(ST_KEY_FILE, (const char *)k256.data, 20,
	    ST_KEY_BINARY, 32, 0, &k, warn), ST_KEYSIZE);
}

static void
test_key_pass(void)
{
	struct st_key k;
	uint8_t want[32];
	char warn[128];

	T_EQ_U(load_key(ST_KEY_PWDFILE, "secret\n", 7, ST_KEY_HEX, 16,
	    ST_KDF_PBKDF2, &k, warn), ST_OK);
	hex("92bb9ef4ea654697a65e1689d0a0185b", want, sizeof(want));
	T_CHECK(k.len == 16 && memcmp(k.data, want, 16) == 0);
	T_EQ_STR(warn, "");
	T_EQ_U(load_key(ST_KEY_PWDFILE, "secret\n", 7, ST_KEY_HEX, 32,
	    ST_KDF_PBKDF2, &k, warn), ST_OK);
	hex("92bb9ef4ea654697a65e1689d0a0185b4e7f7e2b3173633277e1408c93d83826",
	    want, sizeof(want));
	T_CHECK(k.len == 32 && memcmp(k.data, want, 32) == 0);
	T_EQ_U(load_key(ST_KEY_PWDFILE, "secret\n", 7, ST_KEY_HEX, 32,
	    ST_KDF_SHA512, &k, warn), ST_OK);
	hex("eaa16b9ced0b5c6ece7aae07cb47c671e8c8f03bfe807f941809477a847337af",
	    want, sizeof(want));
	T_CHECK(k.len == 32 && memcmp(k.data, want, 32) == 0);
	T_EQ_U(load_key(ST_KEY_PWDFILE, "short", 5, ST_KEY_HEX, 16,
	    ST_KDF_PBKDF2, &k, warn), ST_OK);
	T_EQ_STR(warn, "Warning: Passphrase is only 5 bytes long");
	T_EQ_U(load_key(ST_KEY_PWDFILE, "", 0, ST_KEY_HEX, 16,
	    ST_KDF_PBKDF2, &k, warn), ST_OK);
	T_EQ_U(k.len, 16);
}

static void
test_key_fd_remove(void)
{
	struct st_keyopt o;
	struct st_key k;
	int p[2];
	const char *path;

	/* pwdfd: read to EOF, fd closed afterwards */
	T_ASSERT(pipe(p) == 0);
	T_ASSERT(write(p[1], "secret\n", 7) == 7);
	close(p[1]);
	memset(&o, 0, sizeof(o));
	o.src = ST_KEY_PWDFD;
	o.fd = p[0];
	o.keylen = 16;
	o.kdf = ST_KDF_PBKDF2;
	T_EQ_U(st_key_load(&o, &k, msg, sizeof(msg), NULL, 0), ST_OK);
	T_CHECK(k.data[0] == 0x92 && k.data[15] == 0x5b);
	T_CHECK(fcntl(p[0], F_GETFD) < 0 && errno == EBADF);
	/* remove unlinks the key file */
	path = put_file("rmkey", "000102030405060708090a0b0c0d0e0f", 32);
	o.src = ST_KEY_FILE;
	o.fd = -1;
	o.path = path;
	o.fmt = ST_KEY_HEX;
	o.remove = true;
	T_EQ_U(st_key_load(&o, &k, msg, sizeof(msg), NULL, 0), ST_OK);
	T_CHECK(access(path, F_OK) < 0);
	/* no source at all */
	o.src = ST_KEY_NONE;
	T_EQ_U(st_key_load(&o, &k, msg, sizeof(msg), NULL, 0), ST_INVAL);
	T_EQ_STR(msg, "Either file=, fd=, pwdfile=, or pwdfd= is required "
	    "for key option");
	st_key_wipe(&k);
	T_EQ_U(k.len, 0);
}

/* The one table of blob names and kinds. */
static void
test_blob_table(void)
{
	const struct st_blob_desc *d;
	int k;

	for (k = 0; k < ST_BLOB_NKINDS; k++) {
		d = st_blob_desc((enum st_blob_kind)k);
		T_ASSERT(d != NULL);
		T_EQ_U(d->kind, k);
		T_CHECK(st_blob_by_name(d->name) == d);
		T_EQ_U(st_name_index(d->name), k);
	}
	T_EQ_STR(st_blob_desc(ST_BLOB_PERMANENT)->name, "permall");
	T_EQ_STR(st_blob_desc(ST_BLOB_VOLATILE)->name, "volatilestate");
	T_EQ_STR(st_blob_desc(ST_BLOB_SAVESTATE)->name, "savestate");
	T_EQ_STR(ST_PERMALL, "permall");
	T_CHECK(st_blob_desc(ST_BLOB_NKINDS) == NULL);
	T_CHECK(st_blob_desc((enum st_blob_kind)-1) == NULL);
	T_CHECK(st_blob_by_name("perm") == NULL);
	T_CHECK(st_blob_by_name(NULL) == NULL);
	T_EQ_U(st_name_index("x"), (unsigned long long)-1);
}

/* st_blob_inspect on the spec's vectors, old layouts and bad input. */
static void
test_inspect(void)
{
	struct st_blob_info bi;
	uint8_t b[512], big[2048];
	size_t n, i;

	n = hex(VEC_A, b, sizeof(b));		/* file, AES-128 */
	T_EQ_U(st_blob_inspect(b, n, &bi, msg, sizeof(msg)), ST_OK);
	T_EQ_U(bi.version, 2);
	T_EQ_U(bi.flags, 1);
	T_EQ_U(bi.totlen, n);
	T_EQ_U(bi.keylen, 16);
	T_EQ_U(bi.migkeylen, 0);
	T_CHECK(!bi.migration && !bi.trailing);
	T_EQ_U(bi.nrec, 3);
	T_EQ_U(bi.rec[0].tag, 2);
	T_EQ_U(bi.rec[0].offset, 16);
	T_EQ_U(bi.rec[0].length, 16);
	T_EQ_U(bi.rec[1].tag, 3);
	T_EQ_U(bi.rec[1].length, 32);
	T_EQ_U(bi.rec[2].tag, 6);
	T_EQ_STR(st_tlv_tag_name(bi.rec[1].tag), "HMAC");
	n = hex(VEC_B, b, sizeof(b));		/* file, AES-256 */
	T_EQ_U(st_blob_inspect(b, n, &bi, msg, sizeof(msg)), ST_OK);
	T_EQ_U(bi.keylen, 32);
	n = hex(VEC_C, b, sizeof(b));		/* file, plain */
	T_EQ_U(st_blob_inspect(b, n, &bi, msg, sizeof(msg)), ST_OK);
	T_EQ_U(bi.keylen, 0);
	T_EQ_U(bi.nrec, 1);
	T_EQ_U(bi.rec[0].tag, 1);
	T_EQ_U(bi.rec[0].length, 5);
	T_EQ_MEM(b + bi.rec[0].offset, "swtpm", 5);
	n = hex(VEC_D, b, sizeof(b));		/* state blob, plain */
	T_EQ_U(st_blob_inspect(b, n, &bi, msg, sizeof(msg)), ST_OK);
	T_CHECK(bi.migration);
	T_EQ_U(bi.nrec, 1);
	T_EQ_U(bi.rec[0].tag, 4);
	T_EQ_U(bi.ninner, 1);
	T_EQ_U(bi.inner[0].tag, 1);
	T_EQ_MEM(b + bi.inner[0].offset, "swtpm", 5);
	n = hex(VEC_E, b, sizeof(b));		/* migration-encrypted */
	T_EQ_U(st_blob_inspect(b, n, &bi, msg, sizeof(msg)), ST_OK);
	T_EQ_U(bi.migkeylen, 16);
	T_EQ_U(bi.ninner, 0);			/* not visible */
	n = hex(VEC_F, b, sizeof(b));		/* inner layer encrypted */
	T_EQ_U(st_blob_inspect(b, n, &bi, msg, sizeof(msg)), ST_OK);
	T_EQ_U(bi.keylen, 16);
	T_EQ_U(bi.ninner, 3);
	T_EQ_U(bi.inner[0].tag, 2);
	/* every truncation: a header error, never a crash */
	n = hex(VEC_F, b, sizeof(b));
	for (i = 0; i < n; i++)
		T_CHECK(st_blob_inspect(b, i, &bi, msg, sizeof(msg)) != ST_OK);
	/* a record running past the end (totlen kept consistent) */
	n = hex("0201000a000000000015 0001 000000ff 737774706d", b,
	    sizeof(b));
	T_EQ_U(st_blob_inspect(b, n, &bi, msg, sizeof(msg)), ST_OK);
	T_CHECK(bi.trailing);
	T_EQ_U(bi.nrec, 0);
	/* version 1: no records; version 3+: refused like a load */
	n = hex("0101000a000100000010 aabbccdd0011", b, sizeof(b));
	T_EQ_U(st_blob_inspect(b, n, &bi, msg, sizeof(msg)), ST_OK);
	T_EQ_U(bi.version, 1);
	T_EQ_U(bi.nrec, 0);
	n = hex("0303000a00000000000a", b, sizeof(b));
	T_EQ_U(st_blob_inspect(b, n, &bi, msg, sizeof(msg)), ST_BADVERSION);
	/* too many records */
	memset(big, 0, sizeof(big));
	n = ST_HDR_LEN + 6 * (ST_INSPECT_MAX_RECORDS + 1);
	big[0] = 2;
	big[1] = 1;
	big[3] = ST_HDR_LEN;
	be32_put(big + 6, (uint32_t)n);
	T_EQ_U(st_blob_inspect(big, n, &bi, msg, sizeof(msg)), ST_CORRUPT);
	T_CHECK(st_tlv_tag_name(99) == NULL);
}

int
main(void)
{
	setup();
	if (mkdtemp(tdir) == NULL)
		return 99;
	T_RUN(test_blob_table);
	T_RUN(test_inspect);
	T_RUN(test_vectors_file);
	T_RUN(test_vectors_sblob);
	T_RUN(test_truncations);
	T_RUN(test_oversized);
	T_RUN(test_flipped);
	T_RUN(test_wrong_keys);
	T_RUN(test_header_errors);
	T_RUN(test_sblob_errors);
	T_RUN(test_roundtrips);
	T_RUN(test_old_layouts);
	T_RUN(test_key_hex);
	T_RUN(test_key_binary);
	T_RUN(test_key_pass);
	T_RUN(test_key_fd_remove);
	unlink(put_file("key", "", 0));
	rmdir(tdir);
	T_END();
}
