/*
 * Directory backend (dir://PATH, state-storage.md §2): one file per blob,
 * written crash-safely through a temp file and rename, and a .lock file
 * with a POSIX record lock. Knows nothing of what the blobs contain.
 * With cfg.backup the permall file that a save replaces is kept as
 * permall.bak (§2.6); unlike upstream the new permall is still written
 * through a temp file, so a crash never leaves a partial permall.
 *
 * Every file is named relative to one fd of the directory and opened
 * without following symlinks; a state or lock file that is not a
 * regular file with one link is refused (st_open_file). Two facts about
 * the disk are cached and checked again before they are relied on: the
 * directory fd still being the directory at PATH (at every operation),
 * and the locked .lock still being the file named .lock (before every
 * write; if it was removed or replaced, the file there now is locked
 * before we write, and the write fails if another process holds it).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "io.h"

#define DIR_PATH_MAX	4096	/* COMPAT: §2, strlen(path) + 20 <= 4096 */
#define PATHBUF		(DIR_PATH_MAX + 64)
#define NAMEBUF		64
#define LOCK_NAME	".lock"

struct dir_be {
	char		*dir;
	int		 dfd;		/* the directory at 'dir' */
	dev_t		 ddev;
	ino_t		 dino;
	int		 lockfd;	/* open .lock; locked iff st->locked */
	dev_t		 ldev;
	ino_t		 lino;
	/* each blob as we last read or wrote it (st_store_unchanged) */
	struct st_stamp	 stamp[ST_BLOB_NKINDS];
};

void
st_dir_file_name(bool tpm2, bool tmp, const char *name, const char *suffix,
    char *buf, size_t buflen)
{
	snprintf(buf, buflen, "%s%s-00.%s%s", tmp ? "TMP" : "tpm",
	    tpm2 ? "2" : "", name, suffix);
}

bool
st_dir_own_file(bool tpm2, const char *fname)
{
	static const char *const sfx[] = { "", ".bak", ".tmp" };
	char n[NAMEBUF];
	int k;
	size_t i;

	if (strcmp(fname, LOCK_NAME) == 0)
		return true;
	for (k = 0; k < ST_BLOB_NKINDS; k++) {
		for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
			st_dir_file_name(tpm2, false, st_blob_desc(k)->name,
			    sfx[i], n, sizeof(n));
			if (strcmp(fname, n) == 0)
				return true;
		}
		st_dir_file_name(tpm2, true, st_blob_desc(k)->name, "", n,
		    sizeof(n));
		if (strcmp(fname, n) == 0)
			return true;
	}
	return false;
}

/* final: tpm[2]-00.<name>; temp: TMP[2]-00.<name> (§2.1). */
static void
blob_name(const struct st_store *st, bool tmp, const char *name, char *buf,
    size_t buflen)
{
	st_dir_file_name(st->cfg.tpm2, tmp, name, "", buf, buflen);
}

/* <final permall name>.bak and .tmp (the swap temp of §2.1). */
static void
backup_name(const struct st_store *st, const char *suffix, char *buf,
    size_t buflen)
{
	st_dir_file_name(st->cfg.tpm2, false, ST_PERMALL, suffix, buf,
	    buflen);
}

/* DIR/name, for messages. */
static const char *
shown(const struct st_store *st, const char *name, char *buf, size_t buflen)
{
	const struct dir_be *d = st->priv;

	snprintf(buf, buflen, "%s/%s", d->dir, name);
	return buf;
}

/* The three names the backup functions work on. */
struct bnames {
	char	path[NAMEBUF], bak[NAMEBUF], tmp[NAMEBUF];
};

static void
backup_names(const struct st_store *st, struct bnames *n)
{
	blob_name(st, false, ST_PERMALL, n->path, sizeof(n->path));
	backup_name(st, ".bak", n->bak, sizeof(n->bak));
	backup_name(st, ".tmp", n->tmp, sizeof(n->tmp));
}

