/*
 * RSA-OAEP and HMAC-SHA-1 for TPM 1.2 TakeOwnership (tpm12_auth.h), on
 * OpenSSL 3. Secrets on the stack are wiped before return.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "tpm12_auth.h"

#define OAEP_LABEL	"TCPA"

/* COMPAT: provisioning.md §1.11: nonceOdd is 01..06, then zeros */
static const uint8_t ref_nonce_odd[TPM12_NONCE_LEN] = { 1, 2, 3, 4, 5, 6 };

static bool
ssl_fail(char *msg, size_t msglen, const char *what)
{
	unsigned long e = ERR_get_error();

	snprintf(msg, msglen, "%s failed: %s", what,
	    e != 0 ? ERR_reason_error_string(e) : "unknown error");
	ERR_clear_error();
	return false;
}

void
tpm12_auth_value(const char *password, uint8_t out[TPM12_NONCE_LEN])
{
	unsigned int n = TPM12_NONCE_LEN;

	memset(out, 0, TPM12_NONCE_LEN);
	if (password != NULL &&
	    EVP_Digest(password, strlen(password), out, &n, EVP_sha1(),
	    NULL) != 1)
		memset(out, 0, TPM12_NONCE_LEN);
}

static EVP_PKEY *
rsa_pub(const uint8_t *mod, size_t modlen)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;
	BIGNUM *n = NULL, *e = NULL;

	if ((n = BN_bin2bn(mod, (int)modlen, NULL)) == NULL ||
	    (e = BN_new()) == NULL || BN_set_word(e, 65537) != 1 ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return key;
}

bool
tpm12_oaep_tcpa(const uint8_t *mod, size_t modlen, const uint8_t *in,
    size_t n, uint8_t *out, char *msg, size_t msglen)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;
	unsigned char *label = NULL;
	size_t outlen = modlen;
	bool ok = false;

	if (modlen == 0 || modlen > 1024) {
		snprintf(msg, msglen, "bad RSA modulus size %zu", modlen);
		return false;
	}
	if ((key = rsa_pub(mod, modlen)) == NULL) {
		ssl_fail(msg, msglen, "RSA key import");
		goto out;
	}
	label = OPENSSL_malloc(sizeof(OAEP_LABEL) - 1);
	if (label == NULL) {
		ssl_fail(msg, msglen, "OPENSSL_malloc");
		goto out;
	}
	memcpy(label, OAEP_LABEL, sizeof(OAEP_LABEL) - 1);
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) == NULL ||
	    EVP_PKEY_encrypt_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha1()) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha1()) != 1) {
		ssl_fail(msg, msglen, "RSA-OAEP set-up");
		goto out;
	}
	/* the context takes the label */
	if (EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label,
	    sizeof(OAEP_LABEL) - 1) != 1) {
		ssl_fail(msg, msglen, "RSA-OAEP label");
		goto out;
	}
	label = NULL;
	if (EVP_PKEY_encrypt(ctx, out, &outlen, in, n) != 1 ||
	    outlen != modlen) {
		ssl_fail(msg, msglen, "RSA-OAEP encryption");
		goto out;
	}
	ok = true;
out:
	OPENSSL_free(label);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(key);
	return ok;
}

bool
tpm12_owner_hmac(uint8_t *cmd, size_t len, size_t params_end,
    const uint8_t owner_auth[TPM12_NONCE_LEN],
    const uint8_t nonce_even[TPM12_NONCE_LEN], char *msg, size_t msglen)
{
	/* paramDigest, nonceEven, nonceOdd, continueAuthSession */
	uint8_t in[3 * TPM12_NONCE_LEN + 1], *trailer;
	unsigned int n = TPM12_NONCE_LEN;
	bool ok = false;

	/* authHandle, nonceOdd, continue, HMAC follow the parameters */
	if (params_end < TPM_HDR_LEN ||
	    len != params_end + 4 + 2 * TPM12_NONCE_LEN + 1) {
		snprintf(msg, msglen, "not a TakeOwnership command");
		return false;
	}
	trailer = cmd + params_end + 4;
	/* the ordinal is the header's last field: digest from there */
	if (EVP_Digest(cmd + TPM_HDR_CODE_OFF, params_end - TPM_HDR_CODE_OFF,
	    in, &n, EVP_sha1(), NULL) != 1) {
		ssl_fail(msg, msglen, "SHA-1");
		goto out;
	}
	memcpy(in + TPM12_NONCE_LEN, nonce_even, TPM12_NONCE_LEN);
	memcpy(in + 2 * TPM12_NONCE_LEN, trailer, TPM12_NONCE_LEN + 1);
	n = TPM12_NONCE_LEN;
	if (HMAC(EVP_sha1(), owner_auth, TPM12_NONCE_LEN, in, sizeof(in),
	    trailer + TPM12_NONCE_LEN + 1, &n) == NULL) {
		ssl_fail(msg, msglen, "HMAC-SHA-1");
		goto out;
	}
	ok = true;
out:
	OPENSSL_cleanse(in, sizeof(in));
	return ok;
}

bool
tpm12_build_take_ownership_auth(struct wr *w, const uint8_t *ek_mod,
    size_t modlen, const uint8_t owner_auth[TPM12_NONCE_LEN],
    const uint8_t srk_auth[TPM12_NONCE_LEN], uint32_t auth_handle,
    const uint8_t nonce_even[TPM12_NONCE_LEN], char *msg, size_t msglen)
{
	uint8_t enc_owner[TPM12_RSA_BYTES], enc_srk[TPM12_RSA_BYTES];
	size_t at = w->len, params_end;

	if (modlen != TPM12_RSA_BYTES) {
		snprintf(msg, msglen, "EK modulus has %zu bytes, not %d",
		    modlen, TPM12_RSA_BYTES);
		return false;
	}
	if (!tpm12_oaep_tcpa(ek_mod, modlen, owner_auth, TPM12_NONCE_LEN,
	    enc_owner, msg, msglen) ||
	    !tpm12_oaep_tcpa(ek_mod, modlen, srk_auth, TPM12_NONCE_LEN,
	    enc_srk, msg, msglen))
		return false;
	if (!tpm12_build_take_ownership(w, enc_owner, enc_srk, modlen,
	    auth_handle, ref_nonce_odd, &params_end)) {
		snprintf(msg, msglen, "TakeOwnership does not fit");
		return false;
	}
	return tpm12_owner_hmac(w->p + at, w->len - at, params_end,
	    owner_auth, nonce_even, msg, msglen);
}
