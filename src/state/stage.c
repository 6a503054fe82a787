/*
 * Whole-state replacement (st_stage_*): a new state is built complete
 * under a temporary name next to the old one, synced, and put in place
 * by one rename, so that a crash at any instant leaves either the whole
 * old or the whole new state, never a mix of blobs of both. Knows the
 * directory and linear-file layouts only through the backends.
 *
 * dir://D: the new state is a sibling directory ".D.stage-XXXXXX" that
 * receives the new blobs (through a dir:// store: temp file, fsync,
 * rename, directory fsync; unless a mode is given, with the mode of the
 * old permanent state file) and a copy of every other regular file of D
 * (another TPM version's state, for instance); then it is synced and
 * renameat2(RENAME_EXCHANGE) swaps it with D (the commit point), the
 * parent is synced and the old state, now under the temporary name, is
 * removed. A crash before the exchange leaves D untouched; after it, D
 * is the new state and at worst the old one lingers under the
 * temporary name. A D that did not exist is created by a plain rename.
 *
 * file://F (regular file): the new linear file ".F.stage-XXXXXX" beside
 * F is written and synced by the linear backend, then renamed over F
 * and the directory synced. A block device cannot be renamed: the store
 * writes it in place (its header is the linear backend's commit point
 * per blob, not for the whole state), so st_stage_open accepts one only
 * when 'direct' is allowed and it holds no state.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "io.h"

#define STAGE_SUFFIX	".stage-XXXXXX"

struct st_stage {
	struct st_store	*store;		/* the new state */
	bool		 is_dir;
	bool		 direct;	/* block device: no temporary */
	bool		 exists;	/* the final name exists */
	bool		 committed;
	int		 pdfd;	/* parent directory of the state */
	char		*parent;	/* its path, for messages */
	char		*base;		/* final name in parent */
	char		*tmp;	/* temporary name in parent, or NULL */
};

/* Splits the absolute form of path into parent and last component. */
static enum st_err
split_path(const char *path, char **parent, char **base, bool *exists,
    char *msg, size_t msglen)
{
	char *real = NULL, *copy = NULL, *slash;
	enum st_err rc = ST_OK;

	*parent = *base = NULL;
	if ((real = realpath(path, NULL)) != NULL) {
		*exists = true;
	} else if (errno == ENOENT) {
		/* the state itself is missing: its parent must exist */
		char *dir, *p;

		*exists = false;
		if ((copy = strdup(path)) == NULL)
			return ST_NOMEM;
		while ((p = strrchr(copy, '/')) != NULL && p[1] == '\0' &&
		    p != copy)
			*p = '\0';
		p = strrchr(copy, '/');
		dir = p == NULL ? "." : p == copy ? "/" : copy;
		if (p != NULL && p != copy)
			*p = '\0';
		if ((real = realpath(dir, NULL)) == NULL) {
			st_setmsg(msg, msglen, "cannot use '%s': %s", path,
			    strerror(errno));
			rc = ST_IO;
			goto out;
		}
		*base = strdup(p == NULL ? copy : p + 1);
		*parent = real;
		real = NULL;
		if (*base == NULL || **base == '\0' ||
		    strcmp(*base, ".") == 0 || strcmp(*base, "..") == 0)
			rc = *base == NULL ? ST_NOMEM : ST_INVAL;
		if (rc == ST_INVAL)
			st_setmsg(msg, msglen, "cannot use '%s' as a state",
			    path);
		goto out;
	} else {
		st_setmsg(msg, msglen, "cannot use '%s': %s", path,
		    strerror(errno));
		return ST_IO;
	}
	slash = strrchr(real, '/');
	if (slash == NULL || slash[1] == '\0') {
		st_setmsg(msg, msglen, "cannot replace '%s'", real);
		rc = ST_INVAL;
		goto out;
	}
	*base = strdup(slash + 1);
	*slash = '\0';
	*parent = strdup(slash == real ? "/" : real);
	if (*base == NULL || *parent == NULL)
		rc = ST_NOMEM;
out:
	free(real);
	free(copy);
	if (rc != ST_OK) {
		free(*parent);
		free(*base);
		*parent = *base = NULL;
	}
	return rc;
}

