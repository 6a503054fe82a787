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
		logerr("Out of memory.\n");
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
		logerr("User %s cannot read/write file %s.\n", user, b->path);
		return -1;
	}
	if (asprintf(&lock, "%s/.lock", b->path) < 0) {
		logerr("Out of memory.\n");
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

static int
delete_dir(const struct su_backend *b)
{
	struct dirent *de;
	DIR *d;
	int dfd, ret = 0;

	dfd = open(b->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || (d = fdopendir(dfd)) == NULL) {
		logerr("Could not open directory %s: %s\n", b->path,
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
		/* COMPAT: provisioning.md §1.6: TPM 1.2 and TPM 2 files */
		if (!ends_with(de->d_name, "permall") &&
		    !ends_with(de->d_name, "volatilestate") &&
		    !ends_with(de->d_name, "savestate"))
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
