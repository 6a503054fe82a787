/*
 * The file system call table every backend goes through, so unit tests
 * can make the Nth write, fsync, rename or ftruncate fail.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"

static int
fs_open(const char *path, int flags, mode_t mode)
{
	return open(path, flags, mode);
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
};
