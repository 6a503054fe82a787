/*
 * libtpms glue. libtpms calls back into plain functions without a
 * context pointer, so the one emulated TPM lives in the static 'tpm'
 * below; nothing else in the daemon keeps global TPM state.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtpms/tpm_error.h>
#include <libtpms/tpm_library.h>
#include <libtpms/tpm_tis.h>
#include <openssl/evp.h>

#include "bytes.h"
#include "io.h"
#include "log.h"
#include "swtpm/tpm_ioctl.h"
#include "tpm.h"

#define ORD_SETLOCALITY		0x20001000u
#define TPM2_CC_SHUTDOWN	0x145u
#define TPM_RC_INITIALIZE	0x100u

static struct {
	struct sw_tpm_cfg cfg;
	struct st_store	*store;
	bool		 running;
	bool		 storage_locked;	/* lock wanted and held */
	unsigned	 lock_retries;
	uint32_t	 locality;
	uint32_t	 last_ordinal;
	/* libtpms response buffer, reused */
	unsigned char	*rbuf;
	uint32_t	 rbuf_size;
	/* data response with prefix/trailer */
	uint8_t		*obuf;
	size_t		 obuf_size;
	/*
	 * Plaintext of the permanent state as we last read or wrote it,
	 * while we hold the lock. It stands for the file only while
	 * st_store_unchanged() proves that the file on disk is still the
	 * one of that read or write (pcache_valid); then it serves
	 * GET_STATEBLOB and reloads without reading the file, and an
	 * identical rewrite may be skipped. Otherwise the file is read, or
	 * written, as if there were no cache.
	 */
	uint8_t		*pcache;
	size_t		 pcache_len;
	/* a permanent state came with SET_STATEBLOB since the last INIT */
	bool		 perm_injected;
	/* short responses built by the server (not-running, pre-filter) */
	uint8_t		 small[10];
} tpm;

static bool
is_permall(const char *name)
{
	return strcmp(name, "permall") == 0;
}

static void
pcache_drop(void)
{
	secure_free(tpm.pcache, tpm.pcache_len);
	tpm.pcache = NULL;
	tpm.pcache_len = 0;
}

/* The one rule for trusting the cache: see the comment on 'pcache'. */
static bool
pcache_valid(void)
{
	if (tpm.pcache == NULL)
		return false;
	if (tpm.storage_locked && st_store_unchanged(tpm.store, "permall"))
		return true;
	pcache_drop();
	return false;
}

static void
pcache_set(const uint8_t *p, size_t n)
{
	pcache_drop();
	if (n == 0 || (tpm.pcache = malloc(n)) == NULL)
		return;
	memcpy(tpm.pcache, p, n);
	tpm.pcache_len = n;
}

static void
unlock_storage(void)
{
	pcache_drop();
	if (tpm.store != NULL)
		st_store_unlock(tpm.store);
	tpm.storage_locked = false;
}

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

static const struct st_key *
key_or_null(const struct st_key *k)
{
	return k->len > 0 ? k : NULL;
}

/* ------------------------------------------------------------- storage */

static uint32_t
store_open(void)
{
	char msg[512] = "", notice[512] = "";
	enum st_err e;

	if (tpm.store != NULL)
		return TPM_SUCCESS;
	if (tpm.cfg.state_uri == NULL) {
		log_msg("SWTPM_NVRAM_Init: Missing backend URI.\n");
		return TPM_FAIL;
	}
	e = st_store_open(&tpm.store, tpm.cfg.state_uri, &tpm.cfg.store_cfg,
	    msg, sizeof(msg), notice, sizeof(notice));
	if (notice[0] != '\0')
		log_msg("%s\n", notice);
	if (e != ST_OK) {
		log_msg("Error: could not open state '%s': %s\n",
		    tpm.cfg.state_uri, msg[0] ? msg : st_strerror(e));
		return TPM_FAIL;
	}
	return TPM_SUCCESS;
}

