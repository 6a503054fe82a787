/*
 * The file system call table every backend goes through, so unit tests
 * can make the Nth write, fsync, rename or ftruncate fail; and the one
 * record-lock call both backends share.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
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

/* rename(2) that swaps both names; fails with EINVAL where unsupported. */
static int
fs_exchange(const char *from, const char *to)
{
#ifdef RENAME_EXCHANGE
	return renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_EXCHANGE);
#else
	(void)from;
	(void)to;
	errno = EINVAL;
	return -1;
#endif
}

struct st_fsops st_fs = {
	.open = fs_open,
	.write = write,
	.pwrite = pwrite,
	.fsync = fsync,
	.close = close,
	.rename = rename,
	.unlink = unlink,
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
