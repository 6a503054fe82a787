/*
 * TPM 2 on the wire: the constants the project uses (tags, command and
 * response codes, handles, algorithms, attribute bits), builders for the
 * commands our daemon and tools send, and bounded parsers for their
 * responses (provisioning.md §1.8-§1.9). Pure bytes over struct rd/wr:
 * no I/O, no libtpms, no crypto.
 *
 * Builders append one complete command at w->len and return wr_ok(w).
 * Commands with a session carry the one empty password session of
 * provisioning.md §1.8 (`00000009 40000009 0000 00 0000`).
 *
 * Response parsers take a whole response (as framed by its size field)
 * and return its response code, or TPM_RSP_MALFORMED if the bytes do
 * not parse; the out structures are filled only when they return 0.
 * Pointers in them borrow the response buffer.
 */
#ifndef TPM_TPM2_H
#define TPM_TPM2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "tpmwire.h"

/* TPM_ST: tags */
#define TPM2_ST_NO_SESSIONS		0x8001
#define TPM2_ST_SESSIONS		0x8002

/* TPM_SU: Startup and Shutdown types */
#define TPM2_SU_CLEAR			0x0000
#define TPM2_SU_STATE			0x0001

/* TPM_CC: command codes */
#define TPM2_CC_EVICT_CONTROL		0x00000120u
#define TPM2_CC_HIERARCHY_CHANGE_AUTH	0x00000129u
#define TPM2_CC_NV_DEFINE_SPACE		0x0000012au
#define TPM2_CC_PCR_ALLOCATE		0x0000012bu
#define TPM2_CC_CREATE_PRIMARY		0x00000131u
#define TPM2_CC_NV_WRITE		0x00000137u
#define TPM2_CC_NV_WRITE_LOCK		0x00000138u
#define TPM2_CC_INCREMENTAL_SELF_TEST	0x00000142u
#define TPM2_CC_STARTUP			0x00000144u
#define TPM2_CC_SHUTDOWN		0x00000145u
#define TPM2_CC_NV_READ			0x0000014eu
#define TPM2_CC_FLUSH_CONTEXT		0x00000165u
#define TPM2_CC_NV_READ_PUBLIC		0x00000169u
#define TPM2_CC_READ_PUBLIC		0x00000173u
#define TPM2_CC_GET_CAPABILITY		0x0000017au
#define TPM2_CC_GET_RANDOM		0x0000017bu
#define TPM2_CC_HASH			0x0000017du
#define TPM2_CC_PCR_EXTEND		0x00000182u

/* TPM_RC: the response codes the project looks at */
#define TPM2_RC_SUCCESS			0x000u
#define TPM2_RC_INSUFFICIENT		0x09au
#define TPM2_RC_INITIALIZE		0x100u
#define TPM2_RC_FAILURE			0x101u
#define TPM2_RC_LOCALITY		0x107u
#define TPM2_RC_NV_DEFINED		0x14cu

/* TPM_RH, TPM_RS, TPM_HR: handles */
#define TPM2_RH_OWNER			0x40000001u
#define TPM2_RS_PW			0x40000009u
#define TPM2_RH_ENDORSEMENT		0x4000000bu
#define TPM2_RH_PLATFORM		0x4000000cu
#define TPM2_HR_TRANSIENT		0x80000000u
#define TPM2_HR_PERSISTENT		0x81000000u

/* Persistent handles and NV indices of provisioning.md §1.9 */
#define TPM2_SRK_HANDLE			0x81000001u
#define TPM2_EK_RSA2048_HANDLE		0x81010001u
#define TPM2_EK_ECC256_HANDLE		0x8101000au
#define TPM2_EK_ECC384_HANDLE		0x81010016u
#define TPM2_EK_ECC521_HANDLE		0x81010018u
#define TPM2_EK_RSA3072_HANDLE		0x8101001cu
#define TPM2_EK_RSA4096_HANDLE		0x8101001eu
#define TPM2_NV_EK_RSA2048_CERT		0x01c00002u
#define TPM2_NV_EK_RSA2048_TEMPLATE	0x01c00004u
#define TPM2_NV_EK_ECC256_CERT		0x01c0000au
#define TPM2_NV_EK_ECC256_TEMPLATE	0x01c0000bu
#define TPM2_NV_EK_ECC384_CERT		0x01c00016u
#define TPM2_NV_EK_ECC384_TEMPLATE	0x01c00017u
#define TPM2_NV_EK_ECC521_CERT		0x01c00018u
#define TPM2_NV_EK_ECC521_TEMPLATE	0x01c00019u
#define TPM2_NV_EK_RSA3072_CERT		0x01c0001cu
#define TPM2_NV_EK_RSA3072_TEMPLATE	0x01c0001du
#define TPM2_NV_EK_RSA4096_CERT		0x01c0001eu
#define TPM2_NV_EK_RSA4096_TEMPLATE	0x01c0001fu
#define TPM2_NV_PLATFORM_CERT		0x01c08000u