static uint32_t
store_lock(unsigned retries)
{
	char msg[512] = "";
	enum st_err e;

	if (tpm.store == NULL)
		return TPM_SUCCESS;
	e = st_store_lock(tpm.store, retries, msg, sizeof(msg));
	if (e != ST_OK) {
		log_msg("%s\n", msg[0] ? msg : st_strerror(e));
		if (e == ST_LOCKED)
			log_msg("Error: the TPM state '%s' is in use by another "
			    "process\n", tpm.cfg.state_uri);
		return TPM_FAIL;
	}
	return TPM_SUCCESS;
}

/* Takes the lock if it is wanted but not held (control-channel §3.19). */
static uint32_t
ensure_lock(void)
{
	if (tpm.storage_locked)
		return TPM_SUCCESS;
	if (tpm.store == NULL) {
		/* Backend not initialised yet: nothing to lock. */
		return TPM_SUCCESS;
	}
	if (store_lock(tpm.lock_retries) != TPM_SUCCESS)
		return TPM_FAIL;
	tpm.storage_locked = true;
	tpm.lock_retries = 0;
	tpm.cfg.incoming = false;
	return TPM_SUCCESS;
}

static TPM_RESULT
cb_nvram_init(void)
{
	TPM_RESULT rc = store_open();

	if (rc != TPM_SUCCESS)
		return rc;
	/*
	 * Lock before libtpms reads or writes anything, so that a second
	 * instance on the same state never touches it.
	 */
	if (!tpm.cfg.incoming && !tpm.storage_locked) {
		if (store_lock(0) != TPM_SUCCESS)
			return TPM_FAIL;
		tpm.storage_locked = true;
	}
	return TPM_SUCCESS;
}

static uint32_t
load_plain(const char *name, uint8_t **plain, size_t *plen)
{
	char msg[512] = "", where[4200];
	uint8_t *raw = NULL;
	size_t rawlen = 0;
	enum st_err e;

	if (tpm.store == NULL && store_open() != TPM_SUCCESS)
		return TPM_FAIL;
	if (is_permall(name) && pcache_valid()) {
		if ((*plain = malloc(tpm.pcache_len)) == NULL)
			return TPM_FAIL;
		memcpy(*plain, tpm.pcache, tpm.pcache_len);
		*plen = tpm.pcache_len;
		return TPM_SUCCESS;
	}
	st_store_where(tpm.store, name, where, sizeof(where));
	e = st_store_load(tpm.store, name, &raw, &rawlen, msg, sizeof(msg));
	if (e == ST_NOENT)
		return TPM_RETRY;
	if (e != ST_OK) {
		log_msg("SWTPM_NVRAM_LoadData: Error (fatal) reading '%s': "
		    "%s\n", where, msg[0] ? msg : st_strerror(e));
		return TPM_FAIL;
	}
	e = st_file_unwrap(raw, rawlen, key_or_null(&tpm.cfg.filekey), plain,
	    plen, msg, sizeof(msg));
	free(raw);
	if (e != ST_OK) {
		log_msg("%s\n", msg[0] ? msg : st_strerror(e));
		log_msg("Error: cannot load state file '%s' (%zu bytes): %s\n",
		    where, rawlen, st_strerror(e));
		log_msg("SWTPM_NVRAM_LoadData: Error from "
		    "SWTPM_NVRAM_GetDecryptedData rc = %u\n", sw_st_result(e));
		return sw_st_result(e);
	}
	if (is_permall(name) && tpm.storage_locked)
		pcache_set(*plain, *plen);
	return TPM_SUCCESS;
}

