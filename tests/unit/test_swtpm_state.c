/*
 * Unit tests for swtpm_state's reading side (src/swtpm_state/read.c):
 * the cause named for each way a stored file or a migration blob fails
 * to open (every truncation, oversized lengths, header versions, keys
 * of the wrong value or size, missing or superfluous keys, one damaged
 * blob among good ones, no permanent state, a bad backup), and the
 * libtpms state formats recognized. libtpms is not involved.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "swtpm_state.h"
#include "t.h"

static struct st_key k128, k128b, k256;
static uint8_t plain[300];

static void
keys(void)
{
	size_t i;

	k128.len = 16;
	k128b.len = 16;
	k256.len = 32;
	for (i = 0; i < 32; i++) {
		k128.data[i] = (uint8_t)i;
		k128b.data[i] = (uint8_t)(0xff - i);
		k256.data[i] = (uint8_t)(3 * i);
	}
	/* a TPM 2 permanent state's NV header, then filler */
	memcpy(plain, "\x00\x03\xab\x36\x47\x23\x00\x03", 8);
	for (i = 8; i < sizeof(plain); i++)
		plain[i] = (uint8_t)i;
}

static uint8_t *
copy(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n > 0 ? n : 1);

	if (c != NULL && n > 0)
		memcpy(c, p, n);
	return c;
}

/* The state cause of a state with one blob (slot) of raw[n] under key. */
static enum ss_exit
cause1(bool blobs, int slot, const uint8_t *raw, size_t n,
    const struct st_key *key, const struct st_key *mig)
{
	struct ss_state st;
	enum ss_exit c;

	ss_state_init(&st, blobs);
	if (slot != SS_PERMANENT) {
		uint8_t *p = NULL;
		size_t pl = 0;

		/* a good permanent blob beside it */
		if (blobs)
			(void)st_sblob_wrap(plain, sizeof(plain), NULL, mig, &p,
			    &pl, &(bool){ false });
		else
			(void)st_file_wrap(plain, sizeof(plain), key, &p, &pl);
		ss_blob_take(&st.b[SS_PERMANENT], p, pl);
	}
	ss_blob_take(&st.b[slot], copy(raw, n), n);
	ss_unwrap(&st, key, mig);
	c = st.cause;
	ss_state_release(&st);
	return c;
}

static void
test_good(void)
{
	uint8_t *b = NULL;
	size_t n = 0;
	bool enc;

	T_ASSERT(st_file_wrap(plain, sizeof(plain), &k128, &b, &n) == ST_OK);
	T_EQ_U(cause1(false, SS_PERMANENT, b, n, &k128, NULL), SS_EXIT_OK);
	T_EQ_U(cause1(false, SS_VOLATILE, b, n, &k128, NULL), SS_EXIT_OK);
	free(b);
	T_ASSERT(st_sblob_wrap(plain, sizeof(plain), &k256, &k128, &b, &n,
	    &enc) == ST_OK);
	T_EQ_U(cause1(true, SS_PERMANENT, b, n, &k256, &k128), SS_EXIT_OK);
	free(b);
}

/* Every truncation of a stored file and of a migration blob: damaged. */
static void
test_truncations(void)
{
	uint8_t *f = NULL, *m = NULL;
	size_t fn = 0, mn = 0, i;
	bool enc;

	T_ASSERT(st_file_wrap(plain, sizeof(plain), &k256, &f, &fn) == ST_OK);
	T_ASSERT(st_sblob_wrap(plain, sizeof(plain), NULL, &k128, &m, &mn,
	    &enc) == ST_OK);
	for (i = 0; i < fn; i++)
		if (cause1(false, SS_PERMANENT, f, i, &k256, NULL) !=
		    SS_EXIT_DAMAGED) {
			fprintf(stderr, "stored file cut to %zu bytes\n", i);
			t_cur_failed = 1;
		}
	for (i = 0; i < mn; i++)
		if (cause1(true, SS_PERMANENT, m, i, NULL, &k128) !=
		    SS_EXIT_DAMAGED) {
			fprintf(stderr, "migration blob cut to %zu bytes\n", i);
			t_cur_failed = 1;
		}
	free(f);
	free(m);
}

/* Lengths that claim more than there is: header totlen, record length. */
static void
test_oversized(void)
{
	uint8_t *b = NULL;
	size_t n = 0;

	T_ASSERT(st_file_wrap(plain, sizeof(plain), NULL, &b, &n) == ST_OK);
	b[6] = 0x7f;	/* totlen */
	T_EQ_U(cause1(false, SS_PERMANENT, b, n, NULL, NULL),
	    SS_EXIT_DAMAGED);
	b[6] = 0;
	b[12] = 0x7f;	/* length of the DATA record */
	T_EQ_U(cause1(false, SS_PERMANENT, b, n, NULL, NULL),
	    SS_EXIT_DAMAGED);
	free(b);
}

static void
test_versions(void)
{
	uint8_t *b = NULL;
	size_t n = 0;

	T_ASSERT(st_file_wrap(plain, sizeof(plain), NULL, &b, &n) == ST_OK);
	b[1] = 3;	/* min_version */
	T_EQ_U(cause1(false, SS_PERMANENT, b, n, NULL, NULL),
	    SS_EXIT_VERSION);
	b[1] = 1;
	b[0] = 3;	/* version */
	T_EQ_U(cause1(false, SS_PERMANENT, b, n, NULL, NULL),
	    SS_EXIT_VERSION);
	b[0] = 2;
	b[3] = 11;	/* hdrsize */
	T_EQ_U(cause1(false, SS_PERMANENT, b, n, NULL, NULL),
	    SS_EXIT_DAMAGED);
	free(b);
}