/* TPM_CAP */
#define TPM2_CAP_PCRS			0x00000005u

/* TPM_ALG */
#define TPM2_ALG_RSA			0x0001
#define TPM2_ALG_SHA1			0x0004
#define TPM2_ALG_AES			0x0006
#define TPM2_ALG_KEYEDHASH		0x0008
#define TPM2_ALG_SHA256			0x000b
#define TPM2_ALG_SHA384			0x000c
#define TPM2_ALG_SHA512			0x000d
#define TPM2_ALG_NULL			0x0010
#define TPM2_ALG_SM3_256		0x0012
#define TPM2_ALG_RSASSA			0x0014
#define TPM2_ALG_RSAES			0x0015
#define TPM2_ALG_RSAPSS			0x0016
#define TPM2_ALG_OAEP			0x0017
#define TPM2_ALG_ECDSA			0x0018
#define TPM2_ALG_ECDH			0x0019
#define TPM2_ALG_ECDAA			0x001a
#define TPM2_ALG_SM2			0x001b
#define TPM2_ALG_ECSCHNORR		0x001c
#define TPM2_ALG_ECMQV			0x001d
#define TPM2_ALG_KDF1_SP800_56A		0x0020
#define TPM2_ALG_KDF2			0x0021
#define TPM2_ALG_KDF1_SP800_108		0x0022
#define TPM2_ALG_ECC			0x0023
#define TPM2_ALG_SYMCIPHER		0x0025
#define TPM2_ALG_SHA3_256		0x0027
#define TPM2_ALG_SHA3_384		0x0028
#define TPM2_ALG_SHA3_512		0x0029
#define TPM2_ALG_CFB			0x0043

/* TPM_ECC_CURVE */
#define TPM2_ECC_NIST_P256		0x0003
#define TPM2_ECC_NIST_P384		0x0004
#define TPM2_ECC_NIST_P521		0x0005

/* TPMA_OBJECT */
#define TPMA_OBJECT_FIXEDTPM		0x00000002u
#define TPMA_OBJECT_FIXEDPARENT		0x00000010u
#define TPMA_OBJECT_SENSITIVEDATAORIGIN	0x00000020u
#define TPMA_OBJECT_USERWITHAUTH	0x00000040u
#define TPMA_OBJECT_ADMINWITHPOLICY	0x00000080u
#define TPMA_OBJECT_NODA		0x00000400u
#define TPMA_OBJECT_RESTRICTED		0x00010000u
#define TPMA_OBJECT_DECRYPT		0x00020000u
#define TPMA_OBJECT_SIGN_ENCRYPT	0x00040000u

/* TPMA_NV */
#define TPMA_NV_PPWRITE			0x00000001u
#define TPMA_NV_OWNERWRITE		0x00000002u
#define TPMA_NV_AUTHWRITE		0x00000004u
#define TPMA_NV_WRITELOCKED		0x00000800u
#define TPMA_NV_WRITEDEFINE		0x00002000u
#define TPMA_NV_PPREAD			0x00010000u
#define TPMA_NV_OWNERREAD		0x00020000u
#define TPMA_NV_AUTHREAD		0x00040000u
#define TPMA_NV_NO_DA			0x02000000u
#define TPMA_NV_WRITTEN			0x20000000u
#define TPMA_NV_PLATFORMCREATE		0x40000000u

/* provisioning.md §1.9: every certificate and template index */
#define TPM2_NV_CERT_ATTRS	(TPMA_NV_PLATFORMCREATE | TPMA_NV_NO_DA | \
	TPMA_NV_AUTHREAD | TPMA_NV_OWNERREAD | TPMA_NV_PPREAD | \
	TPMA_NV_WRITEDEFINE | TPMA_NV_PPWRITE)

/* libtpms 0.9: most bytes of one NV_Write (provisioning.md §1.8) */
#define TPM2_NV_WRITE_MAX		1024
/* TPMU_HA: the largest digest (SHA-512) */
#define TPM2_MAX_DIGEST			64
/* Bounds of a parsed TPML_PCR_SELECTION (libtpms: 24 PCRs, 3 bytes) */
#define TPM2_MAX_BANKS			16
#define TPM2_PCR_SELECT_MAX		8
/* The sizeofSelect PCR_Allocate sends (provisioning.md §1.8) */
#define TPM2_PCR_SELECT_SIZE		3