/* Removes temp files a crash may have left; caller holds the lock. */
static void
remove_stale_temps(struct st_store *st)
{
	const struct dir_be *d = st->priv;
	char name[NAMEBUF];
	int k;

	for (k = 0; k < ST_BLOB_NKINDS; k++) {
		blob_name(st, true, st_blob_desc(k)->name, name, sizeof(name));
		(void)st_fs.unlinkat(d->dfd, name, 0);
	}
}

static int
open_dir(const char *path, struct stat *sb, char *msg, size_t msglen)
{
	int fd, saved;

	fd = st_fs.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0 || fstat(fd, sb) < 0) {
		saved = errno;
		if (saved == ENOTDIR)
			st_setmsg(msg, msglen, "cannot use state directory "
			    "'%s': not a directory", path);
		else
			st_setmsg(msg, msglen, "cannot use state directory "
			    "'%s': %s", path, strerror(saved));
		if (fd >= 0)
			st_fs.close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/*
 * The directory fd, after making sure PATH still names it: if the
 * directory was renamed away or replaced (restored from a backup), the
 * directory now at PATH is used from here on, like the reference, which
 * opens every file by its path.
 */
static enum st_err
check_dir(struct st_store *st, char *msg, size_t msglen)
{
	struct dir_be *d = st->priv;
	struct stat sb;
	int fd;

	if (stat(d->dir, &sb) == 0 && sb.st_dev == d->ddev &&
	    sb.st_ino == d->dino)
		return ST_OK;
	if ((fd = open_dir(d->dir, &sb, msg, msglen)) < 0)
		return ST_IO;
	st_fs.close(d->dfd);
	d->dfd = fd;
	d->ddev = sb.st_dev;
	d->dino = sb.st_ino;
	memset(d->stamp, 0, sizeof(d->stamp));
	return ST_OK;
}

static enum st_err
dir_open(struct st_store *st, const char *path, char *msg, size_t msglen,
    char *notice, size_t noticelen)
{
	struct dir_be *d;
	struct stat sb;
	int fd;

	if (strlen(path) + 20 > DIR_PATH_MAX) {
		st_setmsg(msg, msglen, "state directory path too long");
		return ST_INVAL;
	}
	if ((fd = open_dir(path, &sb, msg, msglen)) < 0)
		return ST_IO;
	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->dir = strdup(path)) == NULL) {
		free(d);
		st_fs.close(fd);
		return ST_NOMEM;
	}
	d->dfd = fd;
	d->ddev = sb.st_dev;
	d->dino = sb.st_ino;
	d->lockfd = -1;
	st->priv = d;
	/* anyone may rename our files away and put theirs in place */
	if ((sb.st_mode & S_IWOTH) != 0 && (sb.st_mode & S_ISVTX) == 0)
		st_setmsg(notice, noticelen, "warning: state directory '%s' "
		    "is writable by others and not sticky", path);
	/*
	 * With locking, stale temps are removed once the lock is held, so
	 * we never delete the temp file of a process that owns the state.
	 */
	if (!st->cfg.lock && !st->cfg.readonly)
		remove_stale_temps(st);
	return ST_OK;
}

static void
dir_close(struct st_store *st)
{
	struct dir_be *d = st->priv;

	if (d == NULL)
		return;
	if (d->lockfd >= 0)
		st_fs.close(d->lockfd);
	st_fs.close(d->dfd);
	free(d->dir);
	free(d);
	st->priv = NULL;
}

/*
 * Opens .lock (created 0660 if missing), a regular file with one link,
 * without truncating it (a FIFO there must not block us, and it is
 * always empty anyway) and write-locks it. Returns the fd or -1.
 */
