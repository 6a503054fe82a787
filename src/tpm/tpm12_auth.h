/*
 * The cryptography of TPM 1.2 TakeOwnership (provisioning.md §1.11):
 * RSA-OAEP (SHA-1, MGF1-SHA-1, label "TCPA") of the auth values under
 * the EK, and the owner's HMAC-SHA-1 over the command. OpenSSL; kept
 * apart from the pure wire code of tpm12.h so that only the tools that
 * take ownership link it. Never logs: errors go to a message buffer.
 */
#ifndef TPM_TPM12_AUTH_H
#define TPM_TPM12_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "tpm12.h"

/*
 * An auth value from a password: SHA-1 of its bytes, or for NULL the
 * well-known secret (20 zero bytes).
 */
void	 tpm12_auth_value(const char *password,
	    uint8_t out[TPM12_NONCE_LEN]);

/*
 * RSA-OAEP with exponent 65537 and the modulus mod (modlen bytes) of n
 * bytes of in; out receives modlen bytes. Returns false with msg.
 */
bool	 tpm12_oaep_tcpa(const uint8_t *mod, size_t modlen,
	    const uint8_t *in, size_t n, uint8_t *out, char *msg,
	    size_t msglen);

/*
 * Fills in the HMAC of a command built by tpm12_build_take_ownership
 * (cmd, len bytes, params_end from it): HMAC-SHA-1 keyed with the owner
 * auth over SHA-1(ordinal || parameters) || nonceEven || nonceOdd ||
 * continueAuthSession. Returns false with msg.
 */
bool	 tpm12_owner_hmac(uint8_t *cmd, size_t len, size_t params_end,
	    const uint8_t owner_auth[TPM12_NONCE_LEN],
	    const uint8_t nonce_even[TPM12_NONCE_LEN], char *msg,
	    size_t msglen);

/*
 * The whole TakeOwnership: encrypts both auth values under the EK
 * modulus (TPM12_RSA_BYTES), builds the command at w->len with the
 * reference's nonceOdd, and signs it. Returns false with msg.
 */
bool	 tpm12_build_take_ownership_auth(struct wr *w, const uint8_t *ek_mod,
	    size_t modlen, const uint8_t owner_auth[TPM12_NONCE_LEN],
	    const uint8_t srk_auth[TPM12_NONCE_LEN], uint32_t auth_handle,
	    const uint8_t nonce_even[TPM12_NONCE_LEN], char *msg,
	    size_t msglen);

#endif
