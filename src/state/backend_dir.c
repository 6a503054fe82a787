/*
 * Directory backend (dir://PATH, state-storage.md §2): one file per blob,
 * written crash-safely through a temp file and rename, and a .lock file
 * with a POSIX record lock. Knows nothing of what the blobs contain.
 * With cfg.backup the permall file that a save replaces is kept as
 * permall.bak (§2.6); unlike upstream the new permall is still written
 * through a temp file, so a crash never leaves a partial permall.
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

struct dir_be {
	char		*dir;
	int		 lockfd;
	/* each blob as we last read or wrote it (st_store_unchanged) */
	struct st_stamp	 stamp[3];
};

static const char *const blob_names[] = {
	"permall", "volatilestate", "savestate"
};

/* final: tpm[2]-00.<name>; temp: TMP[2]-00.<name> (§2.1). */
static void
blob_path(const struct st_store *st, bool tmp, const char *name,
    char *buf, size_t buflen)
{
	const struct dir_be *d = st->priv;

	snprintf(buf, buflen, "%s/%s%s-00.%s", d->dir, tmp ? "TMP" : "tpm",
	    st->cfg.tpm2 ? "2" : "", name);
}

/* <final permall path>.bak and .tmp (the swap temp of §2.1). */
static void
backup_path(const struct st_store *st, const char *suffix, char *buf,
    size_t buflen)
{
	const struct dir_be *d = st->priv;

	snprintf(buf, buflen, "%s/tpm%s-00.permall%s", d->dir,
	    st->cfg.tpm2 ? "2" : "", suffix);
}

/* The three names the backup functions work on. */
struct bnames {
	char	path[PATHBUF], bak[PATHBUF], tmp[PATHBUF];
};

static void
backup_names(const struct st_store *st, struct bnames *n)
{
	blob_path(st, false, "permall", n->path, sizeof(n->path));
	backup_path(st, ".bak", n->bak, sizeof(n->bak));
	backup_path(st, ".tmp", n->tmp, sizeof(n->tmp));
}

/* Removes temp files a crash may have left; caller holds the lock. */
static void
remove_stale_temps(struct st_store *st)
{
	char path[PATHBUF];
	size_t i;

	for (i = 0; i < sizeof(blob_names) / sizeof(blob_names[0]); i++) {
		blob_path(st, true, blob_names[i], path, sizeof(path));
		(void)st_fs.unlink(path);
	}
}

static enum st_err
dir_open(struct st_store *st, const char *path, char *msg, size_t msglen,
    char *notice, size_t noticelen)
{
	struct dir_be *d;
	struct stat sb;

	(void)notice;
	(void)noticelen;
	if (strlen(path) + 20 > DIR_PATH_MAX) {
		st_setmsg(msg, msglen, "state directory path too long");
		return ST_INVAL;
	}
	if (stat(path, &sb) < 0) {
		st_setmsg(msg, msglen, "cannot use state directory '%s': %s",
		    path, strerror(errno));
		return ST_IO;
	}
	if (!S_ISDIR(sb.st_mode)) {
		st_setmsg(msg, msglen, "cannot use state directory '%s': not "
		    "a directory", path);
		return ST_IO;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->dir = strdup(path)) == NULL) {
		free(d);
		return ST_NOMEM;
	}
	d->lockfd = -1;
	st->priv = d;
	/*
	 * With locking, stale temps are removed once the lock is held, so
	 * we never delete the temp file of a process that owns the state.
	 */
	if (!st->cfg.lock)
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
	free(d->dir);
	free(d);
	st->priv = NULL;
}