/*
 * TPMT_PUBLIC of an RSA or ECC key. As a template, NULL unique pointers
 * stand for unique_*_len zero bytes; a parsed area borrows them (and
 * policy) from the response. RSA: unique_x is the modulus, unique_y
 * unused; ECC: the point. sym_bits/sym_mode only if sym_alg is not
 * NULL, scheme_hash only if scheme is not NULL (and scheme_count only
 * for ECDAA), kdf_hash only if kdf is not NULL.
 */
struct tpm2_public {
	uint16_t	 type;		/* TPM2_ALG_RSA, TPM2_ALG_ECC */
	uint16_t	 name_alg;
	uint32_t	 attrs;		/* TPMA_OBJECT_* */
	const uint8_t	*policy;
	uint16_t	 policy_len;
	uint16_t	 sym_alg;
	uint16_t	 sym_bits;
	uint16_t	 sym_mode;
	uint16_t	 scheme;
	uint16_t	 scheme_hash;
	uint16_t	 scheme_count;
	uint16_t	 rsa_bits;
	uint32_t	 rsa_exponent;
	uint16_t	 curve;
	uint16_t	 kdf;
	uint16_t	 kdf_hash;
	const uint8_t	*unique_x;
	uint16_t	 unique_x_len;
	const uint8_t	*unique_y;
	uint16_t	 unique_y_len;
};

/* The keys swtpm_setup creates (provisioning.md §1.8 table; HEAD's). */
enum tpm2_key {
	TPM2_KEY_EK_RSA2048,
	TPM2_KEY_EK_RSA3072,
	TPM2_KEY_EK_RSA4096,
	TPM2_KEY_EK_ECC256,
	TPM2_KEY_EK_ECC384,
	TPM2_KEY_EK_ECC521,
	TPM2_KEY_SRK_RSA2048,
	TPM2_KEY_SRK_RSA3072,
	TPM2_KEY_SRK_ECC384,
};

/* Template flags, EK only: --allow-signing, and with it --decryption. */
#define TPM2_TMPL_SIGN		0x1
#define TPM2_TMPL_DECRYPT	0x2

/*
 * Fills *t with the template of key (policies point to static data).
 * TPM2_TMPL_SIGN drops restricted and decrypt, sets sign and makes the
 * symmetric algorithm NULL; TPM2_TMPL_DECRYPT (with SIGN) keeps decrypt.
 * Returns false for an unknown key or flags on an SRK.
 */
bool	 tpm2_template(enum tpm2_key key, unsigned flags,
	    struct tpm2_public *t);

/* Where a key lives (provisioning.md §1.9); 0 where there is none. */
struct tpm2_key_slot {
	uint32_t	 handle;	/* persistent handle */
	uint32_t	 cert_index;	/* NV index of its certificate */
	uint32_t	 template_index; /* a signing EK's template */
	uint32_t	 hierarchy;	/* TPM2_RH_ENDORSEMENT or _OWNER */
};
bool	 tpm2_key_slot(enum tpm2_key key, struct tpm2_key_slot *out);

/* TPMS_NV_PUBLIC */
struct tpm2_nv_public {
	uint32_t	 index;
	uint16_t	 name_alg;
	uint32_t	 attrs;		/* TPMA_NV_* */
	const uint8_t	*policy;
	uint16_t	 policy_len;
	uint16_t	 data_size;
};

/* TPMS_PCR_SELECTION, and a TPML of them */
struct tpm2_pcr_bank {
	uint16_t	 alg;
	uint8_t		 size;		/* sizeofSelect */
	uint8_t		 select[TPM2_PCR_SELECT_MAX];
};
struct tpm2_pcr_sel {
	unsigned		 n;
	struct tpm2_pcr_bank	 bank[TPM2_MAX_BANKS];
};

/* An object as CreatePrimary or ReadPublic reports it. */
struct tpm2_object {
	uint32_t		 handle;	/* CreatePrimary only */
	struct tpm2_public	 pub;
	const uint8_t		*public_area;	/* the TPMT_PUBLIC bytes */
	size_t			 public_len;
	const uint8_t		*name;		/* nameAlg || digest */
	size_t			 name_len;
};

/* --- pieces --- */

/* The empty password session: size, TPM_RS_PW, nonce, attrs, hmac. */
void	 tpm2_put_pw_session(struct wr *w, uint8_t attrs);
/* TPMT_PUBLIC (bare, as in a template NV index) and TPM2B_PUBLIC. */
void	 tpm2_put_public(struct wr *w, const struct tpm2_public *t);
void	 tpm2_put_public2b(struct wr *w, const struct tpm2_public *t);
/* TPMT_PUBLIC; false (r->bad set) if malformed or not RSA/ECC. */
bool	 tpm2_get_public(struct rd *r, struct tpm2_public *out);
/* TPML_PCR_SELECTION, within the bounds above. */
bool	 tpm2_get_pcr_sel(struct rd *r, struct tpm2_pcr_sel *out);
void	 tpm2_put_pcr_sel(struct wr *w, const struct tpm2_pcr_sel *s);

