/*
 * State backends of swtpm_setup: see backend.h. Only what swtpm_setup
 * itself does to the state (check, delete); reading and writing it is
 * the child swtpm's job.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "fileio.h"
#include "io.h"
#include "log.h"

int
su_backend_init(struct su_backend *b, const char *uri)
{
	struct stat st;

	memset(b, 0, sizeof(*b));
	if (strncmp(uri, "file://", 7) == 0) {
		b->is_file = true;
		uri += 7;
	} else if (strncmp(uri, "dir://", 6) == 0) {
		uri += 6;
	}
	if ((b->path = strdup(uri)) == NULL) {
		logerr("out of memory\n");
		return -1;
	}
	if (b->is_file) {
		if (stat(b->path, &st) == 0) {
			b->is_blockdev = S_ISBLK(st.st_mode);
		} else if (errno != ENOENT) {
			logerr("Couldn't stat file %s: %s\n", b->path,
			    strerror(errno));
			su_backend_release(b);
			return -1;
		}
	}
	return 0;
}

void
su_backend_release(struct su_backend *b)
{
	free(b->path);
	b->path = NULL;
}

int
su_check_dir(const char *dir, int mode, const char *user)
{
	struct stat st;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		logerr("User %s cannot access directory %s. Make sure it "
		    "exists and is a directory.\n", user, dir);
		return -1;
	}
	if ((mode & R_OK) && access(dir, R_OK) != 0) {
		logerr("Need read rights on directory %s for user %s.\n", dir,
		    user);
		return -1;
	}
	if ((mode & W_OK) && access(dir, W_OK) != 0) {
		logerr("Need write rights on directory %s for user %s.\n",
		    dir, user);
		return -1;
	}
	return 0;
}

int
su_backend_check(const struct su_backend *b, const char *user)
{
	struct stat st;
	char *lock;
	int ret = 0;

	if (b->is_file) {
		if (access(b->path, R_OK | W_OK) == 0 || errno == ENOENT)
			return 0;
		logerr("user '%s' cannot read and write state file '%s'\n",
		    user, b->path);
		return -1;
	}
	if (asprintf(&lock, "%s/.lock", b->path) < 0) {
		logerr("out of memory\n");
		return -1;
	}
	if (stat(lock, &st) == 0 && access(lock, R_OK | W_OK) != 0) {
		logerr("User %s cannot read/write lockfile %s.\n", user, lock);
		ret = -1;
	}
	free(lock);
	if (ret == 0)
		ret = su_check_dir(b->path, R_OK | W_OK, user);
	return ret;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* COMPAT: provisioning.md §1.6: TPM 1.2 and TPM 2 state files alike */
static bool
is_state_file(const char *name)
{
	return ends_with(name, "permall") || ends_with(name, "volatilestate") ||
	    ends_with(name, "savestate");
}

static int
delete_dir(const struct su_backend *b)
{
	struct dirent *de;
	DIR *d;
	int dfd, ret = 0;

	dfd = open(b->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || (d = fdopendir(dfd)) == NULL) {
		logerr("cannot open state directory '%s': %s\n", b->path,
		    strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			if (errno != 0) {
				logerr("Error getting next filename: %s\n",
				    strerror(errno));
				ret = -1;
			}
			break;
		}
		if (!is_state_file(de->d_name))
			continue;
		if (unlinkat(dfd, de->d_name, 0) < 0 && errno != ENOENT) {
			logerr("Could not remove %s: %s\n", de->d_name,
			    strerror(errno));
			ret = -1;
			break;
		}
	}
	closedir(d);
	return ret;
}

int
su_backend_delete(const struct su_backend *b)
{
	static const unsigned char zero[8];
	int fd, ret = 0;

	if (!b->is_file)
		return delete_dir(b);
	if (!b->is_blockdev) {
		if (unlink(b->path) < 0 && errno != ENOENT) {
			logerr("Couldn't unlink file for clearing %s: %s\n",
			    b->path, strerror(errno));
			return -1;
		}
		return 0;
	}
	/* the 8-byte header: swtpm then sees a new instance */
	fd = open(b->path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		logerr("Couldn't open file for clearing %s: %s\n", b->path,
		    strerror(errno));
		return -1;
	}
	if (write_full(fd, zero, sizeof(zero)) < 0) {
		logerr("Couldn't write file for clearing %s: %s\n", b->path,
		    strerror(errno));
		ret = -1;
	}
	close(fd);
	return ret;
}

#define SNAP_MAX	(16u << 20)

/* Reads dfd/name (or the path when dfd is AT_FDCWD) into the next slot. */
static bool
snap_one(struct su_snapshot *snap, int dfd, const char *name)
{
	struct su_snapfile *f = &snap->f[snap->n];
	unsigned char *data = NULL;
	struct stat st;
	size_t len;
	int fd;

	if (snap->n == sizeof(snap->f) / sizeof(snap->f[0]))
		return false;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    read_all(fd, SNAP_MAX, &data, &len) < 0) {
		close(fd);
		return false;
	}
	close(fd);
	if ((f->name = strdup(name)) == NULL) {
		free(data);
		return false;
	}
	f->data = data;
	f->len = len;
	f->mode = st.st_mode & 07777;
	snap->n++;
	return true;
}

void
su_backend_snapshot(const struct su_backend *b, struct su_snapshot *snap)
{
	struct dirent *de;
	DIR *d;
	int dfd;

	memset(snap, 0, sizeof(*snap));
	snap->whole = true;
	if (b->is_file) {
		if (b->is_blockdev || !snap_one(snap, AT_FDCWD, b->path))
			snap->whole = false;
		return;
	}
	dfd = open(b->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || (d = fdopendir(dfd)) == NULL) {
		if (dfd >= 0)
			close(dfd);
		snap->whole = false;
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (is_state_file(de->d_name) &&
		    !snap_one(snap, dirfd(d), de->d_name))
			snap->whole = false;
	closedir(d);
}

static bool
in_snapshot(const struct su_snapshot *snap, const char *name)
{
	size_t i;

	for (i = 0; i < snap->n; i++)
		if (strcmp(snap->f[i].name, name) == 0)
			return true;
	return false;
}

int
su_backend_restore(const struct su_backend *b,
    const struct su_snapshot *snap)
{
	const struct su_snapfile *f;
	struct dirent *de;
	char *path;
	size_t i;
	DIR *d;
	int ret = 0;

	if (!snap->whole)
		return -1;
	for (i = 0; i < snap->n; i++) {
		f = &snap->f[i];
		if (b->is_file)
			path = strdup(f->name);
		else if (asprintf(&path, "%s/%s", b->path, f->name) < 0)
			path = NULL;
		if (path == NULL ||
		    su_write_file(path, f->data, f->len, f->mode) < 0) {
			logerr("cannot restore state file '%s': %s\n",
			    path != NULL ? path : f->name, strerror(errno));
			ret = -1;
		}
		free(path);
	}
	if (b->is_file || (d = opendir(b->path)) == NULL)
		return ret;
	while ((de = readdir(d)) != NULL)
		if (is_state_file(de->d_name) &&
		    !in_snapshot(snap, de->d_name))
			(void)unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	return ret;
}

void
su_snapshot_release(struct su_snapshot *snap)
{
	size_t i;

	for (i = 0; i < snap->n; i++) {
		free(snap->f[i].name);
		secure_free(snap->f[i].data, snap->f[i].len);
	}
	memset(snap, 0, sizeof(*snap));
}
