/*
 * Where the TPM state lives (provisioning.md §1.6): a directory
 * (dir://P) or a linear file or block device (file://P). Access checks
 * before anything runs and removal of the state files, with the
 * reference's messages (logged).
 */
#ifndef SETUP_BACKEND_H
#define SETUP_BACKEND_H

#include <stdbool.h>

struct su_backend {
	char	*path;		/* without the scheme (malloc) */
	bool	 is_file;	/* file:// */
	bool	 is_blockdev;
};

/* Parses the URI of su_opts.tpm_state. -1 logged. */
int	 su_backend_init(struct su_backend *b, const char *uri);
void	 su_backend_release(struct su_backend *b);

/*
 * dir: an existing .lock must be readable and writable, the directory
 * must exist and be readable and writable; file: if it exists, it must
 * be readable and writable. user names the user in messages. -1 logged.
 */
int	 su_backend_check(const struct su_backend *b, const char *user);
/*
 * Removes the state: in a directory every file whose name ends in
 * permall, volatilestate or savestate; a file is unlinked (a missing
 * one is fine), a block device gets its 8-byte header zeroed. -1
 * logged.
 */
int	 su_backend_delete(const struct su_backend *b);

/*
 * A directory the user can use: it must exist (else "User %s cannot
 * access directory %s. Make sure it exists and is a directory."), and
 * allow R_OK and/or W_OK as mode asks. -1 logged.
 */
int	 su_check_dir(const char *dir, int mode, const char *user);

#endif