static enum st_err
dir_trylock(struct st_store *st, char *msg, size_t msglen)
{
	struct dir_be *d = st->priv;
	char path[PATHBUF];
	int saved;

	if (d->lockfd < 0) {
		snprintf(path, sizeof(path), "%s/.lock", d->dir);
		d->lockfd = st_fs.open(path, O_WRONLY | O_CREAT | O_TRUNC |
		    O_NOFOLLOW | O_CLOEXEC, 0660);
		if (d->lockfd < 0) {
			st_setmsg(msg, msglen, "SWTPM_NVRAM_Lock_Dir: Could "
			    "not open lockfile: %s", strerror(errno));
			return ST_IO;
		}
	}
	if (st_setlk(d->lockfd, F_WRLCK) < 0) {
		saved = errno;
		st_setmsg(msg, msglen, "SWTPM_NVRAM_Lock_Dir: Could not lock "
		    "access to lockfile: %s", strerror(saved));
		errno = saved;
		return saved == EAGAIN || saved == EACCES ? ST_LOCKED : ST_IO;
	}
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

/* §2.3: fix the mode of a state file when reading it. */
static void
fix_mode(const struct st_store *st, int fd, const struct stat *sb)
{
	mode_t perm = sb->st_mode & 07777;

	if (st->cfg.mode_set) {
		if (perm != st->cfg.mode)
			(void)st_fs.fchmod(fd, st->cfg.mode);
	} else if ((perm & 0200) == 0) {
		(void)st_fs.fchmod(fd, 0600);
	}
}

static enum st_err
dir_load(struct st_store *st, const char *name, uint8_t **buf, size_t *len,
    char *msg, size_t msglen)
{
	struct dir_be *d = st->priv;
	struct st_stamp *stamp = &d->stamp[st_name_index(name)];
	char path[PATHBUF];
	struct stat sb;
	uint8_t *b = NULL;
	size_t size, done = 0;
	ssize_t r;
	int fd, saved;

	blob_path(st, false, name, path, sizeof(path));
	st_stamp_clear(stamp);
	if ((fd = st_fs.open(path, O_RDONLY | O_CLOEXEC, 0)) < 0) {
		if (errno == ENOENT)
			return ST_NOENT;
		st_setmsg(msg, msglen, "SWTPM_NVRAM_LoadData_Dir: Error "
		    "(fatal) reading %s: %s", path, strerror(errno));
		return ST_IO;
	}
	if (fstat(fd, &sb) < 0) {
		st_setmsg(msg, msglen, "cannot stat state file '%s': %s", path,
		    strerror(errno));
		st_fs.close(fd);
		return ST_IO;
	}
	if (!S_ISREG(sb.st_mode)) {
		st_setmsg(msg, msglen, "state file '%s' is not a regular file",
		    path);
		st_fs.close(fd);
		return ST_IO;
	}
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
	st_stamp_take(stamp, &sb, b, size);
	*buf = b;
	*len = size;
	return ST_OK;
}

static ssize_t
fs_write_all(int fd, const uint8_t *p, size_t n)
{
	size_t done = 0;
	ssize_t r;

	while (done < n) {
		r = st_fs.write(fd, p + done, n - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return -1;
		}
		done += (size_t)r;
	}
	return (ssize_t)done;
}

static int
fsync_dir(const char *dir)
{
	int fd, rc, saved;

	if ((fd = st_fs.open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)) < 0)
		return -1;
	rc = st_fs.fsync(fd);
	saved = errno;
	st_fs.close(fd);
	errno = saved;
	return rc;
}

