/*
 * File system steps of swtpm_localca: the CA lock, directories created
 * on demand, and files replaced atomically (temporary file in the same
 * directory, fsync, rename, fsync of the directory). Every call goes
 * through lc_fs so that tests can make the Nth write, fsync or rename
 * fail. Never prints: errors are -1 and one line in the caller's buffer
 * (msg, msglen; msg must not be NULL).
 */
#ifndef LOCALCA_FILES_H
#define LOCALCA_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct lc_fsops {
	int	(*open)(const char *, int, mode_t);
	ssize_t	(*write)(int, const void *, size_t);
	int	(*fsync)(int);
	int	(*close)(int);
	int	(*rename)(const char *, const char *);
	int	(*unlink)(const char *);
	int	(*fchmod)(int, mode_t);
	int	(*mkdir)(const char *, mode_t);
};
extern struct lc_fsops lc_fs;

/*
 * Takes the CA lock: opens (creating, mode 0660 less the umask) and
 * flock(LOCK_EX)s path, waiting as long as another run holds it.
 * *fd is the lock, released by lc_unlock (or by exiting).
 */
int	 lc_lock(const char *path, int *fd, char *msg, size_t msglen);
void	 lc_unlock(int fd);

/*
 * mkdir -p with mode (less the umask) for each missing component; a
 * component that appears meanwhile (a concurrent run) is fine.
 */
int	 lc_mkdirs(const char *path, mode_t mode);

/*
 * A file being replaced: its data sits complete and fsync'ed in a
 * temporary file next to it until lc_commit renames it into place.
 * The temporary name is fixed per target (".<name>.swtpm-localca-tmp"),
 * so staging must happen under the CA lock; a temporary file a killed
 * run left behind is replaced by the next one.
 */
struct lc_staged {
	char	*path;		/* target */
	char	*tmp;		/* temporary file, NULL once renamed */
};

/*
 * Writes data to the temporary file of path and fsyncs it. 'mode' is
 * the file's mode: with 'exact' it is set as is (keys: 0640), else it
 * is the creation mode less the umask. On failure nothing is left.
 */
int	 lc_stage(struct lc_staged *s, const char *path, const void *data,
	    size_t len, mode_t mode, bool exact, char *msg, size_t msglen);
/* Renames the temporary file over the target. */
int	 lc_commit(struct lc_staged *s, char *msg, size_t msglen);
/* Removes the temporary file if still there; frees s's strings. */
void	 lc_staged_release(struct lc_staged *s);
/* fsyncs the directory that holds path. */
int	 lc_sync_parent(const char *path, char *msg, size_t msglen);

/*
 * Replaces path with data in one step: stage, commit, sync the
 * directory (the serial counter).
 */
int	 lc_replace(const char *path, const void *data, size_t len,
	    mode_t mode, char *msg, size_t msglen);

/* The directory part of path as dirname(3) gives it; malloc'ed. */
char	*lc_dirname(const char *path);

#endif