/* A fresh name ".<base>.stage-XXXXXX"; *made: a directory was created. */
static enum st_err
make_tmp(struct st_stage *sg, mode_t dmode, char *msg, size_t msglen)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/.%s" STAGE_SUFFIX, sg->parent,
	    sg->base) >= (int)sizeof(path)) {
		st_setmsg(msg, msglen, "path of '%s' too long", sg->base);
		return ST_INVAL;
	}
	if (sg->is_dir) {
		if (mkdtemp(path) == NULL)
			goto fail;
		(void)chmod(path, dmode);
	} else {
		/* the linear backend creates it; reserve the name first */
		fd = mkostemp(path, O_CLOEXEC);
		if (fd < 0)
			goto fail;
		close(fd);
	}
	sg->tmp = strdup(strrchr(path, '/') + 1);
	if (sg->tmp == NULL) {
		if (sg->is_dir)
			(void)rmdir(path);
		else
			(void)unlink(path);
		return ST_NOMEM;
	}
	return ST_OK;
fail:
	st_setmsg(msg, msglen, "cannot create a temporary state in '%s': %s",
	    sg->parent, strerror(errno));
	return ST_IO;
}

/* Copies the regular file 'name' of sdfd to ddfd (mode, owner, fsync). */
static enum st_err
copy_file(int sdfd, int ddfd, const char *name, const char *shown,
    char *msg, size_t msglen)
{
	struct stat sb;
	uint8_t *buf = NULL;
	size_t len = 0;
	enum st_err rc = ST_IO;
	int in, out = -1;

	in = st_open_file(sdfd, name, O_RDONLY, 0, false, "file", shown, &sb,
	    msg, msglen);
	if (in < 0)
		return ST_IO;
	if (read_all(in, ST_BLOB_MAX, &buf, &len) < 0) {
		st_setmsg(msg, msglen, "cannot read '%s': %s", shown,
		    strerror(errno));
		goto out;
	}
	out = st_fs.openat(ddfd, name, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, sb.st_mode & 07777);
	if (out < 0 || st_write_all(out, buf, len) < 0 ||
	    (geteuid() == 0 && fchown(out, sb.st_uid, sb.st_gid) < 0) ||
	    st_fs.fchmod(out, sb.st_mode & 07777) < 0 ||
	    st_fs.fsync(out) < 0) {
		st_setmsg(msg, msglen, "cannot copy '%s': %s", shown,
		    strerror(errno));
		goto out;
	}
	rc = ST_OK;
out:
	if (out >= 0 && st_fs.close(out) < 0 && rc == ST_OK) {
		st_setmsg(msg, msglen, "cannot copy '%s': %s", shown,
		    strerror(errno));
		rc = ST_IO;
	}
	st_fs.close(in);
	secure_free(buf, len);
	return rc;
}

/*
 * Copies every file of the old directory that is not this TPM version's
 * state into the new one; anything but a regular file is refused.
 */
