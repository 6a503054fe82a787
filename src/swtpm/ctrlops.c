/*
 * The emulator's side of the control channel: the struct ctrl_ops
 * callbacks other than the life cycle (tpm.c) and SET_DATAFD
 * (server.c): locality, tpmEstablished, hashing, cancel, state blobs
 * (wrapped and unwrapped with src/state), configuration, buffer size,
 * GET_INFO and LOCK_STORAGE. The 'arg' of every callback is unused.
 */
#include "config.h"

#include <stdlib.h>

#include <libtpms/tpm_error.h>
#include <libtpms/tpm_library.h>
#include <libtpms/tpm_tis.h>

#include "bytes.h"
#include "glue.h"
#include "io.h"
#include "log.h"
#include "swtpm/tpm_ioctl.h"

uint32_t
sw_tpm_set_locality(void *arg, uint8_t loc)
{
	(void)arg;
	if (loc > 4 || (loc == 4 && sw_core.cfg.loc_reject4))
		return PTM_RES_BAD_LOCALITY;
	sw_core.locality = loc;
	return PTM_RES_SUCCESS;
}

uint32_t
sw_tpm_get_established(void *arg, uint8_t *bit)
{
	TPM_BOOL b = 0;
	TPM_RESULT rc = TPM_IO_TpmEstablished_Get(&b);

	(void)arg;
	*bit = b ? 1 : 0;
	return rc;
}

uint32_t
sw_tpm_reset_established(void *arg, uint8_t loc)
{
	uint32_t saved = sw_core.locality;
	TPM_RESULT rc;

	(void)arg;
	if (loc > 4)
		return PTM_RES_BAD_LOCALITY;
	sw_core.locality = loc;
	rc = TPM_IO_TpmEstablished_Reset();
	sw_core.locality = saved;
	return rc;
}

uint32_t
sw_tpm_hash_start(void *arg)
{
	(void)arg;
	return TPM_IO_Hash_Start();
}

uint32_t
sw_tpm_hash_data(void *arg, const uint8_t *p, size_t n)
{
	(void)arg;
	return TPM_IO_Hash_Data(p, (uint32_t)n);
}

uint32_t
sw_tpm_hash_end(void *arg)
{
	(void)arg;
	return TPM_IO_Hash_End();
}

uint32_t
sw_tpm_cancel(void *arg)
{
	(void)arg;
	return TPMLIB_CancelCommand();
}

uint32_t
sw_tpm_store_volatile(void *arg)
{
	unsigned char *buf = NULL;
	uint32_t len = 0;
	TPM_RESULT rc;

	(void)arg;
	rc = TPMLIB_VolatileAll_Store(&buf, &len);
	if (rc != TPM_SUCCESS)
		return rc;
	rc = sw_nv_store(ST_VOLATILE, buf, len);
	secure_free(buf, len);
	return rc;
}

static const char *
blob_name(uint32_t type)
{
	const struct st_blob_desc *d = NULL;

	switch (type) {
	case PTM_BLOB_TYPE_PERMANENT:
		d = st_blob_desc(ST_BLOB_PERMANENT);
		break;
	case PTM_BLOB_TYPE_VOLATILE:
		d = st_blob_desc(ST_BLOB_VOLATILE);
		break;
	case PTM_BLOB_TYPE_SAVESTATE:
		d = st_blob_desc(ST_BLOB_SAVESTATE);
		break;
	}
	return d != NULL ? d->name : NULL;
}

uint32_t
sw_tpm_get_blob(void *arg, uint32_t flags, uint32_t type, uint8_t **blob,
    size_t *len, uint32_t *st_flags)
{
	const char *name = blob_name(type);
	uint8_t *plain = NULL;
	size_t plen = 0;
	uint32_t rc, vlen = 0;
	bool enc = false;
	enum st_err e;

	(void)arg;
	if (name == NULL)
		return PTM_RES_FAIL;
	if (type == PTM_BLOB_TYPE_VOLATILE) {
		/*
		 * In memory: no temporary volatilestate file. Like the
		 * reference, a volatilestate file left by STORE_VOLATILE is
		 * removed so the next INIT does not resume from it.
		 */
		unsigned char *v = NULL;

		rc = TPMLIB_VolatileAll_Store(&v, &vlen);
		(void)sw_nv_delete_volatile();
		if (rc != TPM_SUCCESS)
			return rc;
		plain = v;
		plen = vlen;
	} else {
		rc = sw_nv_load(name, &plain, &plen);
		if (rc != TPM_SUCCESS)
			return rc;
	}
	e = st_sblob_wrap(plain, plen,
	    (flags & PTM_STATE_FLAG_DECRYPTED) ? NULL :
	    sw_key_or_null(&sw_core.cfg.filekey),
	    sw_key_or_null(&sw_core.cfg.migkey), blob, len, &enc);
	secure_free(plain, plen);
	if (e != ST_OK)
		return sw_st_result(e);
	*st_flags = enc ? PTM_STATE_FLAG_ENCRYPTED : 0;
	log_event(LOG_EV_MIGRATION_OUT, LV_S(name), LV_U(*len), LV_B(enc));
	return PTM_RES_SUCCESS;
}