static int
lock_file(struct st_store *st, enum st_err *rc, char *msg, size_t msglen)
{
	struct dir_be *d = st->priv;
	char path[PATHBUF];
	struct stat sb;
	int fd, saved;

	shown(st, LOCK_NAME, path, sizeof(path));
	fd = st_open_file(d->dfd, LOCK_NAME, O_WRONLY | O_CREAT, 0660, false,
	    "lock file", path, &sb, msg, msglen);
	if (fd < 0) {
		if (errno == ENOENT)
			st_setmsg(msg, msglen, "cannot open lock file '%s': %s",
			    path, strerror(errno));
		*rc = ST_IO;
		return -1;
	}
	if (st_setlk(fd, F_WRLCK) < 0) {
		saved = errno;
		st_setmsg(msg, msglen, "SWTPM_NVRAM_Lock_Dir: Could not lock "
		    "access to lockfile: %s", strerror(saved));
		st_fs.close(fd);
		*rc = saved == EAGAIN || saved == EACCES ? ST_LOCKED : ST_IO;
		errno = saved;
		return -1;
	}
	return fd;
}

/* From now on the lock is held through fd (a locked .lock). */
static void
adopt_lock(struct dir_be *d, int fd)
{
	struct stat sb;

	if (d->lockfd >= 0)
		st_fs.close(d->lockfd);
	d->lockfd = fd;
	if (fstat(fd, &sb) == 0) {
		d->ldev = sb.st_dev;
		d->lino = sb.st_ino;
	}
}

static enum st_err
dir_trylock(struct st_store *st, char *msg, size_t msglen)
{
	enum st_err rc;
	int fd;

	if ((rc = check_dir(st, msg, msglen)) != ST_OK)
		return rc;
	if ((fd = lock_file(st, &rc, msg, msglen)) < 0)
		return rc;
	adopt_lock(st->priv, fd);
	remove_stale_temps(st);
	return ST_OK;
}

static void
dir_unlock(struct st_store *st)
{
	struct dir_be *d = st->priv;

	if (d->lockfd >= 0)
		st_fs.close(d->lockfd);
	d->lockfd = -1;
}

/*
 * Before a write: the directory is still the one at PATH and, if we
 * hold the lock, .lock still names the file we locked. If .lock was
 * removed or replaced, another process may have locked the new one and
 * be writing the state: lock the file there now (creating it), or fail
 * the write (ST_LOCKED) without touching anything.
 */
