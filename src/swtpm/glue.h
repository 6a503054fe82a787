/*
 * Shared by the files of the libtpms glue only: tpm.c (life cycle),
 * nvram.c (state storage), datapath.c (data channel) and ctrlops.c
 * (control callbacks). Not for main.c or server.c, which use tpm.h.
 *
 * Error convention of the glue: a function that can fail returns a TPM
 * result code (uint32_t, TPM_SUCCESS = 0) and has logged why. The
 * control channel carries these codes as they are (the PTM_RES_* codes
 * are TPM 1.2 result codes) and libtpms gets them back from its
 * callbacks. State library errors (enum st_err) become result codes in
 * one place: sw_st_result() in nvram.c.
 */
#ifndef SWTPM_GLUE_H
#define SWTPM_GLUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libtpms/tpm_library.h>

#include "tpm.h"

/*
 * The one emulated TPM of the process. libtpms keeps one TPM per process
 * and calls back without a context pointer, so this is global; tpm.c
 * defines it, and only the glue files see it.
 */
struct sw_core {
	struct sw_tpm_cfg cfg;
	bool		 running;	/* INIT succeeded, no STOP since */
	uint32_t	 locality;	/* for libtpms' locality callback */
	uint32_t	 last_ordinal;	/* of the last command run */
	unsigned char	*rbuf;		/* libtpms response buffer, reused */
	uint32_t	 rbuf_size;
};
extern struct sw_core sw_core;

/* Runs a command built by the glue; *code is the TPM response code. */
uint32_t	 sw_core_cmd(const uint8_t *cmd, size_t len, uint32_t *code);
/* The key if one is configured, else NULL. */
const struct st_key *sw_key_or_null(const struct st_key *);

/* ---------------------------------------------------------- nvram.c */

/* The libtpms NVRAM callbacks. */
void		 sw_nv_callbacks(struct libtpms_callbacks *);
/* Opens the configured backend once (no lock). */
uint32_t	 sw_nv_open(void);
/*
 * INIT's lock (control-channel.md §3.19): opens the backend and, unless
 * an incoming migration waits for its state, takes the lock without
 * retries if it is not held.
 */
uint32_t	 sw_nv_lock_for_init(void);
/*
 * sw_nv_ensure_lock (tpm.h) takes the lock if it is wanted but not
 * held, with the retry count LOCK_STORAGE or an outgoing migration
 * left, and ends incoming mode; nothing to do before the backend opens.
 */
/* --migration incoming and the state has not arrived yet. */
bool		 sw_nv_incoming(void);
/* After an outgoing migration: unlock, retry 300 times at next use. */
void		 sw_nv_release(void);
/* CMD_LOCK_STORAGE: an attempt now, then retries (see struct ctrl_ops). */
uint32_t	 sw_nv_lock_storage(uint32_t retries, bool *again);
uint32_t	 sw_nv_lock_storage_retry(bool *again);
/* SET_STATEBLOB's lock check; *fatal: the lock is held elsewhere. */
uint32_t	 sw_nv_lock_for_set_blob(bool *fatal);
/* Plaintext of a blob by libtpms name; TPM_RETRY if absent. */
uint32_t	 sw_nv_load(const char *name, uint8_t **plain, size_t *len);
uint32_t	 sw_nv_store(const char *name, const uint8_t *p, size_t len);
uint32_t	 sw_nv_delete_volatile(void);
/* --tpmstate ...,backup, while the lock is held. */
bool		 sw_nv_backup_usable(void);
void		 sw_nv_backup_prepare(void);
bool		 sw_nv_backup_swap(void);
/* Unlocks, closes the backend, wipes the cache. */
void		 sw_nv_exit(void);

#endif
