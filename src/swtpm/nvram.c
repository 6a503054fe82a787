/*
 * The TPM state storage as libtpms and the control channel see it: the
 * backend (src/state), the storage lock and its life cycle
 * (control-channel.md §3.19), the libtpms NVRAM callbacks, and the one
 * cache of on-disk state in the daemon, the plaintext of the permanent
 * state (see 'pcache' below for the rule that makes it valid).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libtpms/tpm_error.h>

#include "glue.h"
#include "io.h"
#include "log.h"
#include "swtpm/tpm_ioctl.h"

/*
 * LOCK_STORAGE retries from the event loop for at most 30 s, whatever
 * count it asks for (0xFFFFFFFF would be 500 days). A count it leaves
 * for a later lock (backend not open yet) or an outgoing migration
 * leaves is spent in a blocking wait, at most 3 s (QEMU asks for 300).
 */
#define LOCK_STORAGE_MAX_RETRIES	3000
#define LOCK_KEPT_MAX_RETRIES		300

static struct {
	struct st_store	*store;
	bool		 locked;	/* lock wanted and held */
	unsigned	 lock_retries;	/* for the next lock attempt */
	unsigned	 lock_left;	/* of a LOCK_STORAGE in progress */
	bool		 incoming;	/* --migration incoming, no state yet */
	bool		 released;	/* lock given up for a migration */
	/*
	 * Plaintext of the permanent state as we last read or wrote it,
	 * while we hold the lock. It stands for the file only while
	 * st_store_unchanged() proves that the file on disk is still the
	 * one of that read or write (pcache_valid); then it serves
	 * GET_STATEBLOB and reloads without decrypting, and an identical
	 * rewrite may be skipped. Otherwise the file is read, or written,
	 * as if there were no cache.
	 */
	uint8_t		*pcache;
	size_t		 pcache_len;
} nv;

uint32_t
sw_st_result(enum st_err e)
{
	switch (e) {
	case ST_OK:		return PTM_RES_SUCCESS;
	case ST_NOENT:		return PTM_RES_RETRY;
	case ST_SHORT:		return PTM_RES_BAD_PARAMETER;
	case ST_BADTYPE:	return PTM_RES_BAD_PARAMETER;
	case ST_BADVERSION:	return PTM_RES_BAD_VERSION;
	case ST_BADHDRSIZE:	return PTM_RES_BAD_DATASIZE;
	case ST_DECRYPT:	return PTM_RES_DECRYPT_ERROR;
	case ST_KEYSIZE:	return PTM_RES_BAD_KEY_PROPERTY;
	case ST_NOKEY:		return PTM_RES_KEYNOTFOUND;
	default:		return PTM_RES_FAIL;
	}
}

static bool
is_permall(const char *name)
{
	return strcmp(name, ST_PERMALL) == 0;
}

