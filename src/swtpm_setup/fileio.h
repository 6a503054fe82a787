/*
 * Files swtpm_setup writes itself (EK certificate copies, configuration
 * files, a state put back): each through a temporary file in the same
 * directory, so that a reader sees the old file or the new one.
 */
#ifndef SETUP_FILEIO_H
#define SETUP_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Writes len bytes to path: a temporary file in the same directory is
 * written, fsync'ed, chmod'ed to mode, closed and renamed over path. A
 * failure leaves nothing behind. -1 with errno.
 */
int	 su_write_file(const char *path, const void *data, size_t len,
	    mode_t mode);

#endif