static enum st_err
copy_others(struct st_stage *sg, bool tpm2, char *msg, size_t msglen)
{
	char shown[PATH_MAX];
	struct dirent *de;
	struct stat sb;
	DIR *dir = NULL;
	enum st_err rc = ST_OK;
	int sfd = -1, dfd = -1;

	sfd = openat(sg->pdfd, sg->base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	dfd = openat(sg->pdfd, sg->tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (sfd < 0 || dfd < 0 || (dir = fdopendir(dup(sfd))) == NULL) {
		st_setmsg(msg, msglen, "cannot read directory '%s/%s': %s",
		    sg->parent, sg->base, strerror(errno));
		rc = ST_IO;
		goto out;
	}
	while (rc == ST_OK && (de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    st_dir_own_file(tpm2, de->d_name))
			continue;
		snprintf(shown, sizeof(shown), "%s/%s/%s", sg->parent,
		    sg->base, de->d_name);
		if (fstatat(sfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(sb.st_mode)) {
			st_setmsg(msg, msglen, "cannot carry '%s' over: not a "
			    "regular file", shown);
			rc = ST_INVAL;
			break;
		}
		rc = copy_file(sfd, dfd, de->d_name, shown, msg, msglen);
	}
	if (rc == ST_OK && st_fs.fsync(dfd) < 0) {
		st_setmsg(msg, msglen, "cannot sync '%s': %s", sg->parent,
		    strerror(errno));
		rc = ST_IO;
	}
out:
	if (dir != NULL)
		closedir(dir);
	if (sfd >= 0)
		close(sfd);
	if (dfd >= 0)
		close(dfd);
	return rc;
}

/* Removes directory 'name' of pdfd and the files in it (no recursion). */
static int
remove_dir(int pdfd, const char *name)
{
	struct dirent *de;
	DIR *dir;
	int fd, ret = 0;

	fd = openat(pdfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (st_fs.unlinkat(dirfd(dir), de->d_name, 0) < 0)
			ret = -1;
	}
	closedir(dir);
	if (st_fs.unlinkat(pdfd, name, AT_REMOVEDIR) < 0)
		ret = -1;
	return ret;
}

/* Mode of the old permanent state file of directory 'base' (0 if none). */
static mode_t
perm_mode(const struct st_stage *sg, bool tpm2)
{
	char perm[64];
	struct stat sb;
	mode_t mode = 0;
	int dfd;

	dfd = openat(sg->pdfd, sg->base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (dfd < 0)
		return 0;
	st_dir_file_name(tpm2, false, ST_PERMALL, "", perm, sizeof(perm));
	if (fstatat(dfd, perm, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(sb.st_mode))
		mode = sb.st_mode & 0777;
	close(dfd);
	return mode;
}

/*
 * The state that exists at the final name: of the right type (into
 * *sb), a block device only if direct_ok; sets sg->direct and, unless
 * given, the mode of the new files from the old ones.
 */
static enum st_err
check_old(struct st_stage *sg, struct st_store_cfg *scfg, bool direct_ok,
    const char *path, struct stat *sb, char *msg, size_t msglen)
{
	mode_t m;

	if (fstatat(sg->pdfd, sg->base, sb, AT_SYMLINK_NOFOLLOW) < 0) {
		st_setmsg(msg, msglen, "cannot stat '%s': %s", path,
		    strerror(errno));
		return ST_IO;
	}
	if (sg->is_dir != S_ISDIR(sb->st_mode) || (!sg->is_dir &&
	    !S_ISREG(sb->st_mode) && !S_ISBLK(sb->st_mode))) {
		st_setmsg(msg, msglen, "'%s' is not a %s", path, sg->is_dir ?
		    "directory" : "regular file or block device");
		return ST_INVAL;
	}
	if (S_ISBLK(sb->st_mode)) {
		if (!direct_ok) {
			st_setmsg(msg, msglen, "cannot replace the state on "
			    "block device '%s' atomically", path);
			return ST_INVAL;
		}
		sg->direct = true;
		return ST_OK;
	}
	/* the new linear file or blobs keep the old one's mode */
	m = sg->is_dir ? perm_mode(sg, scfg->tpm2) : sb->st_mode & 07777;
	if (!scfg->mode_set && m != 0) {
		scfg->mode = m;
		scfg->mode_set = true;
	}
	return ST_OK;
}

/* The temporary state beside the old one, and its store. */
static enum st_err
make_stage(struct st_stage *sg, const struct st_store_cfg *scfg,
    const struct stat *sb, const char *path, char *msg, size_t msglen)
{
	char *suri = NULL;
	enum st_err rc;

	rc = make_tmp(sg, sg->exists ? sb->st_mode & 07777 : 0700, msg,
	    msglen);
	if (rc != ST_OK)
		return rc;
	if (sg->exists && geteuid() == 0 &&
	    fchownat(sg->pdfd, sg->tmp, sb->st_uid, sb->st_gid,
	    AT_SYMLINK_NOFOLLOW) < 0) {
		st_setmsg(msg, msglen, "cannot give '%s' the owner of '%s': "
		    "%s", sg->tmp, path, strerror(errno));
		return ST_IO;
	}
	if (sg->is_dir && sg->exists &&
	    (rc = copy_others(sg, scfg->tpm2, msg, msglen)) != ST_OK)
		return rc;
	if (asprintf(&suri, "%s%s/%s", sg->is_dir ? "dir://" : "file://",
	    sg->parent, sg->tmp) < 0)
		return ST_NOMEM;
	rc = st_store_open(&sg->store, suri, scfg, msg, msglen, NULL, 0);
	free(suri);
	return rc;
}

enum st_err
st_stage_open(struct st_stage **out, const char *uri,
    const struct st_store_cfg *cfg, bool direct_ok, char *msg, size_t msglen)
{
	struct st_stage *sg;
	struct st_store_cfg scfg = *cfg;
	struct stat sb;
	const char *path;
	enum st_err rc;

	*out = NULL;
	if ((sg = calloc(1, sizeof(*sg))) == NULL)
		return ST_NOMEM;
	sg->pdfd = -1;
	if (strncmp(uri, "dir://", 6) == 0) {
		sg->is_dir = true;
		path = uri + 6;
	} else if (strncmp(uri, "file://", 7) == 0) {
		path = uri + 7;
	} else {
		st_setmsg(msg, msglen, "Unsupported backend.");
		rc = ST_INVAL;
		goto fail;
	}
	if ((rc = split_path(path, &sg->parent, &sg->base, &sg->exists, msg,
	    msglen)) != ST_OK)
		goto fail;
	sg->pdfd = open(sg->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sg->pdfd < 0) {
		st_setmsg(msg, msglen, "cannot open directory '%s': %s",
		    sg->parent, strerror(errno));
		rc = ST_IO;
		goto fail;
	}
	if (sg->exists && (rc = check_old(sg, &scfg, direct_ok, path, &sb,
	    msg, msglen)) != ST_OK)
		goto fail;
	scfg.lock = false;
	scfg.readonly = false;
	scfg.backup = false;
	scfg.fsync = true;
	if (sg->direct)
		rc = st_store_open(&sg->store, uri, &scfg, msg, msglen, NULL,
		    0);
	else
		rc = make_stage(sg, &scfg, &sb, path, msg, msglen);
	if (rc != ST_OK)
		goto fail;
	*out = sg;
	return ST_OK;
fail:
	st_stage_free(sg);
	return rc;
}

struct st_store *
st_stage_store(struct st_stage *sg)
{
	return sg->store;
}

enum st_err
st_stage_save_backup(struct st_stage *sg, bool tpm2, const uint8_t *buf,
    size_t len, char *msg, size_t msglen)
{
	char perm[64], bak[64];
	enum st_err rc;
	int dfd;

	if (!sg->is_dir || sg->direct) {
		st_setmsg(msg, msglen, "only a state directory keeps a backup");
		return ST_INVAL;
	}
	/* saved as permall (atomic, synced), then renamed to its name */
	rc = st_store_save(sg->store, ST_PERMALL, buf, len, msg, msglen);
	if (rc != ST_OK)
		return rc;
	st_dir_file_name(tpm2, false, ST_PERMALL, "", perm, sizeof(perm));
	st_dir_file_name(tpm2, false, ST_PERMALL, ".bak", bak, sizeof(bak));
	dfd = openat(sg->pdfd, sg->tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (dfd < 0 || st_fs.renameat(dfd, perm, dfd, bak) < 0 ||
	    st_fs.fsync(dfd) < 0) {
		st_setmsg(msg, msglen, "cannot write the backup '%s': %s",
		    bak, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return ST_IO;
	}
	close(dfd);
	return ST_OK;
}

/* As root: the new files get the owner of the directory they are in. */
static enum st_err
chown_files(struct st_stage *sg, char *msg, size_t msglen)
{
	struct dirent *de;
	struct stat sb;
	DIR *dir;
	enum st_err rc = ST_OK;
	int fd;

	if (geteuid() != 0 || !sg->is_dir || !sg->exists)
		return ST_OK;
	fd = openat(sg->pdfd, sg->tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		st_setmsg(msg, msglen, "cannot read '%s': %s", sg->tmp,
		    strerror(errno));
		return ST_IO;
	}
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.' && (de->d_name[1] == '\0' ||
		    strcmp(de->d_name, "..") == 0))
			continue;
		if (fchownat(dirfd(dir), de->d_name, sb.st_uid, sb.st_gid,
		    AT_SYMLINK_NOFOLLOW) < 0) {
			st_setmsg(msg, msglen, "cannot chown '%s': %s",
			    de->d_name, strerror(errno));
			rc = ST_IO;
			break;
		}
	}
	closedir(dir);
	return rc;
}

enum st_err
st_stage_commit(struct st_stage *sg, char *notice, size_t noticelen,
    char *msg, size_t msglen)
{
	struct st_store *st = sg->store;
	int r;

	if (notice != NULL && noticelen > 0)
		notice[0] = '\0';
	/* the store synced every file it wrote, and its directory */
	sg->store = NULL;
	st_store_free(st);
	if (sg->direct) {
		sg->committed = true;
		return ST_OK;
	}
	if (chown_files(sg, msg, msglen) != ST_OK)
		return ST_IO;
	if (sg->exists)
		r = st_fs.exchange(sg->pdfd, sg->tmp, sg->base);
	else
		r = st_fs.renameat(sg->pdfd, sg->tmp, sg->pdfd, sg->base);
	if (r < 0) {
		st_setmsg(msg, msglen, "cannot put the new state in place of "
		    "'%s/%s': %s", sg->parent, sg->base, strerror(errno));
		return ST_IO;
	}
	sg->committed = true;
	/* the new state is in place; failures below only leave litter */
	if (st_fs.fsync(sg->pdfd) < 0)
		st_setmsg(notice, noticelen, "cannot sync directory '%s': %s",
		    sg->parent, strerror(errno));
	if (!sg->exists)
		return ST_OK;
	if (sg->is_dir)
		r = remove_dir(sg->pdfd, sg->tmp);
	else
		r = st_fs.unlinkat(sg->pdfd, sg->tmp, 0);
	if (r < 0)
		st_setmsg(notice, noticelen, "cannot remove the old state "
		    "'%s/%s': %s", sg->parent, sg->tmp, strerror(errno));
	return ST_OK;
}

void
st_stage_free(struct st_stage *sg)
{
	if (sg == NULL)
		return;
	st_store_free(sg->store);
	if (!sg->committed && sg->tmp != NULL && sg->pdfd >= 0) {
		if (sg->is_dir)
			(void)remove_dir(sg->pdfd, sg->tmp);
		else
			(void)st_fs.unlinkat(sg->pdfd, sg->tmp, 0);
	}
	if (sg->pdfd >= 0)
		close(sg->pdfd);
	free(sg->parent);
	free(sg->base);
	free(sg->tmp);
	free(sg);
}

enum st_err
st_stage_sweep(const char *uri, char *msg, size_t msglen)
{
	char *parent = NULL, *base = NULL, pfx[NAME_MAX + 2];
	struct dirent *de;
	struct stat sb;
	bool exists, is_dir = strncmp(uri, "dir://", 6) == 0;
	enum st_err rc;
	DIR *dir;
	int pdfd;

	if (!is_dir && strncmp(uri, "file://", 7) != 0)
		return ST_OK;
	rc = split_path(uri + (is_dir ? 6 : 7), &parent, &base, &exists, msg,
	    msglen);
	if (rc != ST_OK)
		return rc;
	snprintf(pfx, sizeof(pfx), ".%s.stage-", base);
	pdfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pdfd >= 0 && (dir = fdopendir(dup(pdfd))) != NULL) {
		while ((de = readdir(dir)) != NULL) {
			if (strncmp(de->d_name, pfx, strlen(pfx)) != 0 ||
			    strlen(de->d_name) != strlen(pfx) + 6 ||
			    fstatat(pdfd, de->d_name, &sb,
			    AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			if (is_dir && S_ISDIR(sb.st_mode))
				(void)remove_dir(pdfd, de->d_name);
			else if (!is_dir && S_ISREG(sb.st_mode))
				(void)st_fs.unlinkat(pdfd, de->d_name, 0);
		}
		closedir(dir);
	}
	if (pdfd >= 0)
		close(pdfd);
	free(parent);
	free(base);
	return ST_OK;
}