void
sw_tpm_get_blob_sent(void *arg, uint32_t type)
{
	(void)arg;
	/* control-channel.md §3.11 step 6: outgoing migration unlocks. */
	if (type == PTM_BLOB_TYPE_SAVESTATE)
		sw_nv_release();
}

uint32_t
sw_tpm_set_blob_lock(void *arg, bool *fatal)
{
	(void)arg;
	return sw_nv_lock_for_set_blob(fatal);
}

uint32_t
sw_tpm_set_blob(void *arg, uint32_t flags, uint32_t type, const uint8_t *blob,
    size_t len)
{
	const char *name = blob_name(type);
	uint8_t *plain = NULL;
	size_t plen = 0;
	char msg[512] = "";
	enum TPMLIB_StateType st;
	enum st_err e;
	TPM_RESULT rc;

	(void)arg;
	if (name == NULL) {
		log_msg("Unknown blob type %u\n", type);
		return PTM_RES_BAD_PARAMETER;
	}
	st = type == PTM_BLOB_TYPE_PERMANENT ? TPMLIB_STATE_PERMANENT :
	    type == PTM_BLOB_TYPE_VOLATILE ? TPMLIB_STATE_VOLATILE :
	    TPMLIB_STATE_SAVE_STATE;
	e = st_sblob_unwrap(blob, len,
	    (flags & PTM_STATE_FLAG_ENCRYPTED) != 0,
	    sw_key_or_null(&sw_core.cfg.filekey),
	    sw_key_or_null(&sw_core.cfg.migkey), name, &plain, &plen, msg,
	    sizeof(msg));
	if (e != ST_OK) {
		log_msg("%s\n", msg[0] ? msg : st_strerror(e));
		/* COMPAT: state-storage.md §6.3 logs the outer layer too. */
		if (e != ST_NOKEY && len >= ST_HDR_LEN &&
		    (be16_get(blob + 4) & ST_BLOB_FLAG_MIGRATION_ENCRYPTED))
			log_msg("Decrypting the %s blob with the migration key "
			    "failed; res = %u\n", name, sw_st_result(e));
		return sw_st_result(e);
	}
	rc = TPMLIB_SetState(st, plain, (uint32_t)plen);
	secure_free(plain, plen);
	if (rc == TPM_SUCCESS && st == TPMLIB_STATE_PERMANENT)
		sw_tpm_injected();
	if (rc == TPM_SUCCESS)
		log_event(LOG_EV_MIGRATION_IN, LV_S(name), LV_U(len),
		    LV_B(flags & PTM_STATE_FLAG_ENCRYPTED));
	return rc;
}

uint32_t
sw_tpm_get_config(void *arg)
{
	uint32_t f = 0;

	(void)arg;
	if (sw_core.cfg.filekey.len > 0)
		f |= PTM_CONFIG_FLAG_FILE_KEY;
	if (sw_core.cfg.migkey.len > 0)
		f |= PTM_CONFIG_FLAG_MIGRATION_KEY;
	return f;
}

uint32_t
sw_tpm_set_buffersize(void *arg, uint32_t want, uint32_t *inuse, uint32_t *min,
    uint32_t *max)
{
	(void)arg;
	*inuse = TPMLIB_SetBufferSize(want, min, max);
	return PTM_RES_SUCCESS;
}

char *
sw_tpm_get_info(void *arg, uint64_t flags)
{
	(void)arg;
	return TPMLIB_GetInfo((enum TPMLIB_InfoFlags)(uint32_t)flags);
}

uint32_t
sw_tpm_lock_storage(void *arg, uint32_t retries, bool *again)
{
	(void)arg;
	return sw_nv_lock_storage(retries, again);
}

uint32_t
sw_tpm_lock_storage_retry(void *arg, bool *again)
{
	(void)arg;
	return sw_nv_lock_storage_retry(again);
}