static TPM_RESULT
cb_nvram_loaddata(unsigned char **data, uint32_t *length,
    uint32_t tpm_number, const char *name)
{
	uint8_t *plain = NULL;
	size_t plen = 0;
	uint32_t rc;

	(void)tpm_number;
	rc = load_plain(name, &plain, &plen);
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

static uint32_t
store_plain(const char *name, const uint8_t *data, size_t len)
{
	char msg[512] = "";
	uint8_t *blob = NULL;
	size_t blen = 0;
	enum st_err e;

	if (tpm.store == NULL && store_open() != TPM_SUCCESS)
		return TPM_FAIL;
	if (is_permall(name) && pcache_valid() && tpm.pcache_len == len &&
	    memcmp(tpm.pcache, data, len) == 0)
		return TPM_SUCCESS;	/* the file provably holds this */
	if (is_permall(name))
		pcache_drop();
	e = st_file_wrap(data, len, key_or_null(&tpm.cfg.filekey), &blob,
	    &blen);
	if (e == ST_OK)
		e = st_store_save(tpm.store, name, blob, blen, msg,
		    sizeof(msg));
	free(blob);
	if (e != ST_OK) {
		char where[4200];

		st_store_where(tpm.store, name, where, sizeof(where));
		log_msg("SWTPM_NVRAM_StoreData: Error (fatal) writing '%s': "
		    "%s\n", where, msg[0] ? msg : st_strerror(e));
		return TPM_FAIL;
	}
	if (is_permall(name) && tpm.storage_locked)
		pcache_set(data, len);
	return TPM_SUCCESS;
}

/* Removes the volatile state file (no cache: it is gone only if we look). */
static enum st_err
delete_volatile(char *msg, size_t msglen)
{
	if (tpm.store == NULL)
		return ST_OK;
	return st_store_delete(tpm.store, "volatilestate", false, msg, msglen);
}

static TPM_RESULT
cb_nvram_storedata(const unsigned char *data, uint32_t length,
    uint32_t tpm_number, const char *name)
{
	(void)tpm_number;
	return store_plain(name, data, length);
}

static TPM_RESULT
cb_nvram_deletename(uint32_t tpm_number, const char *name,
    TPM_BOOL must_exist)
{
	char msg[512] = "";
	enum st_err e;

	(void)tpm_number;
	if (tpm.store == NULL && store_open() != TPM_SUCCESS)
		return TPM_FAIL;
	if (is_permall(name))
		pcache_drop();
	e = st_store_delete(tpm.store, name, must_exist, msg, sizeof(msg));
	if (e != ST_OK) {
		log_msg("SWTPM_NVRAM_DeleteName: Error deleting %s: %s\n",
		    name, msg[0] ? msg : st_strerror(e));
		return TPM_FAIL;
	}
	return TPM_SUCCESS;
}

static TPM_RESULT
cb_io_init(void)
{
	return TPM_SUCCESS;
}

static TPM_RESULT
cb_io_getlocality(TPM_MODIFIER_INDICATOR *loc, uint32_t tpm_number)
{
	(void)tpm_number;
	*loc = tpm.locality;
	return TPM_SUCCESS;
}

/* ------------------------------------------------------------ lifecycle */

uint32_t
sw_tpm_setup(const struct sw_tpm_cfg *cfg)
{
	static struct libtpms_callbacks cbs;
	TPM_RESULT rc;

	tpm.cfg = *cfg;
	memset(&cbs, 0, sizeof(cbs));
	cbs.sizeOfStruct = sizeof(cbs);
	cbs.tpm_nvram_init = cb_nvram_init;
	cbs.tpm_nvram_loaddata = cb_nvram_loaddata;
	cbs.tpm_nvram_storedata = cb_nvram_storedata;
	cbs.tpm_nvram_deletename = cb_nvram_deletename;
	cbs.tpm_io_init = cb_io_init;
	cbs.tpm_io_getlocality = cb_io_getlocality;
	rc = TPMLIB_ChooseTPMVersion(cfg->tpm2 ? TPMLIB_TPM_VERSION_2 :
	    TPMLIB_TPM_VERSION_1_2);
	if (rc != TPM_SUCCESS)
		return rc;
	return TPMLIB_RegisterCallbacks(&cbs);
}

bool
sw_tpm_running(void *arg)
{
	(void)arg;
	return tpm.running;
}

bool
sw_tpm_is_tpm2(void)
{
	return tpm.cfg.tpm2;
}

/* Runs a command built by the server itself; returns the response code. */
static bool
internal_cmd(const uint8_t *cmd, size_t len, uint32_t *code)
{
	unsigned char tmp[12];
	uint32_t rlen = 0;
	TPM_RESULT rc;

	memcpy(tmp, cmd, len);
	rc = TPMLIB_Process(&tpm.rbuf, &rlen, &tpm.rbuf_size, tmp,
	    (uint32_t)len);
	if (rc != TPM_SUCCESS)
		return false;
	*code = rlen >= 10 ? be32_get(tpm.rbuf + 6) : UINT32_MAX;
	return rlen >= 10;
}

/* data-channel.md §6.1: TPM2_Shutdown(SU_STATE), else SU_CLEAR. */
static void
auto_shutdown(void)
{
	static const uint8_t su_state[12] = { 0x80, 0x01, 0, 0, 0, 0x0c,
	    0, 0, 0x01, 0x45, 0x00, 0x01 };
	static const uint8_t su_clear[12] = { 0x80, 0x01, 0, 0, 0, 0x0c,
	    0, 0, 0x01, 0x45, 0x00, 0x00 };
	uint32_t code;

	if (!tpm.cfg.tpm2 || !tpm.running || tpm.cfg.disable_auto_shutdown ||
	    tpm.last_ordinal == TPM2_CC_SHUTDOWN)
		return;
	if (internal_cmd(su_state, sizeof(su_state), &code) &&
	    (code == 0 || code == TPM_RC_INITIALIZE)) {
		if (code == 0)
			tpm.last_ordinal = TPM2_CC_SHUTDOWN;
		return;
	}
	if (internal_cmd(su_clear, sizeof(su_clear), &code) && code == 0)
		tpm.last_ordinal = TPM2_CC_SHUTDOWN;
}

static void
disable_fips(void)
{
	if (EVP_default_properties_is_fips_enabled(NULL)) {
		if (EVP_default_properties_enable_fips(NULL, 0) == 1)
			log_msg("Warning: Disabled OpenSSL FIPS mode\n");
	}
}

/*
 * The backup files are only touched while we hold the storage lock (not
 * for --migration incoming before the state arrived: the files may
 * belong to the source on shared storage).
 */
static bool
backup_usable(void)
{
	return tpm.cfg.store_cfg.backup && tpm.store != NULL &&
	    tpm.storage_locked;
}

/*
 * --tpmstate ...,backup (state-storage.md §2.6): MainInit failed, so try
 * once more with the previous permanent state, and put the files back as
 * they were if that fails too. Not when the permanent state came with
 * SET_STATEBLOB: a bad incoming state must fail, not be replaced.
 * Returns true if the TPM runs on the backup; false leaves the result of
 * the first attempt to the caller.
 */
static bool
init_from_backup(void)
{
	char msg[512] = "";
	TPM_RESULT rc;

	if (!backup_usable() || tpm.perm_injected)
		return false;
	TPMLIB_Terminate();
	if (st_store_backup_swap(tpm.store, msg, sizeof(msg)) != ST_OK) {
		if (msg[0] != '\0')
			log_msg("Error: %s\n", msg);
		return false;
	}
	pcache_drop();
	log_msg("Attempting to start with backup state file.\n");
	rc = TPMLIB_ChooseTPMVersion(tpm.cfg.tpm2 ? TPMLIB_TPM_VERSION_2 :
	    TPMLIB_TPM_VERSION_1_2);
	if (rc == TPM_SUCCESS)
		rc = TPMLIB_MainInit();
	if (rc == TPM_SUCCESS)
		return true;
	TPMLIB_Terminate();
	pcache_drop();
	if (st_store_backup_swap(tpm.store, msg, sizeof(msg)) != ST_OK)
		log_msg("Error: %s\n", msg);
	return false;
}

uint32_t
sw_tpm_init(void *arg, uint32_t flags)
{
	char msg[512] = "";
	TPM_RESULT rc;

	(void)arg;
	if (tpm.running) {
		auto_shutdown();
		TPMLIB_Terminate();
		tpm.running = false;
	}
	/*
	 * Open and lock the storage before libtpms runs, so a second
	 * instance on the same state fails here without touching it, and a
	 * later INIT tries again.
	 */
	if (tpm.cfg.state_uri != NULL) {
		rc = store_open();
		if (rc == TPM_SUCCESS && !tpm.cfg.incoming &&
		    !tpm.storage_locked) {
			rc = store_lock(0);
			if (rc == TPM_SUCCESS)
				tpm.storage_locked = true;
		}
		if (rc != TPM_SUCCESS) {
			log_msg("Error: Could not initialize libtpms.\n");
			goto fail;
		}
	}
	if (backup_usable()) {
		msg[0] = '\0';
		if (st_store_backup_prepare(tpm.store, msg, sizeof(msg)) !=
		    ST_OK)
			log_msg("Error: %s\n", msg);
	}
	rc = TPMLIB_ChooseTPMVersion(tpm.cfg.tpm2 ? TPMLIB_TPM_VERSION_2 :
	    TPMLIB_TPM_VERSION_1_2);
	if (rc == TPM_SUCCESS)
		rc = TPMLIB_MainInit();
	if (rc != TPM_SUCCESS && init_from_backup())
		rc = TPM_SUCCESS;
	tpm.perm_injected = false;
	if (rc != TPM_SUCCESS) {
		log_msg("Error: Could not initialize libtpms.\n");
		goto fail;
	}
	if (!tpm.cfg.incoming && ensure_lock() != TPM_SUCCESS) {
		TPMLIB_Terminate();
		rc = TPM_FAIL;
		goto fail;
	}
	if (flags & PTM_INIT_FLAG_DELETE_VOLATILE) {
		if (delete_volatile(msg, sizeof(msg)) != ST_OK) {
			log_msg("Error: could not delete the volatile state: "
			    "%s\n", msg);
			TPMLIB_Terminate();
			rc = TPM_FAIL;
			goto fail;
		}
	}
	disable_fips();
	tpm.running = true;
	return TPM_SUCCESS;
fail:
	log_msg("Error: Could not initialize the TPM\n");
	return rc;
}

void
sw_tpm_stop(void *arg)
{
	(void)arg;
	if (tpm.running) {
		auto_shutdown();
		TPMLIB_Terminate();
		tpm.running = false;
	}
}

bool
sw_tpm_startup(int type, uint32_t *code)
{
	uint8_t cmd[12];
	struct wr w;
	uint32_t rlen = 0;

	wr_init(&w, cmd, sizeof(cmd));
	if (tpm.cfg.tpm2) {
		wr_be16(&w, 0x8001);
		wr_be32(&w, 12);
		wr_be32(&w, 0x144);
		wr_be16(&w, (uint16_t)type);	/* SU_CLEAR 0, SU_STATE 1 */
	} else {
		wr_be16(&w, 0x00c1);
		wr_be32(&w, 12);
		wr_be32(&w, 0x99);
		wr_be16(&w, (uint16_t)type);	/* 1 clear, 2 state, 3 deact */
	}
	if (TPMLIB_Process(&tpm.rbuf, &rlen, &tpm.rbuf_size, cmd,
	    sizeof(cmd)) != TPM_SUCCESS)
		return false;
	tpm.last_ordinal = tpm.cfg.tpm2 ? 0x144 : 0x99;
	*code = rlen >= 10 ? be32_get(tpm.rbuf + 6) : 0;
	return true;
}

bool
sw_tpm_ensure_lock(void)
{
	return ensure_lock() == TPM_SUCCESS;
}

void
sw_tpm_exit(void)
{
	sw_tpm_stop(NULL);
	free(tpm.rbuf);
	tpm.rbuf = NULL;
	free(tpm.obuf);
	tpm.obuf = NULL;
	pcache_drop();
	if (tpm.store != NULL) {
		st_store_unlock(tpm.store);
		st_store_free(tpm.store);
		tpm.store = NULL;
	}
	st_key_wipe(&tpm.cfg.filekey);
	st_key_wipe(&tpm.cfg.migkey);
}

size_t
sw_tpm_data_bufsize(void)
{
	int max = 4096;

	if (TPMLIB_GetTPMProperty(TPMPROP_TPM_BUFFER_MAX, &max) != 0 ||
	    max <= 0)
		max = 4096;
	return (size_t)max + 9;
}

/* ----------------------------------------------------------- data path */

static bool
obuf_reserve(size_t n)
{
	uint8_t *p;

	if (n <= tpm.obuf_size)
		return true;
	p = realloc(tpm.obuf, n);
	if (p == NULL)
		return false;
	tpm.obuf = p;
	tpm.obuf_size = n;
	return true;
}

/* A 10-byte response header with the version's tag. */
static void
short_resp(uint8_t *out, uint32_t code)
{
	be16_put(out, tpm.cfg.tpm2 ? 0x8001 : 0x00c4);
	be32_put(out + 2, 10);
	be32_put(out + 6, code);
}

static uint32_t
fatal_code(void)
{
	return tpm.cfg.tpm2 ? 0x101 : TPM_FAIL;
}

/* COMPAT: data-channel.md §4 step 3: in-band SetLocality. */
static bool
prefilter(const uint8_t *cmd, size_t len, uint8_t *out)
{
	uint32_t insufficient = tpm.cfg.tpm2 ? 0x9a : 0x19;
	uint8_t loc;

	if (len < 10) {
		short_resp(out, insufficient);
		return true;
	}
	if (be32_get(cmd + 6) != ORD_SETLOCALITY)
		return false;
	if (len < 11) {
		short_resp(out, insufficient);
		return true;
	}
	if (!tpm.cfg.loc_allow_set) {
		short_resp(out, fatal_code());
		return true;
	}
	loc = cmd[10];
	if (loc >= 5 || (loc == 4 && tpm.cfg.loc_reject4)) {
		short_resp(out, tpm.cfg.tpm2 ? 0x107 : 0x3d);
		return true;
	}
	tpm.locality = loc;
	short_resp(out, 0);
	return true;
}

bool
sw_tpm_data(const uint8_t *in, size_t n, const uint8_t **resp, size_t *rlen)
{
	const uint8_t *cmd = in;
	size_t clen = n, hdr = 0;
	uint8_t *small = tpm.small;
	const uint8_t *body;
	uint32_t blen = 0;

	/* COMPAT: data-channel.md §3: TPM 2 send-command prefix. */
	if (tpm.cfg.tpm2 && n >= 10 && be16_get(in) != 0x8001 &&
	    be16_get(in) != 0x8002 && be32_get(in) == TPM_SEND_COMMAND) {
		tpm.locality = in[4];
		cmd = in + 9;
		clen = n - 9;
		hdr = 4;
	}
	if (!tpm.running) {
		short_resp(small, fatal_code());
		body = small;
		blen = 10;
	} else {
		if (clen >= 10)
			tpm.last_ordinal = be32_get(cmd + 6);
		if (prefilter(cmd, clen, small)) {
			body = small;
			blen = 10;
		} else {
			/* libtpms takes a non-const command buffer. */
			if (TPMLIB_Process(&tpm.rbuf, &blen, &tpm.rbuf_size,
			    (unsigned char *)(uintptr_t)cmd,
			    (uint32_t)clen) != TPM_SUCCESS)
				return false;
			body = tpm.rbuf;
		}
	}
	if (hdr == 0) {
		*resp = body;
		*rlen = blen;
		return true;
	}
	if (!obuf_reserve((size_t)blen + 8))
		return false;
	be32_put(tpm.obuf, blen);
	memcpy(tpm.obuf + 4, body, blen);
	be32_put(tpm.obuf + 4 + blen, 0);
	*resp = tpm.obuf;
	*rlen = (size_t)blen + 8;
	return true;
}

/* ------------------------------------------------------ control ops */

uint32_t
sw_tpm_set_locality(void *arg, uint8_t loc)
{
	(void)arg;
	if (loc > 4 || (loc == 4 && tpm.cfg.loc_reject4))
		return PTM_RES_BAD_LOCALITY;
	tpm.locality = loc;
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
	uint32_t saved = tpm.locality;
	TPM_RESULT rc;

	(void)arg;
	if (loc > 4)
		return PTM_RES_BAD_LOCALITY;
	tpm.locality = loc;
	rc = TPM_IO_TpmEstablished_Reset();
	tpm.locality = saved;
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
	rc = store_plain("volatilestate", buf, len);
	secure_free(buf, len);
	return rc;
}

static const char *
blob_name(uint32_t type)
{
	switch (type) {
	case PTM_BLOB_TYPE_PERMANENT:	return "permall";
	case PTM_BLOB_TYPE_VOLATILE:	return "volatilestate";
	case PTM_BLOB_TYPE_SAVESTATE:	return "savestate";
	default:			return NULL;
	}
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
		(void)delete_volatile(NULL, 0);
		if (rc != TPM_SUCCESS)
			return rc;
		plain = v;
		plen = vlen;
	} else {
		rc = load_plain(name, &plain, &plen);
		if (rc != TPM_SUCCESS)
			return rc;
	}
	e = st_sblob_wrap(plain, plen,
	    (flags & PTM_STATE_FLAG_DECRYPTED) ? NULL :
	    key_or_null(&tpm.cfg.filekey), key_or_null(&tpm.cfg.migkey),
	    blob, len, &enc);
	secure_free(plain, plen);
	if (e != ST_OK)
		return sw_st_result(e);
	*st_flags = enc ? PTM_STATE_FLAG_ENCRYPTED : 0;
	return PTM_RES_SUCCESS;
}

