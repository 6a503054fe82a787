/*
 * TPM 1.2 on the wire: tags, ordinals and structure constants, builders
 * for the commands of swtpm_bios (cli.md §10) and of the 1.2 flow of
 * swtpm_setup (provisioning.md §1.11), and bounded parsers for their
 * responses. Pure bytes; the RSA-OAEP and HMAC-SHA1 of TakeOwnership
 * live in tpm12_auth.h (OpenSSL), on top of these.
 *
 * Builders and parsers follow the conventions of tpm2.h: append one
 * command at w->len and return wr_ok(w); return the response code or
 * TPM_RSP_MALFORMED, filling out structures only on 0.
 *
 * TPM 1.2 result codes are libtpms' (tpm_error.h); the tools only print
 * them, so none is defined here.
 */
#ifndef TPM_TPM12_H
#define TPM_TPM12_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "tpmwire.h"

/* TPM_TAG: command and response tags */
#define TPM_TAG_RQU_COMMAND		0x00c1
#define TPM_TAG_RQU_AUTH1_COMMAND	0x00c2
#define TPM_TAG_RSP_COMMAND		0x00c4
#define TPM_TAG_RSP_AUTH1_COMMAND	0x00c5

/* TPM_COMMAND_CODE: ordinals */
#define TPM_ORD_OIAP			0x0000000au
#define TPM_ORD_TAKE_OWNERSHIP		0x0000000du
#define TPM_ORD_CONTINUE_SELFTEST	0x00000053u
#define TPM_ORD_GET_CAPABILITY		0x00000065u
#define TPM_ORD_PHYSICAL_ENABLE		0x0000006fu
#define TPM_ORD_PHYSICAL_SET_DEACTIVATED 0x00000072u
#define TPM_ORD_CREATE_EK_PAIR		0x00000078u
#define TPM_ORD_STARTUP			0x00000099u
#define TPM_ORD_NV_DEFINE_SPACE		0x000000ccu
#define TPM_ORD_NV_WRITE_VALUE		0x000000cdu
#define TSC_ORD_PHYSICAL_PRESENCE	0x4000000au

/* TPM_STARTUP_TYPE */
#define TPM_ST_CLEAR			0x0001
#define TPM_ST_STATE			0x0002
#define TPM_ST_DEACTIVATED		0x0003

/* TPM_PHYSICAL_PRESENCE bits */
#define TPM_PP_LOCK			0x0004
#define TPM_PP_PRESENT			0x0008
#define TPM_PP_NOTPRESENT		0x0010
#define TPM_PP_CMD_ENABLE		0x0020

/* TPM_CAPABILITY_AREA and the permanent flags' sub-capability */
#define TPM_CAP_FLAG			0x00000004u
#define TPM_CAP_FLAG_PERMANENT		0x00000108u

/* Structures of the 1.2 flow */
#define TPM_TAG_KEY12			0x0028
#define TPM_TAG_NV_ATTRIBUTES		0x0017
#define TPM_TAG_NV_DATA_PUBLIC		0x0018
#define TPM_PID_OWNER			0x0005
#define TPM_KEY_STORAGE			0x0011
#define TPM_AUTH_ALWAYS			0x01
#define TPM_ALG_RSA			0x00000001u
#define TPM_ES_RSAESOAEP_SHA1_MGF1	0x0003
#define TPM_SS_NONE			0x0001
#define TPM_SS_RSASSAPKCS1V15_SHA1	0x0002
#define TPM_LOC_ALL			0x1f
#define TPM_NV_PER_OWNERWRITE		0x00000002u
#define TPM_NV_PER_OWNERREAD		0x00020000u

/* NV indices (provisioning.md §1.11) */
#define TPM_NV_INDEX_LOCK		0xffffffffu
#define TPM_NV_INDEX_EK_CERT		0x1000f000u
#define TPM_NV_INDEX_PLATFORM_CERT	0x1000f002u

/* TPM_NONCE, TPM_AUTHDATA, TPM_DIGEST */
#define TPM12_NONCE_LEN			20
/* the EK and SRK are RSA-2048; OAEP blobs have the modulus' size */
#define TPM12_RSA_BYTES			256

bool	 tpm12_build_startup(struct wr *w, uint16_t type);
/* TSC_PhysicalPresence(pp) */
bool	 tpm12_build_physical_presence(struct wr *w, uint16_t pp);
bool	 tpm12_build_physical_enable(struct wr *w);
bool	 tpm12_build_set_deactivated(struct wr *w, bool state);
bool	 tpm12_build_continue_self_test(struct wr *w);
/* GetCapability with a 4-byte sub-capability. */
bool	 tpm12_build_get_capability(struct wr *w, uint32_t cap,
	    uint32_t subcap);
/* CreateEndorsementKeyPair: provisioning.md §1.11's fixed request. */
bool	 tpm12_build_create_ek_pair(struct wr *w);
bool	 tpm12_build_oiap(struct wr *w);
/*
 * NV_DefineSpace without authorization: no PCRs, all localities,
 * attributes (TPM_NV_PER_*), size; an all-zero encAuth.
 */
bool	 tpm12_build_nv_define_space(struct wr *w, uint32_t index,
	    uint32_t attrs, uint32_t size);
bool	 tpm12_build_nv_write_value(struct wr *w, uint32_t index,
	    uint32_t offset, const void *data, size_t n);
/* The SRK's TPM_KEY12 of TakeOwnership (RSA-2048 storage key). */
void	 tpm12_put_srk_params(struct wr *w);
/*
 * TakeOwnership (tag AUTH1) with the two encrypted auth values (each
 * enclen bytes), the OIAP session and nonceOdd; continueAuthSession 0.
 * The last TPM12_NONCE_LEN bytes, the owner's HMAC, are left zero for
 * tpm12_owner_hmac (tpm12_auth.h). *params_end is the offset, from the
 * start of the command, where the parameters end (the authHandle).
 */
bool	 tpm12_build_take_ownership(struct wr *w, const uint8_t *enc_owner,
	    const uint8_t *enc_srk, size_t enclen, uint32_t auth_handle,
	    const uint8_t nonce_odd[TPM12_NONCE_LEN], size_t *params_end);

/* Any response: its code (tags C4 and C5). */
uint32_t tpm12_parse_rc(const void *rsp, size_t len);
/* CreateEndorsementKeyPair: the EK's RSA modulus and exponent. */
struct tpm12_pubkey {
	const uint8_t	*modulus;
	size_t		 modulus_len;
	const uint8_t	*exponent;	/* empty: the default 65537 */
	size_t		 exponent_len;
};
uint32_t tpm12_parse_create_ek_pair(const void *rsp, size_t len,
	    struct tpm12_pubkey *out);
uint32_t tpm12_parse_oiap(const void *rsp, size_t len, uint32_t *handle,
	    const uint8_t **nonce_even);
/* GetCapability: the resp bytes. */
uint32_t tpm12_parse_get_capability(const void *rsp, size_t len,
	    const uint8_t **data, size_t *n);
/* TPM_PERMANENT_FLAGS, the three leading flags. */
struct tpm12_perm_flags {
	bool	disable;
	bool	ownership;
	bool	deactivated;
};
bool	 tpm12_get_perm_flags(const uint8_t *data, size_t n,
	    struct tpm12_perm_flags *out);

#endif