/* Microseconds of a monotonic clock, read only for a logged event. */
static uint64_t
clock_us(enum log_ev ev)
{
	struct timespec ts;

	if (!log_on(ev))
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
log_state(enum log_ev ev, const char *name, size_t len, uint64_t t0,
    bool flag)
{
	log_event(ev, LV_S(name), LV_U(len), LV_U(clock_us(ev) - t0),
	    LV_B(flag));
}

static void
log_locked(void)
{
	log_event(LOG_EV_LOCK_ACQUIRED, LV_S(sw_core.cfg.state_uri != NULL ?
	    sw_core.cfg.state_uri : ""));
}

static void
log_unlocked(const char *why)
{
	log_event(LOG_EV_LOCK_RELEASED, LV_S(sw_core.cfg.state_uri != NULL ?
	    sw_core.cfg.state_uri : ""), LV_S(why));
}

/* ---------------------------------------------------------- the cache */

static void
pcache_drop(void)
{
	secure_free(nv.pcache, nv.pcache_len);
	nv.pcache = NULL;
	nv.pcache_len = 0;
}

/* The one rule for trusting the cache: see the comment on 'pcache'. */
static bool
pcache_valid(void)
{
	if (nv.pcache == NULL)
		return false;
	if (nv.locked && st_store_unchanged(nv.store, ST_PERMALL))
		return true;
	pcache_drop();
	return false;
}

/* Remembers p as the permanent state just read or written. */
static void
pcache_set(const uint8_t *p, size_t n)
{
	pcache_drop();
	if (!nv.locked || n == 0 || (nv.pcache = malloc(n)) == NULL)
		return;
	memcpy(nv.pcache, p, n);
	nv.pcache_len = n;
}

/* ---------------------------------------------------- backend and lock */

uint32_t
sw_nv_open(void)
{
	char msg[512] = "", notice[512] = "";
	const char *uri = sw_core.cfg.state_uri;
	enum st_err e;

	if (nv.store != NULL)
		return TPM_SUCCESS;
	if (uri == NULL) {
		log_msg("SWTPM_NVRAM_Init: Missing backend URI.\n");
		return TPM_FAIL;
	}
	e = st_store_open(&nv.store, uri, &sw_core.cfg.store_cfg, msg,
	    sizeof(msg), notice, sizeof(notice));
	if (notice[0] != '\0')
		log_notice("%s\n", notice);
	if (e != ST_OK) {
		log_msg("Error: could not open state '%s': %s\n", uri,
		    msg[0] ? msg : st_strerror(e));
		return TPM_FAIL;
	}
	return TPM_SUCCESS;
}

static void
log_lock_failure(enum st_err e, const char *msg)
{
	log_msg("%s\n", msg[0] ? msg : st_strerror(e));
	if (e == ST_LOCKED)
		log_msg("Error: the TPM state '%s' is in use by another "
		    "process\n", sw_core.cfg.state_uri);
}

/* Takes the lock, waiting up to retries x 10 ms (blocking). */
static uint32_t
lock(unsigned retries)
{
	char msg[512] = "";
	enum st_err e;

	e = st_store_lock(nv.store, retries, msg, sizeof(msg));
	if (e != ST_OK) {
		log_lock_failure(e, msg);
		return TPM_FAIL;
	}
	nv.locked = true;
	nv.released = false;
	log_locked();
	return TPM_SUCCESS;
}

uint32_t
sw_nv_lock_for_init(void)
{
	uint32_t rc;

	if (sw_core.cfg.state_uri == NULL)
		return TPM_SUCCESS;
	if ((rc = sw_nv_open()) != TPM_SUCCESS)
		return rc;
	if (nv.incoming || nv.locked)
		return TPM_SUCCESS;
	return lock(0);
}

bool
sw_nv_incoming(void)
{
	return nv.incoming;
}

uint32_t
sw_nv_ensure_lock(void)
{
	unsigned retries = nv.lock_retries;

	if (nv.locked || nv.store == NULL)
		return TPM_SUCCESS;
	nv.lock_retries = 0;	/* one attempt spends the count */
	if (lock(retries) != TPM_SUCCESS)
		return TPM_FAIL;
	nv.incoming = false;
	return TPM_SUCCESS;
}

void
sw_nv_release(void)
{
	pcache_drop();
	if (nv.locked)
		log_unlocked("migration_out");
	if (nv.store != NULL)
		st_store_unlock(nv.store);
	nv.locked = false;
	nv.released = true;
	nv.lock_retries = LOCK_KEPT_MAX_RETRIES;
}

/*
 * A write while the lock is given up for an outgoing migration (the
 * automatic TPM2_Shutdown of CMD_STOP or CMD_SHUTDOWN on the source, after
 * QEMU read the state out) takes the lock first, in one attempt. If the
 * destination holds it, the state on shared storage is the destination's
 * now, and the write is refused rather than putting the source's older
 * state over it (the reference writes regardless).
 */
static uint32_t
relock_for_write(const char *what)
{
	if (!nv.released || nv.locked)
		return TPM_SUCCESS;
	if (lock(0) == TPM_SUCCESS)
		return TPM_SUCCESS;
	log_msg("Not writing the %s: the storage lock was released for an "
	    "outgoing migration and another process holds it now\n", what);
	return TPM_FAIL;
}

/* One attempt of a LOCK_STORAGE; *again if it should be retried. */
static uint32_t
lock_step(bool *again)
{
	char msg[512] = "";
	enum st_err e;

	*again = false;
	if (nv.locked || nv.store == NULL)
		return PTM_RES_SUCCESS;
	e = st_store_lock(nv.store, 0, msg, sizeof(msg));
	if (e == ST_OK) {
		nv.locked = true;
		nv.released = false;
		nv.incoming = false;
		nv.lock_left = 0;
		log_locked();
		return PTM_RES_SUCCESS;
	}
	if (e == ST_LOCKED && nv.lock_left > 0) {
		nv.lock_left--;
		*again = true;
		return PTM_RES_SUCCESS;
	}
	nv.lock_left = 0;
	log_lock_failure(e, msg);
	return PTM_RES_FAIL;
}

uint32_t
sw_nv_lock_storage(uint32_t retries, bool *again)
{
	*again = false;
	if (nv.store == NULL) {
		/* nothing to lock yet: the count is kept for later */
		nv.lock_retries = retries < LOCK_KEPT_MAX_RETRIES ? retries :
		    LOCK_KEPT_MAX_RETRIES;
		return PTM_RES_SUCCESS;
	}
	nv.lock_retries = 0;
	nv.lock_left = retries < LOCK_STORAGE_MAX_RETRIES ? retries :
	    LOCK_STORAGE_MAX_RETRIES;
	return lock_step(again);
}

uint32_t
sw_nv_lock_storage_retry(bool *again)
{
	return lock_step(again);
}

uint32_t
sw_nv_lock_for_set_blob(bool *fatal)
{
	if (sw_core.cfg.state_uri == NULL)
		return PTM_RES_SUCCESS;
	if (sw_nv_open() != TPM_SUCCESS)
		return PTM_RES_FAIL;
	if (sw_nv_ensure_lock() != TPM_SUCCESS) {
		*fatal = true;
		return PTM_RES_IOERROR;
	}
	return PTM_RES_SUCCESS;
}

/* ------------------------------------------------------------ blobs */

uint32_t
sw_nv_load(const char *name, uint8_t **plain, size_t *plen)
{
	char msg[512] = "", where[4200];
	uint8_t *raw = NULL;
	size_t rawlen = 0;
	uint64_t t0 = clock_us(LOG_EV_STATE_LOADED);
	enum st_err e;

	if (sw_nv_open() != TPM_SUCCESS)
		return TPM_FAIL;
	if (is_permall(name) && pcache_valid()) {
		if ((*plain = malloc(nv.pcache_len)) == NULL)
			return TPM_FAIL;
		memcpy(*plain, nv.pcache, nv.pcache_len);
		*plen = nv.pcache_len;
		log_state(LOG_EV_STATE_LOADED, name, *plen, t0, true);
		return TPM_SUCCESS;
	}
	st_store_where(nv.store, name, where, sizeof(where));
	e = st_store_load(nv.store, name, &raw, &rawlen, msg, sizeof(msg));
	if (e == ST_NOENT)
		return TPM_RETRY;
	if (e != ST_OK) {
		log_msg("SWTPM_NVRAM_LoadData: Error (fatal) reading '%s': "
		    "%s\n", where, msg[0] ? msg : st_strerror(e));
		return TPM_FAIL;
	}
	e = st_file_unwrap(raw, rawlen, sw_key_or_null(&sw_core.cfg.filekey),
	    plain, plen, msg, sizeof(msg));
	free(raw);
	if (e != ST_OK) {
		log_msg("%s\n", msg[0] ? msg : st_strerror(e));
		log_msg("Error: cannot load state file '%s' (%zu bytes): %s\n",
		    where, rawlen, st_strerror(e));
		log_msg("SWTPM_NVRAM_LoadData: Error from "
		    "SWTPM_NVRAM_GetDecryptedData rc = %u\n", sw_st_result(e));
		return sw_st_result(e);
	}
	if (is_permall(name))
		pcache_set(*plain, *plen);
	log_state(LOG_EV_STATE_LOADED, name, *plen, t0, false);
	return TPM_SUCCESS;
}

uint32_t
sw_nv_store(const char *name, const uint8_t *data, size_t len)
{
	char msg[512] = "";
	uint8_t *blob = NULL;
	size_t blen = 0;
	uint64_t t0 = clock_us(LOG_EV_STATE_WRITTEN);
	enum st_err e;

	if (sw_nv_open() != TPM_SUCCESS || relock_for_write(name) !=
	    TPM_SUCCESS)
		return TPM_FAIL;
	/*
	 * Compare first: a different state is written anyway, so proving
	 * the file unchanged (which reads it back while its stamp is
	 * racy, i.e. on every NV write that follows another) is needed
	 * only to skip an identical one.
	 */
	if (is_permall(name) && nv.pcache != NULL && nv.pcache_len == len &&
	    memcmp(nv.pcache, data, len) == 0 && pcache_valid()) {
		/* the file provably holds this */
		log_state(LOG_EV_STATE_WRITTEN, name, len, t0, true);
		return TPM_SUCCESS;
	}
	if (is_permall(name))
		pcache_drop();
	e = st_file_wrap(data, len, sw_key_or_null(&sw_core.cfg.filekey),
	    &blob, &blen);
	if (e == ST_OK)
		e = st_store_save(nv.store, name, blob, blen, msg,
		    sizeof(msg));
	free(blob);
	if (e != ST_OK) {
		char where[4200];

		st_store_where(nv.store, name, where, sizeof(where));
		log_msg("SWTPM_NVRAM_StoreData: Error (fatal) writing '%s': "
		    "%s\n", where, msg[0] ? msg : st_strerror(e));
		return TPM_FAIL;
	}
	if (is_permall(name))
		pcache_set(data, len);
	log_state(LOG_EV_STATE_WRITTEN, name, len, t0, false);
	return TPM_SUCCESS;
}

/* Removes the volatile state file (no cache: it is gone only if we look). */
uint32_t
sw_nv_delete_volatile(void)
{
	char msg[512] = "";
	enum st_err e;

	if (nv.store == NULL)
		return TPM_SUCCESS;
	if (relock_for_write("volatile state") != TPM_SUCCESS)
		return TPM_FAIL;
	e = st_store_delete(nv.store, ST_VOLATILE, false, msg,
	    sizeof(msg));
	if (e != ST_OK) {
		log_msg("Error: could not delete the volatile state: %s\n",
		    msg[0] ? msg : st_strerror(e));
		return TPM_FAIL;
	}
	return TPM_SUCCESS;
}

/* ------------------------------------------------------------ backup */

/*
 * The backup files are only touched while we hold the storage lock (not
 * for --migration incoming before the state arrived: the files may
 * belong to the source on shared storage).
 */
bool
sw_nv_backup_usable(void)
{
	return sw_core.cfg.store_cfg.backup && nv.store != NULL && nv.locked;
}

/* A lone backup becomes the permanent state (state-storage.md §2.6). */
void
sw_nv_backup_prepare(void)
{
	char msg[512] = "";

	if (sw_nv_backup_usable() &&
	    st_store_backup_prepare(nv.store, msg, sizeof(msg)) != ST_OK)
		log_msg("Error: %s\n", msg);
}

/* Exchanges the permanent state and its backup; false if it could not. */
bool
sw_nv_backup_swap(void)
{
	char msg[512] = "";

	pcache_drop();
	if (st_store_backup_swap(nv.store, msg, sizeof(msg)) != ST_OK) {
		if (msg[0] != '\0')
			log_msg("Error: %s\n", msg);
		return false;
	}
	return true;
}

void
sw_nv_exit(void)
{
	pcache_drop();
	if (nv.locked)
		log_unlocked("exit");
	if (nv.store != NULL) {
		st_store_unlock(nv.store);
		st_store_free(nv.store);
		nv.store = NULL;
	}
	nv.locked = false;
}

/* -------------------------------------------------- libtpms callbacks */

static TPM_RESULT
cb_nvram_init(void)
{
	uint32_t rc = sw_nv_open();

	/*
	 * Lock before libtpms reads or writes anything, so that a second
	 * instance on the same state never touches it.
	 */
	return rc != TPM_SUCCESS ? rc : sw_nv_lock_for_init();
}

static TPM_RESULT
cb_nvram_loaddata(unsigned char **data, uint32_t *length,
    uint32_t tpm_number, const char *name)
{
	uint8_t *plain = NULL;
	size_t plen = 0;
	uint32_t rc;

	(void)tpm_number;
	rc = sw_nv_load(name, &plain, &plen);
	if (rc != TPM_SUCCESS)
		return rc;
	if (plen > UINT32_MAX) {
		secure_free(plain, plen);
		return TPM_FAIL;
	}
	*data = plain;
	*length = (uint32_t)plen;
	return TPM_SUCCESS;
}

static TPM_RESULT
cb_nvram_storedata(const unsigned char *data, uint32_t length,
    uint32_t tpm_number, const char *name)
{
	(void)tpm_number;
	return sw_nv_store(name, data, length);
}

static TPM_RESULT
cb_nvram_deletename(uint32_t tpm_number, const char *name,
    TPM_BOOL must_exist)
{
	char msg[512] = "";
	enum st_err e;

	(void)tpm_number;
	if (sw_nv_open() != TPM_SUCCESS)
		return TPM_FAIL;
	if (is_permall(name))
		pcache_drop();
	e = st_store_delete(nv.store, name, must_exist, msg, sizeof(msg));
	if (e != ST_OK) {
		log_msg("SWTPM_NVRAM_DeleteName: Error deleting %s: %s\n",
		    name, msg[0] ? msg : st_strerror(e));
		return TPM_FAIL;
	}
	return TPM_SUCCESS;
}

void
sw_nv_callbacks(struct libtpms_callbacks *cbs)
{
	nv.incoming = sw_core.cfg.incoming;
	cbs->tpm_nvram_init = cb_nvram_init;
	cbs->tpm_nvram_loaddata = cb_nvram_loaddata;
	cbs->tpm_nvram_storedata = cb_nvram_storedata;
	cbs->tpm_nvram_deletename = cb_nvram_deletename;
}
