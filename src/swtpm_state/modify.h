/*
 * swtpm_state's options and the subcommands that write: rekey, convert,
 * import (through src/state's crash-safe whole-state replacement) and
 * export (migration blob files).
 */
#ifndef SWTPM_STATE_MODIFY_H
#define SWTPM_STATE_MODIFY_H

#include "swtpm_state.h"

/* A --key style option as given (parsed by swtpm's parser). */
struct ss_keyarg {
	bool		 given;
	struct st_keyopt opt;
	char		*path;	/* owned; behind opt.path */
};

struct ss_opts {
	char		*uri;	/* --tpmstate, NULL if not given */
	struct st_store_cfg cfg;	/* its options; tpm2 from --tpm2 */
	struct ss_keyarg key, migkey, newkey;
	bool		 newkey_none;	/* --new-key none */
	char		*to_uri;	/* convert --to */
	struct st_store_cfg to_cfg;
	const char	*blob[SS_NSLOTS]; /* --permanent ... files */
	bool		 encrypted;	/* export --encrypted */
	bool		 json;
	bool		 printed; /* the command printed its output */
};

/* "swtpm_state: <message>\n" on stderr. */
void	 ss_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Loads a given key into out (len 0 if not given); -1 after a message. */
int	 ss_load_key(struct ss_keyarg *, struct st_key *out,
	    const char *what);

/* Each returns an exit status (enum ss_exit). */
int	 ss_cmd_rekey(struct ss_opts *);
int	 ss_cmd_convert(struct ss_opts *);
int	 ss_cmd_export(struct ss_opts *);
int	 ss_cmd_import(struct ss_opts *);

#endif
