/*
 * The libtpms glue as main.c and server.c use it: set-up, life cycle,
 * the data path and the struct ctrl_ops callbacks. Its files: tpm.c
 * (life cycle), nvram.c (state storage, lock, the permanent-state
 * cache), datapath.c (data channel), ctrlops.c (control callbacks),
 * printstates.c (--print-states); glue.h is what they share.
 *
 * Every function that can fail returns a TPM result code (TPM_SUCCESS
 * = 0) and has logged why (see glue.h).
 */
#ifndef SWTPM_TPM_H
#define SWTPM_TPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state.h"

struct sw_tpm_cfg {
	bool		 tpm2;
	const char	*state_uri;	/* NULL: no state backend */
	struct st_store_cfg store_cfg;
	struct st_key	 filekey;	/* len 0: none */
	struct st_key	 migkey;
	bool		 incoming;	/* --migration incoming */
	bool		 disable_auto_shutdown;
	bool		 loc_reject4;
	bool		 loc_allow_set;
};

/* Chooses the TPM version and registers callbacks; copies cfg. */
uint32_t	 sw_tpm_setup(const struct sw_tpm_cfg *);
/* CMD_INIT semantics (control-channel.md §3.2). */
uint32_t	 sw_tpm_init(void *arg, uint32_t flags);
/* CMD_STOP: automatic TPM2_Shutdown, then terminate. */
void		 sw_tpm_stop(void *arg);
bool		 sw_tpm_running(void *arg);
bool		 sw_tpm_is_tpm2(void);
/* The --flags startup command (data-channel.md §6). */
enum sw_startup_type { SW_SU_CLEAR, SW_SU_STATE, SW_SU_DEACTIVATED };
/* Sends it; *code is the TPM's response code (deactivated: TPM 1.2). */
uint32_t	 sw_tpm_startup(enum sw_startup_type, uint32_t *code);
/* Marks the permanent state as injected (ctrlops.c). */
void		 sw_tpm_injected(void);
/*
 * Ensures the storage lock before a data command; an error means the
 * lock could not be taken and the process must terminate.
 */
uint32_t	 sw_nv_ensure_lock(void);
/*
 * Processes one data-channel message (prefix detection, not-running
 * response, pre-filter, libtpms). *resp points to an internal buffer
 * valid until the next call; on an error nothing is to be sent.
 */
uint32_t	 sw_tpm_data(const uint8_t *in, size_t n, const uint8_t **resp,
		    size_t *rlen);
/*
 * Framing: true once n bytes gathered from the data channel are a whole
 * message (the first read of 10 bytes or more).
 */
bool		 sw_tpm_data_complete(size_t n);
/* Max size of one data-channel message (TPM_BUFFER_MAX + 9). */
size_t		 sw_tpm_data_bufsize(void);
void		 sw_datapath_exit(void);
/* Shut down for process exit (auto-shutdown, terminate, free, unlock). */
void		 sw_tpm_exit(void);

/* Control operations: the callbacks of struct ctrl_ops (arg unused). */
uint32_t	 sw_tpm_set_locality(void *arg, uint8_t loc);
uint32_t	 sw_tpm_get_established(void *arg, uint8_t *bit);
uint32_t	 sw_tpm_reset_established(void *arg, uint8_t loc);
uint32_t	 sw_tpm_hash_start(void *arg);
uint32_t	 sw_tpm_hash_data(void *arg, const uint8_t *p, size_t n);
uint32_t	 sw_tpm_hash_end(void *arg);
uint32_t	 sw_tpm_cancel(void *arg);
uint32_t	 sw_tpm_store_volatile(void *arg);
uint32_t	 sw_tpm_get_blob(void *arg, uint32_t flags, uint32_t type,
		    uint8_t **blob, size_t *len, uint32_t *st_flags);
void		 sw_tpm_get_blob_sent(void *arg, uint32_t type);
uint32_t	 sw_tpm_set_blob_lock(void *arg, bool *fatal);
uint32_t	 sw_tpm_set_blob(void *arg, uint32_t flags, uint32_t type,
		    const uint8_t *blob, size_t len);
uint32_t	 sw_tpm_get_config(void *arg);
uint32_t	 sw_tpm_set_buffersize(void *arg, uint32_t want, uint32_t *inuse,
		    uint32_t *min, uint32_t *max);
char		*sw_tpm_get_info(void *arg, uint64_t flags);
uint32_t	 sw_tpm_lock_storage(void *arg, uint32_t retries, bool *again);
uint32_t	 sw_tpm_lock_storage_retry(void *arg, bool *again);
/* Result code for a state-module error (the one mapping, nvram.c). */
uint32_t	 sw_st_result(enum st_err);

/* --print-states for a backend (printstates.c); 0, or -1 logged. */
int		 sw_print_states(const char *uri, const struct st_store_cfg *);

#endif
