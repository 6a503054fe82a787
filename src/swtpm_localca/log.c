/*
 * Messages of swtpm_localca; see log.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "log.h"

static int log_fd = -1;

int
lc_log_open(const char *path)
{
	struct stat sb;

	if (lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode)) {
		fprintf(stderr, "Logfile must not be a symlink.\n");
		return -1;
	}
	log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0640);
	if (log_fd < 0) {
		fprintf(stderr, "Cannot write to logfile %s.\n", path);
		return -1;
	}
	return 0;
}

static void
emit(int fd, const char *fmt, va_list ap)
{
	char *s = NULL;
	int n;

	n = vasprintf(&s, fmt, ap);
	if (n < 0)
		return;
	if (log_fd >= 0)
		fd = log_fd;
	(void)write_full(fd, s, (size_t)n);
	free(s);
}

void
lc_logit(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(STDOUT_FILENO, fmt, ap);
	va_end(ap);
}

void
lc_logerr(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(STDERR_FILENO, fmt, ap);
	va_end(ap);
}
