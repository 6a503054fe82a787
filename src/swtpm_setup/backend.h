/*
 * Where the TPM state lives (provisioning.md §1.6): a directory
 * (dir://P) or a linear file or block device (file://P). Access checks
 * before anything runs and removal of the state files, with the
 * reference's messages (logged).
 */
#ifndef SETUP_BACKEND_H
#define SETUP_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

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
 * The state files as they are, to put back if a --reconfigure fails
 * (the child swtpm rewrites them even then: TPM2_Startup, shutdown).
 */
struct su_snapshot {
	struct su_snapfile {
		char	*name;		/* in the directory, or the path */
		void	*data;
		size_t	 len;
		mode_t	 mode;
	} f[8];
	size_t	 n;
	bool	 whole;		/* every state file is in f[] */
};
/*
 * Reads the state files (a directory's, or a regular file; at most 8
 * files of at most 16 MiB each; a block device is not copied). Never
 * fails: what cannot be read is left out and whole is false.
 */
void	 su_backend_snapshot(const struct su_backend *b,
	    struct su_snapshot *snap);
/*
 * Writes the files back (each through a temporary file and rename) and,
 * in a directory, removes state files that were not there before. Only
 * if the snapshot is whole. -1 logged.
 */
int	 su_backend_restore(const struct su_backend *b,
	    const struct su_snapshot *snap);
void	 su_snapshot_release(struct su_snapshot *snap);

/*
 * A directory the user can use: it must exist (else "User %s cannot
 * access directory %s. Make sure it exists and is a directory."), and
 * allow R_OK and/or W_OK as mode asks. -1 logged.
 */
int	 su_check_dir(const char *dir, int mode, const char *user);

#endif
