/*
 * swtpm_state: offline inspection, verification, re-keying, conversion
 * and migration blobs of a TPM state, on src/state (formats, keys,
 * backends, crash-safe replacement) and libtpms (would it load?).
 * Declarations shared by the files of src/swtpm_state only.
 */
#ifndef SWTPM_STATE_H
#define SWTPM_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state.h"

/* Exit codes (man/swtpm_state.8 EXIT STATUS); one per cause. */
enum ss_exit {
	SS_EXIT_OK = 0,
	SS_EXIT_ERROR = 1,	/* usage, I/O, anything else */
	SS_EXIT_NOSTATE = 2,	/* no permanent state */
	SS_EXIT_BADKEY = 3,	/* wrong, missing or superfluous key */
	SS_EXIT_DAMAGED = 4,	/* structurally broken blob */
	SS_EXIT_VERSION = 5,	/* blob or libtpms state format too new */
	SS_EXIT_REFUSED = 6,	/* libtpms refuses the state */
	SS_EXIT_LOCKED = 7,	/* a running swtpm holds the state */
	SS_EXIT_TPMVER = 8,	/* a state of the other TPM version */
};

/* Version of the --json output (man page JSON OUTPUT). */
#define SS_JSON_VERSION	1

/* The blobs `info` reports: the three kinds plus the backup. */
enum ss_slot { SS_PERMANENT, SS_VOLATILE, SS_SAVESTATE, SS_BACKUP,
    SS_NSLOTS };

/* One blob as read and checked. */
struct ss_blob {
	const char	*title;	/* "permanent", ..., "backup" */
	const char	*name;		/* libtpms name: "permall" */
	bool		 present;
	uint8_t		*raw;	/* stored bytes or state blob */
	size_t		 rawlen;
	enum st_err	 hdr_err;	/* st_blob_inspect */
	struct st_blob_info info;
	/* after unwrapping */
	bool		 tried;	/* unwrapping was attempted */
	enum st_err	 err;		/* of the unwrapping */
	char		 msg[512];
	uint8_t		*plain;		/* secure_free */
	size_t		 plainlen;
	enum ss_exit	 cause;		/* SS_EXIT_OK if usable */
};

/* A TPM state or a set of migration blobs, read into memory. */
struct ss_state {
	bool		 tpm2;
	const char	*uri;		/* NULL for blobs from files */
	bool		 blobs;	/* migration blobs (export format) */
	struct ss_blob	 b[SS_NSLOTS];
	/* libtpms' answer (ss_validate) */
	bool		 validated;
	uint32_t	 tpm_rc;
	enum ss_exit	 cause;	/* the whole state: first cause */
	char		 reason[600];
};

/* --- read.c: reading and checking */

/* An empty state: stored files, or migration blobs if 'blobs'. */
void		 ss_state_init(struct ss_state *, bool blobs);
/*
 * Makes raw[len] (malloc'ed; the blob takes it) the blob's bytes and
 * checks its header (no key needed).
 */
void		 ss_blob_take(struct ss_blob *, uint8_t *raw, size_t len);

/*
 * Reads every blob of the state at uri (read-only: no lock, no write).
 * Returns SS_EXIT_OK, or an exit code with the message in msg.
 */
enum ss_exit	 ss_read_state(struct ss_state *, const char *uri,
		    const struct st_store_cfg *cfg, char *msg, size_t msglen);
/* Reads migration blobs from files (NULL: that blob not given). */
enum ss_exit	 ss_read_blobs(struct ss_state *, const char *const
		    path[SS_NSLOTS], char *msg, size_t msglen);
/*
 * Unwraps every present blob with the keys (NULL or len 0: none), as
 * swtpm would (stored files: --key; migration blobs: SET_STATEBLOB),
 * and sets each blob's cause and the state's first cause and reason.
 */
void		 ss_unwrap(struct ss_state *, const struct st_key *key,
		    const struct st_key *migkey);
/*
 * The libtpms state format of a plaintext blob: its kind
 * ("tpm2-permanent", "tpm2-volatile", "tpm12-permanent"), the format
 * version and the minimum version a reader must implement (0 if not
 * given). False if not recognized (TPM 1.2 volatile blobs are not).
 */
bool		 ss_format(const uint8_t *p, size_t n, bool permanent,
		    const char **kind, unsigned *version,
		    unsigned *min_version);
void		 ss_state_release(struct ss_state *);

/* --- tpmlib.c: the libtpms glue (the one static of the tool) */

/*
 * Asks this host's libtpms whether it would accept the unwrapped blobs
 * of st (TPMLIB_ValidateState over callbacks that serve them from
 * memory; no TPM is started). Sets st->validated, tpm_rc and, if
 * refused, cause and reason. Call once per process.
 */
void		 ss_validate(struct ss_state *);
/* "0.9.2" */
void		 ss_libtpms_version(char *buf, size_t len);

/* --- output.c */

void		 ss_print_info(const struct ss_state *, bool json);
/* verify and check-migration: 'what' is "verify" or "check-migration" */
void		 ss_print_verdict(const struct ss_state *, const char *what,
		    bool json);
/*
 * The outcome of any other command (rekey, ...) or of one that failed
 * early: JSON, or one line on stdout on success ('reason' NULL).
 */
void		 ss_print_result(const char *cmd, const char *uri,
		    const char *dest, enum ss_exit rc, const char *reason,
		    bool json);

#endif