void
sw_tpm_get_blob_sent(void *arg, uint32_t type)
{
	(void)arg;
	/* control-channel.md §3.11 step 6: outgoing migration unlocks. */
	if (type != PTM_BLOB_TYPE_SAVESTATE)
		return;
	unlock_storage();
	tpm.lock_retries = 300;
}

uint32_t
sw_tpm_set_blob_lock(void *arg, bool *fatal)
{
	(void)arg;
	if (tpm.cfg.state_uri == NULL)
		return PTM_RES_SUCCESS;
	if (store_open() != TPM_SUCCESS)
		return PTM_RES_FAIL;
	if (ensure_lock() != TPM_SUCCESS) {
		*fatal = true;
		return PTM_RES_IOERROR;
	}
	return PTM_RES_SUCCESS;
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
	    key_or_null(&tpm.cfg.filekey), key_or_null(&tpm.cfg.migkey), name,
	    &plain, &plen, msg, sizeof(msg));
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
		tpm.perm_injected = true;
	return rc;
}

uint32_t
sw_tpm_get_config(void *arg)
{
	uint32_t f = 0;

	(void)arg;
	if (tpm.cfg.filekey.len > 0)
		f |= PTM_CONFIG_FLAG_FILE_KEY;
	if (tpm.cfg.migkey.len > 0)
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
sw_tpm_lock_storage(void *arg, uint32_t retries)
{
	(void)arg;
	tpm.lock_retries = retries;
	if (tpm.storage_locked || tpm.store == NULL)
		return PTM_RES_SUCCESS;
	return ensure_lock() == TPM_SUCCESS ? PTM_RES_SUCCESS : PTM_RES_FAIL;
}

int
sw_tpm_print_states(void)
{
	static const char *names[] = { "permall", "volatilestate",
	    "savestate" };
	char msg[512] = "";
	size_t i, sz[3];
	bool have[3];
	int n = 0;
	enum st_err e;

	if (store_open() != TPM_SUCCESS)
		return 1;
	for (i = 0; i < 3; i++) {
		e = st_store_size(tpm.store, names[i], &sz[i], msg,
		    sizeof(msg));
		have[i] = e == ST_OK;
		if (e != ST_OK && e != ST_NOENT) {
			log_msg("Error: %s\n", msg[0] ? msg : st_strerror(e));
			return 1;
		}
	}
	/* COMPAT: state-storage.md §10: no trailing newline. */
	printf("{ \"type\": \"swtpm\", \"states\": [");
	for (i = 0; i < 3; i++) {
		if (!have[i])
			continue;
		printf("%s {\"name\": \"%s\", \"size\": %zu}",
		    n ? "," : "", names[i], sz[i]);
		n++;
	}
	printf("%s] }", n ? " " : "");
	fflush(stdout);
	return 0;
}
