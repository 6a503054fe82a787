/*
 * The file system call table every backend goes through, so unit tests
 * can make the Nth write, fsync, rename or ftruncate fail; the one
 * record-lock call both backends share; and the one rule for opening a
 * state or lock file (no symlinks, no FIFOs, no hard links).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static int
fs_open(const char *path, int flags, mode_t mode)
{
	return open(path, flags, mode);
}

static int
fs_openat(int dfd, const char *path, int flags, mode_t mode)
{
	return openat(dfd, path, flags, mode);
}

/* rename(2) that swaps both names; fails with EINVAL where unsupported. */
static int
fs_exchange(int dfd, const char *from, const char *to)
{
#ifdef RENAME_EXCHANGE
	return renameat2(dfd, from, dfd, to, RENAME_EXCHANGE);
#else
	(void)dfd;
	(void)from;
	(void)to;
	errno = EINVAL;
	return -1;
#endif
}

struct st_fsops st_fs = {
	.open = fs_open,
	.openat = fs_openat,
	.write = write,
	.pwrite = pwrite,
	.fsync = fsync,
	.close = close,
	.renameat = renameat,
	.unlink = unlink,
	.unlinkat = unlinkat,
	.ftruncate = ftruncate,
	.pread = pread,
	.fchmod = fchmod,
	.exchange = fs_exchange,
};

int
st_setlk(int fd, short type)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));	/* whole file, l_pid 0 for OFD */
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
#ifdef F_OFD_SETLK
	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	if (errno != EINVAL)
		return -1;
#endif
	return fcntl(fd, F_SETLK, &fl);
}

/* Why sb is not a file the backends may use; NULL if it is. */
static const char *
unusable(const struct stat *sb, bool blk_ok, char *buf, size_t buflen)
{
	if (S_ISLNK(sb->st_mode))
		return "it is a symbolic link";
	if (S_ISFIFO(sb->st_mode))
		return "it is a FIFO";
	if (S_ISDIR(sb->st_mode))
		return "it is a directory";
	if (S_ISSOCK(sb->st_mode))
		return "it is a socket";
	if (S_ISBLK(sb->st_mode) && blk_ok)
		return NULL;
	if (!S_ISREG(sb->st_mode))
		return "it is not a regular file";
	if (sb->st_nlink > 1) {
		snprintf(buf, buflen, "it has %ju hard links",
		    (uintmax_t)sb->st_nlink);
		return buf;
	}
	return NULL;
}

int
st_open_file(int dfd, const char *name, int flags, mode_t mode, bool blk_ok,
    const char *what, const char *shown, struct stat *sb, char *msg,
    size_t msglen)
{
	const char *why;
	char buf[64];
	int fd, saved, fl;

	fd = st_fs.openat(dfd, name, flags | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC, mode);
	if (fd < 0) {
		saved = errno;
		/* ELOOP: a symlink; ENXIO: a FIFO without a reader, ... */
		if (saved != ENOENT && fstatat(dfd, name, sb,
		    AT_SYMLINK_NOFOLLOW) == 0 &&
		    (why = unusable(sb, blk_ok, buf, sizeof(buf))) != NULL) {
			st_setmsg(msg, msglen, "cannot use %s '%s': %s", what,
			    shown, why);
			saved = EPERM;
		} else if (saved != ENOENT) {
			st_setmsg(msg, msglen, "cannot open %s '%s': %s", what,
			    shown, strerror(saved));
		}
		errno = saved;
		return -1;
	}
	if (fstat(fd, sb) < 0) {
		saved = errno;
		st_setmsg(msg, msglen, "cannot stat %s '%s': %s", what, shown,
		    strerror(saved));
		goto fail;
	}
	if ((why = unusable(sb, blk_ok, buf, sizeof(buf))) != NULL) {
		st_setmsg(msg, msglen, "cannot use %s '%s': %s", what, shown,
		    why);
		saved = EPERM;
		goto fail;
	}
	if ((fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		saved = errno;
		st_setmsg(msg, msglen, "cannot open %s '%s': %s", what, shown,
		    strerror(saved));
		goto fail;
	}
	return fd;
fail:
	st_fs.close(fd);
	errno = saved;
	return -1;
}

bool
st_owned(const struct stat *sb)
{
	return sb->st_uid == geteuid();
}

ssize_t
st_write_all(int fd, const uint8_t *p, size_t n)
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