/* Opens the temp file, replacing a stale one (O_EXCL, no symlinks). */
static int
open_temp(const struct st_store *st, const char *tmp)
{
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	mode_t mode = st->cfg.mode_set ? st->cfg.mode : 0600;
	int fd;

	fd = st_fs.open(tmp, flags, mode);
	if (fd < 0 && errno == EEXIST) {
		(void)st_fs.unlink(tmp);
		fd = st_fs.open(tmp, flags, mode);
	}
	/* An explicit mode is exact, independent of the umask (§2.4). */
	if (fd >= 0 && st->cfg.mode_set && st_fs.fchmod(fd, mode) < 0) {
		int saved = errno;

		st_fs.close(fd);
		(void)st_fs.unlink(tmp);
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
replace(const char *tmp, const char *path, const char *bak)
{
	if (st_fs.exchange(tmp, path) == 0) {
		/* the old blob is under the temp name now */
		if (bak == NULL || st_fs.rename(tmp, bak) < 0)
			(void)st_fs.unlink(tmp);
		return 0;
	}
	if (errno != ENOENT && errno != EINVAL && errno != ENOSYS &&
	    errno != EOPNOTSUPP)
		return -1;
	return st_fs.rename(tmp, path);
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
	char tmp[PATHBUF], path[PATHBUF], bak[PATHBUF];
	bool backup = st->cfg.backup && strcmp(name, "permall") == 0;
	const char *what;
	struct stat sb;
	int fd, rc, saved;

	st_stamp_clear(stamp);

	blob_path(st, true, name, tmp, sizeof(tmp));
	blob_path(st, false, name, path, sizeof(path));
	if (backup)
		backup_path(st, ".bak", bak, sizeof(bak));
	if ((fd = open_temp(st, tmp)) < 0) {
		saved = errno;
		st_setmsg(msg, msglen, "SWTPM_NVRAM_StoreData_Dir: Error "
		    "(fatal) opening %s for write failed, %s", tmp,
		    strerror(saved));
		return ST_IO;
	}
	what = "writing";
	if (fs_write_all(fd, buf, len) < 0)
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
	rc = st_fs.close(fd);
	fd = -1;
	if (rc < 0)
		goto fail;
	what = "renaming";
	if (replace(tmp, path, backup ? bak : NULL) < 0)
		goto fail;
	if (st->cfg.fsync && fsync_dir(d->dir) < 0) {
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
	(void)st_fs.unlink(tmp);
	st_setmsg(msg, msglen, "SWTPM_NVRAM_StoreData_Dir: Error (fatal) "
	    "%s %s, %s", what, tmp, strerror(saved));
	return ST_IO;
}

static enum st_err
dir_del(struct st_store *st, const char *name, bool must_exist, char *msg,
    size_t msglen)
{
	struct dir_be *d = st->priv;
	char path[PATHBUF];

	st_stamp_clear(&d->stamp[st_name_index(name)]);
	blob_path(st, false, name, path, sizeof(path));
	if (st_fs.unlink(path) == 0)
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
	char path[PATHBUF];
	struct stat sb;

	blob_path(st, false, name, path, sizeof(path));
	if (stat(path, &sb) < 0) {
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

	st_stamp_clear(&d->stamp[st_name_index("permall")]);
}

static enum st_err
dir_backup_prepare(struct st_store *st, char *msg, size_t msglen)
{
	struct bnames n;
	const char *from = n.bak;
	struct stat sb;

	forget_permall(st);
	backup_names(st, &n);
	if (lstat(n.path, &sb) == 0 || errno != ENOENT)
		return ST_OK;
	/* a swap by renames was interrupted: permall.tmp was permall */
	if (lstat(n.tmp, &sb) == 0)
		from = n.tmp;
	else if (lstat(n.bak, &sb) < 0)
		return ST_OK;
	if (st_fs.rename(from, n.path) < 0) {
		st_setmsg(msg, msglen, "cannot restore %s from %s: %s",
		    n.path, from, strerror(errno));
		return ST_IO;
	}
	if (st->cfg.fsync)
		(void)fsync_dir(((const struct dir_be *)st->priv)->dir);
	return ST_OK;
}

/*
 * Exchanges permall and permall.bak: atomically where the kernel can,
 * else through permall.tmp with three renames (§2.6).
 */
static enum st_err
dir_backup_swap(struct st_store *st, char *msg, size_t msglen)
{
	struct bnames n;
	struct stat sb;

	forget_permall(st);
	backup_names(st, &n);
	if (lstat(n.bak, &sb) < 0)
		return errno == ENOENT ? ST_NOENT : ST_IO;
	if (st_fs.exchange(n.path, n.bak) < 0) {
		if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP &&
		    errno != ENOENT)
			goto fail;
		if (errno == ENOENT) {		/* no permall: just restore */
			if (st_fs.rename(n.bak, n.path) < 0)
				goto fail;
		} else if (st_fs.rename(n.path, n.tmp) < 0 ||
		    st_fs.rename(n.bak, n.path) < 0 ||
		    st_fs.rename(n.tmp, n.bak) < 0) {
			goto fail;
		}
	}
	if (st->cfg.fsync)
		(void)fsync_dir(((const struct dir_be *)st->priv)->dir);
	return ST_OK;
fail:
	st_setmsg(msg, msglen, "cannot swap %s and %s: %s", n.path, n.bak,
	    strerror(errno));
	return ST_IO;
}

/* Reads a whole regular file of the size in sb; NULL on any doubt. */
static uint8_t *
read_exact(const char *path, const struct st_stamp *sp)
{
	struct stat sb;
	uint8_t *b;
	size_t n = (size_t)sp->size, done = 0;
	ssize_t r;
	int fd;

	if (sp->size < 0 || (uint64_t)sp->size > ST_BLOB_MAX)
		return NULL;
	fd = st_fs.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
	    0);
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
	char path[PATHBUF];
	struct stat sb;
	uint8_t *b;
	bool ok;

	blob_path(st, false, name, path, sizeof(path));
	if (lstat(path, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    !st_stamp_match(sp, &sb))
		return false;
	if (!sp->racy)
		return true;
	if ((b = read_exact(path, sp)) == NULL)
		return false;
	ok = st_stamp_verify(sp, b, (size_t)sp->size);
	secure_free(b, (size_t)sp->size);
	return ok;
}

static void
dir_where(const struct st_store *st, const char *name, char *buf,
    size_t buflen)
{
	blob_path(st, false, name, buf, buflen);
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
	.unchanged = dir_unchanged,
};
