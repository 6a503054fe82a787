/*
 * The TPM's life cycle on libtpms: choosing the version and registering
 * the callbacks, INIT (with the --tpmstate backup fallback), STOP with
 * the automatic TPM2_Shutdown, the --flags startup command and exit.
 * Defines the one emulated TPM of the process (struct sw_core, glue.h);
 * storage is nvram.c's, the data path datapath.c's, the control
 * callbacks ctrlops.c's.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libtpms/tpm_error.h>
#include <libtpms/tpm_library.h>
#include <libtpms/tpm_tis.h>
#include <openssl/evp.h>

#include "bytes.h"
#include "glue.h"
#include "log.h"
#include "swtpm/tpm_ioctl.h"
#include "tpm12.h"
#include "tpm2.h"

struct sw_core sw_core;

/* a permanent state came with SET_STATEBLOB since the last INIT */
static bool perm_injected;

const struct st_key *
sw_key_or_null(const struct st_key *k)
{
	return k->len > 0 ? k : NULL;
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
	*loc = sw_core.locality;
	return TPM_SUCCESS;
}

static uint32_t
choose_version(void)
{
	return TPMLIB_ChooseTPMVersion(sw_core.cfg.tpm2 ?
	    TPMLIB_TPM_VERSION_2 : TPMLIB_TPM_VERSION_1_2);
}

uint32_t
sw_tpm_setup(const struct sw_tpm_cfg *cfg)
{
	static struct libtpms_callbacks cbs;
	uint32_t rc;

	sw_core.cfg = *cfg;
	memset(&cbs, 0, sizeof(cbs));
	cbs.sizeOfStruct = sizeof(cbs);
	sw_nv_callbacks(&cbs);
	cbs.tpm_io_init = cb_io_init;
	cbs.tpm_io_getlocality = cb_io_getlocality;
	if ((rc = choose_version()) != TPM_SUCCESS)
		return rc;
	return TPMLIB_RegisterCallbacks(&cbs);
}

bool
sw_tpm_running(void *arg)
{
	(void)arg;
	return sw_core.running;
}

bool
sw_tpm_is_tpm2(void)
{
	return sw_core.cfg.tpm2;
}

uint32_t
sw_core_cmd(const uint8_t *cmd, size_t len, uint32_t *code)
{
	unsigned char tmp[16];
	uint32_t rlen = 0, rc;

	if (len > sizeof(tmp))
		return TPM_FAIL;
	memcpy(tmp, cmd, len);	/* libtpms takes a non-const buffer */
	rc = TPMLIB_Process(&sw_core.rbuf, &rlen, &sw_core.rbuf_size, tmp,
	    (uint32_t)len);
	if (rc != TPM_SUCCESS)
		return rc;
	if (rlen < TPM_HDR_LEN)
		return TPM_FAIL;
	*code = be32_get(sw_core.rbuf + TPM_HDR_CODE_OFF);
	return TPM_SUCCESS;
}

/* TPM2_Shutdown(su); TPM_SUCCESS and *code, or a libtpms error. */
static uint32_t
shutdown2(uint16_t su, uint32_t *code)
{
	uint8_t cmd[12];
	struct wr w;

	wr_init(&w, cmd, sizeof(cmd));
	if (!tpm2_build_shutdown(&w, su))
		return TPM_FAIL;
	return sw_core_cmd(cmd, w.len, code);
}

/*
 * data-channel.md §6.1: TPM2_Shutdown(SU_STATE), else SU_CLEAR. True if
 * one was sent and succeeded.
 */
static bool
auto_shutdown(void)
{
	uint32_t code;

	if (!sw_core.cfg.tpm2 || !sw_core.running ||
	    sw_core.cfg.disable_auto_shutdown ||
	    sw_core.last_ordinal == TPM2_CC_SHUTDOWN)
		return false;
	if (shutdown2(TPM2_SU_STATE, &code) == TPM_SUCCESS &&
	    (code == 0 || code == TPM2_RC_INITIALIZE)) {
		if (code == 0)
			sw_core.last_ordinal = TPM2_CC_SHUTDOWN;
		return code == 0;
	}
	if (shutdown2(TPM2_SU_CLEAR, &code) == TPM_SUCCESS && code == 0) {
		sw_core.last_ordinal = TPM2_CC_SHUTDOWN;
		return true;
	}
	return false;
}