static void
test_keys(void)
{
	uint8_t *b = NULL, *p = NULL;
	size_t n = 0, pn = 0;
	bool enc;

	T_ASSERT(st_file_wrap(plain, sizeof(plain), &k128, &b, &n) == ST_OK);
	T_ASSERT(st_file_wrap(plain, sizeof(plain), NULL, &p, &pn) == ST_OK);
	/* wrong value, wrong size, none for an encrypted, one for a plain */
	T_EQ_U(cause1(false, SS_PERMANENT, b, n, &k128b, NULL),
	    SS_EXIT_BADKEY);
	T_EQ_U(cause1(false, SS_PERMANENT, b, n, &k256, NULL),
	    SS_EXIT_BADKEY);
	T_EQ_U(cause1(false, SS_PERMANENT, b, n, NULL, NULL), SS_EXIT_BADKEY);
	T_EQ_U(cause1(false, SS_PERMANENT, p, pn, &k128, NULL),
	    SS_EXIT_BADKEY);
	free(b);
	free(p);
	/* migration key: wrong, missing; a state key for the inner layer */
	T_ASSERT(st_sblob_wrap(plain, sizeof(plain), &k256, &k128, &b, &n,
	    &enc) == ST_OK);
	T_EQ_U(cause1(true, SS_PERMANENT, b, n, &k256, &k128b),
	    SS_EXIT_BADKEY);
	T_EQ_U(cause1(true, SS_PERMANENT, b, n, &k256, NULL), SS_EXIT_BADKEY);
	T_EQ_U(cause1(true, SS_PERMANENT, b, n, NULL, &k128), SS_EXIT_BADKEY);
	free(b);
}

/* An HMAC mismatch while the same key opens another blob: damaged. */
static void
test_one_damaged(void)
{
	struct ss_state st;
	uint8_t *b = NULL;
	size_t n = 0;

	T_ASSERT(st_file_wrap(plain, sizeof(plain), &k128, &b, &n) == ST_OK);
	b[20] ^= 1;	/* inside the ciphertext */
	T_EQ_U(cause1(false, SS_VOLATILE, b, n, &k128, NULL),
	    SS_EXIT_DAMAGED);
	/* alone it is a wrong key: nothing tells them apart */
	T_EQ_U(cause1(false, SS_PERMANENT, b, n, &k128, NULL),
	    SS_EXIT_BADKEY);
	/* a bad backup is reported, but the state still opens */
	ss_state_init(&st, false);
	ss_blob_take(&st.b[SS_BACKUP], b, n);
	T_ASSERT(st_file_wrap(plain, sizeof(plain), &k128, &b, &n) == ST_OK);
	ss_blob_take(&st.b[SS_PERMANENT], b, n);
	ss_unwrap(&st, &k128, NULL);
	T_EQ_U(st.cause, SS_EXIT_OK);
	T_EQ_U(st.b[SS_BACKUP].cause, SS_EXIT_DAMAGED);
	ss_state_release(&st);
}

static void
test_no_state(void)
{
	struct ss_state st;
	uint8_t *b = NULL;
	size_t n = 0;

	ss_state_init(&st, false);
	ss_unwrap(&st, NULL, NULL);
	T_EQ_U(st.cause, SS_EXIT_NOSTATE);
	ss_state_release(&st);
	/* a volatile blob alone is no state either */
	T_ASSERT(st_file_wrap(plain, sizeof(plain), NULL, &b, &n) == ST_OK);
	ss_state_init(&st, false);
	ss_blob_take(&st.b[SS_VOLATILE], b, n);
	ss_unwrap(&st, NULL, NULL);
	T_EQ_U(st.cause, SS_EXIT_NOSTATE);
	ss_state_release(&st);
}

static void
test_format(void)
{
	static const uint8_t vol[] = { 0, 4, 0x45, 0x63, 0x78, 0x89, 0, 2 };
	static const uint8_t t12[] = { 0, 1, 0, 0x22, 0, 0 };
	const char *kind = NULL;
	unsigned v = 0, mv = 0;

	T_CHECK(ss_format(plain, sizeof(plain), true, &kind, &v, &mv));
	T_EQ_STR(kind, "tpm2-permanent");
	T_EQ_U(v, 3);
	T_EQ_U(mv, 3);
	T_CHECK(!ss_format(plain, sizeof(plain), false, &kind, &v, &mv));
	T_CHECK(ss_format(vol, sizeof(vol), false, &kind, &v, &mv));
	T_EQ_STR(kind, "tpm2-volatile");
	T_EQ_U(v, 4);
	T_EQ_U(mv, 2);
	T_CHECK(ss_format(t12, sizeof(t12), true, &kind, &v, &mv));
	T_EQ_STR(kind, "tpm12-permanent");
	T_CHECK(!ss_format(plain, 5, true, &kind, &v, &mv));
	T_CHECK(!ss_format(NULL, 0, true, &kind, &v, &mv));
	T_CHECK(!ss_format(plain + 8, 20, true, &kind, &v, &mv));
}

int
main(void)
{
	keys();
	T_RUN(test_good);
	T_RUN(test_truncations);
	T_RUN(test_oversized);
	T_RUN(test_versions);
	T_RUN(test_keys);
	T_RUN(test_one_damaged);
	T_RUN(test_no_state);
	T_RUN(test_format);
	T_END();
}
