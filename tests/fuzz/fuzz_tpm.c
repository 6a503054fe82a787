/*
 * libFuzzer target for the TPM response parsers of src/tpm: every
 * parser gets the input as it is, and wrapped in a well-formed success
 * header (TPM 2 with and without sessions, TPM 1.2) so that the fuzzer
 * reaches the bodies at once. Pointers a parser returns must lie inside
 * the response. Build with `make fuzz-tpm` (needs clang with libFuzzer).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "tpm12.h"
#include "tpm2.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAX_BODY	8192

static const uint8_t *lo, *hi;

static void
inside(const uint8_t *p, size_t n)
{
	if (n > 0 && (p < lo || p + n > hi))
		abort();
}

static void
parse_all(const uint8_t *r, size_t n)
{
	struct tpm2_object o;
	struct tpm2_nv_public nv;
	struct tpm2_pcr_sel sel;
	struct tpm12_pubkey ek;
	struct tpm12_perm_flags pf;
	const uint8_t *p;
	size_t pn;
	uint32_t h;
	bool b;

	lo = r;
	hi = r + n;
	(void)tpm2_parse_rc(r, n);
	if (tpm2_parse_get_random(r, n, &p, &pn) == 0)
		inside(p, pn);
	if (tpm2_parse_create_primary(r, n, &o) == 0) {
		inside(o.name, o.name_len);
		inside(o.public_area, o.public_len);
		inside(o.pub.unique_x, o.pub.unique_x_len);
		inside(o.pub.unique_y, o.pub.unique_y_len);
		inside(o.pub.policy, o.pub.policy_len);
	}
	if (tpm2_parse_read_public(r, n, &o) == 0) {
		inside(o.name, o.name_len);
		inside(o.public_area, o.public_len);
	}
	if (tpm2_parse_nv_read_public(r, n, &nv, &p, &pn) == 0) {
		inside(p, pn);
		inside(nv.policy, nv.policy_len);
	}
	if (tpm2_parse_nv_read(r, n, &p, &pn) == 0)
		inside(p, pn);
	if (tpm2_parse_cap_pcrs(r, n, &sel, &b) == 0 &&
	    sel.n > TPM2_MAX_BANKS)
		abort();
	(void)tpm2_parse_pcr_allocate(r, n, &b);
	if (tpm12_parse_create_ek_pair(r, n, &ek) == 0) {
		inside(ek.modulus, ek.modulus_len);
		inside(ek.exponent, ek.exponent_len);
	}
	if (tpm12_parse_oiap(r, n, &h, &p) == 0)
		inside(p, TPM12_NONCE_LEN);
	if (tpm12_parse_get_capability(r, n, &p, &pn) == 0) {
		inside(p, pn);
		(void)tpm12_get_perm_flags(p, pn, &pf);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t tags[] = { TPM2_ST_NO_SESSIONS,
	    TPM2_ST_SESSIONS, TPM_TAG_RSP_COMMAND };
	uint8_t *r;
	size_t i;

	/* an exact-size copy, so that ASan sees every overread */
	if ((r = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	memcpy(r, data, size);
	parse_all(r, size);
	free(r);
	if (size > MAX_BODY)
		return 0;
	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		if ((r = malloc(TPM_HDR_LEN + size)) == NULL)
			return 0;
		be16_put(r, tags[i]);
		be32_put(r + TPM_HDR_SIZE_OFF, (uint32_t)(TPM_HDR_LEN + size));
		be32_put(r + TPM_HDR_CODE_OFF, 0);
		memcpy(r + TPM_HDR_LEN, data, size);
		parse_all(r, TPM_HDR_LEN + size);
		free(r);
	}
	return 0;
}