static void
disable_fips(void)
{
	if (EVP_default_properties_is_fips_enabled(NULL)) {
		if (EVP_default_properties_enable_fips(NULL, 0) == 1)
			log_warning("Warning: Disabled OpenSSL FIPS mode\n");
	}
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
	uint32_t rc;

	if (!sw_nv_backup_usable() || perm_injected)
		return false;
	TPMLIB_Terminate();
	if (!sw_nv_backup_swap())
		return false;
	log_notice("Attempting to start with backup state file.\n");
	rc = choose_version();
	if (rc == TPM_SUCCESS)
		rc = TPMLIB_MainInit();
	if (rc == TPM_SUCCESS)
		return true;
	TPMLIB_Terminate();
	(void)sw_nv_backup_swap();
	return false;
}

/* CMD_INIT (control-channel.md §3.2). */
uint32_t
sw_tpm_init(void *arg, uint32_t flags)
{
	bool backup = false;
	uint32_t rc;

	(void)arg;
	sw_tpm_stop(NULL);
	/*
	 * Open and lock the storage before libtpms runs, so a second
	 * instance on the same state fails here without touching it, and a
	 * later INIT tries again.
	 */
	if ((rc = sw_nv_lock_for_init()) != TPM_SUCCESS) {
		log_msg("Error: Could not initialize libtpms.\n");
		goto fail;
	}
	sw_nv_backup_prepare();
	rc = choose_version();
	if (rc == TPM_SUCCESS)
		rc = TPMLIB_MainInit();
	if (rc != TPM_SUCCESS && (backup = init_from_backup()))
		rc = TPM_SUCCESS;
	perm_injected = false;
	if (rc != TPM_SUCCESS) {
		log_msg("Error: Could not initialize libtpms.\n");
		goto fail;
	}
	if (!sw_nv_incoming() &&
	    (rc = sw_nv_ensure_lock()) != TPM_SUCCESS) {
		TPMLIB_Terminate();
		goto fail;
	}
	if ((flags & PTM_INIT_FLAG_DELETE_VOLATILE) &&
	    (rc = sw_nv_delete_volatile()) != TPM_SUCCESS) {
		TPMLIB_Terminate();
		goto fail;
	}
	disable_fips();
	sw_core.running = true;
	log_event(LOG_EV_INIT, LV_U(flags), LV_B(backup));
	return TPM_SUCCESS;
fail:
	log_msg("Error: Could not initialize the TPM\n");
	return rc;
}

/* CMD_STOP: automatic TPM2_Shutdown, then terminate. */
void
sw_tpm_stop(void *arg)
{
	bool sent;

	(void)arg;
	if (!sw_core.running)
		return;
	sent = auto_shutdown();
	TPMLIB_Terminate();
	sw_core.running = false;
	log_event(LOG_EV_STOP, LV_B(sent));
}

/* A permanent state arrived with SET_STATEBLOB (no backup fallback). */
void
sw_tpm_injected(void)
{
	perm_injected = true;
}

uint32_t
sw_tpm_startup(enum sw_startup_type type, uint32_t *code)
{
	/* indexed by enum sw_startup_type; TPM 2 has no deactivated */
	static const uint16_t tpm2_su[] = { TPM2_SU_CLEAR, TPM2_SU_STATE,
	    TPM2_SU_CLEAR };
	static const uint16_t tpm12_st[] = { TPM_ST_CLEAR, TPM_ST_STATE,
	    TPM_ST_DEACTIVATED };
	uint8_t cmd[12];
	struct wr w;
	uint32_t rc;
	bool ok;

	wr_init(&w, cmd, sizeof(cmd));
	if (sw_core.cfg.tpm2)
		ok = tpm2_build_startup(&w, tpm2_su[type]);
	else
		ok = tpm12_build_startup(&w, tpm12_st[type]);
	*code = 0;
	if (!ok)
		return TPM_FAIL;
	rc = sw_core_cmd(cmd, w.len, code);
	if (rc == TPM_SUCCESS)
		sw_core.last_ordinal = sw_core.cfg.tpm2 ? TPM2_CC_STARTUP :
		    TPM_ORD_STARTUP;
	return rc;
}

void
sw_tpm_exit(void)
{
	sw_tpm_stop(NULL);
	free(sw_core.rbuf);
	sw_core.rbuf = NULL;
	sw_datapath_exit();
	sw_nv_exit();
	st_key_wipe(&sw_core.cfg.filekey);
	st_key_wipe(&sw_core.cfg.migkey);
}