static enum st_err
check_for_write(struct st_store *st, const char *what, char *msg,
    size_t msglen)
{
	struct dir_be *d = st->priv;
	char path[PATHBUF], why[256] = "";
	struct stat sb;
	enum st_err rc;
	int fd;

	if ((rc = check_dir(st, msg, msglen)) != ST_OK)
		return rc;
	if (!st->locked || !st->cfg.lock || d->lockfd < 0)
		return ST_OK;
	if (fstatat(d->dfd, LOCK_NAME, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    sb.st_dev == d->ldev && sb.st_ino == d->lino)
		return ST_OK;
	if ((fd = lock_file(st, &rc, why, sizeof(why))) < 0) {
		shown(st, LOCK_NAME, path, sizeof(path));
		if (rc == ST_LOCKED)
			st_setmsg(msg, msglen, "lock file '%s' was replaced "
			    "and is locked by another process: not writing "
			    "%s", path, what);
		else
			st_setmsg(msg, msglen, "lock file '%s' was replaced: "
			    "%s: not writing %s", path, why, what);
		return rc;
	}
	adopt_lock(d, fd);
	return ST_OK;
}

/* §2.3: fix the mode of a state file when reading it (if it is ours). */
static void
fix_mode(const struct st_store *st, int fd, const struct stat *sb)
{
	mode_t perm = sb->st_mode & 07777;

	if (!st_owned(sb) || st->cfg.readonly)
		return;
	if (st->cfg.mode_set) {
		if (perm != st->cfg.mode)
			(void)st_fs.fchmod(fd, st->cfg.mode);
	} else if ((perm & 0200) == 0) {
		(void)st_fs.fchmod(fd, 0600);
	}
}

/*
 * Reads the file fname of the directory; stamps it into 'stamp' (may be
 * NULL). ST_NOENT if it is missing.
 */
static enum st_err
read_file(struct st_store *st, const char *fname, struct st_stamp *stamp,
    uint8_t **buf, size_t *len, char *msg, size_t msglen)
{
	struct dir_be *d = st->priv;
	char path[PATHBUF];
	struct stat sb;
	uint8_t *b = NULL;
	size_t size, done = 0;
	ssize_t r;
	enum st_err rc;
	int fd, saved;

	if (stamp != NULL)
		st_stamp_clear(stamp);
	if ((rc = check_dir(st, msg, msglen)) != ST_OK)
		return rc;
	shown(st, fname, path, sizeof(path));
	fd = st_open_file(d->dfd, fname, O_RDONLY, 0, false, "state file",
	    path, &sb, msg, msglen);
	if (fd < 0)
		return errno == ENOENT ? ST_NOENT : ST_IO;
	if ((uint64_t)sb.st_size > ST_BLOB_MAX) {
		st_setmsg(msg, msglen, "state file '%s' too large", path);
		st_fs.close(fd);
		return ST_CORRUPT;
	}
	fix_mode(st, fd, &sb);
	size = (size_t)sb.st_size;
	if ((b = malloc(size > 0 ? size : 1)) == NULL) {
		st_fs.close(fd);
		return ST_NOMEM;
	}
	while (done < size) {
		r = st_fs.pread(fd, b + done, size - done, (off_t)done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			saved = r < 0 ? errno : EIO;
			st_setmsg(msg, msglen, "SWTPM_NVRAM_LoadData_Dir: "
			    "Error (fatal) reading %s: %s", path,
			    strerror(saved));
			secure_free(b, size);
			st_fs.close(fd);
			return ST_IO;
		}
		done += (size_t)r;
	}
	st_fs.close(fd);
	/*
	 * The stat from before the read: a write racing with the read has
	 * a later mtime or other bytes, so the stamp errs towards "changed".
	 */
	if (stamp != NULL)
		st_stamp_take(stamp, &sb, b, size);
	*buf = b;
	*len = size;
	return ST_OK;
}

static enum st_err
dir_load(struct st_store *st, const char *name, uint8_t **buf, size_t *len,
    char *msg, size_t msglen)
{
	struct dir_be *d = st->priv;
	char fname[NAMEBUF];

	blob_name(st, false, name, fname, sizeof(fname));
	return read_file(st, fname, &d->stamp[st_name_index(name)], buf, len,
	    msg, msglen);
}

static enum st_err
dir_load_backup(struct st_store *st, uint8_t **buf, size_t *len, char *msg,
    size_t msglen)
{
	char fname[NAMEBUF];

	backup_name(st, ".bak", fname, sizeof(fname));
	return read_file(st, fname, NULL, buf, len, msg, msglen);
}

/* Opens the temp file, replacing a stale one (O_EXCL, no symlinks). */
static int
open_temp(const struct st_store *st, const char *tmp)
{
	const struct dir_be *d = st->priv;
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	mode_t mode = st->cfg.mode_set ? st->cfg.mode : 0600;
	int fd;

	fd = st_fs.openat(d->dfd, tmp, flags, mode);
	if (fd < 0 && errno == EEXIST) {
		(void)st_fs.unlinkat(d->dfd, tmp, 0);
		fd = st_fs.openat(d->dfd, tmp, flags, mode);
	}
	/* An explicit mode is exact, independent of the umask (§2.4). */
	if (fd >= 0 && st->cfg.mode_set && st_fs.fchmod(fd, mode) < 0) {
		int saved = errno;

		st_fs.close(fd);
		(void)st_fs.unlinkat(d->dfd, tmp, 0);
		errno = saved;
		return -1;
	}
	return fd;
}

/*
 * Puts tmp in place of path. Swapping the names and then unlinking the
 * old blob (now under the temp name) is atomic like rename(2) but, on
 * ext4, avoids the synchronous block allocation that a rename over an
 * existing file triggers (auto_da_alloc): ~4x faster without fsync. A
 * crash between swap and unlink leaves a stale temp file, removed at the
 * next open. Where the swap is unsupported, or path does not exist yet,
 * plain rename(2) is used.
 */
static int
replace(int dfd, const char *tmp, const char *path, const char *bak)
{
	if (st_fs.exchange(dfd, tmp, path) == 0) {
		/* the old blob is under the temp name now */
		if (bak == NULL || st_fs.renameat(dfd, tmp, dfd, bak) < 0)
			(void)st_fs.unlinkat(dfd, tmp, 0);
		return 0;
	}
	if (errno != ENOENT && errno != EINVAL && errno != ENOSYS &&
	    errno != EOPNOTSUPP)
		return -1;
	return st_fs.renameat(dfd, tmp, dfd, path);
}

/*
 * A file a save is about to replace must be one we could have read: a
 * symlink, FIFO or directory there, or a hard link, is refused rather
 * than silently swapped away (and a directory must not end up under the
 * temp name).
 */
static enum st_err
check_target(const struct st_store *st, const char *fname, char *msg,
    size_t msglen)
{
	const struct dir_be *d = st->priv;
	char path[PATHBUF];
	struct stat sb;

	if (fstatat(d->dfd, fname, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return ST_OK;
		st_setmsg(msg, msglen, "cannot stat state file '%s': %s",
		    shown(st, fname, path, sizeof(path)), strerror(errno));
		return ST_IO;
	}
	if (S_ISREG(sb.st_mode) && sb.st_nlink <= 1)
		return ST_OK;
	shown(st, fname, path, sizeof(path));
	if (S_ISLNK(sb.st_mode))
		st_setmsg(msg, msglen, "cannot use state file '%s': it is a "
		    "symbolic link", path);
	else if (!S_ISREG(sb.st_mode))
		st_setmsg(msg, msglen, "cannot use state file '%s': it is not "
		    "a regular file", path);
	else
		st_setmsg(msg, msglen, "cannot use state file '%s': it has "
		    "%ju hard links", path, (uintmax_t)sb.st_nlink);
	return ST_IO;
}

/*
 * Temp file, write all, fsync (if configured), checked close, rename,
 * fsync of the directory (if configured). Before the rename every
 * failure removes the temp file and leaves the old blob as it was.
 */
static enum st_err
dir_save(struct st_store *st, const char *name, const uint8_t *buf,
    size_t len, char *msg, size_t msglen)
{
	struct dir_be *d = st->priv;
	struct st_stamp *stamp = &d->stamp[st_name_index(name)], written;
	char tmp[NAMEBUF], fname[NAMEBUF], bak[NAMEBUF], path[PATHBUF];
	bool backup = st->cfg.backup && strcmp(name, ST_PERMALL) == 0;
	const char *what;
	struct stat sb;
	enum st_err rc;
	int fd, saved, closed;

	st_stamp_clear(stamp);

	blob_name(st, true, name, tmp, sizeof(tmp));
	blob_name(st, false, name, fname, sizeof(fname));
	if (backup)
		backup_name(st, ".bak", bak, sizeof(bak));
	if ((rc = check_for_write(st, shown(st, fname, path, sizeof(path)),
	    msg, msglen)) != ST_OK ||
	    (rc = check_target(st, fname, msg, msglen)) != ST_OK)
		return rc;
	shown(st, tmp, path, sizeof(path));
	if ((fd = open_temp(st, tmp)) < 0) {
		saved = errno;
		st_setmsg(msg, msglen, "SWTPM_NVRAM_StoreData_Dir: Error "
		    "(fatal) opening %s for write failed, %s", path,
		    strerror(saved));
		return ST_IO;
	}
	what = "writing";
	if (st_write_all(fd, buf, len) < 0)
		goto fail;
	what = "syncing";
	if (st->cfg.fsync && st_fs.fsync(fd) < 0)
		goto fail;
	/* the inode keeps its mtime through the rename below */
	what = "checking";
	if (fstat(fd, &sb) < 0)
		goto fail;
	st_stamp_take(&written, &sb, buf, len);
	what = "closing";
	closed = st_fs.close(fd);
	fd = -1;
	if (closed < 0)
		goto fail;
	what = "renaming";
	if (replace(d->dfd, tmp, fname, backup ? bak : NULL) < 0)
		goto fail;
	if (st->cfg.fsync && st_fs.fsync(d->dfd) < 0) {
		saved = errno;
		st_setmsg(msg, msglen, "SWTPM_NVRAM_StoreData_Dir: Error "
		    "(fatal) syncing directory %s, %s", d->dir,
		    strerror(saved));
		return ST_IO;
	}
	*stamp = written;
	return ST_OK;
fail:
	saved = errno;
	if (fd >= 0)
		st_fs.close(fd);
	(void)st_fs.unlinkat(d->dfd, tmp, 0);
	st_setmsg(msg, msglen, "SWTPM_NVRAM_StoreData_Dir: Error (fatal) "
	    "%s %s, %s", what, path, strerror(saved));
	return ST_IO;
}

static enum st_err
dir_del(struct st_store *st, const char *name, bool must_exist, char *msg,
    size_t msglen)
{
	struct dir_be *d = st->priv;
	char fname[NAMEBUF], path[PATHBUF];
	enum st_err rc;

	st_stamp_clear(&d->stamp[st_name_index(name)]);
	blob_name(st, false, name, fname, sizeof(fname));
	shown(st, fname, path, sizeof(path));
	if ((rc = check_for_write(st, path, msg, msglen)) != ST_OK)
		return rc;
	/* unlinkat never follows a symlink: only the name goes */
	if (st_fs.unlinkat(d->dfd, fname, 0) == 0)
		return ST_OK;
	if (errno == ENOENT)
		return must_exist ? ST_NOENT : ST_OK;
	st_setmsg(msg, msglen, "SWTPM_NVRAM_DeleteName: Error (fatal) "
	    "removing %s: %s", path, strerror(errno));
	return ST_IO;
}

static enum st_err
dir_size(struct st_store *st, const char *name, size_t *len, char *msg,
    size_t msglen)
{
	struct dir_be *d = st->priv;
	char fname[NAMEBUF], path[PATHBUF];
	struct stat sb;
	enum st_err rc;

	if ((rc = check_dir(st, msg, msglen)) != ST_OK)
		return rc;
	blob_name(st, false, name, fname, sizeof(fname));
	shown(st, fname, path, sizeof(path));
	if (fstatat(d->dfd, fname, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return ST_NOENT;
		st_setmsg(msg, msglen, "cannot stat '%s': %s", path,
		    strerror(errno));
		return ST_IO;
	}
	if (!S_ISREG(sb.st_mode)) {
		st_setmsg(msg, msglen, "'%s' is not a regular file", path);
		return ST_IO;
	}
	*len = (size_t)sb.st_size;
	return ST_OK;
}

static void
forget_permall(struct st_store *st)
{
	struct dir_be *d = st->priv;

	st_stamp_clear(&d->stamp[ST_BLOB_PERMANENT]);
}

static enum st_err
dir_backup_prepare(struct st_store *st, char *msg, size_t msglen)
{
	struct dir_be *d = st->priv;
	struct bnames n;
	const char *from = n.bak;
	char p1[PATHBUF], p2[PATHBUF];
	struct stat sb;
	enum st_err rc;

	forget_permall(st);
	backup_names(st, &n);
	if ((rc = check_dir(st, msg, msglen)) != ST_OK)
		return rc;
	if (fstatat(d->dfd, n.path, &sb, AT_SYMLINK_NOFOLLOW) == 0 ||
	    errno != ENOENT)
		return ST_OK;
	/* a swap by renames was interrupted: permall.tmp was permall */
	if (fstatat(d->dfd, n.tmp, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		from = n.tmp;
	else if (fstatat(d->dfd, n.bak, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return ST_OK;
	if ((rc = check_for_write(st, shown(st, n.path, p1, sizeof(p1)), msg,
	    msglen)) != ST_OK)
		return rc;
	if (st_fs.renameat(d->dfd, from, d->dfd, n.path) < 0) {
		st_setmsg(msg, msglen, "cannot restore %s from %s: %s", p1,
		    shown(st, from, p2, sizeof(p2)), strerror(errno));
		return ST_IO;
	}
	if (st->cfg.fsync)
		(void)st_fs.fsync(d->dfd);
	return ST_OK;
}

/*
 * Exchanges permall and permall.bak: atomically where the kernel can,
 * else through permall.tmp with three renames (§2.6).
 */
static enum st_err
dir_backup_swap(struct st_store *st, char *msg, size_t msglen)
{
	struct dir_be *d = st->priv;
	int dfd;
	struct bnames n;
	char p1[PATHBUF], p2[PATHBUF];
	struct stat sb;
	enum st_err rc;

	forget_permall(st);
	backup_names(st, &n);
	shown(st, n.path, p1, sizeof(p1));
	shown(st, n.bak, p2, sizeof(p2));
	if ((rc = check_for_write(st, p1, msg, msglen)) != ST_OK)
		return rc;
	dfd = d->dfd;
	if (fstatat(dfd, n.bak, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? ST_NOENT : ST_IO;
	if (st_fs.exchange(dfd, n.path, n.bak) < 0) {
		if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP &&
		    errno != ENOENT)
			goto fail;
		if (errno == ENOENT) {		/* no permall: just restore */
			if (st_fs.renameat(dfd, n.bak, dfd, n.path) < 0)
				goto fail;
		} else if (st_fs.renameat(dfd, n.path, dfd, n.tmp) < 0 ||
		    st_fs.renameat(dfd, n.bak, dfd, n.path) < 0 ||
		    st_fs.renameat(dfd, n.tmp, dfd, n.bak) < 0) {
			goto fail;
		}
	}
	if (st->cfg.fsync)
		(void)st_fs.fsync(dfd);
	return ST_OK;
fail:
	st_setmsg(msg, msglen, "cannot swap %s and %s: %s", p1, p2,
	    strerror(errno));
	return ST_IO;
}

/* Reads a whole regular file of the size in sb; NULL on any doubt. */
static uint8_t *
read_exact(int dfd, const char *fname, const struct st_stamp *sp)
{
	struct stat sb;
	uint8_t *b;
	size_t n = (size_t)sp->size, done = 0;
	ssize_t r;
	int fd;

	if (sp->size < 0 || (uint64_t)sp->size > ST_BLOB_MAX)
		return NULL;
	fd = st_fs.openat(dfd, fname, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    !st_stamp_match(sp, &sb) || (b = malloc(n > 0 ? n : 1)) == NULL) {
		st_fs.close(fd);
		return NULL;
	}
	while (done < n) {
		r = st_fs.pread(fd, b + done, n - done, (off_t)done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			secure_free(b, n);
			st_fs.close(fd);
			return NULL;
		}
		done += (size_t)r;
	}
	st_fs.close(fd);
	return b;
}

static bool
dir_unchanged(struct st_store *st, const char *name)
{
	struct dir_be *d = st->priv;
	struct st_stamp *sp = &d->stamp[st_name_index(name)];
	char fname[NAMEBUF];
	struct stat sb;
	uint8_t *b;
	bool ok;

	if (check_dir(st, NULL, 0) != ST_OK)
		return false;
	blob_name(st, false, name, fname, sizeof(fname));
	if (fstatat(d->dfd, fname, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(sb.st_mode) || !st_stamp_match(sp, &sb))
		return false;
	if (!sp->racy)
		return true;
	if ((b = read_exact(d->dfd, fname, sp)) == NULL)
		return false;
	ok = st_stamp_verify(sp, b, (size_t)sp->size);
	secure_free(b, (size_t)sp->size);
	return ok;
}

static void
dir_where(const struct st_store *st, const char *name, char *buf,
    size_t buflen)
{
	char fname[NAMEBUF];

	blob_name(st, false, name, fname, sizeof(fname));
	shown(st, fname, buf, buflen);
}

const struct st_backend st_backend_dir = {
	.scheme = "dir://",
	.open = dir_open,
	.close = dir_close,
	.trylock = dir_trylock,
	.unlock = dir_unlock,
	.load = dir_load,
	.save = dir_save,
	.del = dir_del,
	.size = dir_size,
	.where = dir_where,
	.backup_prepare = dir_backup_prepare,
	.backup_swap = dir_backup_swap,
	.load_backup = dir_load_backup,
	.unchanged = dir_unchanged,
};