/* --- commands --- */

bool	 tpm2_build_startup(struct wr *w, uint16_t su);
bool	 tpm2_build_shutdown(struct wr *w, uint16_t su);
bool	 tpm2_build_get_random(struct wr *w, uint16_t n);
/* IncrementalSelfTest of n algorithms. */
bool	 tpm2_build_self_test(struct wr *w, const uint16_t *algs, size_t n);
/* HierarchyChangeAuth; the session's attributes are the caller's. */
bool	 tpm2_build_change_auth(struct wr *w, uint32_t hierarchy,
	    const void *auth, size_t n, uint8_t session_attrs);
bool	 tpm2_build_hash(struct wr *w, const void *data, size_t n,
	    uint16_t alg, uint32_t hierarchy);
bool	 tpm2_build_pcr_extend(struct wr *w, uint32_t pcr, uint16_t alg,
	    const void *digest, size_t n);
/* Empty sensitive, no outsideInfo, no creation PCRs. */
bool	 tpm2_build_create_primary(struct wr *w, uint32_t hierarchy,
	    const struct tpm2_public *t);
bool	 tpm2_build_evict_control(struct wr *w, uint32_t auth,
	    uint32_t object, uint32_t persistent);
bool	 tpm2_build_flush_context(struct wr *w, uint32_t handle);
bool	 tpm2_build_read_public(struct wr *w, uint32_t handle);
/* Empty auth value. */
bool	 tpm2_build_nv_define_space(struct wr *w, uint32_t auth,
	    const struct tpm2_nv_public *nv);
/* One chunk of at most TPM2_NV_WRITE_MAX bytes at offset. */
bool	 tpm2_build_nv_write(struct wr *w, uint32_t auth, uint32_t index,
	    const void *data, size_t n, uint16_t offset);
bool	 tpm2_build_nv_read(struct wr *w, uint32_t auth, uint32_t index,
	    uint16_t n, uint16_t offset);
bool	 tpm2_build_nv_write_lock(struct wr *w, uint32_t auth,
	    uint32_t index);
bool	 tpm2_build_nv_read_public(struct wr *w, uint32_t index);
bool	 tpm2_build_get_capability(struct wr *w, uint32_t cap,
	    uint32_t property, uint32_t count);
bool	 tpm2_build_pcr_allocate(struct wr *w, uint32_t auth,
	    const struct tpm2_pcr_sel *s);

/*
 * provisioning.md §1.8: the selection PCR_Allocate sends. From the banks
 * the TPM has (have, in its order) and the wanted algorithms (in the
 * user's order): first each wanted bank that exists, once, with all
 * PCRs on, then every other bank with all off (TPM2_PCR_SELECT_SIZE
 * bytes each). Returns how many wanted banks were taken; 0 means none
 * exists (the caller's error).
 */
unsigned tpm2_pcr_allocation(const struct tpm2_pcr_sel *have,
	    const uint16_t *want, size_t nwant, struct tpm2_pcr_sel *out);

/* "sha256", ... (provisioning.md §1.8), NULL for other algorithms. */
const char *tpm2_alg_name(uint16_t alg);
/* The inverse; false for an unknown name. */
bool	 tpm2_alg_by_name(const char *name, uint16_t *alg);

/* --- responses --- */

/* Any response: its code (TPM_RSP_MALFORMED as above). */
uint32_t tpm2_parse_rc(const void *rsp, size_t len);
uint32_t tpm2_parse_get_random(const void *rsp, size_t len,
	    const uint8_t **bytes, size_t *n);
/* Handle, outPublic and name (creation data and ticket are checked). */
uint32_t tpm2_parse_create_primary(const void *rsp, size_t len,
	    struct tpm2_object *out);
/* outPublic and name (handle 0). */
uint32_t tpm2_parse_read_public(const void *rsp, size_t len,
	    struct tpm2_object *out);
uint32_t tpm2_parse_nv_read_public(const void *rsp, size_t len,
	    struct tpm2_nv_public *out, const uint8_t **name, size_t *nlen);
uint32_t tpm2_parse_nv_read(const void *rsp, size_t len,
	    const uint8_t **data, size_t *n);
/* GetCapability(TPM2_CAP_PCRS): the banks and moreData. */
uint32_t tpm2_parse_cap_pcrs(const void *rsp, size_t len,
	    struct tpm2_pcr_sel *out, bool *more);
/* allocationSuccess (the sizes are checked, not returned). */
uint32_t tpm2_parse_pcr_allocate(const void *rsp, size_t len,
	    bool *success);

#endif
