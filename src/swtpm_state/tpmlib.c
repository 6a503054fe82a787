/*
 * The libtpms glue of swtpm_state: asks TPMLIB_ValidateState whether
 * this host's libtpms would accept unwrapped blobs, with NVRAM
 * callbacks that serve them from memory. No TPM is started (no
 * TPMLIB_MainInit) and nothing is stored.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtpms/tpm_error.h>
#include <libtpms/tpm_library.h>

#include "swtpm_state.h"

/*
 * libtpms' callbacks take no context argument: the state being
 * validated is this one static, set for the one ss_validate call.
 */
static const struct ss_state *cur;

static TPM_RESULT
cb_init(void)
{
	return TPM_SUCCESS;
}

static TPM_RESULT
cb_load(unsigned char **data, uint32_t *length, uint32_t tpm_number,
    const char *name)
{
	const struct st_blob_desc *d = st_blob_by_name(name);
	const struct ss_blob *b;

	(void)tpm_number;
	if (cur == NULL || d == NULL)
		return TPM_FAIL;
	b = &cur->b[d->kind];
	if (!b->present || b->plain == NULL || b->plainlen == 0)
		return TPM_RETRY;
	if ((*data = malloc(b->plainlen)) == NULL)
		return TPM_FAIL;
	memcpy(*data, b->plain, b->plainlen);
	*length = (uint32_t)b->plainlen;
	return TPM_SUCCESS;
}

/* Validation writes nothing; if libtpms tried, the answer is "no". */
static TPM_RESULT
cb_store(const unsigned char *data, uint32_t length, uint32_t tpm_number,
    const char *name)
{
	(void)data;
	(void)length;
	(void)tpm_number;
	(void)name;
	return TPM_FAIL;
}

static TPM_RESULT
cb_delete(uint32_t tpm_number, const char *name, TPM_BOOL must_exist)
{
	(void)tpm_number;
	(void)name;
	(void)must_exist;
	return TPM_SUCCESS;
}

void
ss_libtpms_version(char *buf, size_t len)
{
	uint32_t v = TPMLIB_GetVersion();

	snprintf(buf, len, "%u.%u.%u", (v >> 16) & 0xff, (v >> 8) & 0xff,
	    v & 0xff);
}

void
ss_validate(struct ss_state *st)
{
	struct libtpms_callbacks cbs;
	unsigned types = TPMLIB_STATE_PERMANENT;
	TPM_RESULT rc;

	memset(&cbs, 0, sizeof(cbs));
	cbs.sizeOfStruct = sizeof(cbs);
	cbs.tpm_nvram_init = cb_init;
	cbs.tpm_nvram_loaddata = cb_load;
	cbs.tpm_nvram_storedata = cb_store;
	cbs.tpm_nvram_deletename = cb_delete;
	if (st->b[SS_VOLATILE].present)
		types |= TPMLIB_STATE_VOLATILE;
	if (st->b[SS_SAVESTATE].present && !st->tpm2)
		types |= TPMLIB_STATE_SAVE_STATE;
	cur = st;
	rc = TPMLIB_ChooseTPMVersion(st->tpm2 ? TPMLIB_TPM_VERSION_2 :
	    TPMLIB_TPM_VERSION_1_2);
	if (rc == TPM_SUCCESS)
		rc = TPMLIB_RegisterCallbacks(&cbs);
	if (rc == TPM_SUCCESS)
		rc = TPMLIB_ValidateState(types, 0);
	cur = NULL;
	st->validated = true;
	st->tpm_rc = rc;
	if (rc == TPM_SUCCESS || st->cause != SS_EXIT_OK)
		return;
	/* TPM_BAD_VERSION (1.2) and TPM_RC_BAD_VERSION (2): a newer format */
	st->cause = rc == TPM_BAD_VERSION || rc == 0x2e ?
	    SS_EXIT_VERSION : SS_EXIT_REFUSED;
	snprintf(st->reason, sizeof(st->reason), "libtpms refuses the state "
	    "(TPMLIB_ValidateState result 0x%x%s)", rc,
	    st->cause == SS_EXIT_VERSION ? ": unsupported state format "
	    "version" : "");
}
