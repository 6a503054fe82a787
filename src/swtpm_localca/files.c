/*
 * The CA lock, directories and atomic file replacement of swtpm_localca;
 * see files.h. A replaced file is always either the old or the new one
 * in full: the new contents are fsync'ed in a temporary file in the same
 * directory before the rename, and the directory is fsync'ed after it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"

static int
sys_open(const char *path, int flags, mode_t mode)
{
	return open(path, flags, mode);
}

struct lc_fsops lc_fs = {
	.open = sys_open,
	.write = write,
	.fsync = fsync,
	.close = close,
	.rename = rename,
	.unlink = unlink,
	.fchmod = fchmod,
	.mkdir = mkdir,
};

int
lc_lock(const char *path, int *fd, char *msg, size_t msglen)
{
	int e;

	*fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0660);
	if (*fd < 0) {
		/* COMPAT: §2.4, the reference's wording */
		snprintf(msg, msglen, "Could not open lockfile %s: %s", path,
		    strerror(errno));
		return -1;
	}
	while (flock(*fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		e = errno;
		snprintf(msg, msglen, "Could not lock file %s: %s", path,
		    strerror(e));
		close(*fd);
		*fd = -1;
		return -1;
	}
	return 0;
}

void
lc_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* drops the flock */
}

int
lc_mkdirs(const char *path, mode_t mode)
{
	struct stat sb;
	char *p, *s;
	int rc = 0;

	if (path[0] == '\0') {
		errno = ENOENT;
		return -1;
	}
	if ((p = strdup(path)) == NULL)
		return -1;
	s = p;
	for (;;) {
		while (*s == '/')
			s++;
		s = strchr(s, '/');
		if (s != NULL)
			*s = '\0';
		if (lc_fs.mkdir(p, mode) < 0 && (errno != EEXIST ||
		    stat(p, &sb) < 0 || !S_ISDIR(sb.st_mode))) {
			if (errno == EEXIST)
				errno = ENOTDIR;
			rc = -1;
			break;
		}
		if (s == NULL)
			break;
		*s++ = '/';
	}
	free(p);
	return rc;
}

char *
lc_dirname(const char *path)
{
	char *c = strdup(path), *d;

	if (c == NULL)
		return NULL;
	d = strdup(dirname(c));
	free(c);
	return d;
}

/* "<dir>/.<base>.swtpm-localca-tmp" */
static char *
tmp_name(const char *path)
{
	char *c, *d = NULL, *t = NULL;

	if ((c = strdup(path)) == NULL || (d = lc_dirname(path)) == NULL)
		goto out;
	if (asprintf(&t, "%s/.%s.swtpm-localca-tmp", d, basename(c)) < 0)
		t = NULL;
out:
	free(c);
	free(d);
	return t;
}

static ssize_t
write_all(int fd, const void *p, size_t n)
{
	const char *b = p;
	size_t done = 0;
	ssize_t w;

	while (done < n) {
		w = lc_fs.write(fd, b + done, n - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		done += (size_t)w;
	}
	return (ssize_t)done;
}

int
lc_stage(struct lc_staged *s, const char *path, const void *data,
    size_t len, mode_t mode, bool exact, char *msg, size_t msglen)
{
	int fd = -1, e;

	memset(s, 0, sizeof(*s));
	if ((s->path = strdup(path)) == NULL ||
	    (s->tmp = tmp_name(path)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		goto fail;
	}
	/* a leftover of a killed run; O_EXCL below refuses anything else */
	if (lc_fs.unlink(s->tmp) < 0 && errno != ENOENT) {
		snprintf(msg, msglen, "cannot remove '%s': %s", s->tmp,
		    strerror(errno));
		goto fail;
	}
	fd = lc_fs.open(s->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, exact ? 0600 : mode);
	if (fd < 0) {
		snprintf(msg, msglen, "cannot create '%s': %s", s->tmp,
		    strerror(errno));
		free(s->tmp);
		s->tmp = NULL;	/* not ours: leave it */
		goto fail;
	}
	if (write_all(fd, data, len) < 0 ||
	    (exact && lc_fs.fchmod(fd, mode) < 0) || lc_fs.fsync(fd) < 0) {
		e = errno;
		lc_fs.close(fd);
		snprintf(msg, msglen, "cannot write '%s': %s", path,
		    strerror(e));
		goto fail;
	}
	if (lc_fs.close(fd) < 0) {
		snprintf(msg, msglen, "cannot write '%s': %s", path,
		    strerror(errno));
		goto fail;
	}
	return 0;
fail:
	lc_staged_release(s);
	return -1;
}

int
lc_commit(struct lc_staged *s, char *msg, size_t msglen)
{
	if (lc_fs.rename(s->tmp, s->path) < 0) {
		snprintf(msg, msglen, "cannot rename '%s' to '%s': %s", s->tmp,
		    s->path, strerror(errno));
		return -1;
	}
	free(s->tmp);
	s->tmp = NULL;
	return 0;
}

void
lc_staged_release(struct lc_staged *s)
{
	if (s->tmp != NULL)
		lc_fs.unlink(s->tmp);
	free(s->tmp);
	free(s->path);
	s->tmp = s->path = NULL;
}

int
lc_sync_parent(const char *path, char *msg, size_t msglen)
{
	char *d = lc_dirname(path);
	int fd, rc = -1, e;

	if (d == NULL) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	fd = lc_fs.open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0 || lc_fs.fsync(fd) < 0) {
		e = errno;
		snprintf(msg, msglen, "cannot sync directory '%s': %s", d,
		    strerror(e));
	} else {
		rc = 0;
	}
	if (fd >= 0)
		lc_fs.close(fd);
	free(d);
	return rc;
}

int
lc_replace(const char *path, const void *data, size_t len, mode_t mode,
    char *msg, size_t msglen)
{
	struct lc_staged s;
	int rc = -1;

	if (lc_stage(&s, path, data, len, mode, false, msg, msglen) < 0)
		return -1;
	if (lc_commit(&s, msg, msglen) == 0 &&
	    lc_sync_parent(path, msg, msglen) == 0)
		rc = 0;
	lc_staged_release(&s);
	return rc;
}
